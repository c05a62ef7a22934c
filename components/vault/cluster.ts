// The Vault stack (step 14): one Swarm service per Raft member, `<stackName>_vault-<n>` on the n-th node
// labelled `vault` (config order), pinned to it, with its own data volume and node id, `retry_join` to the
// others by overlay name, TLS from the node's ssl directory bound at /vault/certs, the retry-unseal
// entrypoint, and the `vault_unseal_key` secret. Deployed apart from the infra/DB services, as the operators do.
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { PlatformConfig } from "../config";
import { PipelineNotes, PipelineRecord } from "../pipeline";
import { ServiceBuilder, ServiceSpec, VersionedSecret, onLabel, onNode } from "../swarm";
import { ENTRYPOINT } from "./bootstrap";
import { vaultHostname } from "../naming";
import { CERTS_MOUNT, DATA_DIR, LOCAL_ADDR, VAULT_PORTS, VaultMember } from "./members";
import { serverConfigJson } from "./server-config";

/** The ServiceSpec of one member: pure, so tests and the stack-file renderer read the same thing. */
export function memberSpec(cfg: Pick<PlatformConfig, "domain" | "stackName" | "vault" | "images" | "paths">, member: VaultMember, members: VaultMember[], unsealKey: VersionedSecret): ServiceSpec {
    return {
        name: member.name,
        component: "vault",
        image: cfg.images.vault,
        stateful: true,
        mode: { replicas: 1 },
        constraints: [onLabel("vault"), onNode(member.node.name)],
        // The image's own entrypoint is replaced by ours (it starts the server itself, then the unseal loop).
        command: ["/bin/sh", "-c", ENTRYPOINT, "vault-entrypoint"],
        env: {
            VAULT_CONFIG_JSON: serverConfigJson(cfg, member, members),
        },
        secrets: [{ secret: unsealKey }],
        mounts: [
            { type: "volume", source: member.volume, target: DATA_DIR },
            { type: "bind", source: cfg.paths.nodeSslDir, target: CERTS_MOUNT, readOnly: true },
        ],
        // Host mode: each member publishes on its own node, so three services can all use the one port;
        // `vault.hostname` resolves to the Vault nodes and a standby forwards to the active member.
        ports: [{ target: VAULT_PORTS.api, published: cfg.vault.port, mode: "host" }],
        healthcheck: {
            // 200 when active, standby (standbyok), or initialised but sealed (sealedcode=200); 501 uninitialised
            // fails it. A sealed member must count as healthy: Swarm puts a task in the overlay's DNS (and behind
            // its virtual IP) only once healthy, and a member that joins Raft is unsealed only after the leader
            // has reached it at `vault-<n>:8201` and replicated the keyring to it. With "unsealed" as the check,
            // a joining member can never be reached, never unseals, and is restarted with a half-joined volume
            // that no later join accepts ("cluster already has state"): seen on the real swarm
            // (test/vault-openbao-swarm.test.ts). "Unsealed" is checked where it matters: VaultReady waits for
            // every member to be unsealed before Vault as code, and the cert-distributor before each restart.
            test: ["CMD", "wget", "-q", "--no-check-certificate", "-O", "/dev/null", `${LOCAL_ADDR}/v1/sys/health?standbyok=true&sealedcode=200`],
            interval: "15s",
            timeout: "5s",
            retries: 5,
            startPeriod: "60s",
        },
        resources: { cpus: 1, memoryMb: 512, reserveCpus: 0.1, reserveMemoryMb: 128 },
        hostname: member.name,
        // On the overlay every member also answers to Vault's public name, which the certificate covers
        // (`*.<domain>`, and the step-10 placeholder): microservices use https://<vault.hostname>:<port>.
        aliases: [vaultHostname(cfg)],
        stopGracePeriod: "30s",
    };
}

export interface VaultClusterArgs {
    config: Pick<PlatformConfig, "domain" | "images" | "paths" | "stackName" | "vault">;
    services: ServiceBuilder;
    members: VaultMember[];
    unsealKey: VersionedSecret;
    /** Step 10's placeholder job of each member's node, in member order: a member starts after its own. */
    certificates: pulumi.Resource[];
}

export class VaultCluster extends pulumi.ComponentResource {
    readonly services: docker.Service[];
    readonly specs: ServiceSpec[];
    readonly pipeline: PipelineRecord;

    constructor(name: string, args: VaultClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("iklimco:vault:Cluster", name, {}, opts);
        const steps = new PipelineNotes();
        if (args.certificates.length !== args.members.length) {
            throw new pulumi.ResourceError(`vault cluster: ${args.members.length} members but ${args.certificates.length} step-10 certificate jobs`, this);
        }
        this.specs = args.members.map((m) => memberSpec(args.config, m, args.members, args.unsealKey));
        this.services = [];
        this.specs.forEach((spec, i) => {
            const previous = this.services[i - 1];
            const resourceName = `${name}-${spec.name}`;
            this.services.push(
                args.services.build(resourceName, spec, {
                    parent: this,
                    // One member at a time (create and every update), each converged before the next, so the
                    // Raft cluster keeps its quorum through a rolling change and later members join a leader.
                    dependsOn: [
                        ...steps.after(resourceName, "a member reads the step-10 certificate of its own node at start", args.certificates[i]),
                        ...(previous ? steps.after(resourceName, "one Vault member at a time keeps Raft quorum; it joins a converged leader", previous) : []),
                    ],
                }),
            );
        });
        this.pipeline = steps.record();
        this.registerOutputs({ services: this.services.map((s) => s.name) });
    }
}
