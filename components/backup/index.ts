// Vault backups (the DR idea of seeds/004 for this platform): a scheduled Raft snapshot to the StorageBox,
// keeping `vault.backup.keep`, with a failure that shows (non-zero job exit and a FAILED log line, and a health
// check that turns unhealthy once the last success, or the service's start, is older than two schedule periods).
// A one-shot job on each Vault node creates the snapshot directory first: Swarm rejects a task whose bind
// source is missing, and a fresh StorageBox has none. The health check passes from the start, so the service
// converges within the provider's timeout long before its first scheduled snapshot.
//
// The backup logs in with its own AppRole whose policy may only read sys/storage/raft/snapshot.
import * as docker from "@pulumi/docker";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { PlatformConfig } from "../config";
import { cronLongestGapSeconds, parseCron } from "../config-values";
import { BACKUP_APPROLE_NAME, memberName, vaultHostname } from "../naming";
import { PipelineNotes, PipelineRecord } from "../pipeline";
import { appRoleWithSwarmSecrets } from "../vault/access";
import { appRoleSettings } from "../vault/approle";
import { VAULT_PORTS, vaultMembers } from "../vault/members";
import { shippedScript } from "../shell";
import { SwarmFoundation, managerScript, onLabel, registryEnv } from "../swarm";

const read = (f: string) => shippedScript(path.join(__dirname, f));
export const SNAPSHOT_SCRIPT = read("vault-snapshot.sh");
export const HEALTH_SCRIPT = read("vault-backup-health.sh");
export const SCHEDULER_SCRIPT = read("scheduler.sh");
export const SNAPSHOT_DIR_SCRIPT = read("snapshot-dir.sh");
const NODE_JOB = shippedScript(path.join(__dirname, "..", "vault", "node-job.sh"));
/** How often the health check runs: its first run is one interval after the start, and convergence waits for it. */
export const HEALTH_INTERVAL = "30s";

export const BACKUP_POLICY = "vault-backup";
export const BACKUP_POLICY_HCL = `# Read a Raft snapshot, nothing else.\npath "sys/storage/raft/snapshot" {\n  capabilities = ["read"]\n}\n`;

/**
 * The longest time between two runs of the schedule, in seconds: the health check allows two of them. The
 * schedule was checked by the config schema (components/config.ts), which refuses one that never runs.
 */
export function schedulePeriodSeconds(schedule: string): number {
    const parsed = parseCron(schedule);
    const gap = parsed.schedule && cronLongestGapSeconds(parsed.schedule);
    if (gap === undefined) throw new Error(`vault.backup.schedule: expected ${parsed.problem ?? "a schedule that runs"}, found "${schedule}"`);
    return gap;
}

export interface VaultBackupArgs {
    config: Pick<PlatformConfig, "docker" | "domain" | "images" | "network" | "nodes" | "paths" | "registry" | "secrets" | "stackName" | "vault">;
    swarm: SwarmFoundation;
    /** The Vault provider and AppRole mount of the Vault configuration (components/vault/access.ts). */
    vaultProvider: vault.Provider;
    approlePath: pulumi.Input<string>;
}

export class VaultBackup extends pulumi.ComponentResource {
    readonly service: docker.Service;
    readonly snapshotDir: string;
    /** One per Vault node: creates `snapshotDir` before the service exists. */
    readonly dirJobs: pulumi.Resource[];
    readonly pipeline: PipelineRecord;

