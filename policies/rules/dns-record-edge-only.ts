// Public A/AAAA records point only at the edge nodes. The edge nodes' public addresses come from the stack
// config through the policy config (`edgeIps`), which `npm run plan` and `npm run policy-config` derive from
// the nodes labelled edge (policies/lib/config.ts).
import { ResourceValidationPolicy } from "@pulumi/policy";
import { asDnsRecord } from "../lib/resources";

export interface EdgeConfig {
    edgeIps?: string[];
    /** Vault's record (`vault`), which points at the Vault nodes (`vaultIps`) instead: each member publishes its port there. */
    vaultRecord?: string;
    vaultIps?: string[];
}

export const dnsRecordEdgeOnly: ResourceValidationPolicy = {
    name: "dns-record-edge-only",
    description: "Public A/AAAA records point only at the public addresses of the edge nodes in the stack config (Vault's record only at the Vault nodes').",
    enforcementLevel: "mandatory",
    configSchema: { properties: { edgeIps: { type: "array", items: { type: "string" } }, vaultRecord: { type: "string" }, vaultIps: { type: "array", items: { type: "string" } } } },
    remediationSteps: "Point the record at a node labelled edge, or label the node edge in iklimco:nodes.",
    validateResource: (args, reportViolation) => {
        const rec = asDnsRecord(args.type, args.props);
        if (!rec) return args.notApplicable("not a DNS record");
        if (rec.type !== "A" && rec.type !== "AAAA") return args.notApplicable(`${rec.type} records carry no address`);
        const cfg = args.getConfig<EdgeConfig>();
        if (cfg.vaultRecord && rec.name === cfg.vaultRecord) {
            const vaultIps = cfg.vaultIps ?? [];
            const stray = rec.values.filter((v) => !vaultIps.includes(v));
            if (!rec.values.length) reportViolation(`${rec.type} ${rec.name}.${rec.domain} has no value`);
            if (stray.length) reportViolation(`${rec.type} ${rec.name}.${rec.domain} points at ${stray.join(", ")}, not a Vault node (${vaultIps.join(", ")})`);
            return;
        }
        const edgeIps = cfg.edgeIps;
        if (!edgeIps || !edgeIps.length) {
            reportViolation("the edge nodes' addresses are not in the policy config (edgeIps): pass it with --policy-pack-config (npm run policy-config)");
            return;
        }
        const stray = rec.values.filter((v) => !edgeIps.includes(v));
        if (!rec.values.length) reportViolation(`${rec.type} ${rec.name}.${rec.domain} has no value`);
        if (stray.length) reportViolation(`${rec.type} ${rec.name}.${rec.domain} points at ${stray.join(", ")}, not an edge node (${edgeIps.join(", ")})`);
    },
};
