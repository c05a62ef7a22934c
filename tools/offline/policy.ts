// The policy pack, offline: runs every rule of policies/ over the graph the offline engine recorded, with the
// same validation args the Pulumi analyzer builds, and the policy config the stack implies (edge addresses).
import { PolicyPackConfig } from "@pulumi/policy";
import { POLICIES } from "../../policies/all";
import { vaultRecordLabel } from "../../components/dns/names";
import { policyConfigFor } from "../../policies/lib/config";
import { PlannedResource, PolicyRun, Violation, runPolicies } from "../../policies/lib/run";
import { Evaluation } from "./engine";
import { OfflineStackConfig, settingsOf } from "./stack-config";

export interface PolicyReport {
    config: PolicyPackConfig;
    violations: Violation[];
    mandatory: number;
    advisory: number;
    notApplicable: Record<string, number>;
}

/** Custom resources as the analyzer sees them: plain inputs (the engine reveals secrets to policies too). */
export function plannedResources(ev: Evaluation): PlannedResource[] {
    return ev.resources
        .filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"))
        .map((r) => {
            const p = r.provider ? ev.byUrn.get(r.provider) : undefined;
            return {
                type: r.type,
                name: r.name,
                urn: r.urn,
                props: r.plainInputs,
                provider: p ? { type: p.type, urn: p.urn, name: p.name, props: {} } : undefined,
                parent: r.parent,
                dependencies: r.dependencies,
            };
        });
}

/**
 * The policy config a stack implies, from its validated settings: the edge nodes' addresses and Vault's public
 * record, as the DNS component derives them. Invalid config throws the program's ConfigError.
 */
export function policyConfigFromStack(cfg: Pick<OfflineStackConfig, "config" | "secretKeys">): PolicyPackConfig {
    const settings = settingsOf(cfg);
    return policyConfigFor({ nodes: settings.nodes.map((n) => ({ name: n.name, publicIp: n.publicIp, labels: n.labels })), vaultRecord: vaultRecordLabel(settings) });
}

export async function evaluatePolicies(ev: Evaluation, config: PolicyPackConfig): Promise<PolicyReport> {
    const run: PolicyRun = await runPolicies(POLICIES, plannedResources(ev), config);
    const violations = run.violations.filter((v) => v.enforcementLevel !== "disabled");
    return {
        config,
        violations,
        mandatory: violations.filter((v) => v.enforcementLevel === "mandatory").length,
        advisory: violations.filter((v) => v.enforcementLevel === "advisory").length,
        notApplicable: Object.fromEntries([...run.notApplicable.entries()].sort()),
    };
}

const shortUrn = (urn?: string) => (urn ? urn.split("::").slice(-2).join(" ") : "(stack)");

export function renderPolicyText(report: PolicyReport): string {
    const out: string[] = [];
    out.push(`Policies (${POLICIES.length} rules of policies/): ${report.mandatory} mandatory and ${report.advisory} advisory violation(s).`);
    const sorted = [...report.violations].sort((a, b) => (a.enforcementLevel === b.enforcementLevel ? 0 : a.enforcementLevel === "mandatory" ? -1 : 1));
    for (const v of sorted) out.push(`  [${v.enforcementLevel}] ${v.policy}  ${shortUrn(v.urn)}: ${v.message}`);
    return out.join("\n");
}
