// The plan document: what a reviewer needs to see of a change, from one offline evaluation.
import { STEPS } from "../../components/pipeline";
import { Evaluation, RecordedResource } from "./engine";
import { SecretStatus } from "./stack-config";

export interface PlanResource {
    urn: string;
    type: string;
    name: string;
    parent: string | null;
    dependsOn: string[];
    step: number | null;
    inputs: Record<string, unknown>;
    secretInputs: string[];
}

export interface PlanStep {
    number: number;
    title: string;
    realisation: string;
    resources: string[];
    note: string;
}

export interface PlanDocument {
    stack: string;
    resources: PlanResource[];
    steps: PlanStep[];
    waves: string[][];
    orderingReasons: { dependent: string; why: string }[];
    secrets: SecretStatus[];
    outputs: Record<string, unknown>;
}

// Dynamic providers serialise their whole implementation into `__provider`: noise for a reviewer.
const HIDDEN_INPUTS = new Set(["__provider"]);

function visibleInputs(r: RecordedResource): Record<string, unknown> {
    return Object.fromEntries(Object.entries(r.inputs).filter(([k]) => !HIDDEN_INPUTS.has(k)));
}

/**
 * Waves: a resource's wave is one more than the latest wave among what it depends on, so everything in one
 * wave can be created in parallel once the waves before it are done. Components are grouping only.
 */
export function computeWaves(ev: Evaluation): Map<string, number> {
    const wave = new Map<string, number>();
    const visiting = new Set<string>();
    const waveOf = (urn: string): number => {
        const known = wave.get(urn);
        if (known !== undefined) return known;
        if (visiting.has(urn)) throw new Error(`dependency cycle through ${urn}`);
        visiting.add(urn);
        const r = ev.byUrn.get(urn);
        // A resource also waits for its provider, which the engine does not list as a dependency.
        const deps = [...(r?.dependencies ?? []), ...(r?.provider ? [r.provider] : [])].filter((d) => ev.byUrn.get(d)?.custom);
        const w = deps.length ? Math.max(...deps.map(waveOf)) + 1 : 1;
        visiting.delete(urn);
        wave.set(urn, w);
        return w;
    };
    for (const r of ev.resources) if (r.custom) waveOf(r.urn);
    return wave;
}

export function buildPlan(ev: Evaluation, secrets: SecretStatus[]): PlanDocument {
    const resources: PlanResource[] = ev.resources.map((r) => ({
        urn: r.urn,
        type: r.type,
        name: r.name,
        parent: r.parent ?? null,
        dependsOn: r.dependencies,
        step: r.steps.length ? r.steps[0] : null,
        inputs: visibleInputs(r),
        secretInputs: r.secretInputs,
    }));
    const steps: PlanStep[] = STEPS.map((s) => ({
        number: s.number,
        title: s.title,
        realisation: s.realisation,
        resources: ev.resources.filter((r) => r.steps.includes(s.number)).map((r) => r.urn),
        note: s.note,
    }));
    const waveOf = computeWaves(ev);
    const waves: string[][] = [];
    for (const [urn, w] of [...waveOf.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) (waves[w - 1] ??= []).push(urn);
    return {
        stack: ev.stack,
        resources,
        steps,
        waves,
        orderingReasons: ev.reasons.map((r) => ({ dependent: r.dependent, why: r.why })),
        secrets,
        outputs: ev.outputs,
    };
}

const shortType = (t: string) => t.split(":").pop() ?? t;

export function renderPlanText(plan: PlanDocument): string {
    const out: string[] = [];
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r] as const));
    const custom = plan.resources.filter((r) => plan.waves.some((w) => w.includes(r.urn)));
    out.push(`Offline plan of stack "${plan.stack}": ${custom.length} resources (${plan.resources.length - custom.length} components), ${plan.waves.length} waves.`);
    out.push("");
    out.push("Pipeline steps:");
    for (const s of plan.steps) {
        const owned = s.resources.map((u) => byUrn.get(u)!).filter((r) => custom.includes(r));
        const waves = owned.map((r) => plan.waves.findIndex((w) => w.includes(r.urn)) + 1);
        const when = waves.length ? ` [wave ${Math.min(...waves)}${Math.max(...waves) > Math.min(...waves) ? `-${Math.max(...waves)}` : ""}]` : "";
        out.push(`  ${String(s.number).padStart(2)}. ${s.title} (${s.realisation})${when}: ${s.note}`);
        for (const r of owned) out.push(`        ${shortType(r.type)} ${r.name}`);
    }
    out.push("");
    out.push("Waves (everything in a wave can run in parallel):");
    plan.waves.forEach((wave, i) => {
        out.push(`  wave ${i + 1}:`);
        for (const urn of wave) {
            const r = byUrn.get(urn)!;
            out.push(`    ${shortType(r.type)} ${r.name}${r.step ? ` (step ${r.step})` : ""}${r.secretInputs.length ? ` secrets: ${r.secretInputs.join(", ")} = [secret]` : ""}`);
        }
    });
    if (plan.orderingReasons.length) {
        out.push("");
        out.push("Ordering edges without data flow:");
        for (const r of plan.orderingReasons) out.push(`  ${r.dependent}: ${r.why}`);
    }
    out.push("");
    out.push("Secrets the real stack needs (pulumi config set --secret <key> ...):");
    for (const s of plan.secrets) out.push(`  ${s.key}: ${s.state}${s.required ? " (required)" : ""} - ${s.description}`);
    out.push("");
    out.push("Outputs:");
    for (const [k, v] of Object.entries(plan.outputs)) out.push(`  ${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
    return out.join("\n");
}
