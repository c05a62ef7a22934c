// The iklimco platform: one Pulumi program replacing the 24-step shell pipeline. This file is the composition
// root: it loads the validated config, builds the components in pipeline order and exports what the deploy
// workflow and operators read. The order between components comes from the data passed between them.
import * as pulumi from "@pulumi/pulumi";
import { VaultBackup } from "./components/backup";
import { CertFlow } from "./components/certs";
import { loadConfig } from "./components/config";
import { DnsRecords } from "./components/dns";
import { InfraDb } from "./components/infra-db";
import { PlatformInit } from "./components/init";
import { InfraSecrets } from "./components/infra-db/secrets";
import { resetPipeline } from "./components/pipeline";
import { SwarmFoundation } from "./components/swarm";
import { Vault, VaultConfiguration } from "./components/vault";
import { vaultHostname } from "./components/vault/hcl";

const steps = resetPipeline();

// Steps 5 and 6: the prod env and the service secret files are the stack config, validated before anything.
const config = loadConfig();

// Steps 3, 8 and 12 (network): the manager's Docker engine over SSH with Harbor auth, and iklimco-net.
const swarm = new SwarmFoundation(config.stackName, { config });
steps.realise(3, swarm.provider);
steps.realise(8, swarm.provider);
steps.realise(12, swarm.network);

// Step 11: generated infrastructure secrets.
const infraSecrets = steps.realise(11, new InfraSecrets(`${config.stackName}-infra-secrets`, { config, provider: swarm.provider }));

// --- infradb ---
// Steps 9, 12, 15, 18: the infra/DB services (etcd, Patroni, MongoDB, RabbitMQ, APISIX, SWAG, Grafana) and the
// SWAG files; their public fields (topologies, services to wait on, secrets) are what later components read.
const infraDb = new InfraDb(`${config.stackName}-infra-db`, { config, services: swarm.services, secrets: infraSecrets });

// --- vault ---
// Steps 10 and 14 (Vault): the TLS placeholder, the Raft members and their bootstrap. Vault as code (steps 14
// and 16) comes after the certificate flow, so the provider talks to Vault over its real, verified certificate.
const vault = new Vault(`${config.stackName}-vault`, { config, swarm });

// --- certs ---
// Steps 20 and 24 (certificates): cert-reloader beside SWAG, cert-distributor on the Vault nodes, the bounded
// wait for the published certificate and the verification that every Vault member serves it. Whatever needs the
// real certificate depends on certs.certificateReady; whatever verifies Vault's public name on
// certs.vaultServesCertificate.
const certs = new CertFlow(`${config.stackName}-certs`, {
    config,
    swarm,
    swag: { service: infraDb.swag.service, node: infraDb.swag.node },
    vault: { serviceNames: vault.serviceNames, services: vault.cluster.services },
});

// --- dns ---
// Step 23: the public A records, once SWAG serves with the real certificate. They point at SWAG's node; Vault's
// (when the runner reaches it by its public name) at the Vault nodes, before Vault as code needs it.
const dns = new DnsRecords(`${config.stackName}-dns`, {
    config,
    after: [infraDb.swag.service, ...certs.certificateReady],
    addresses: [infraDb.swag.nodePublicIp],
    // vault.runnerAccess public: Vault's name points at the Vault nodes once the members publish their port.
    vaultAfter: vault.cluster.services,
});

// Steps 14 and 16: root token retired, AppRole backend, KV v2, audit device, per-service policies, roles and
// the <svc>_vault_role_id / <svc>_vault_secret_id Swarm secrets.
const vaultConfig = new VaultConfiguration(`${config.stackName}-vault-config`, { config, swarm, vault, tlsReady: [...certs.vaultServesCertificate, ...dns.runnerReachesVault] });

