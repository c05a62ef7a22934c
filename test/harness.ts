// Test helpers over the offline engine: evaluate a stack (optionally with config overrides), then ask the
// recorded graph questions.
import * as path from "path";
import { Evaluation, RecordedResource, evaluateProgram } from "../tools/offline/engine";
import { PlanRun, RunPlanOptions, planOf } from "../tools/offline/run-plan";
import { readStackConfig } from "../tools/offline/stack-config";

export type { Evaluation, RecordedResource };

export interface EvaluateStackOptions {
    /** Replace whole config keys (`iklimco:nodes`); undefined removes a key. */
    overrides?: Record<string, unknown>;
    /** Secrets with known values (full keys). */
    secrets?: Record<string, string>;
    /** Another program than index.ts (a fixture under test/fixtures). */
    program?: string;
    /**
     * Evaluate again instead of sharing the process's cached evaluation: for determinism checks, which must
     * compare two real evaluations.
     */
    fresh?: boolean;
}

// One evaluation of the whole program takes seconds and many test files ask for the same stack, so each
// distinct (stack, overrides, secrets, program) is evaluated once per process. Callers share the result and
// must not change it (the tests that alter a resource clone it first).
const evaluations = new Map<string, Promise<Evaluation>>();

/** The cache key: the evaluation's whole input, with object keys sorted so spelling order does not matter. */
export function evaluationKey(stack: string, opts: EvaluateStackOptions): string {
    const sorted = (v: unknown): unknown =>
        Array.isArray(v)
            ? v.map(sorted)
            : v && typeof v === "object"
              ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])]))
              : v === undefined
                ? "__undefined__"
                : v;
    return JSON.stringify(sorted({ stack, overrides: opts.overrides ?? {}, secrets: opts.secrets ?? {}, program: opts.program ?? "" }));
}

/** Evaluates the real program (or a fixture) for `Pulumi.<stack>.yaml` under the offline engine. */
export function evaluateStack(stack: string, opts: EvaluateStackOptions = {}): Promise<Evaluation> {
    const evaluate = async () => {
        const cfg = readStackConfig(stack, opts.overrides, opts.secrets);
        return evaluateProgram({ stack, config: cfg.config, secretKeys: cfg.secretKeys, program: opts.program });
    };
    if (opts.fresh) return evaluate();
    const key = evaluationKey(stack, opts);
    let ev = evaluations.get(key);
    if (!ev) {
        ev = evaluate();
        evaluations.set(key, ev);
    }
    return ev;
}

/** `npm run plan`'s run (plan document, policy verdict, output) over the process's cached evaluation. */
export async function planStack(opts: RunPlanOptions): Promise<PlanRun> {
    return planOf(await evaluateStack(opts.stack, { overrides: opts.overrides, secrets: opts.secrets, program: opts.program }), opts);
}

export const FIXTURES = path.join(__dirname, "fixtures");

export function ofType(ev: Evaluation, type: string): RecordedResource[] {
    return ev.resources.filter((r) => r.type === type);
}

export function named(ev: Evaluation, name: string): RecordedResource {
    const r = ev.resources.find((x) => x.name === name);
    if (!r) throw new Error(`no resource named ${name}; have: ${ev.resources.map((x) => x.name).join(", ")}`);
    return r;
}

/** What a resource waits for directly: its dependencies (explicit and input-derived) and its provider. */
export function directPredecessors(r: RecordedResource): string[] {
    return [...r.dependencies, ...(r.provider ? [r.provider] : [])];
}

/** Every resource `r` waits for, directly or transitively. */
export function ancestorsOf(ev: Evaluation, r: RecordedResource): Set<string> {
    const seen = new Set<string>();
    const stack = directPredecessors(r);
    while (stack.length) {
        const urn = stack.pop()!;
        if (seen.has(urn)) continue;
        seen.add(urn);
        const next = ev.byUrn.get(urn);
        if (next) stack.push(...directPredecessors(next));
    }
    return seen;
}

/** Does `later` come after `earlier` in the deploy graph (transitively)? */
export function comesAfter(ev: Evaluation, later: RecordedResource, earlier: RecordedResource): boolean {
    return ancestorsOf(ev, later).has(earlier.urn);
}

/** Reads a dotted path (`taskSpec.containerSpec.image`) from a record's plain inputs. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function input(r: RecordedResource, path: string): any {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return path.split(".").reduce<any>((v, k) => (v === undefined || v === null ? undefined : v[k]), r.plainInputs);
}

export const SERVICE = "docker:index/service:Service";
export const SECRET = "docker:index/secret:Secret";
export const NETWORK = "docker:index/network:Network";
