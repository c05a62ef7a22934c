// The Vault component: steps 10 (TLS placeholder), 14 (the Vault stack and its bootstrap) and 16 (AppRoles,
// policies and per-service Swarm secrets). Its parts and the order between them:
//
//   VaultTlsPlaceholder (10) -> VaultInit (14) -> vault_unseal_key -> VaultCluster (14) -> VaultReady (14)
//                                        \-> root token -> RootTokenRetirement (after ready) -> VaultAccess (16)
//
// See bootstrap.ts for why initialisation comes before the members' services (no cycle).
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config";
import { pipeline } from "../pipeline";
import { SwarmFoundation, VersionedSecret } from "../swarm";
import { ADMIN_POLICY, APPROLE_PATH, VaultAccess, VaultCredentials, vaultAddress } from "./access";
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

export interface VaultArgs {
    config: PlatformConfig;
    swarm: SwarmFoundation;
}

export class Vault extends pulumi.ComponentResource {
    readonly tls: VaultTlsPlaceholder;
    readonly init: VaultInit;
    readonly cluster: VaultCluster;
    readonly ready: VaultReady;
    readonly access: VaultAccess;
    /** Absent when `iklimco:vaultToken` is set. */
    readonly retirement?: RootTokenRetirement;
    /** `vault_unseal_key`, mounted by the members. */
    readonly unsealKey: VersionedSecret;
    /** `<svc>_vault_role_id` and `<svc>_vault_secret_id` for each microservice, by service name. */
    readonly serviceSecrets: Record<string, { roleId: VersionedSecret; secretId: VersionedSecret }>;
    readonly address: string;

    constructor(name: string, args: VaultArgs, opts?: pulumi.ComponentResourceOptions) {
        super("iklimco:vault:Vault", name, {}, opts);
        const cfg = args.config;
        const swarm = args.swarm;
        const members = vaultMembers(cfg);
        const child = { parent: this };
        const steps = pipeline();

        this.tls = steps.realise(10, new VaultTlsPlaceholder(`${name}-tls`, { config: cfg, members }, child));
        this.init = steps.realise(
            14,
            new VaultInit(`${name}-init`, { config: cfg, members, network: swarm.network, dockerProvider: swarm.provider, certificate: this.tls.jobs[0] }, child),
        );
        this.unsealKey = this.init.unsealKey;
        this.cluster = steps.realise(14, new VaultCluster(`${name}-cluster`, { config: cfg, services: swarm.services, members, unsealKey: this.unsealKey }, child));
        // Step 15 for Vault too: the wait for every member (the operators waited for iklimco_vault here).
        this.ready = steps.realise(
            15,
            new VaultReady(
                `${name}-ready`,
                {
                    config: cfg,
                    members,
                    network: swarm.network,
                    services: this.cluster.services,
                    triggers: [cfg.images.vault, ...this.cluster.specs.map((s) => s.env?.VAULT_CONFIG_HCL ?? "")],
                },
                child,
            ),
        );
        steps.realise(14, this.ready);
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
                        rootToken: this.init.rootToken,
                        skipTlsVerify: cfg.vault.skipTlsVerify,
                        policyName: ADMIN_POLICY,
                        policyHcl: adminPolicyHcl(cfg.vault.kvMount, APPROLE_PATH),
                        loginMount: PROGRAM_LOGIN_MOUNT,
                        loginRole: PROGRAM_LOGIN_MOUNT,
                        role: { token_policies: [ADMIN_POLICY], token_ttl: "20m", token_max_ttl: "20m", token_type: "service", secret_id_ttl: "0", secret_id_num_uses: 0 },
                    },
                    { parent: this, dependsOn: steps.after(`${name}-retire-root`, "the root token is retired only once every member is unsealed", this.ready.command) },
                ),
            );
            credentials = { appRole: { mount: PROGRAM_LOGIN_MOUNT, roleId: this.retirement.roleId, secretId: this.retirement.secretId } };
        }
        this.access = steps.realise(16, new VaultAccess(`${name}-access`, { config: cfg, dockerProvider: swarm.provider, credentials, ready: this.ready.command }, child));
        this.serviceSecrets = Object.fromEntries(
            Object.entries(this.access.services).map(([svc, c]) => [svc, { roleId: c.roleIdSecret, secretId: c.secretIdSecret }]),
        );
        this.address = vaultAddress(cfg);
        this.registerOutputs({ address: this.address, unsealKeySecret: this.unsealKey.swarmName, members: this.cluster.services.map((s) => s.name) });
    }
}
