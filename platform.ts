// The iklimco platform as one function: the components built in pipeline order from the validated config, and
// what the deploy workflow, the operators and the microservice stacks read from it. index.ts (what Pulumi runs)
// and the offline engine (`npm run plan`, `npm run bench`, the tests) call the same `declarePlatform`. The order
// between components comes from the data passed between them; the pipeline record says which resources realise
// which step and why each ordering edge without data exists (components/pipeline.ts).
// First: it must act before anything loads the Pulumi SDK (sdk-start.ts).
import "./sdk-start";
import * as pulumi from "@pulumi/pulumi";
import { VaultBackup } from "./components/backup";
import { CertFlow } from "./components/certs";
import { PlatformConfig, loadConfig } from "./components/config";
import { DeclaredStack } from "./components/declared-stack";
import { DnsRecords } from "./components/dns";
import { InfraDb } from "./components/infra-db";
import { PlatformInit } from "./components/init";
import { InfraSecrets } from "./components/infra-db/secrets";
import { PipelineNotes, PipelineRecord } from "./components/pipeline";
import { ServiceBuilder, SwarmFoundation } from "./components/swarm";
import { Vault, VaultConfiguration } from "./components/vault";
import { vaultHostname } from "./components/naming";

export interface Platform {
    readonly config: PlatformConfig;
    readonly swarm: SwarmFoundation;
    readonly infraSecrets: InfraSecrets;
    readonly infraDb: InfraDb;
    readonly vault: Vault;
    readonly certs: CertFlow;
    readonly dns: DnsRecords;
    readonly vaultConfig: VaultConfiguration;
    readonly vaultBackup: VaultBackup;
    readonly init: PlatformInit;
    /** The whole program's pipeline record: the components' records folded in, in the order they were built. */
    readonly pipeline: PipelineRecord;
    /** Every service builder (the foundation's): the stack-file renderer reads the specs it built. */
    readonly services: readonly ServiceBuilder[];
}

/** Declares the whole platform for one validated config (steps 5 and 6: the config is the prod env and secrets). */
export function declarePlatform(config: PlatformConfig): Platform {
    const steps = new PipelineNotes();

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
    const infraDb = steps.fold(new InfraDb(`${config.stackName}-infra-db`, { config, services: swarm.services, secrets: infraSecrets }));

    // --- vault ---
    // Steps 10 and 14 (Vault): the TLS placeholder, the Raft members and their bootstrap. Vault as code (steps 14
    // and 16) comes after the certificate flow, so the provider talks to Vault over its real, verified certificate.
    const vault = steps.fold(new Vault(`${config.stackName}-vault`, { config, swarm }));

    // --- certs ---
    // Steps 20 and 24 (certificates): cert-reloader beside SWAG, cert-distributor on the Vault nodes, the bounded
    // wait for the published certificate and the verification that every Vault member serves it. Whatever needs
    // the real certificate depends on certs.certificateReady; whatever verifies Vault's public name on
    // certs.vaultServesCertificate.
    const certs = steps.fold(
        new CertFlow(`${config.stackName}-certs`, {
            config,
            swarm,
            swag: { service: infraDb.swag.service, node: infraDb.swag.node },
            vault: { serviceNames: vault.serviceNames, services: vault.cluster.services },
        }),
    );

    // --- dns ---
    // Step 23: the public A records, once SWAG serves with the real certificate. They point at SWAG's node; Vault's
    // (when the runner reaches it by its public name) at the Vault nodes, before Vault as code needs it.
    const dns = steps.fold(
        new DnsRecords(`${config.stackName}-dns`, {
            config,
            after: [infraDb.swag.service, ...certs.certificateReady],
            addresses: [infraDb.swag.nodePublicIp],
            // vault.runnerAccess public: Vault's name points at the Vault nodes once the members publish their port.
            vaultAfter: vault.cluster.services,
        }),
    );

    // Steps 14 and 16: root token retired, AppRole backend, KV v2, audit device, per-service policies, roles and
    // the <svc>_vault_role_id / <svc>_vault_secret_id Swarm secrets.
    const vaultConfig = steps.fold(
        new VaultConfiguration(`${config.stackName}-vault-config`, { config, swarm, vault, tlsReady: [...certs.vaultServesCertificate, ...dns.runnerReachesVault] }),
    );

    // --- backup ---
    // Scheduled Raft snapshots of Vault to the StorageBox, with their own snapshot-only AppRole.
    const vaultBackup = steps.fold(
        new VaultBackup(`${config.stackName}-vault-backup`, {
            config,
            swarm,
            vaultProvider: vaultConfig.access.provider,
            approlePath: vaultConfig.access.approle.path,
        }),
    );

    // --- init ---
    // Steps 7, 14 (RabbitMQ), 19, 21, 22: one-shot jobs on the overlay, each after exactly the services it uses.
    const init = steps.fold(
        new PlatformInit(`${config.stackName}-init`, {
            config,
            provider: swarm.provider,
            network: swarm.network.name,
            postgres: { hosts: infraDb.patroniHosts, port: config.postgres.port, superuser: infraDb.patroni.superuser, superuserPassword: infraSecrets.postgresSuperuserPassword.value, ready: infraDb.patroni.ready },
            mongodb: { hosts: infraDb.mongodbMemberHosts, replicaSet: infraDb.mongodbReplicaSet, rootUser: infraDb.mongodb.rootUser, rootPassword: infraSecrets.mongodbRootPassword.value, ready: infraDb.mongodb.ready },
            rabbitmq: { node: infraDb.rabbitmq.nodeNames[0], erlangCookie: infraSecrets.rabbitmqErlangCookie.value, ready: infraDb.rabbitmq.ready },
            apisix: { etcdEndpoints: infraDb.etcdClientEndpoints, etcdHealthy: infraDb.etcd.ready, ready: infraDb.apisix.ready },
        }),
    );

    // --- policy ---
    // The policy pack (policies/) checks this program's plan: offline in `npm run plan`, for real with
    // `pulumi preview|up --policy-pack policies`.
    return { config, swarm, infraSecrets, infraDb, vault, certs, dns, vaultConfig, vaultBackup, init, pipeline: steps.record(), services: [swarm.services] };
}

