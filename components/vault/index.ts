// Vault, in two components so the certificate flow can sit between them:
//
//   Vault (steps 10, 14, and 15 through the members' convergence):
//     VaultTlsPlaceholder (10) -> VaultInit (14) -> vault_unseal_key -> VaultCluster (14) -> VaultReady (14)
//   VaultConfiguration (steps 14, 16), after Vault (and after `tlsReady`, e.g. certs.vaultServesCertificate):
//     root token -> RootTokenRetirement -> program AppRole -> vault.Provider -> VaultAccess (16)
//
// The certificate flow needs the members' service names and services (from Vault), and whatever reaches Vault
// by its public name with TLS checked needs the certificate flow's verification: hence the split.
// See bootstrap.ts for why initialisation comes before the members' services (no cycle).
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config";
import { PipelineNotes, PipelineRecord } from "../pipeline";
import { SwarmFoundation, VersionedSecret } from "../swarm";
import { ADMIN_POLICY, APPROLE_PATH, VaultAccess, VaultCredentials, vaultAddress, vaultTlsServerName } from "./access";
import { RootTokenRetirement } from "./retire-root";
import { VaultInit, VaultReady } from "./bootstrap";
import { adminPolicyHcl, vaultMembers } from "./hcl";

/** The program's own AppRole mount and role (after the root token is retired). */
export const PROGRAM_LOGIN_MOUNT = "pulumi";
import { VaultCluster } from "./stack";
import { VaultTlsPlaceholder } from "./tls";

export * from "./access";
export * from "./bootstrap";
export * from "./hcl";
export * from "./retire-root";
export * from "./stack";
export * from "./tls";

/** A Swarm secret as another stack mounts it: its id and its versioned name. */
export interface MicroserviceSecretRefs {
    roleId: { id: string; name: string };
    secretId: { id: string; name: string };
}

export interface VaultArgs {
    config: PlatformConfig;
    swarm: SwarmFoundation;
}

/** The Vault stack and its bootstrap: steps 10 and 14 (Vault part); step 15 is the members' convergence. */
export class Vault extends pulumi.ComponentResource {
    readonly tls: VaultTlsPlaceholder;
    readonly init: VaultInit;
    readonly cluster: VaultCluster;
    readonly ready: VaultReady;
    /** `vault_unseal_key`, mounted by the members. */
    readonly unsealKey: VersionedSecret;
    /** The members' Swarm service names (`<stackName>_vault-<n>`), in member order. */
    readonly serviceNames: pulumi.Output<string>[];
    /** The root token from initialisation (or the adopted `iklimco:vaultToken`): a Pulumi secret. */
    readonly rootToken: pulumi.Output<string>;
    readonly pipeline: PipelineRecord;

    constructor(name: string, args: VaultArgs, opts?: pulumi.ComponentResourceOptions) {
        super("iklimco:vault:Vault", name, {}, opts);
        const cfg = args.config;
        const swarm = args.swarm;
        const members = vaultMembers(cfg);
        const child = { parent: this };
        const steps = new PipelineNotes();

        this.tls = steps.realise(10, new VaultTlsPlaceholder(`${name}-tls`, { config: cfg, members }, child));
        this.init = steps.realise(
            14,
            steps.fold(new VaultInit(`${name}-init`, { config: cfg, members, network: swarm.network, dockerProvider: swarm.provider, certificate: this.tls.jobs[0] }, child)),
        );
        this.unsealKey = this.init.unsealKey;
        this.rootToken = this.init.rootToken;
        this.cluster = steps.realise(14, steps.fold(new VaultCluster(`${name}-cluster`, { config: cfg, services: swarm.services, members, unsealKey: this.unsealKey, certificates: this.tls.jobs }, child)));
        this.serviceNames = this.cluster.services.map((s) => s.name);
        // Step 15 for Vault is the members' own convergence (convergeConfig: healthy means serving and initialised,
        // sealed or not, see memberSpec); this readiness check (every member unsealed) belongs to the bootstrap
        // (step 14) and gates Vault as code.
        this.ready = steps.realise(
            14,
            steps.fold(new VaultReady(
                `${name}-ready`,
                {
                    config: cfg,
                    members,
                    network: swarm.network,
                    services: this.cluster.services,
                    triggers: [cfg.images.vault, ...this.cluster.specs.map((s) => s.env?.VAULT_CONFIG_JSON ?? "")],
                },
                child,
            )),
        );
        this.pipeline = steps.record();
        this.registerOutputs({ unsealKeySecret: this.unsealKey.swarmName, members: this.serviceNames });
    }
}