    constructor(name: string, args: VaultBackupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("iklimco:backup:VaultBackup", name, {}, opts);
        const steps = new PipelineNotes();
        const cfg = args.config;
        const period = schedulePeriodSeconds(cfg.vault.backup.schedule);
        // The same bounds as every service's AppRole (vault.approleDefaults), so the backup's secret id expires too
        // and is renewed like the others (docs/runbook.md).
        const creds = appRoleWithSwarmSecrets(name, {
            roleName: "vault-backup",
            secretPrefix: BACKUP_APPROLE_NAME,
            policyName: BACKUP_POLICY,
            policy: BACKUP_POLICY_HCL,
            settings: appRoleSettings(cfg, { name: "vault-backup" }),
            backend: args.approlePath,
            vaultProvider: args.vaultProvider,
            dockerProvider: args.swarm.provider,
            parent: this,
        });

        this.snapshotDir = `${cfg.paths.storageBox}/vault-snapshots`;
        // The first path component exists on every node (`/mnt` of `/mnt/storagebox`); the job creates the rest.
        const top = `/${cfg.paths.storageBox.split("/").filter(Boolean)[0]}`;
        this.dirJobs = vaultMembers(cfg).map((m) =>
            managerScript(
                `${name}-dir-${m.name}`,
                {
                    config: cfg,
                    script: NODE_JOB,
                    env: {
                        JOB_NAME: `${cfg.stackName}_vault-backup-dir-${m.n}`,
                        NODE: m.node.name,
                        IMAGE: cfg.images.certTools,
                        JOB_SCRIPT: SNAPSHOT_DIR_SCRIPT,
                        JOB_MOUNTS: `${top}:/host${top}`,
                        JOB_ENV: `SNAPSHOT_DIR=/host${this.snapshotDir}`,
                        ...registryEnv(cfg),
                    },
                    triggers: [this.snapshotDir],
                },
                { parent: this },
            ),
        );
        const vaultHost = vaultHostname(cfg);
        const firstMember = memberName("vault", 1);
        this.service = args.swarm.services.build(
            `${name}-service`,
            {
                name: "vault-backup",
                component: "vault-backup",
                image: cfg.images.certTools,
                // Writes only files on the StorageBox that the next run rewrites: nothing to protect by stop-first.
                stateful: false,
                mode: { replicas: 1 },
                // Any vault node: they all mount the StorageBox and reach vault-1 on the overlay.
                constraints: [onLabel("vault")],
                command: ["/bin/sh", "-c", SCHEDULER_SCRIPT, "vault-backup"],
                env: {
                    SNAPSHOT_SCRIPT,
                    HEALTH_SCRIPT,
                    SCHEDULE: cfg.vault.backup.schedule,
                    // Vault's certificate names the public host: keep that name (so the certificate is verified) and
                    // connect to vault-1 on the overlay; a standby forwards the snapshot request to the leader.
                    VAULT_ADDR: `https://${vaultHost}:${cfg.vault.port}`,
                    // vault.port is where the members publish on their nodes; on the overlay vault-1 listens on its own port.
                    CURL_OPTS: `--connect-to ${vaultHost}:${cfg.vault.port}:${firstMember}:${VAULT_PORTS.api}`,
                    SNAPSHOT_DIR: "/snapshots",
                    KEEP: String(cfg.vault.backup.keep),
                    MAX_AGE_SECONDS: String(2 * period + 300),
                    ROLE_ID_FILE: creds.roleIdSecret.target,
                    SECRET_ID_FILE: creds.secretIdSecret.target,
                },
                secrets: [{ secret: creds.roleIdSecret }, { secret: creds.secretIdSecret }],
                mounts: [{ type: "bind", source: this.snapshotDir, target: "/snapshots" }],
                // Cheap (a stat), so often: the first run, one interval after the start, makes the task healthy.
                healthcheck: { test: ["CMD", "sh", "/tmp/vault-backup/vault-backup-health.sh"], interval: HEALTH_INTERVAL, timeout: "10s", retries: 3, startPeriod: "10s" },
                resources: { cpus: 0.25, memoryMb: 128 },
            },
            {
                parent: this,
                dependsOn: [
                    ...steps.after(`${name}-service`, "logs in with the backup AppRole, which must exist in Vault first", creds.secretId),
                    ...steps.after(`${name}-service`, "Swarm rejects a task whose bind source is missing: the snapshot directory is created first", ...this.dirJobs),
                ],
            },
        );
        this.pipeline = steps.record();
        this.registerOutputs({ service: this.service.name, snapshotDir: this.snapshotDir });
    }
}
