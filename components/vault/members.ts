// The Vault cluster's members, planned from config: one per node labelled `vault` in config order, its name,
// node, Raft node id and volume, and the ports and paths inside each member's container. Pure: no resources.
import { NodeSpec, Settings, nodesWithLabel } from "../config";
import { memberName, memberVolume } from "../naming";

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

export function vaultMembers(cfg: Pick<Settings, "nodes" | "stackName">): VaultMember[] {
    return nodesWithLabel(cfg, "vault").map((node, i) => ({
        n: i + 1,
        name: memberName("vault", i + 1),
        node,
        nodeId: memberName("vault", i + 1),
        volume: memberVolume(cfg.stackName, memberName("vault", i + 1)),
    }));
}
