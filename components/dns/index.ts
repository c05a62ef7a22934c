// Step 23: the public A records (`dns.records`: api, apigw, rabbitmq, grafana) under the stack's domain,
// pointing at the public IPs of the nodes labelled `edge`, as GoDaddyRecord resources. They come after SWAG
// is serving, so no public name ever points at a proxy that is not there. With `dns.provider: none` (a
// laptop stack) nothing is created.
import * as pulumi from "@pulumi/pulumi";
import { Settings, nodesWithLabel } from "../config";
import { PipelineNotes, PipelineRecord } from "../pipeline";
import { DnsNames, dnsNames, vaultAddresses, vaultRecordLabel } from "./names";
import { providerCode } from "../prebuilt-dynamic-resource";
import { goDaddyRecordProvider } from "./godaddy";
import { GoDaddyRecord } from "./record";

export * from "./names";
export * from "./record";
export { GoDaddyRecordProvider, GODADDY_MIN_TTL, canonicalAddress, recordId } from "./godaddy";
export type { GoDaddyApiError, RecordSetArgs, RecordSetState } from "./godaddy";

export interface DnsRecordsArgs {
    /**
     * The validated stack config. Only non-secret settings are read: the GoDaddy credentials reach the
     * provider from the stack config directly (components/dns/godaddy.ts), never through this component.
     */
    config: Pick<Settings, "dns" | "domain" | "nodes" | "vault">;
    /** What must be serving before any record points at the edge: the SWAG service (and its certificate wait). */
    after: pulumi.Resource[];
    /**
     * What the records point at, when not every `edge` node serves: e.g. only the node SWAG is pinned to.
     * Defaults to the public IPs of all nodes labelled `edge`.
     */
    addresses?: string[];
    /**
     * What must run before Vault's public name points at the Vault nodes (its members, which publish the port
     * there). Required when `vault.runnerAccess` is public.
     */
    vaultAfter?: pulumi.Resource[];
}

/** The addresses the records point at: the edge nodes' public IPs, sorted and unique (config order is irrelevant). */
export function edgeAddresses(config: Pick<Settings, "nodes">): string[] {
    return [...new Set(nodesWithLabel(config, "edge").map((n) => n.publicIp))].sort();
}

export class DnsRecords extends pulumi.ComponentResource {
    /** One record per `dns.records` name; empty with `dns.provider: none`. */
    readonly records: Record<string, GoDaddyRecord> = {};
    /** The public names the records serve (`api.iklim.co`, ...); empty with `dns.provider: none`. */
    readonly hostnames: string[];
    /** Every name under the domain the program uses: declared here, or not public and how it is reached. */
    readonly names: DnsNames;
    /**
     * What Vault as code waits for so the runner can resolve `vault.address`: Vault's public record when
     * `vault.runnerAccess` is public, else nothing (the runner reaches the configured address).
     */
    readonly runnerReachesVault: pulumi.Resource[] = [];
    readonly pipeline: PipelineRecord;

    constructor(name: string, args: DnsRecordsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("iklimco:dns:Records", name, {}, opts);
        const steps = new PipelineNotes();
        steps.realise(23, this);
        const cfg = args.config;
        if (cfg.dns.provider === "none") {
            this.hostnames = [];
            this.names = dnsNames(cfg, []);
            this.pipeline = steps.record();
            this.registerOutputs({ hostnames: this.hostnames, names: this.names });
            return;
        }
        if (args.after.length === 0) {
            throw new pulumi.ResourceError(`${name}: the DNS records need the SWAG service in \`after\`, so no public name points at a proxy that is not serving yet`, this);
        }
        const values = args.addresses ? [...new Set(args.addresses)].sort() : edgeAddresses(cfg);
        // The provider's code, read (or serialised) once for all the records.
        const implementation = providerCode(goDaddyRecordProvider());
        if (values.length === 0) throw new pulumi.ResourceError(`${name}: no address to point the DNS records at (no edge node, or an empty \`addresses\`)`, this);
        for (const record of [...new Set(cfg.dns.records)].sort()) {
            const resourceName = `${name}-${record}`;
            this.records[record] = new GoDaddyRecord(
                resourceName,
                { domain: cfg.domain, type: "A", name: record, values, ttl: cfg.dns.ttl },
                {
                    parent: this,
                    dependsOn: steps.after(resourceName, `${record}.${cfg.domain} goes public only once SWAG on the edge is serving`, ...args.after),
                },
                implementation,
            );
        }
        const vaultLabel = vaultRecordLabel(cfg);
        if (vaultLabel) {
            if (!args.vaultAfter?.length) throw new pulumi.ResourceError(`${name}: Vault's public record needs the Vault members in \`vaultAfter\`, so ${vaultLabel}.${cfg.domain} points only at nodes that serve it`, this);
            const resourceName = `${name}-${vaultLabel}`;
            this.records[vaultLabel] = new GoDaddyRecord(
                resourceName,
                { domain: cfg.domain, type: "A", name: vaultLabel, values: vaultAddresses(cfg), ttl: cfg.dns.ttl },
                {
                    parent: this,
                    dependsOn: steps.after(resourceName, `${vaultLabel}.${cfg.domain} goes public once the Vault members publish their port on their nodes`, ...args.vaultAfter),
                },
                implementation,
            );
            this.runnerReachesVault.push(this.records[vaultLabel]);
        }
        this.hostnames = Object.keys(this.records).sort().map((r) => `${r}.${cfg.domain}`);
        this.names = dnsNames(cfg, values);
        this.pipeline = steps.record();
        this.registerOutputs({ hostnames: this.hostnames, names: this.names });
    }
}
