// Pure planning of the Vault cluster: its members, each member's server config, each microservice's policy
// and AppRole settings. No resources here, so tests can check the rendered text directly.
import { APPROLE_DEFAULTS, MicroserviceSpec, NodeSpec, Settings, nodesWithLabel } from "../config";
import { parseDuration } from "../config-values";

/** Ports inside each member: Vault's API (TLS) and cluster ports. */
export const VAULT_PORTS = { api: 8200, cluster: 8201 } as const;
/**
 * How a member's own entrypoint and health check reach it: its TLS listener on loopback. The certificate is for
 * the public name, not 127.0.0.1, so those local calls skip the name check (busybox wget
 * --no-check-certificate); nothing leaves the container.
 */
export const LOCAL_ADDR = `https://127.0.0.1:${VAULT_PORTS.api}`;
export const CERTS_MOUNT = "/vault/certs";
/** Where the entrypoint copies the certificate pair for the `vault` user (see vault-entrypoint.sh). */
export const TLS_DIR = "/vault/tls";
export const DATA_DIR = "/vault/data";
export const UNSEAL_KEY_SECRET = "vault_unseal_key";

export interface VaultMember {
    /** 1-based position among the nodes labelled `vault`, in config order. */
    n: number;
    /** Short service name and overlay DNS name: `vault-<n>`. */
    name: string;
    node: NodeSpec;
    /** Raft node id: `vault-<n>`. */
    nodeId: string;
    /** `<stackName>_vault-<n>-data`. */
    volume: string;
}

export function vaultMembers(cfg: Settings): VaultMember[] {
    return nodesWithLabel(cfg, "vault").map((node, i) => ({
        n: i + 1,
        name: `vault-${i + 1}`,
        node,
        nodeId: `vault-${i + 1}`,
        volume: `${cfg.stackName}_vault-${i + 1}-data`,
    }));
}

export function vaultHostname(cfg: Settings): string {
    return cfg.vault.hostname ?? `vault.${cfg.domain}`;
}

/** The file names the cert-reloader publishes (seeds/001) and the cert-distributor puts in the node's ssl dir. */
export function certFiles(domain: string): { crt: string; key: string } {
    return { crt: `STAR.${domain}.full.crt`, key: `STAR.${domain}_key.pem` };
}

/** A string as an HCL string literal (for the policies, which stay HCL). */
const q = (s: string) => JSON.stringify(s);

/** One `retry_join` block of Raft storage: a peer to join, checked against the certificate file. */
export interface RaftRetryJoin {
    leader_api_addr: string;
    leader_tls_servername: string;
    leader_ca_cert_file: string;
}

/**
 * A member's server config: exactly the keys the program sets, in the shape Vault (and OpenBao) read from a
 * JSON config file (a block `storage "raft" { ... }` is `storage: { raft: { ... } }`).
 */
export interface VaultServerConfig {
    ui: boolean;
    disable_mlock: boolean;
    cluster_name: string;
    api_addr: string;
    cluster_addr: string;
    storage: {
        raft: {
            path: string;
            node_id: string;
            /** Absent for a single member. */
            retry_join?: RaftRetryJoin[];
        };
    };
    listener: {
        tcp: {
            address: string;
            cluster_address: string;
            tls_cert_file: string;
            tls_key_file: string;
            tls_min_version: "tls12" | "tls13";
        };
    };
}

/**
 * One member's server config. Raft integrated storage with this member's node id and a `retry_join` to every
 * other member by its overlay name; the peers' certificate is the wildcard (or the shared step-10
 * placeholder), so the join checks it for the public Vault name against the certificate file itself.
 * One listener, TLS only, on 8200; the entrypoint's unseal loop and the health check use it over loopback.
 */
export function serverConfig(cfg: Settings, member: VaultMember, members: VaultMember[]): VaultServerConfig {
    const host = vaultHostname(cfg);
    const { crt, key } = certFiles(cfg.domain);
    const joins: RaftRetryJoin[] = members
        .filter((m) => m.n !== member.n)
        .map((m) => ({
            leader_api_addr: `https://${m.name}:${VAULT_PORTS.api}`,
            leader_tls_servername: host,
            leader_ca_cert_file: `${TLS_DIR}/${crt}`,
        }));
    return {
        ui: true,
        disable_mlock: true,
        cluster_name: `${cfg.stackName}-vault`,
        api_addr: `https://${member.name}:${VAULT_PORTS.api}`,
        cluster_addr: `https://${member.name}:${VAULT_PORTS.cluster}`,
        storage: {
            raft: {
                path: DATA_DIR,
                node_id: member.nodeId,
                ...(joins.length > 0 ? { retry_join: joins } : {}),
            },
        },
        listener: {
            tcp: {
                address: `0.0.0.0:${VAULT_PORTS.api}`,
                cluster_address: `0.0.0.0:${VAULT_PORTS.cluster}`,
                tls_cert_file: `${TLS_DIR}/${crt}`,
                tls_key_file: `${TLS_DIR}/${key}`,
                tls_min_version: "tls12",
            },
        },
    };
}

