// The certificate flow (seeds/001, pipeline step 20): SWAG renews the wildcard certificate in its config
// volume; cert-reloader publishes it to the StorageBox (SWAG_CERT_DIR); cert-distributor, one task per Vault
// node, syncs it into the node's ssl dir (what Vault reads at /vault/certs) and restarts that node's Vault
// member, one member at a time across the cluster. Step 20 waits until the certificate is published and
// valid; the verification (scripts/verify.sh) checks that every member serves the file of its node.
//
// The component takes the SWAG and Vault services as arguments instead of importing their components: the
// names follow docs/naming.md, and the resources passed in only order things.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig, nodesWithLabel } from "../config";
import { SWAG_LIVE_FILES, certificateFiles, certificateFilesEnv, swagConfigVolume, swagLiveDir, swarmServiceName, vaultHostname } from "../naming";
import { PipelineNotes, PipelineRecord } from "../pipeline";
import { vaultMembers } from "../vault/members";
import { TLS_PLACEHOLDER_SCRIPT } from "../vault/tls-placeholder";
import { HealthSpec, ServiceSpec, SwarmFoundation, managerScript, onLabel, onNode, sha256 } from "../swarm";
import { composedScript, readScript, scriptHash } from "./scripts";

export * from "./scripts";

/** Where things are inside the service containers. */
export const CONTAINER_PATHS = {
    swagConfig: "/config",
    storageBoxSsl: "/storagebox/ssl",
    nodeSsl: "/node/ssl",
    dockerSocket: "/var/run/docker.sock",
    heartbeat: "/tmp/heartbeat",
} as const;

/** The Docker socket the distributor restarts its node's Vault member through (the node is a manager). */
export const DOCKER_SOCKET = "/var/run/docker.sock";

/** Where the certificate flow reaches one Vault member: the node it is pinned to, its Swarm service, and its overlay address. */
export interface VaultMemberEndpoint {
    node: string;
    service: pulumi.Input<string>;
    address: string;
}

/**
 * The Vault members (components/vault/members.ts), each as the Swarm service `<stackName>_vault-<n>` reachable on
 * the overlay at `vault-<n>:<vault.port>` (docs/naming.md). Service names passed in (the Vault component's
 * outputs) replace the derived ones, in the same order.
 */
export function vaultMemberEndpoints(config: Pick<PlatformConfig, "nodes" | "stackName" | "vault">, services?: pulumi.Input<string>[]): VaultMemberEndpoint[] {
    const members = vaultMembers(config);
    if (services && services.length !== members.length) {
        throw new Error(`certs: ${services.length} Vault service names given for ${members.length} nodes labelled vault (one member per node, in config order)`);
    }
    return members.map((m, i) => ({
        node: m.node.name,
        service: services?.[i] ?? swarmServiceName(config.stackName, m.name),
        address: `${m.name}:${config.vault.port}`,
    }));
}

/** `node=service=host:port ...`, the form the distributor and the verification read. */
export function vaultMembersEnv(members: VaultMemberEndpoint[]): pulumi.Output<string> {
    return pulumi.all(members.map((m) => pulumi.output(m.service))).apply((names) => members.map((m, i) => `${m.node}=${names[i]}=${m.address}`).join(" "));
}

// The task is healthy while its loop (and every wait inside it) touched the heartbeat file recently.
function heartbeatHealth(maxAgeSeconds: number): HealthSpec {
    return {
        test: ["CMD-SHELL", `[ $(( $(date +%s) - $(cat ${CONTAINER_PATHS.heartbeat} 2>/dev/null || echo 0) )) -lt ${maxAgeSeconds} ]`],
        interval: "30s",
        timeout: "5s",
        retries: 3,
        startPeriod: "30s",
    };
}

export interface ReloaderParams {
    stackName: string;
    image: string;
    domain: string;
    /** SWAG's config volume, `<stackName>_swag-config`. */
    swagVolume: string;
    /** The node SWAG is pinned to (its local volume lives there). */
    swagNode: string;
    swagCertDir: string;
    intervalSeconds: number;
}

