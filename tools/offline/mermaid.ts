// The architecture picture, generated from the program so it cannot go stale: the top-level components and
// the dependencies between them, and the pipeline steps in the order the resource graph imposes.
import { Evaluation, RecordedResource } from "./engine";
import { STEPS } from "../../components/pipeline";

const id = (s: string) => s.replace(/[^A-Za-z0-9_]/g, "_");

/** The top-level ancestor of a resource (itself when it has no parent). */
function topLevel(ev: Evaluation, r: RecordedResource): RecordedResource {
    let cur = r;
    while (cur.parent && ev.byUrn.has(cur.parent)) cur = ev.byUrn.get(cur.parent)!;
    return cur;
}

function predecessors(r: RecordedResource): string[] {
    return [...r.dependencies, ...(r.provider ? [r.provider] : [])];
}

/** Edges between top-level components: A --> B when something in B waits for something in A. */
export function componentGraph(ev: Evaluation): { nodes: RecordedResource[]; edges: [string, string][] } {
    const nodes = new Map<string, RecordedResource>();
    const edges = new Set<string>();
    for (const r of ev.resources) {
        const to = topLevel(ev, r);
        nodes.set(to.urn, to);
        for (const dep of predecessors(r)) {
            const d = ev.byUrn.get(dep);
            if (!d) continue;
            const from = topLevel(ev, d);
            if (from.urn !== to.urn) edges.add(`${from.urn}\u0000${to.urn}`);
        }
    }
    return {
        nodes: [...nodes.values()].sort((a, b) => a.name.localeCompare(b.name)),
        edges: [...edges].sort().map((e) => e.split("\u0000") as [string, string]),
    };
}

/**
 * Edges between steps: X --> Y when a resource that starts at step Y waits (directly) for one that is done at
 * step X. A resource realising several steps (a service: deployed at 12, converged at 15) starts at the first
 * and is done at the last, so the picture reads as the order the graph imposes, without cycles.
 */
export function stepGraph(ev: Evaluation): [number, number][] {
    const edges = new Set<string>();
    for (const r of ev.resources) {
        for (const dep of predecessors(r)) {
            const d = ev.byUrn.get(dep);
            if (!d) continue;
            if (!d.steps.length || !r.steps.length) continue;
            const x = Math.max(...d.steps);
            const y = Math.min(...r.steps);
            if (x !== y) edges.add(`${x}-${y}`);
        }
    }
    return [...edges]
        .map((e) => e.split("-").map(Number) as [number, number])
        .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

export function renderMermaid(ev: Evaluation): string {
    const out: string[] = [];
    const { nodes, edges } = componentGraph(ev);
    out.push("```mermaid", "flowchart LR");
    for (const n of nodes) out.push(`    ${id(n.name)}["${n.name}<br/><small>${n.type}</small>"]`);
    for (const [from, to] of edges) out.push(`    ${id(ev.byUrn.get(from)!.name)} --> ${id(ev.byUrn.get(to)!.name)}`);
    out.push("```", "");
    const used = new Set(ev.resources.flatMap((r) => r.steps));
    out.push("```mermaid", "flowchart TD");
    for (const s of STEPS) {
        if (!used.has(s.number)) continue;
        out.push(`    s${s.number}["${s.number}. ${s.title.replace(/"/g, "'")}"]`);
    }
    for (const [x, y] of stepGraph(ev)) out.push(`    s${x} --> s${y}`);
    out.push("```");
    return out.join("\n");
}
