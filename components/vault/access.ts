// Vault as code on an explicit provider (step 16, what init/provision-all-services.sh did): the AppRole auth
// backend, the KV v2 mount, an audit device, the program's own admin policy, and for each microservice a
// least-privilege policy, an AppRole role bound to the overlay subnet, a secret id, and the Swarm secrets
// `<svc>_vault_role_id` / `<svc>_vault_secret_id` its containers read.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { PlatformConfig } from "../config";
import { PipelineNotes, PipelineRecord } from "../pipeline";
import { VersionedSecret } from "../swarm";
import { APPROLE_DEFAULTS, AppRoleSettings, appRoleSettings, durationSeconds } from "./approle";
import { approleSecretNames, vaultHostname, vaultPolicyName } from "../naming";
import { adminPolicyHcl, policyHcl } from "./policies";

export const APPROLE_PATH = "approle";
/** The program's own policy: it configures Vault (sudo on sys/auth and sys/audit), so it is the bootstrap policy. */
export const ADMIN_POLICY = "iklimco-bootstrap";

export function vaultAddress(cfg: Pick<PlatformConfig, "domain" | "vault">): string {
    return cfg.vault.address ?? `https://${vaultHostname(cfg)}:${cfg.vault.port}`;
}

/**
 * The name the runner checks Vault's certificate for when `vault.address` connects by another name or an IP
 * (`vault.runnerAccess: private`): always Vault's hostname, which the certificate covers. Undefined when the
 * address already uses it.
 */
export function vaultTlsServerName(cfg: Pick<PlatformConfig, "domain" | "vault">): string | undefined {
    const host = vaultHostname(cfg);
    return new URL(vaultAddress(cfg)).hostname === host ? undefined : host;
}

export interface ServiceCredentials {
    policy: vault.Policy;
    role: vault.approle.AuthBackendRole;
    secretId: vault.approle.AuthBackendRoleSecretId;
    roleIdSecret: VersionedSecret;
    secretIdSecret: VersionedSecret;
}

/** How the provider authenticates: a token (`iklimco:vaultToken`), or the program's own AppRole (retire-root.ts). */
export type VaultCredentials = { token: pulumi.Input<string> } | { appRole: { mount: string; roleId: pulumi.Input<string>; secretId: pulumi.Input<string> } };

export interface VaultAccessArgs {
    config: Pick<PlatformConfig, "domain" | "microservices" | "network" | "vault">;
    dockerProvider: docker.Provider;
    credentials: VaultCredentials;
    /** The gates: the provider is used only once every member is unsealed (and serves a trusted certificate). */
    ready: pulumi.Resource[];
}

export class VaultAccess extends pulumi.ComponentResource {
    readonly provider: vault.Provider;
    readonly approle: vault.AuthBackend;
    readonly kv: vault.Mount;
    readonly audit: vault.Audit;
    readonly adminPolicy: vault.Policy;
    readonly services: Record<string, ServiceCredentials> = {};
    readonly pipeline: PipelineRecord;

    constructor(name: string, args: VaultAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super("iklimco:vault:Access", name, {}, opts);
        const cfg = args.config;
        const steps = new PipelineNotes();
        this.provider = new vault.Provider(
            `${name}-provider`,
            {
                address: vaultAddress(cfg),
                ...("token" in args.credentials
                    ? { token: pulumi.secret(args.credentials.token) }
                    : {
                          // Logs in on every run: a fresh token of at most 20 minutes, never a standing root token.
                          authLogin: {
                              path: `auth/${args.credentials.appRole.mount}/login`,
                              parameters: pulumi.secret(pulumi.all([args.credentials.appRole.roleId, args.credentials.appRole.secretId]).apply(([role_id, secret_id]) => ({ role_id, secret_id }))),
                          },
                      }),
                skipTlsVerify: cfg.vault.skipTlsVerify,
                tlsServerName: vaultTlsServerName(cfg),
                // The provider's child tokens are short-lived and bounded, so a leaked plan token is of little use.
                maxLeaseTtlSeconds: 1200,
            },
            { parent: this, dependsOn: steps.after(`${name}-provider`, "Vault as code talks to Vault only once every member is unsealed and serves a trusted certificate", ...args.ready) },
        );
        const p = { parent: this, provider: this.provider };

        const roles = cfg.microservices.map((svc) => appRoleSettings(cfg, svc));
        const maxTtl = Math.max(durationSeconds(APPROLE_DEFAULTS.tokenMaxTtl), ...roles.map((r) => r.tokenMaxTtl));
        this.approle = new vault.AuthBackend(
            `${name}-approle`,
            {
                type: "approle",
                path: APPROLE_PATH,
                description: "microservices (one role per service)",
                // Bounded leases on the mount too: no token outlives the longest configured token_max_ttl.
                tune: { maxLeaseTtl: `${maxTtl}s`, defaultLeaseTtl: `${Math.min(...roles.map((r) => r.tokenTtl), durationSeconds(APPROLE_DEFAULTS.tokenTtl))}s` },
            },
            p,
        );
        this.kv = new vault.Mount(`${name}-kv`, { path: cfg.vault.kvMount, type: "kv", options: { version: "2" }, description: "microservice secrets (KV v2)" }, p);
        // Audit to stdout: it lands in `docker service logs` with no extra volume, and Vault never blocks on a full disk.
        this.audit = new vault.Audit(`${name}-audit`, { type: "file", path: "stdout", options: { file_path: "stdout", log_raw: "false" }, description: "audit log to the container's stdout" }, p);
        this.adminPolicy = new vault.Policy(`${name}-admin-policy`, { name: ADMIN_POLICY, policy: adminPolicyHcl(cfg.vault.kvMount, APPROLE_PATH) }, p);

        for (const svc of [...cfg.microservices].sort((a, b) => a.name.localeCompare(b.name))) {
            const s = appRoleSettings(cfg, svc);
            this.services[svc.name] = appRoleWithSwarmSecrets(`${name}-${svc.name}`, {
                roleName: svc.name,
                secretPrefix: svc.name,
                policyName: vaultPolicyName(svc.name),
                policy: policyHcl(cfg.vault.kvMount, svc),
                settings: s,
                backend: this.approle.path,
                dockerProvider: args.dockerProvider,
                parent: this,
                // The microservice's own stack mounts them (microservice/index.ts).
                mountedByOtherStacks: true,
                vaultProvider: this.provider,
            });
        }
        this.pipeline = steps.record();
        this.registerOutputs({
            address: vaultAddress(cfg),
            serviceSecrets: Object.fromEntries(Object.entries(this.services).map(([k, v]) => [k, { roleId: v.roleIdSecret.swarmName, secretId: v.secretIdSecret.swarmName }])),
        });
    }
}