/** cert-reloader: one task on SWAG's node with SWAG's volume read-only and SWAG_CERT_DIR; no Docker access. */
export function reloaderSpec(p: ReloaderParams): ServiceSpec {
    const script = composedScript("reloader");
    return {
        name: "cert-reloader",
        component: "cert-reloader",
        image: p.image,
        // No data of its own: it only reads SWAG's volume and writes files it can always rewrite.
        stateful: false,
        mode: { replicas: 1 },
        constraints: [onNode(p.swagNode)],
        command: ["/bin/sh", "-c", script, "cert-reloader"],
        env: {
            SOURCE_DIR: swagLiveDir(CONTAINER_PATHS.swagConfig, p.domain),
            SWAG_CERT_FILE_NAME: SWAG_LIVE_FILES.cert,
            SWAG_KEY_FILE_NAME: SWAG_LIVE_FILES.key,
            TARGET_DIR: CONTAINER_PATHS.storageBoxSsl,
            ...certificateFilesEnv(p.domain),
            INTERVAL: String(p.intervalSeconds),
            HEARTBEAT_FILE: CONTAINER_PATHS.heartbeat,
        },
        mounts: [
            { type: "volume", source: p.swagVolume, target: CONTAINER_PATHS.swagConfig, readOnly: true },
            { type: "bind", source: p.swagCertDir, target: CONTAINER_PATHS.storageBoxSsl },
        ],
        healthcheck: heartbeatHealth(p.intervalSeconds * 3 + 60),
        resources: { cpus: 0.1, memoryMb: 64 },
        labels: { "com.iklimco.script-sha256": scriptHash(script) },
    };
}

export interface DistributorParams {
    stackName: string;
    image: string;
    domain: string;
    swagCertDir: string;
    nodeSslDir: string;
    /** `node=service=host:port ...` (vaultMembersEnv). */
    vaultMembers: pulumi.Input<string>;
    tlsServerName: string;
    /** uid:gid Vault runs as, for the node's key file; unset keeps root. */
    keyOwner?: string;
    intervalSeconds: number;
    restartTimeoutSeconds: number;
}

/**
 * cert-distributor: one task on every node labelled `vault` that is a manager, with the StorageBox copy, the
 * node's ssl dir and the node's Docker socket.
 *
 * Docker socket, as narrow as Swarm allows: the Engine API has no per-call permissions and a socket proxy
 * would be one more image to trust, so the socket is bounded by where and what instead:
 * - only this service mounts it (the reloader, step 20 and the verification do not), and only on the nodes
 *   that run a Vault member (`node.labels.vault == true`) and are managers (`node.role == manager`, the
 *   socket of a worker cannot update services); config validation refuses a `vault` node that is a worker;
 * - the script (scripts/distributor.sh) calls only `docker service inspect` and `docker service update
 *   --detach --force` on its own node's member, named in VAULT_MEMBERS by this program;
 * - the container publishes no port and runs nothing else; the bind is read-only (which stops the socket
 *   file being replaced, not API calls: whoever can exec into this container can drive the manager).
 */
export function distributorSpec(p: DistributorParams): ServiceSpec {
    const script = composedScript("distributor");
    return {
        name: "cert-distributor",
        component: "cert-distributor",
        image: p.image,
        stateful: false,
        mode: { global: true },
        constraints: [onLabel("vault"), "node.role == manager"],
        command: ["/bin/sh", "-c", script, "cert-distributor"],
        env: {
            SOURCE_DIR: CONTAINER_PATHS.storageBoxSsl,
            TARGET_DIR: CONTAINER_PATHS.nodeSsl,
            ...certificateFilesEnv(p.domain),
            // Swarm expands the template per task: each task knows which node (and so which member) it is on.
            NODE_NAME: "{{.Node.Hostname}}",
            VAULT_MEMBERS: p.vaultMembers,
            LOCK_DIR: `${CONTAINER_PATHS.storageBoxSsl}/.distributor/restart.lock`,
            REPORT_DIR: `${CONTAINER_PATHS.storageBoxSsl}/.distributor/nodes`,
            TLS_SERVER_NAME: p.tlsServerName,
            INTERVAL: String(p.intervalSeconds),
            RESTART_TIMEOUT: String(p.restartTimeoutSeconds),
            // A lock older than a full restart plus margin belongs to a task that died holding it.
            LOCK_STALE: String(p.restartTimeoutSeconds * 2 + 120),
            HEARTBEAT_FILE: CONTAINER_PATHS.heartbeat,
            ...(p.keyOwner ? { KEY_OWNER: p.keyOwner } : {}),
        },
        mounts: [
            // Read and write: the pair is only read; the restart lock and the node reports live below it.
            { type: "bind", source: p.swagCertDir, target: CONTAINER_PATHS.storageBoxSsl },
            { type: "bind", source: p.nodeSslDir, target: CONTAINER_PATHS.nodeSsl },
            { type: "bind", source: DOCKER_SOCKET, target: CONTAINER_PATHS.dockerSocket, readOnly: true },
        ],
        healthcheck: heartbeatHealth(p.intervalSeconds * 3 + 60),
        resources: { cpus: 0.1, memoryMb: 64 },
        labels: { "com.iklimco.script-sha256": scriptHash(script) },
    };
}