export interface VaultConfigurationArgs {
    config: PlatformConfig;
    swarm: SwarmFoundation;
    vault: Vault;
    /**
     * Resources after which Vault serves a certificate the runner trusts at `vault.address` (the certificate
     * flow's `vaultServesCertificate`). Without them, Vault as code may meet the step-10 placeholder and needs
     * `vault.skipTlsVerify`.
     */
    tlsReady?: pulumi.Resource[];
}

/** Vault as code: the root token's retirement (step 14) and the AppRoles with their Swarm secrets (step 16). */
export class VaultConfiguration extends pulumi.ComponentResource {
    readonly access: VaultAccess;
    /** Absent when `iklimco:vaultToken` is set. */
    readonly retirement?: RootTokenRetirement;
    /** `<svc>_vault_role_id` and `<svc>_vault_secret_id` for each microservice, by service name. */
    readonly serviceSecrets: Record<string, { roleId: VersionedSecret; secretId: VersionedSecret }>;
    readonly address: string;
    readonly pipeline: PipelineRecord;

    constructor(name: string, args: VaultConfigurationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("iklimco:vault:Configuration", name, {}, opts);
        const cfg = args.config;
        const steps = new PipelineNotes();
        const child = { parent: this };
        const gates = [args.vault.ready.command, ...(args.tlsReady ?? [])];
        // How Vault as code authenticates: with `iklimco:vaultToken` when the operators set one (adoption, or a
        // token of their own); otherwise the root token from bootstrap is retired right after the cluster is
        // ready and replaced by the program's own AppRole (retire-root.ts).
        let credentials: VaultCredentials;
        if (cfg.secrets.vaultToken) {
            credentials = { token: cfg.secrets.vaultToken };
        } else {
            this.retirement = steps.realise(
                14,
                new RootTokenRetirement(
                    `${name}-retire-root`,
                    {
                        address: vaultAddress(cfg),
                        rootToken: args.vault.rootToken,
                        skipTlsVerify: cfg.vault.skipTlsVerify,
                        ...(vaultTlsServerName(cfg) ? { tlsServerName: vaultTlsServerName(cfg) } : {}),
                        policyName: ADMIN_POLICY,
                        policyHcl: adminPolicyHcl(cfg.vault.kvMount, APPROLE_PATH),
                        loginMount: PROGRAM_LOGIN_MOUNT,
                        loginRole: PROGRAM_LOGIN_MOUNT,
                        role: { token_policies: [ADMIN_POLICY], token_ttl: "20m", token_max_ttl: "20m", token_type: "service", secret_id_ttl: "0", secret_id_num_uses: 0 },
                    },
                    { ...child, dependsOn: steps.after(`${name}-retire-root`, "the root token is retired once every member is unsealed and serves a trusted certificate", ...gates) },
                ),
            );
            credentials = { appRole: { mount: PROGRAM_LOGIN_MOUNT, roleId: this.retirement.roleId, secretId: this.retirement.secretId } };
        }
        this.access = steps.realise(16, steps.fold(new VaultAccess(`${name}-access`, { config: cfg, dockerProvider: args.swarm.provider, credentials, ready: gates }, child)));
        this.serviceSecrets = Object.fromEntries(
            Object.entries(this.access.services).map(([svc, c]) => [svc, { roleId: c.roleIdSecret, secretId: c.secretIdSecret }]),
        );
        this.address = vaultAddress(cfg);
        this.pipeline = steps.record();
        this.registerOutputs({ address: this.address });
    }

    /** What the microservice program reads from this stack (`microserviceSecrets`): each secret's id and name. */
    microserviceSecrets(): pulumi.Output<Record<string, MicroserviceSecretRefs>> {
        const entry = (s: VersionedSecret) => pulumi.all([s.secret.id, s.swarmName]).apply(([id, name]) => ({ id, name }));
        const names = Object.keys(this.serviceSecrets).sort();
        return pulumi
            .all(names.map((svc) => pulumi.all([entry(this.serviceSecrets[svc].roleId), entry(this.serviceSecrets[svc].secretId)])))
            .apply((pairs) => Object.fromEntries(pairs.map(([roleId, secretId], i) => [names[i], { roleId, secretId }])));
    }
}
