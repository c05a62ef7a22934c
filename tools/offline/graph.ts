// Graph questions about a recorded deploy: the critical path (the longest chain of custom resources that must
// be created one after another), the pipeline steps on it, the explicit ordering edges and whether each has a
// recorded reason, and the comparison of two evaluations' inputs. Pure functions over plain records, so they
// are unit-tested on small synthetic graphs and used by `npm run bench` on the real program.
import type { RecordedResource } from "./engine";

/** What these computations need of a recorded resource (synthetic graphs in tests give just these). */
export type GraphResource = Pick<RecordedResource, "urn" | "type" | "name" | "custom" | "parent" | "provider" | "dependencies" | "explicitDependsOn" | "steps">;

/** A reason from a pipeline record (PipelineNotes.after in components/pipeline.ts), its resources given by URN. */
export interface GraphReason {
    dependent: string;
    why: string;
    on: string[];
}

export interface Chain {
    /** Custom resources on the chain, first created first. */
    path: string[];
    /** Distinct pipeline steps realised by the resources on the chain, ascending. */
    steps: number[];
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Custom resources under `urn` (itself if it is custom): depending on a component waits for its custom children. */
function customClosure(urn: string, byUrn: Map<string, GraphResource>, children: Map<string, string[]>): string[] {
    const r = byUrn.get(urn);
    if (!r) return [];
    if (r.custom) return [urn];
    const out: string[] = [];
    for (const c of children.get(urn) ?? []) out.push(...customClosure(c, byUrn, children));
    return out;
}

/**
 * For every custom resource, the custom resources it waits for directly: its dependencies (components
 * expanded to their custom descendants) and its provider. Unknown URNs are ignored.
 */
export function customPredecessors(resources: GraphResource[]): Map<string, string[]> {
    const byUrn = new Map(resources.map((r) => [r.urn, r] as const));
    const children = new Map<string, string[]>();
    for (const r of resources) if (r.parent) (children.get(r.parent) ?? children.set(r.parent, []).get(r.parent)!).push(r.urn);
    const preds = new Map<string, string[]>();
    for (const r of resources) {
        if (!r.custom) continue;
        const direct = [...r.dependencies, ...(r.provider ? [r.provider] : [])];
        const set = new Set<string>();
        for (const d of direct) for (const c of customClosure(d, byUrn, children)) if (c !== r.urn) set.add(c);
        preds.set(r.urn, [...set].sort(byString));
    }
    return preds;
}

/** Custom resources in an order where every resource comes after what it waits for; throws on a cycle. */
export function topologicalOrder(preds: Map<string, string[]>): string[] {
    const order: string[] = [];
    const state = new Map<string, "visiting" | "done">();
    const visit = (urn: string, trail: string[]) => {
        const s = state.get(urn);
        if (s === "done") return;
        if (s === "visiting") throw new Error(`dependency cycle: ${[...trail.slice(trail.indexOf(urn)), urn].join(" -> ")}`);
        state.set(urn, "visiting");
        for (const p of preds.get(urn) ?? []) if (preds.has(p)) visit(p, [...trail, urn]);
        state.set(urn, "done");
        order.push(urn);
    };
    for (const urn of [...preds.keys()].sort(byString)) visit(urn, []);
    return order;
}

// Step sets as bit masks: steps are 1..24, so a set fits in a 32-bit integer.
const bit = (step: number) => {
    if (!Number.isInteger(step) || step < 1 || step > 30) throw new Error(`graph: step ${step} is out of range`);
    return 1 << (step - 1);
};
const popcount = (mask: number) => {
    let n = 0;
    for (let m = mask; m !== 0; m &= m - 1) n++;
    return n;
};
const stepsOf = (mask: number) => {
    const out: number[] = [];
    for (let s = 1; s <= 30; s++) if (mask & (1 << (s - 1))) out.push(s);
    return out;
};
const isSubset = (a: number, b: number) => (a & b) === a;

interface Label {
    mask: number;
    /** The chain that reaches this label, newest last. */
    path: string[];
}

/**
 * Among chains that use only the edges `allowed` lets through, the one whose resources realise the most
 * distinct pipeline steps. Each node keeps only its step sets that no other of its sets contains, so this is
 * exact and stays small (steps are 1..24).
 */
function mostSteps(
    order: string[],
    preds: Map<string, string[]>,
    stepsByUrn: Map<string, number[]>,
    allowed: (from: string, to: string) => boolean,
    starts: (urn: string) => boolean,
    ends: (urn: string) => boolean,
): Chain {
    const labels = new Map<string, Label[]>();
    for (const urn of order) {
        const own = (stepsByUrn.get(urn) ?? []).reduce((m, s) => m | bit(s), 0);
        const candidates: Label[] = starts(urn) ? [{ mask: own, path: [urn] }] : [];
        for (const p of preds.get(urn) ?? []) {
            if (!allowed(p, urn)) continue;
            for (const l of labels.get(p) ?? []) candidates.push({ mask: l.mask | own, path: [...l.path, urn] });
        }
        // Keep the maximal sets; among equal sets the longest chain, then the first found (preds are sorted).
        const kept: Label[] = [];
        for (const c of candidates.sort((a, b) => popcount(b.mask) - popcount(a.mask) || b.path.length - a.path.length)) {
            if (!kept.some((k) => isSubset(c.mask, k.mask))) kept.push(c);
        }
        labels.set(urn, kept);
    }
    let best: Label = { mask: 0, path: [] };
    for (const urn of order) {
        if (!ends(urn)) continue;
        for (const l of labels.get(urn) ?? []) if (popcount(l.mask) > popcount(best.mask) || best.path.length === 0) best = l;
    }
    return { path: best.path, steps: stepsOf(best.mask) };
}

export interface CriticalPath extends Chain {
    /** Number of custom resources on the longest chain (the number of create rounds the deploy needs). */
    length: number;
}

/**
 * The critical path: the longest chain of custom resources each waiting for the one before (a dependency or
 * its provider). Among chains of that length, the one whose resources realise the most distinct pipeline
 * steps, so the step count does not depend on which of several equally long chains is picked.
 */
export function criticalPath(resources: GraphResource[]): CriticalPath {
    const preds = customPredecessors(resources);
    const order = topologicalOrder(preds);
    const depth = new Map<string, number>();
    for (const urn of order) depth.set(urn, 1 + Math.max(0, ...(preds.get(urn) ?? []).map((p) => depth.get(p) ?? 0)));
    const length = Math.max(0, ...depth.values());
    if (length === 0) return { length: 0, path: [], steps: [] };
    const stepsByUrn = new Map(resources.map((r) => [r.urn, r.steps] as const));
    const chain = mostSteps(
        order,
        preds,
        stepsByUrn,
        (from, to) => depth.get(to) === depth.get(from)! + 1,
        (urn) => depth.get(urn) === 1,
        (urn) => depth.get(urn) === length,
    );
    return { length, ...chain };
}

/** The chain of dependent custom resources (any length) that passes through the most distinct pipeline steps. */
export function mostStepsChain(resources: GraphResource[]): Chain {
    const preds = customPredecessors(resources);
    const order = topologicalOrder(preds);
    const stepsByUrn = new Map(resources.map((r) => [r.urn, r.steps] as const));
    return mostSteps(order, preds, stepsByUrn, () => true, () => true, () => true);
}

export interface OrderingEdge {
    /** The resource that waits. */
    from: string;
    /** What it waits for, with no data flowing between them. */
    to: string;
    /** The recorded reasons that cover this edge (empty: serialised without a reason). */
    reasons: GraphReason[];
}

/**
 * Every explicit `dependsOn` edge (carrying no data) with the recorded reasons that explain it. A reason
 * covers an edge when the edge's target is among (or under) the reason's resources and the reason names the
 * dependent resource or one of its ancestors (a component's `dependsOn` reaches its children).
 */
export function orderingEdges(resources: GraphResource[], reasons: GraphReason[]): OrderingEdge[] {
    const byUrn = new Map(resources.map((r) => [r.urn, r] as const));
    const children = new Map<string, string[]>();
    for (const r of resources) if (r.parent) (children.get(r.parent) ?? children.set(r.parent, []).get(r.parent)!).push(r.urn);
    const covered = (reason: GraphReason): Set<string> => {
        const set = new Set<string>();
        const add = (urn: string) => {
            if (set.has(urn)) return;
            set.add(urn);
            for (const c of children.get(urn) ?? []) add(c);
        };
        reason.on.forEach(add);
        return set;
    };
    const coverage = reasons.map((r) => ({ reason: r, targets: covered(r) }));
    const namesUp = (urn: string): string[] => {
        const out: string[] = [];
        for (let r = byUrn.get(urn); r; r = r.parent ? byUrn.get(r.parent) : undefined) out.push(r.name);
        return out;
    };
    const edges: OrderingEdge[] = [];
    for (const r of [...resources].sort((a, b) => byString(a.urn, b.urn))) {
        const names = namesUp(r.urn);
        for (const to of [...r.explicitDependsOn].sort(byString)) {
            edges.push({ from: r.urn, to, reasons: coverage.filter((c) => c.targets.has(to) && names.includes(c.reason.dependent)).map((c) => c.reason) });
        }
    }
    return edges;
}

/** One evaluation's view for the determinism check: each resource's URN and a fingerprint of its inputs. */
export interface InputFingerprint {
    urn: string;
    inputs: string;
}

/** URNs whose inputs differ between two evaluations, or that only one of them declared. */
export function differingResources(a: InputFingerprint[], b: InputFingerprint[]): string[] {
    const left = new Map(a.map((r) => [r.urn, r.inputs] as const));
    const right = new Map(b.map((r) => [r.urn, r.inputs] as const));
    const urns = new Set([...left.keys(), ...right.keys()]);
    return [...urns].filter((u) => left.get(u) !== right.get(u)).sort(byString);
}

/** Minimum and median of a sample (the median of an even count is the mean of the middle two). */
export function minMedian(samples: number[]): { min: number; median: number } {
    if (!samples.length) throw new Error("minMedian: no samples");
    const s = [...samples].sort((x, y) => x - y);
    const mid = Math.floor(s.length / 2);
    return { min: s[0], median: s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2 };
}

/**
 * For each pipeline step, the steps it waits on: the steps realised by the custom resources that its own
 * resources wait for, directly or transitively (the resource itself excluded, so a resource realising two
 * steps does not make them wait on each other; a step waiting on its own resources is not listed).
 */
export function stepWaits(resources: GraphResource[]): Map<number, Set<number>> {
    const preds = customPredecessors(resources);
    const order = topologicalOrder(preds);
    const stepsByUrn = new Map(resources.map((r) => [r.urn, r.steps] as const));
    const ancestors = new Map<string, Set<string>>();
    for (const urn of order) {
        const set = new Set<string>();
        for (const p of preds.get(urn) ?? []) {
            set.add(p);
            for (const a of ancestors.get(p) ?? []) set.add(a);
        }
        ancestors.set(urn, set);
    }
    const waits = new Map<number, Set<number>>();
    for (const urn of order) {
        for (const step of stepsByUrn.get(urn) ?? []) {
            const set = waits.get(step) ?? waits.set(step, new Set()).get(step)!;
            for (const a of ancestors.get(urn) ?? []) for (const s of stepsByUrn.get(a) ?? []) if (s !== step) set.add(s);
        }
    }
    return waits;
}