export interface CertFlowArgs {
    config: Pick<PlatformConfig, "certificates" | "docker" | "domain" | "images" | "nodes" | "paths" | "secrets" | "stackName" | "vault">;
    swarm: SwarmFoundation;
    swag?: {
        /** The SWAG service: the reloader starts after it (it reads what SWAG obtains). */
        service?: pulumi.Resource;
        /** The resource of SWAG's config volume, when it is declared apart from the service. */
        volume?: pulumi.Resource;
        /** Defaults to `<stackName>_swag-config`. */
        volumeName?: string;
        /** Defaults to the first node labelled `edge`. */
        node?: string;
    };
    vault?: {
        /** The members' Swarm service names in member order (the Vault component's outputs). */
        serviceNames?: pulumi.Input<string>[];
        /** The member services: the verification waits for them. */
        services?: pulumi.Resource[];
        /** uid:gid Vault runs as in its image, so it can read the 0600 key in the node's ssl dir. */
        keyOwner?: string;
    };
    /** Step 20's bound (default 600 s) and the verification's (default 900 s). */
    certificateTimeoutSeconds?: number;
    verifyTimeoutSeconds?: number;
    intervalSeconds?: { reloader?: number; distributor?: number };
}

export class CertFlow extends pulumi.ComponentResource {
    readonly reloader: docker.Service;
    readonly distributor: docker.Service;
    /** Step 20: the certificate is published in SWAG_CERT_DIR and valid for `*.<domain>`. */
    readonly certificatePublished: pulumi.Resource;
    /** Step 24: every Vault member serves the published certificate and is unsealed. */
    readonly verified: pulumi.Resource;
    /** For `dependsOn` of whatever needs the real certificate in SWAG_CERT_DIR. */
    readonly certificateReady: pulumi.Resource[];
    /** For `dependsOn` of whatever connects to Vault by its public name and verifies its certificate. */
    readonly vaultServesCertificate: pulumi.Resource[];
    readonly reloaderName: string;
    readonly distributorName: string;
    /** The verification as an operator (or the deploy workflow) runs it from a checkout of this repository. */
    readonly verifyCommand: pulumi.Output<string>;
    readonly pipeline: PipelineRecord;

