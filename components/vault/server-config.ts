// Each member's server config (Raft storage with retry_join to the others, one TLS listener) as the JSON file
// Vault and OpenBao read. Pure: tests check the rendered text directly.
import { Settings } from "../config";
import { certificateFiles, vaultHostname } from "../naming";
import { DATA_DIR, TLS_DIR, VAULT_PORTS, VaultMember } from "./members";

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
export function serverConfig(cfg: Pick<Settings, "domain" | "stackName" | "vault">, member: VaultMember, members: VaultMember[]): VaultServerConfig {
    const host = vaultHostname(cfg);
    const { cert: crt, key } = certificateFiles(cfg.domain);
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
export function serverConfigJson(cfg: Pick<Settings, "domain" | "stackName" | "vault">, member: VaultMember, members: VaultMember[]): string {
    return renderServerConfig(serverConfig(cfg, member, members));
}