/**
 * The text of a server config: JSON from the standard library, no hand-written formatting. The key order is
 * the order the object was built in, so rendering the same config twice gives the same text (the members'
 * env, and the trigger that follows it, change only when the config does).
 */
export function renderServerConfig(conf: VaultServerConfig): string {
    return `${JSON.stringify(conf, null, 2)}\n`;
}

/** One member's server config as the JSON text the entrypoint writes to `vault.json` (VAULT_CONFIG_JSON). */
export function serverConfigJson(cfg: Settings, member: VaultMember, members: VaultMember[]): string {
    return renderServerConfig(serverConfig(cfg, member, members));
}

export { APPROLE_DEFAULTS };

/** Seconds of a duration the config schema accepted (`30s`, `20m`, `1h`, `7d`). */
export function durationSeconds(d: string): number {
    const secs = parseDuration(d);
    if (secs === undefined) throw new Error(`not a duration: ${d}`);
    return secs;
}

export interface AppRoleSettings {
    tokenTtl: number;
    tokenMaxTtl: number;
    secretIdTtl: number;
    secretIdNumUses: number;
    /** Tokens and secret ids are only usable from the overlay. */
    boundCidrs: string[];
}

export function appRoleSettings(cfg: Settings, svc: Pick<MicroserviceSpec, "name" | "approle">): AppRoleSettings {
    const merged = { ...APPROLE_DEFAULTS, ...stripUndefined(cfg.vault.approleDefaults), ...stripUndefined(svc.approle ?? {}) };
    const s = {
        tokenTtl: durationSeconds(merged.tokenTtl),
        tokenMaxTtl: durationSeconds(merged.tokenMaxTtl),
        secretIdTtl: durationSeconds(merged.secretIdTtl),
        secretIdNumUses: merged.secretIdNumUses,
        boundCidrs: [cfg.network.subnet],
    };
    // tokenTtl <= tokenMaxTtl is a rule of the config schema (components/config.ts), checked before anything is
    // registered and blamed on the key that holds the value.
    return s;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Policy names: `svc-<name>`. */
export function policyName(svc: Pick<MicroserviceSpec, "name">): string {
    return `svc-${svc.name}`;
}

/**
 * The KV v2 paths a microservice may use: each configured path under the service's own prefix
 * (`<mount>/data/<service>/<path>`), or its whole prefix when none is configured. Never another service's.
 */
export function servicePaths(svc: MicroserviceSpec): string[] {
    const paths = svc.vault.paths.length ? svc.vault.paths.map((p) => `${svc.name}/${p.replace(/\/+$/, "")}`) : [svc.name];
    return [...new Set(paths)].sort();
}

/** Least privilege: read (and list metadata) unless `vault.write`, then create/update/patch/delete too. */
export function policyHcl(kvMount: string, svc: MicroserviceSpec): string {
    const data = svc.vault.write ? ["create", "read", "update", "patch", "delete"] : ["read"];
    const meta = svc.vault.write ? ["read", "list", "delete"] : ["read", "list"];
    const caps = (c: string[]) => `[${c.map(q).join(", ")}]`;
    const blocks: string[] = [`# ${svc.name}: ${svc.vault.write ? "read-write" : "read-only"} on its own KV v2 paths`];
    for (const p of servicePaths(svc)) {
        for (const suffix of ["", "/*"]) {
            blocks.push(`path ${q(`${kvMount}/data/${p}${suffix}`)} {\n  capabilities = ${caps(data)}\n}`);
            blocks.push(`path ${q(`${kvMount}/metadata/${p}${suffix}`)} {\n  capabilities = ${caps(meta)}\n}`);
        }
    }
    return blocks.join("\n\n") + "\n";
}

/**
 * What the program's own Vault token needs after bootstrap (the token that replaces the root token, see
 * docs/vault.md): manage the AppRole backend, the KV mount, the audit device, the service policies, and create
 * child tokens for the provider.
 */
export function adminPolicyHcl(kvMount: string, approlePath: string): string {
    const rules: [string, string[]][] = [
        [`auth/${approlePath}/*`, ["create", "read", "update", "delete", "list"]],
        [`sys/auth/${approlePath}`, ["create", "read", "update", "delete", "sudo"]],
        [`sys/auth/${approlePath}/*`, ["read", "update", "sudo"]],
        ["sys/auth", ["read"]],
        [`sys/mounts/${kvMount}`, ["create", "read", "update", "delete"]],
        [`sys/mounts/${kvMount}/*`, ["create", "read", "update", "delete"]],
        ["sys/mounts", ["read"]],
        ["sys/audit", ["read", "sudo"]],
        ["sys/audit/*", ["create", "read", "update", "delete", "sudo"]],
        ["sys/policies/acl/*", ["create", "read", "update", "delete", "list"]],
        ["sys/policy/*", ["create", "read", "update", "delete", "list"]],
        ["auth/token/create", ["create", "update"]],
        ["auth/token/lookup-self", ["read"]],
    ];
    return rules.map(([p, c]) => `path ${q(p)} {\n  capabilities = [${c.map(q).join(", ")}]\n}`).join("\n\n") + "\n";
}
