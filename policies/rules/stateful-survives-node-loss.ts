// "Survives the loss of one node" is a property of a cluster, not of one service: each stateful cluster is a
// set of member services (`<svc>-<n>`, one replica each, pinned with `node.hostname == <node>` to the node that
// holds its volume), all labelled with the same `com.iklimco.component`. A quorum of n members survives
// floor((n-1)/2) lost members, so surviving one lost node needs at least 3 members on 3 distinct nodes.
// A single service spread by the scheduler (replicas >= 3, at most one per node) counts the same way.
import * as docker from "@pulumi/docker";
import { StackValidationPolicy, validateStackResourcesOfType } from "@pulumi/policy";
import { STATEFUL_COMPONENTS, ServiceFacts, serviceFacts } from "../lib/resources";

export interface QuorumConfig {
    /** Members a stateful component needs; 3 tolerates one lost node. */
    minMembers?: number;
    /**
     * The quorum clusters (default etcd, patroni, postgres, mongodb, rabbitmq, vault). Other stateful services
     * (SWAG's config volume, Grafana) are single instances by design: they update stop-first but form no quorum.
     */
    components?: string[];
}

interface Member {
    urn: string;
    facts: ServiceFacts;
}

/** Problems of one component's members, each with the URN to report it on (undefined: the cluster). */
export function quorumProblems(component: string, members: Member[], minMembers: number): { urn?: string; message: string }[] {
    const problems: { urn?: string; message: string }[] = [];
    const nodes = new Set<string>();
    let capacity = 0;
    for (const m of members) {
        const f = m.facts;
        if (f.global) {
            problems.push({ urn: m.urn, message: `${component} member ${f.name} is a global service: a stateful member must own one volume on one node` });
            continue;
        }
        const replicas = f.replicas ?? 1;
        if (f.pinnedNodes.length === 1) {
            if (replicas !== 1) problems.push({ urn: m.urn, message: `${component} member ${f.name} runs ${replicas} replicas pinned to one node (${f.pinnedNodes[0]}): they share the node's fate` });
            if (nodes.has(f.pinnedNodes[0])) problems.push({ urn: m.urn, message: `${component} member ${f.name} is pinned to ${f.pinnedNodes[0]}, which already holds another ${component} member` });
            nodes.add(f.pinnedNodes[0]);
            capacity += 1;
        } else if (f.pinnedNodes.length === 0 && replicas >= 2 && f.maxReplicasPerNode === 1) {
            // Spread by the scheduler: one replica per node, so replicas count as distinct nodes.
            capacity += replicas;
            for (let i = 0; i < replicas; i++) nodes.add(`${f.name}#${i}`);
        } else if (f.pinnedNodes.length === 0) {
            problems.push({
                urn: m.urn,
                message: `${component} member ${f.name} is not pinned to a node (node.hostname == <node>) nor spread one per node: its data would not follow a rescheduled task`,
            });
            capacity += 1;
        } else {
            problems.push({ urn: m.urn, message: `${component} member ${f.name} has contradictory hostname constraints (${f.pinnedNodes.join(", ")})` });
        }
    }
    if (capacity < minMembers || nodes.size < minMembers) {
        problems.push({
            message:
                `${component} has ${capacity} member(s) on ${nodes.size} distinct node(s); surviving the loss of one node needs a quorum of at least ${minMembers} ` +
                `members on ${minMembers} distinct nodes (add members <svc>-<n> pinned to more nodes labelled for ${component})`,
        });
    }
    return problems;
}

export const statefulSurvivesNodeLoss: StackValidationPolicy = {
    name: "stateful-survives-node-loss",
    description:
        "Each stateful cluster (etcd, Patroni, MongoDB, RabbitMQ, Vault) has enough members, each pinned to its own node, to keep a quorum when any one node is lost.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { minMembers: { type: "integer", minimum: 1, default: 3 }, components: { type: "array", items: { type: "string" } } } },
    remediationSteps: "Label at least three nodes for the component in the stack config; the component declares one member per labelled node.",
    validateStack: validateStackResourcesOfType(docker.Service, (services, args, reportViolation) => {
        const cfg = args.getConfig<QuorumConfig>();
        const minMembers = cfg.minMembers ?? 3;
        const clusters: readonly string[] = cfg.components ?? STATEFUL_COMPONENTS;
        const byComponent = new Map<string, Member[]>();
        args.resources.forEach((r, i) => {
            const facts = serviceFacts(services[i] as Record<string, unknown>);
            if (!facts.component || !clusters.includes(facts.component)) return;
            (byComponent.get(facts.component) ?? byComponent.set(facts.component, []).get(facts.component)!).push({ urn: r.urn, facts });
        });
        if (!byComponent.size) args.notApplicable("no member of a quorum cluster in the stack");
        for (const [component, members] of [...byComponent.entries()].sort()) {
            for (const p of quorumProblems(component, members, minMembers)) reportViolation(p.message, p.urn);
        }
    }),
};
