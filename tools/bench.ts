// `npm run bench [-- --stack prod --runs 5 --json]`: how long the program takes to start as Pulumi starts it,
// and how long the deploy graph makes things wait. Every evaluation is a cold node process started with the
// environment the Pulumi nodejs language host derives from Pulumi.yaml (tools/offline/startup.ts), once as
// configured and once with the other TypeScript mode, interleaved so both see the same machine load. The
// graph figures come from those same evaluations: the critical path (tools/offline/graph.ts), the ordering
// edges that carry no data with their reasons, and the determinism check (every run's inputs against the
// first's). Exits 1 when inputs differ between runs, an ordering edge has no recorded reason, or two steps
// with nothing between them are serialised (tools/offline/budget.ts INDEPENDENT_STEPS).
import * as path from "path";
import { parseArgs } from "util";
import { STEPS } from "../components/pipeline";
import { UsageError, withUsage } from "./cli";
import { CRITICAL_PATH_STEP_BUDGET, INDEPENDENT_STEPS } from "./offline/budget";
import { REPO_ROOT } from "./offline/engine";
import { ColdStart, ColdStartInput, precompileChild, runColdStart } from "./offline/coldstart";
import { InputFingerprint, criticalPath, differingResources, minMedian, mostStepsChain, orderingEdges, stepWaits } from "./offline/graph";
import { StartMode, languageHostEnv, readNodejsRuntime, startMode } from "./offline/startup";
import { readStackConfig } from "./offline/stack-config";

interface BenchArgs {
    stack: string;
    runs: number;
    json: boolean;
}

function parseBenchArgs(argv: string[]): BenchArgs {
    const usage = "npm run bench -- [--stack prod] [--runs 5] [--json]";
    const { values } = withUsage(usage, () =>
        parseArgs({
            args: argv,
            options: { stack: { type: "string", default: "prod" }, runs: { type: "string", default: "5" }, json: { type: "boolean", default: false } },
            strict: true,
            allowPositionals: false,
        }),
    );
    const runs = Number(values.runs);
    if (!Number.isInteger(runs) || runs < 2) throw new UsageError("--runs must be an integer >= 2 (the determinism check compares runs)");
    return { stack: values.stack, runs, json: values.json };
}

/** The benchmark must finish within a minute: it stops adding runs when the next pair would cross this. */
const TIME_BUDGET_S = 45;

const MODE_TEXT: Record<StartMode, string> = {
    "transpile-only": "transpile-only (no type-check)",
    "type-check": "type-checking (ts-node's default)",
    javascript: "plain JavaScript",
};