export interface AppRoleWithSwarmSecretsArgs {
    roleName: string;
    /** The Swarm secrets are `<secretPrefix>_vault_role_id` and `<secretPrefix>_vault_secret_id`. */
    secretPrefix: string;
    policyName: string;
    policy: string;
    settings: AppRoleSettings;
    backend: pulumi.Input<string>;
    vaultProvider: vault.Provider;
    dockerProvider: docker.Provider;
    parent: pulumi.Resource;
    /** Another stack's services mount the Swarm secrets (a microservice's): a rotation keeps the old ones. */
    mountedByOtherStacks?: boolean;
}

/**
 * One AppRole consumer: its policy, its role (bounded TTLs, bound to the overlay), a secret id, and the Swarm
 * secrets `<secretPrefix>_vault_role_id` / `<secretPrefix>_vault_secret_id` its containers read. Resources are named `<prefix>-*`.
 */
export function appRoleWithSwarmSecrets(prefix: string, a: AppRoleWithSwarmSecretsArgs): ServiceCredentials {
    const p = { parent: a.parent, provider: a.vaultProvider };
    const s = a.settings;
    const policy = new vault.Policy(`${prefix}-policy`, { name: a.policyName, policy: a.policy }, p);
    const role = new vault.approle.AuthBackendRole(
        `${prefix}-role`,
        {
            backend: a.backend,
            roleName: a.roleName,
            tokenPolicies: [policy.name],
            tokenTtl: s.tokenTtl,
            tokenMaxTtl: s.tokenMaxTtl,
            tokenBoundCidrs: s.boundCidrs,
            tokenType: "service",
            bindSecretId: true,
            secretIdTtl: s.secretIdTtl,
            secretIdNumUses: s.secretIdNumUses,
            secretIdBoundCidrs: s.boundCidrs,
        },
        { ...p, additionalSecretOutputs: ["roleId"] },
    );
    const secretId = new vault.approle.AuthBackendRoleSecretId(
        `${prefix}-secret-id`,
        { backend: a.backend, roleName: role.roleName, cidrLists: s.boundCidrs, tokenBoundCidrs: s.boundCidrs },
        // Another stack's service logs in with it until its next deploy: a rotation leaves the old secret id valid
        // until its secret_id_ttl (revoke it by accessor after that redeploy if it leaked; docs/runbook.md).
        { ...p, additionalSecretOutputs: ["secretId", "accessor"], retainOnDelete: a.mountedByOtherStacks === true },
    );
    const roleIdSecret = new VersionedSecret(
        `${prefix}-role-id`,
        { logicalName: approleSecretNames(a.secretPrefix).roleId, value: pulumi.secret(role.roleId), provider: a.dockerProvider, mountedByOtherStacks: a.mountedByOtherStacks },
        { parent: a.parent },
    );
    const secretIdSecret = new VersionedSecret(
        `${prefix}-secret-id-swarm`,
        { logicalName: approleSecretNames(a.secretPrefix).secretId, value: pulumi.secret(secretId.secretId), provider: a.dockerProvider, mountedByOtherStacks: a.mountedByOtherStacks },
        { parent: a.parent },
    );
    return { policy, role, secretId, roleIdSecret, secretIdSecret };
}
