// The growth table of `npm run bench`: offline plan time (evaluation, plan document and policies, in one
// process, no start-up) against the number of microservices and of nodes, on configs generated from a stack's
// own: microservices repeat the stack's ones under new names; nodes are the stack's three managers, then
// workers labelled `apps` (the first of them also `edge`).
import { runPlan } from "./run-plan";
import { readStackConfig } from "./stack-config";

/* eslint-disable @typescript-eslint/no-explicit-any */

export const GROWTH_MICROSERVICES = [4, 40, 400] as const;
export const GROWTH_NODES = [3, 9, 30] as const;

export function growthOverrides(stack: string, microservices: number, nodes: number): Record<string, unknown> {
    const cfg = readStackConfig(stack).config;
    const ms: any[] = JSON.parse(cfg["iklimco:microservices"] ?? "[]");
    const allNodes: any[] = JSON.parse(cfg["iklimco:nodes"] ?? "[]");
    if (!ms.length) throw new Error(`growth: stack ${stack} declares no microservices to repeat`);
    const managers = allNodes.filter((n) => n.role === "manager").slice(0, 3);
    if (managers.length < 3) throw new Error(`growth: stack ${stack} has fewer than three managers`);
    // A copy owns its databases and Vault paths (two services may not claim the same one).
    const copy = (m: any, i: number) => ({
        ...m,
        name: `${m.name}-${i}`,
        ...(m.postgres ? { postgres: { ...m.postgres, database: `${m.postgres.database}_${i}` } } : {}),
        ...(m.mongodb ? { mongodb: { ...m.mongodb, database: `${m.mongodb.database}_${i}` } } : {}),
        ...(m.vault ? { vault: { ...m.vault, paths: m.vault.paths.map((p: string) => `${p}-${i}`) } } : {}),
    });
    const outMs = Array.from({ length: microservices }, (_, i) => (i < ms.length ? ms[i] : copy(ms[i % ms.length], i)));
    const outNodes = managers.map((n, i) => (nodes === 3 && i === 0 ? { ...n, labels: [...new Set([...n.labels, "edge", "apps"])] } : n));
    for (let i = 3; i < nodes; i++) outNodes.push({ name: `growth-worker-${i}`, role: "worker", publicIp: `203.0.113.${100 + i}`, labels: i === 3 ? ["edge", "apps"] : ["apps"] });
    return { "iklimco:microservices": outMs, "iklimco:nodes": outNodes };
}

export interface GrowthRow {
    microservices: number;
    nodes: number;
    resources: number;
    seconds: number;
}

/** Plans one generated config `repeat` times and keeps the fastest. */
export async function planGrowth(stack: string, microservices: number, nodes: number, repeat = 2): Promise<GrowthRow> {
    const overrides = growthOverrides(stack, microservices, nodes);
    let best = Infinity;
    let resources = 0;
    for (let i = 0; i < repeat; i++) {
        const t = process.hrtime.bigint();
        const run = await runPlan({ stack, json: true, overrides });
        best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e9);
        resources = (run.plan as any).resources?.length ?? 0;
    }
    return { microservices, nodes, resources, seconds: best };
}

/** The series the bench prints: microservices at the fewest nodes, then nodes at the fewest microservices. */
export async function growthTable(stack: string): Promise<GrowthRow[]> {
    const rows: GrowthRow[] = [];
    await planGrowth(stack, GROWTH_MICROSERVICES[0], GROWTH_NODES[0], 1); // warm-up: module loading and JIT
    for (const m of GROWTH_MICROSERVICES) rows.push(await planGrowth(stack, m, GROWTH_NODES[0], 1));
    for (const n of GROWTH_NODES.slice(1)) rows.push(await planGrowth(stack, GROWTH_MICROSERVICES[0], n, 1));
    return rows;
}

/**
 * No worse than linear: from the middle size to the largest, time grows at most 1.5 times as fast as the size
 * (t(c) / t(b) <= 1.5 * c / b), the smallest size being a warm-up reference only.
 */
export function growsLinearly(rows: GrowthRow[], by: "microservices" | "nodes"): boolean {
    const other = by === "microservices" ? "nodes" : "microservices";
    const series = rows.filter((r) => r[other] === Math.min(...rows.map((x) => x[other]))).sort((a, b) => a[by] - b[by]);
    if (series.length < 3) return true;
    const [, b, c] = series;
    return c.seconds / b.seconds <= (1.5 * c[by]) / b[by];
}
