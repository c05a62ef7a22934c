// Vault as code (steps 14 and 16), after the Vault component and the certificate flow: the root token retired
// and replaced by the program's own AppRole (retire-root.ts), then VaultAccess (access.ts) with the AppRoles
// and their Swarm secrets. See index.ts for why it is apart from the Vault component.
import * as pulumi from "@pulumi/pulumi";
import { PipelineNotes, PipelineRecord } from "../pipeline";
import { PlatformConfig } from "../config";
import { SwarmFoundation, VersionedSecret } from "../swarm";
import { ADMIN_POLICY, APPROLE_PATH, VaultAccess, VaultCredentials, vaultAddress, vaultTlsServerName } from "./access";
import type { Vault } from "./index";
import { adminPolicyHcl } from "./policies";
import { RootTokenRetirement } from "./retire-root";

/** The program's own AppRole mount and role (after the root token is retired). */
export const PROGRAM_LOGIN_MOUNT = "pulumi";

/** A Swarm secret as another stack mounts it: its id and its versioned name. */
export interface MicroserviceSecretRefs {
    roleId: { id: string; name: string };
    secretId: { id: string; name: string };
}

export interface VaultConfigurationArgs {
    config: Pick<PlatformConfig, "domain" | "microservices" | "network" | "secrets" | "vault">;
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