async function main(): Promise<number> {
    const t0 = Date.now();
    const args = parseBenchArgs(process.argv.slice(2));
    const rt = readNodejsRuntime(REPO_ROOT);
    const hostEnv = languageHostEnv(rt);
    const configured = startMode(REPO_ROOT, hostEnv);
    // The other way to start: transpile-only if Pulumi.yaml type-checks; if it is transpile-only, Pulumi's
    // default (type-checking with tsconfig.json, no runtime options), which is how the program started before.
    const otherEnv: Record<string, string> | undefined =
        configured === "type-check"
            ? { ...hostEnv, PULUMI_NODEJS_TRANSPILE_ONLY: "true" }
            : configured === "transpile-only"
              ? languageHostEnv({ ...rt, tsconfig: undefined, typescript: true })
              : undefined;
    const other = otherEnv ? startMode(REPO_ROOT, otherEnv) : undefined;
    if (other === configured) throw new Error(`tsconfig.json does not type-check (noCheck?): there is no type-checking start to compare with`);
    const cfg = readStackConfig(args.stack);
    const child = precompileChild();
    const program = path.resolve(REPO_ROOT, rt.main === "." ? "index.ts" : rt.main);

    const baseEnv: NodeJS.ProcessEnv = { ...process.env };
    for (const k of Object.keys(baseEnv)) if (k.startsWith("PULUMI_NODEJS_") || k.startsWith("TS_NODE_")) delete baseEnv[k];
    const childInput: ColdStartInput = { root: REPO_ROOT, stack: args.stack, config: cfg.config, secretKeys: cfg.secretKeys, program };
    const input = JSON.stringify(childInput);
    const envFor = (extra: Record<string, string>): NodeJS.ProcessEnv => ({ ...baseEnv, ...extra, IKLIMCO_BENCH_INPUT: input });

    const runs: { configured: ColdStart[]; other: ColdStart[] } = { configured: [], other: [] };
    let stoppedEarly = false;
    let slowestPair = 0;
    for (let i = 0; i < args.runs; i++) {
        if (i >= 2 && (Date.now() - t0) / 1000 + slowestPair > TIME_BUDGET_S) {
            stoppedEarly = true;
            break;
        }
        const pairStart = Date.now();
        const c = await runColdStart(child, rt.nodeargs, envFor(hostEnv));
        if (c.mode !== configured) throw new Error(`the child started in ${c.mode}, expected ${configured}`);
        runs.configured.push(c);
        if (other && otherEnv) {
            const o = await runColdStart(child, rt.nodeargs, envFor(otherEnv));
            if (o.mode !== other) throw new Error(`the child started in ${o.mode}, expected ${other}`);
            runs.other.push(o);
        }
        slowestPair = Math.max(slowestPair, (Date.now() - pairStart) / 1000);
    }

    const first = runs.configured[0];
    const custom = first.resources.filter((r) => r.custom);
    const components = first.resources.length - custom.length;
    const cp = criticalPath(first.resources);
    const widest = mostStepsChain(first.resources);
    const edges = orderingEdges(first.resources, first.reasons);
    const unexplained = edges.filter((e) => e.reasons.length === 0);
    const all = [...runs.configured, ...runs.other];
    const fingerprints = (r: ColdStart): InputFingerprint[] => r.resources.map((x) => ({ urn: x.urn, inputs: x.inputs }));
    const differing = [...new Set(all.slice(1).flatMap((r) => differingResources(fingerprints(first), fingerprints(r))))].sort();
    const budget = CRITICAL_PATH_STEP_BUDGET;
    const waits = stepWaits(first.resources);
    const realised = new Set(custom.flatMap((r) => r.steps));
    const checkable = INDEPENDENT_STEPS.filter((p) => realised.has(p.step) && realised.has(p.notAfter));
    const serialised = checkable.filter((p) => waits.get(p.step)?.has(p.notAfter));
    const stat = (rs: ColdStart[]) => minMedian(rs.map((r) => r.seconds));
    const byUrn = new Map(first.resources.map((r) => [r.urn, r] as const));
    const label = (urn: string) => {
        const r = byUrn.get(urn);
        return r ? `${r.type.split(":").pop()} ${r.name}` : urn;
    };
    const stepList = (steps: number[]) => (steps.length ? steps.join(", ") : "none");
    const resourceSteps = STEPS.filter((s) => s.realisation === "resources").length;

    const report = {
        stack: args.stack,
        resources: { custom: custom.length, components },
        startup: {
            configured: { mode: configured, tsconfig: rt.tsconfig ?? "tsconfig.json", seconds: runs.configured.map((r) => r.seconds), ...stat(runs.configured) },
            ...(other ? { other: { mode: other, tsconfig: otherEnv?.PULUMI_NODEJS_TSCONFIG_PATH ?? "tsconfig.json", seconds: runs.other.map((r) => r.seconds), ...stat(runs.other) } } : {}),
        },
        criticalPath: { resources: cp.length, steps: cp.steps, path: cp.path, budget, shellSteps: 24 },
        mostStepsChain: { steps: widest.steps, path: widest.path },
        orderingEdges: edges.map((e) => ({ from: e.from, to: e.to, why: e.reasons.map((r) => r.why) })),
        unexplainedOrderingEdges: unexplained.length,
        stepWaits: Object.fromEntries([...waits].filter(([, w]) => w.size).sort((a, b) => a[0] - b[0]).map(([st, w]) => [st, [...w].sort((a, b) => a - b)])),
        independentSteps: { checked: checkable.length, of: INDEPENDENT_STEPS.length, serialised: serialised.map((p) => `${p.step} after ${p.notAfter}`) },
        determinism: { evaluations: all.length, differing },
        wallSeconds: (Date.now() - t0) / 1000,
    };

    if (args.json) {
        process.stdout.write(JSON.stringify(report, null, 2) + "\n");
    } else {
        const s = (x: number) => `${x.toFixed(2)} s`;
        const out: string[] = [];
        out.push(`stack: ${args.stack}; each start is a cold node process with the language host's environment from Pulumi.yaml`);
        out.push(`resources declared: ${custom.length} custom resources (+ ${components} components)`);
        const c = report.startup.configured;
        out.push(`start-up as Pulumi.yaml configures it [${MODE_TEXT[configured]}, tsconfig ${c.tsconfig}]: min ${s(c.min)}, median ${s(c.median)} (${runs.configured.length} runs)`);
        if (other) {
            const o = stat(runs.other);
            const how = configured === "transpile-only" ? "Pulumi's default" : "the alternative";
            out.push(`start-up ${how} [${MODE_TEXT[other]}, tsconfig ${report.startup.other?.tsconfig}]: min ${s(o.min)}, median ${s(o.median)} (${runs.other.length} runs)`);
        }
        out.push(`critical path: ${cp.length} resources one after another, through ${cp.steps.length} pipeline steps (${stepList(cp.steps)}); the shell pipeline ran 24 steps in a row; budget: at most ${budget}`);
        for (const urn of cp.path) out.push(`    ${label(urn)} [steps ${stepList(byUrn.get(urn)?.steps ?? [])}]`);
        out.push(`most steps on any chain: ${widest.steps.length} (${stepList(widest.steps)}) over ${widest.path.length} resources; ${resourceSteps} of the 24 steps are realised by resources`);
        out.push(`ordering edges without data (explicit dependsOn): ${edges.length}, ${unexplained.length} without a recorded reason`);
        // One line per waiting resource and reason: "apisix after etcd-1, etcd-2, etcd-3: why".
        const groups = new Map<string, { from: string; why: string; to: string[] }>();
        for (const e of edges) {
            const why = e.reasons.length ? e.reasons.map((r) => r.why).join("; ") : "NO REASON RECORDED (use pipeline().after)";
            const key = `${e.from}\n${why}`;
            (groups.get(key) ?? groups.set(key, { from: e.from, why, to: [] }).get(key)!).to.push(e.to);
        }
        for (const g of groups.values()) out.push(`    ${label(g.from)} after ${g.to.map((u) => byUrn.get(u)?.name ?? u).join(", ")}: ${g.why}`);
        const order = Object.entries(report.stepWaits).map(([st, w]) => `${st} after ${w.join(",")}`);
        out.push(`step order the graph forces: ${order.length ? order.join("; ") : "none"}`);
        out.push(
            `independent steps: ${serialised.length} of ${checkable.length} pairs serialised that need not be (${INDEPENDENT_STEPS.length - checkable.length} of ${INDEPENDENT_STEPS.length} pairs not checkable yet: a step has no resources)` +
                serialised.map((p) => `\n    step ${p.step} waits on step ${p.notAfter}, but ${p.why}`).join(""),
        );
        out.push(`determinism: ${differing.length} resources with differing inputs across ${all.length} cold evaluations${differing.length ? `: ${differing.map(label).join(", ")}` : ""}`);
        out.push(`bench wall time: ${s(report.wallSeconds)}${stoppedEarly ? ` (stopped adding runs to stay under ${TIME_BUDGET_S} s)` : ""}`);
        process.stdout.write(out.join("\n") + "\n");
    }
    return differing.length || unexplained.length || serialised.length ? 1 : 0;
}

main().then(
    (code) => process.exit(code),
    (err) => {
        process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(err instanceof UsageError ? 2 : 1);
    },
);