/**
 * The stack outputs: what the deploy workflow and operators read, and what the microservice program
 * (microservice/) reads through a StackReference; `microserviceSecrets` comes with Vault as code (step 16).
 */
export function platformOutputs(p: Platform) {
    const microserviceSecrets = p.vaultConfig.microserviceSecrets();
    const microserviceDbSecrets = p.init.credentials.swarmSecrets();
    return {
        networkName: p.swarm.network.name,
        rabbitmqErlangCookieSecret: p.infraSecrets.rabbitmqErlangCookie.swarmName,
        networkId: p.swarm.network.id,
        dockerHost: p.config.docker.host,
        dockerSshOpts: p.config.docker.sshOpts,
        registryServer: p.config.registry.server,
        registryUsername: p.config.registry.username ?? "",
        etcdClientEndpoints: p.infraDb.etcdClientEndpoints,
        patroniHosts: p.infraDb.patroniHosts,
        databaseMongodbHost: p.infraDb.databaseMongodbHost,
        swagNode: p.infraDb.swag.node,
        infraServices: Object.fromEntries(Object.entries(p.infraDb.services).map(([k, v]) => [k, v.map((x: { name: unknown }) => x.name)])),
        dnsHostnames: p.dns.hostnames,
        // Every name under the domain the program uses: public (declared above) or not, and how the latter is reached.
        dnsNames: p.dns.names,
        certReloaderService: p.certs.reloaderName,
        certDistributorService: p.certs.distributorName,
        certVerifyCommand: p.certs.verifyCommand,
        vaultAddress: p.vaultConfig.address,
        // Where a microservice reaches Vault: every member answers to Vault's name on the overlay (a network alias),
        // and the certificate covers it (`*.<domain>`).
        vaultServiceAddress: `https://${vaultHostname(p.config)}:${p.config.vault.port}`,
        vaultServices: p.vault.serviceNames,
        vaultUnsealKeySecret: p.vault.unsealKey.swarmName,
        microserviceSecrets,
        microserviceDbSecrets,
        // The current names of every Swarm secret another stack mounts: kept on rotation (retainOnDelete), the older
        // versions are removed by `tools/adoption/retire-legacy-secrets.sh --rotated` once nothing mounts them.
        sharedSecretNames: pulumi
            .all([microserviceSecrets, microserviceDbSecrets])
            .apply(([approle, db]) => [...Object.values(approle).flatMap((s) => [s.roleId.name, s.secretId.name]), ...Object.values(db).flatMap((m) => Object.values(m).map((s) => s.name))].sort()),
        vaultSnapshotDir: p.vaultBackup.snapshotDir,
    };
}

/** The program as the offline engine evaluates it: the same calls as index.ts. */
export function declareStack(): DeclaredStack {
    const platform = declarePlatform(loadConfig());
    return { outputs: platformOutputs(platform), pipeline: platform.pipeline, services: platform.services };
}
