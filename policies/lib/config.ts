// The policy config a stack implies: the edge nodes' public addresses for the DNS rule, and, for a one-node
// stack (a laptop), the quorum rule downgraded to advisory (one node cannot survive its own loss) and the overlay
// encryption rule too (on one node no traffic crosses between nodes, so IPsec protects nothing).
import { PolicyPackConfig } from "@pulumi/policy";

export interface StackFacts {
    nodes: { name: string; publicIp: string; labels: string[] }[];
    /** The label of Vault's public record (`vault`), when the runner reaches Vault by its public name. */
    vaultRecord?: string;
}

export function policyConfigFor(stack: StackFacts): PolicyPackConfig {
    const config: PolicyPackConfig = {
        "dns-record-edge-only": {
            edgeIps: stack.nodes.filter((n) => n.labels.includes("edge")).map((n) => n.publicIp),
            ...(stack.vaultRecord ? { vaultRecord: stack.vaultRecord, vaultIps: stack.nodes.filter((n) => n.labels.includes("vault")).map((n) => n.publicIp) } : {}),
        },
    };
    if (stack.nodes.length < 2) {
        config["stateful-survives-node-loss"] = { enforcementLevel: "advisory", minMembers: 3 };
        config["overlay-network-encrypted"] = { enforcementLevel: "advisory" };
    }
    return config;
}