    constructor(name: string, args: CertFlowArgs, opts?: pulumi.ComponentResourceOptions) {
        super("iklimco:certs:CertFlow", name, {}, opts);
        const cfg = args.config;
        const swarm = args.swarm;
        const image = cfg.images.certTools;
        const swagNode = args.swag?.node ?? nodesWithLabel(cfg, "edge")[0]?.name;
        if (!swagNode) throw new pulumi.ResourceError("certs: no node labelled edge for SWAG and cert-reloader", this);
        const swagVolume = args.swag?.volumeName ?? swagConfigVolume(cfg.stackName);
        const members = vaultMemberEndpoints(cfg, args.vault?.serviceNames);
        const membersEnv = vaultMembersEnv(members);
        const tlsServerName = vaultHostname(cfg);
        const child = { parent: this };
        const steps = new PipelineNotes();

        const swagDeps = [args.swag?.service, args.swag?.volume].filter((r): r is pulumi.Resource => r !== undefined);
        this.reloader = swarm.services.build(
            `${name}-reloader`,
            reloaderSpec({
                stackName: cfg.stackName,
                image,
                domain: cfg.domain,
                swagVolume,
                swagNode,
                swagCertDir: cfg.paths.swagCertDir,
                intervalSeconds: args.intervalSeconds?.reloader ?? 60,
            }),
            { ...child, dependsOn: steps.after(`${name}-reloader`, "mounts SWAG's config volume and publishes the certificate SWAG obtains in it", ...swagDeps) },
        );
        this.reloaderName = swarm.services.swarmName({ name: "cert-reloader" });
        // Both services were part of the swarm stacks the old pipeline deployed at step 12.
        steps.realise(12, this.reloader);

        // Without public DNS there is no ACME certificate: the Vault placeholder script (never overwrites) makes
        // a self-signed pair naming *.<domain> in SWAG_CERT_DIR, which the rest of the flow then carries as usual.
        const selfSigned = cfg.certificates.mode === "self-signed" ? TLS_PLACEHOLDER_SCRIPT : undefined;
        // Step 20: bounded wait on the manager until the reloader's output is there and valid.
        const timeout = args.certificateTimeoutSeconds ?? 600;
        const check = composedScript("wait-cert");
        this.certificatePublished = steps.realise(
            20,
            managerScript(
                `${name}-step20`,
                {
                    config: cfg,
                    script: readScript("step20.sh"),
                    env: {
                        CERT_TOOLS_IMAGE: image,
                        CHECK_SCRIPT: check,
                        SWAG_CERT_DIR: cfg.paths.swagCertDir,
                        DOMAIN: cfg.domain,
                        ...certificateFilesEnv(cfg.domain),
                        TIMEOUT: String(timeout),
                        ...(selfSigned ? { SELF_SIGNED_SCRIPT: selfSigned, CERT_NAME: tlsServerName } : {}),
                    },
                    triggers: [sha256(check), image, cfg.paths.swagCertDir, cfg.domain, cfg.certificates.mode],
                },
                { ...child, dependsOn: steps.after(`${name}-step20`, "waits for the certificate cert-reloader publishes to SWAG_CERT_DIR", this.reloader) },
            ),
        );
        this.certificateReady = [this.certificatePublished];

        this.distributor = swarm.services.build(
            `${name}-distributor`,
            distributorSpec({
                stackName: cfg.stackName,
                image,
                domain: cfg.domain,
                swagCertDir: cfg.paths.swagCertDir,
                nodeSslDir: cfg.paths.nodeSslDir,
                vaultMembers: membersEnv,
                tlsServerName,
                keyOwner: args.vault?.keyOwner,
                intervalSeconds: args.intervalSeconds?.distributor ?? 30,
                restartTimeoutSeconds: 300,
            }),
            // Swarm refuses to start a task whose bind source is missing: SWAG_CERT_DIR exists once step 20 passed.
            { ...child, dependsOn: steps.after(`${name}-distributor`, "binds SWAG_CERT_DIR, which holds a valid certificate once step 20 passed", this.certificatePublished) },
        );
        this.distributorName = swarm.services.swarmName({ name: "cert-distributor" });
        steps.realise(12, this.distributor);

        const verifyEnv: Record<string, pulumi.Input<string>> = {
            RELOADER_SERVICE: this.reloaderName,
            DISTRIBUTOR_SERVICE: this.distributorName,
            VAULT_MEMBERS: membersEnv,
            NETWORK: swarm.network.name,
            SWAG_CERT_DIR: cfg.paths.swagCertDir,
            CERT_FILE_NAME: certificateFiles(cfg.domain).cert,
            CERT_TOOLS_IMAGE: image,
            TLS_SERVER_NAME: tlsServerName,
        };
        const probe = composedScript("verify-probe");
        const verifyTimeout = args.verifyTimeoutSeconds ?? 900;
        this.verified = steps.realise(
            24,
            managerScript(
                `${name}-verify`,
                {
                    config: cfg,
                    script: readScript("verify.sh"),
                    env: { ...verifyEnv, CHECK_SCRIPT: probe, WAIT: String(verifyTimeout) },
                    triggers: [sha256(probe), image, membersEnv],
                },
                {
                    ...child,
                    dependsOn: steps.after(
                        `${name}-verify`,
                        "checks that the distributor has rolled every Vault member onto the published certificate",
                        this.distributor,
                        ...(args.vault?.services ?? []),
                    ),
                },
            ),
        );
        this.vaultServesCertificate = [this.verified];

        this.verifyCommand = pulumi
            .all(Object.keys(verifyEnv).sort().map((k) => pulumi.output(verifyEnv[k]).apply((v) => `${k}='${v}'`)))
            .apply((kv) => `DOCKER_HOST='${cfg.docker.host}' ${kv.join(" ")} bash components/certs/scripts/verify.sh`);

        this.pipeline = steps.record();
        this.registerOutputs({
            reloader: this.reloaderName,
            distributor: this.distributorName,
            verifyCommand: this.verifyCommand,
        });
    }
}