// --- backup ---
// Scheduled Raft snapshots of Vault to the StorageBox, with their own snapshot-only AppRole.
const vaultBackup = new VaultBackup(`${config.stackName}-vault-backup`, {
    config,
    swarm,
    vaultProvider: vaultConfig.access.provider,
    approlePath: vaultConfig.access.approle.path,
});

// --- init ---
// Steps 7, 14 (RabbitMQ), 19, 21, 22: one-shot jobs on the overlay, each after exactly the services it uses.
const init = new PlatformInit(`${config.stackName}-init`, {
    config,
    provider: swarm.provider,
    network: swarm.network.name,
    postgres: { hosts: infraDb.patroniHosts, port: config.postgres.port, superuser: infraDb.patroni.superuser, superuserPassword: infraSecrets.postgresSuperuserPassword.value, ready: infraDb.patroni.ready },
    mongodb: { hosts: infraDb.mongodbMemberHosts, replicaSet: infraDb.mongodbReplicaSet, rootUser: infraDb.mongodb.rootUser, rootPassword: infraSecrets.mongodbRootPassword.value, ready: infraDb.mongodb.ready },
    rabbitmq: { node: infraDb.rabbitmq.nodeNames[0], erlangCookie: infraSecrets.rabbitmqErlangCookie.value, ready: infraDb.rabbitmq.ready },
    apisix: { etcdEndpoints: infraDb.etcdClientEndpoints, etcdHealthy: infraDb.etcd.ready, ready: infraDb.apisix.ready },
});

// --- policy ---
// The policy pack (policies/) checks this program's plan: offline in `npm run plan`, for real with
// `pulumi preview|up --policy-pack policies`. The microservice program (microservice/) reads the outputs
// exported below through a StackReference; `microserviceSecrets` comes with the Vault component (step 16).

export const networkName = swarm.network.name;
export const rabbitmqErlangCookieSecret = infraSecrets.rabbitmqErlangCookie.swarmName;
export const networkId = swarm.network.id;
export const dockerHost = config.docker.host;
export const dockerSshOpts = config.docker.sshOpts;
export const registryServer = config.registry.server;
export const registryUsername = config.registry.username ?? "";
export const etcdClientEndpoints = infraDb.etcdClientEndpoints;
export const patroniHosts = infraDb.patroniHosts;
export const databaseMongodbHost = infraDb.databaseMongodbHost;
export const swagNode = infraDb.swag.node;
export const infraServices = Object.fromEntries(Object.entries(infraDb.services).map(([k, v]) => [k, v.map((x: { name: unknown }) => x.name)]));
export const dnsHostnames = dns.hostnames;
// Every name under the domain the program uses: public (declared above) or not, and how the latter is reached.
export const dnsNames = dns.names;
export const certReloaderService = certs.reloaderName;
export const certDistributorService = certs.distributorName;
export const certVerifyCommand = certs.verifyCommand;
export const vaultAddress = vaultConfig.address;
// Where a microservice reaches Vault: every member answers to Vault's name on the overlay (a network alias),
// and the certificate covers it (`*.<domain>`).
export const vaultServiceAddress = `https://${vaultHostname(config)}:${config.vault.port}`;
export const vaultServices = vault.serviceNames;
export const vaultUnsealKeySecret = vault.unsealKey.swarmName;
export const microserviceSecrets = vaultConfig.microserviceSecrets();
export const microserviceDbSecrets = init.credentials.swarmSecrets();
// The current names of every Swarm secret another stack mounts: kept on rotation (retainOnDelete), the older
// versions are removed by `tools/adoption/retire-legacy-secrets.sh --rotated` once nothing mounts them.
export const sharedSecretNames = pulumi
    .all([microserviceSecrets, microserviceDbSecrets])
    .apply(([approle, db]) => [...Object.values(approle).flatMap((s) => [s.roleId.name, s.secretId.name]), ...Object.values(db).flatMap((m) => Object.values(m).map((s) => s.name))].sort());
export const vaultSnapshotDir = vaultBackup.snapshotDir;
