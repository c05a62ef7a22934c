// Step 10: a self-signed TLS placeholder on each Vault node, only where no certificate is present, so Vault
// can start before SWAG has issued the real wildcard certificate. The script (tls-placeholder.sh) runs on
// each node's own disk through a Swarm job pinned to the node (node-job.sh, run from the manager).
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config";
import { shippedScript } from "../shell";
import { managerScript, registryEnv } from "../swarm";
import { certificateFiles, certificateFilesEnv, vaultHostname } from "../naming";
import { VaultMember } from "./members";

const NODE_JOB = shippedScript(path.join(__dirname, "node-job.sh"));
export const TLS_PLACEHOLDER_SCRIPT = shippedScript(path.join(__dirname, "tls-placeholder.sh"));

/** Where the shared placeholder lives: on the StorageBox, apart from SWAG's certificate directory. */
export function sharedPlaceholderDir(cfg: Pick<PlatformConfig, "paths">): string {
    return `${cfg.paths.storageBox}/ssl-placeholder`;
}

/** The first path component (`/opt` of `/opt/iklimco/ssl`): it exists on the node, the rest may not yet. */
function topDir(p: string): string {
    return `/${p.split("/").filter(Boolean)[0]}`;
}

export interface VaultTlsPlaceholderArgs {
    config: Pick<PlatformConfig, "docker" | "domain" | "images" | "paths" | "registry" | "secrets" | "stackName" | "vault">;
    members: VaultMember[];
}

export class VaultTlsPlaceholder extends pulumi.ComponentResource {
    /** One job per Vault node, in member order. */
    readonly jobs: pulumi.Resource[];

    constructor(name: string, args: VaultTlsPlaceholderArgs, opts?: pulumi.ComponentResourceOptions) {
        super("iklimco:vault:TlsPlaceholder", name, {}, opts);
        const cfg = args.config;
        const crt = certificateFiles(cfg.domain).cert;
        const sslTop = topDir(cfg.paths.nodeSslDir);
        const shared = sharedPlaceholderDir(cfg);
        const sharedTop = topDir(shared);
        // Bind the top directories (they exist on every node) and let the script create the rest.
        const mounts = [...new Set([sslTop, sharedTop])].map((d) => `${d}:/host${d}`).join("\n");
        this.jobs = args.members.map((m) =>
            managerScript(
                `${name}-${m.name}`,
                {
                    config: cfg,
                    script: NODE_JOB,
                    env: {
                        JOB_NAME: `${cfg.stackName}_vault-tls-placeholder-${m.n}`,
                        NODE: m.node.name,
                        IMAGE: cfg.images.certTools,
                        JOB_SCRIPT: TLS_PLACEHOLDER_SCRIPT,
                        JOB_MOUNTS: mounts,
                        JOB_ENV: [
                            `SSL_DIR=/host${cfg.paths.nodeSslDir}`,
                            `SHARED_DIR=/host${shared}`,
                            `DOMAIN=${cfg.domain}`,
                            ...Object.entries(certificateFilesEnv(cfg.domain)).map(([k, v]) => `${k}=${v}`),
                            `CERT_NAME=${vaultHostname(cfg)}`,
                        ].join("\n"),
                        ...registryEnv(cfg),
                    },
                    // Which file it guards is part of what it does: a rename re-runs it (it never overwrites).
                    triggers: [crt],
                },
                { parent: this },
            ),
        );
        this.registerOutputs({ nodes: args.members.map((m) => m.node.name) });
    }
}
