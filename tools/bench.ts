// `npm run bench [-- --stack prod --runs 5 --json]`: what the program costs against the floor, and how long the
// deploy graph makes things wait. It runs, interleaved so all see the same machine load (floor, plan, start-up,
// floor, plan, start-up, ...), each as a fresh node process:
// - the floor (tools/offline/floor.ts): @pulumi/pulumi, mocks, FLOOR_RESOURCES custom resources under one
//   component, each with a few inputs and one secret; and, for context, the same floor with the program's first
//   module (sdk-start.ts) loaded before it;
// - the offline plan: package.json's `plan` script with `--stack <stack> --json`, policies included, to its exit;
// - the start-up as the nodejs language host starts the program from Pulumi.yaml (tools/offline/startup.ts),
//   to the complete resource graph.
// Each figure is a ratio to the floor of the same run (minimum to minimum, median to median). The graph figures
// come from the start-up evaluations: the critical path (tools/offline/graph.ts), the ordering edges that carry
// no data with their reasons, and the determinism check (every run's inputs against the first's). Exits 1 when
// inputs differ between runs, an ordering edge has no recorded reason, or two steps with nothing between them
// are serialised (tools/offline/budget.ts INDEPENDENT_STEPS).
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { STEPS } from "../components/pipeline";
import { UsageError, withUsage } from "./cli";
import { CRITICAL_PATH_STEP_BUDGET, INDEPENDENT_STEPS } from "./offline/budget";
import { REPO_ROOT } from "./offline/engine";
import { ColdStart, ColdStartInput, compiledTool, runColdStart } from "./offline/coldstart";
import { InputFingerprint, criticalPath, differingResources, minMedian, mostStepsChain, orderingEdges, stepWaits } from "./offline/graph";
import { FLOOR_RESOURCES } from "./offline/floor";
import { GrowthRow, growsLinearly, growthTable } from "./offline/growth";
import { evaluateProgram } from "./offline/engine";
import { DeployTime, ReadyDurations, TimedResource, deployTime, measureReady, readyKind } from "./offline/swarm-time";
import { StartMode, declaringModule, languageHostEnv, readNodejsRuntime, startMode, withoutStartSettings } from "./offline/startup";
import { runThroughCmdRun } from "./offline/grpc-engine";
import { projectName, readStackConfig } from "./offline/stack-config";

interface BenchArgs {
    stack: string;
    runs: number;
    json: boolean;
    growth: boolean;
    swarm: boolean;
}

function parseBenchArgs(argv: string[]): BenchArgs {
    const usage = "npm run bench -- [--stack prod] [--runs 5] [--json] [--growth] [--swarm]";
    const { values } = withUsage(usage, () =>
        parseArgs({
            args: argv,
            options: { stack: { type: "string", default: "prod" }, runs: { type: "string", default: "5" }, json: { type: "boolean", default: false }, growth: { type: "boolean", default: false }, swarm: { type: "boolean", default: false } },
            strict: true,
            allowPositionals: false,
        }),
    );
    const runs = Number(values.runs);
    if (!Number.isInteger(runs) || runs < 2) throw new UsageError("--runs must be an integer >= 2 (the determinism check compares runs)");
    return { stack: values.stack, runs, json: values.json, growth: values.growth, swarm: values.swarm };
}

/** The benchmark must finish within a minute: it stops adding runs when the next pair would cross this. */
const TIME_BUDGET_S = 45;

/** The goals of the plan's and the start-up's ratios to the floor (printed next to the measured ratios). */
const PLAN_GOAL = 1.5;
const STARTUP_GOAL = 1.3;

const MODE_TEXT: Record<StartMode, string> = {
    "transpile-only": "transpile-only (no type-check)",
    "type-check": "type-checking (ts-node's default)",
    javascript: "plain JavaScript",
};

/** Runs `argv` as a fresh process and times it up to the line "evaluated" on stdout, or to its exit. */
function timeProcess(argv: string[], env: NodeJS.ProcessEnv, untilEvaluated: boolean): Promise<number> {
    return new Promise((resolve, reject) => {
        const started = process.hrtime.bigint();
        let at: bigint | undefined;
        let stdout = "";
        let stderr = "";
        const p = spawn(argv[0], argv.slice(1), { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
        p.stdout.on("data", (c: Buffer) => {
            if (!untilEvaluated || at !== undefined) return;
            stdout += c.toString();
            if (/^evaluated$/m.test(stdout)) at = process.hrtime.bigint();
        });
        p.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
        p.on("error", reject);
        p.on("close", (code) => {
            const end = at ?? process.hrtime.bigint();
            if (code !== 0 || (untilEvaluated && at === undefined)) return reject(new Error(`${argv.join(" ")} failed (exit ${code}):\n${stderr.trim()}`));
            resolve(Number(end - started) / 1e9);
        });
    });
}

/** package.json's `plan` script, as the shell npm would run it (node_modules/.bin on the PATH). */
function planCommand(stack: string): string[] {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));
    const script: string | undefined = pkg.scripts?.plan;
    if (!script) throw new Error("package.json has no `plan` script");
    return ["/bin/sh", "-c", `${script} --stack ${stack} --json > /dev/null`];
}

async function main(): Promise<number> {
    const t0 = Date.now();
    const args = parseBenchArgs(process.argv.slice(2));
    const rt = readNodejsRuntime(REPO_ROOT);
    const hostEnv = languageHostEnv(rt);
    const configured = startMode(REPO_ROOT, hostEnv);
    const cfg = readStackConfig(args.stack);
    const child = compiledTool("startup-child");
    const floor = compiledTool("floor");
    const program = declaringModule(REPO_ROOT, rt);

    const baseEnv: NodeJS.ProcessEnv = { ...withoutStartSettings(process.env), PATH: `${path.join(REPO_ROOT, "node_modules", ".bin")}${path.delimiter}${process.env.PATH ?? ""}` };
    const childInput: ColdStartInput = { root: REPO_ROOT, stack: args.stack, config: cfg.config, secretKeys: cfg.secretKeys, program };
    const startEnv: NodeJS.ProcessEnv = { ...baseEnv, ...hostEnv, IKLIMCO_BENCH_INPUT: JSON.stringify(childInput) };
    const plan = planCommand(args.stack);

    // The floor once more, with the program's first module (sdk-start.ts) loaded before the SDK: the program no
    // longer loads what that module defers, while the floor, as defined, loads the whole SDK index. Printed beside
    // the ratios so a reader sees what part of the start-up's gain is that deferral.
    const floorWithSdkStart = [process.execPath, "--require", path.join(REPO_ROOT, "bin", "sdk-start.js"), floor];
    const runs = { configured: [] as ColdStart[], floor: [] as number[], plan: [] as number[], floorWithSdkStart: [] as number[], cmdRun: [] as number[] };
    // The start-up once more through Pulumi's own entry, cmd/run, against a gRPC stand-in for the engine
    // (grpc-engine.ts): the check that the child's emulation of cmd/run leaves nothing out. It pays gRPC round
    // trips the in-process mocks of the floor and the child do not, so it is printed, not compared with a goal.
    const cmdRun = () => runThroughCmdRun({ root: REPO_ROOT, project: projectName(), stack: args.stack, config: cfg.config, secretKeys: cfg.secretKeys, main: rt.main, nodeargs: rt.nodeargs, env: { ...baseEnv, ...hostEnv } });
    let stoppedEarly = false;
    let slowestRound = 0;
    for (let i = 0; i < args.runs; i++) {
        if (i >= 2 && (Date.now() - t0) / 1000 + slowestRound > TIME_BUDGET_S) {
            stoppedEarly = true;
            break;
        }
        const roundStart = Date.now();
        runs.floor.push(await timeProcess([process.execPath, floor], baseEnv, true));
        runs.plan.push(await timeProcess(plan, baseEnv, false));
        runs.floorWithSdkStart.push(await timeProcess(floorWithSdkStart, baseEnv, true));
        const c = await runColdStart(child, rt.nodeargs, startEnv);
        if (c.mode !== configured) throw new Error(`the child started in ${c.mode}, expected ${configured}`);
        runs.configured.push(c);
        const through = await cmdRun();
        if (through.code !== 0 || Number.isNaN(through.seconds)) throw new Error(`the program failed through cmd/run (exit ${through.code}):\n${through.stderr.trim()}`);
        runs.cmdRun.push(through.seconds);
        slowestRound = Math.max(slowestRound, (Date.now() - roundStart) / 1000);
    }

    // The growth table (--growth): in this process, after the interleaved runs so it does not load them.
    const growth: GrowthRow[] | undefined = args.growth ? await growthTable(args.stack) : undefined;
    const linear = growth ? { microservices: growsLinearly(growth, "microservices"), nodes: growsLinearly(growth, "nodes") } : undefined;

    // The deploy-time figure (--swarm): ready durations measured on the local swarm, over the program's graph.
    let deploy: { durations: ReadyDurations; time: DeployTime; resources: Map<string, TimedResource> } | undefined;
    if (args.swarm) {
        const ev = await evaluateProgram({ stack: args.stack, config: cfg.config, secretKeys: cfg.secretKeys, program });
        const timed = ev.resources as TimedResource[];
        const durations = await measureReady(timed);
        deploy = { durations, time: deployTime(timed, durations), resources: new Map(timed.map((r) => [r.urn, r] as const)) };
    }

    const first = runs.configured[0];
    const custom = first.resources.filter((r) => r.custom);
    const components = first.resources.length - custom.length;
    const cp = criticalPath(first.resources);
    const widest = mostStepsChain(first.resources);
    const edges = orderingEdges(first.resources, first.reasons);
    const unexplained = edges.filter((e) => e.reasons.length === 0);
    const all = runs.configured;
    const fingerprints = (r: ColdStart): InputFingerprint[] => r.resources.map((x) => ({ urn: x.urn, inputs: x.inputs }));
    const differing = [...new Set(all.slice(1).flatMap((r) => differingResources(fingerprints(first), fingerprints(r))))].sort();
    const budget = CRITICAL_PATH_STEP_BUDGET;
    const waits = stepWaits(first.resources);
    const realised = new Set(custom.flatMap((r) => r.steps));
    const checkable = INDEPENDENT_STEPS.filter((p) => realised.has(p.step) && realised.has(p.notAfter));
    const serialised = checkable.filter((p) => waits.get(p.step)?.has(p.notAfter));
    const stat = (rs: ColdStart[]) => minMedian(rs.map((r) => r.seconds));
    const floorStat = minMedian(runs.floor);
    const ratio = (x: { min: number; median: number }) => ({ min: x.min / floorStat.min, median: x.median / floorStat.median });
    const planStat = minMedian(runs.plan);
    const startStat = stat(runs.configured);
    const floorWithSdkStartStat = minMedian(runs.floorWithSdkStart);
    const cmdRunStat = minMedian(runs.cmdRun);
    const toFloorWithSdkStart = { min: startStat.min / floorWithSdkStartStat.min, median: startStat.median / floorWithSdkStartStat.median };
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
        floor: { resources: FLOOR_RESOURCES, seconds: runs.floor, ...floorStat },
        plan: { command: plan[2].replace(/ > \/dev\/null$/, ""), seconds: runs.plan, ...planStat, ratio: ratio(planStat), goal: PLAN_GOAL },
        startup: { mode: configured, main: rt.main, seconds: runs.configured.map((r) => r.seconds), ...startStat, ratio: ratio(startStat), goal: STARTUP_GOAL },
        floorWithSdkStart: { seconds: runs.floorWithSdkStart, ...floorWithSdkStartStat, startupRatio: toFloorWithSdkStart },
        startupThroughCmdRun: { seconds: runs.cmdRun, ...cmdRunStat },
        criticalPath: { resources: cp.length, steps: cp.steps, path: cp.path, budget, shellSteps: 24 },
        mostStepsChain: { steps: widest.steps, path: widest.path },
        orderingEdges: edges.map((e) => ({ from: e.from, to: e.to, why: e.reasons.map((r) => r.why) })),
        unexplainedOrderingEdges: unexplained.length,
        stepWaits: Object.fromEntries([...waits].filter(([, w]) => w.size).sort((a, b) => a[0] - b[0]).map(([st, w]) => [st, [...w].sort((a, b) => a - b)])),
        independentSteps: { checked: checkable.length, of: INDEPENDENT_STEPS.length, serialised: serialised.map((p) => `${p.step} after ${p.notAfter}`) },
        determinism: { evaluations: all.length, differing },
        ...(growth ? { growth: { rows: growth, linear } } : {}),
        ...(deploy
            ? {
                  deployTime: {
                      durations: deploy.durations,
                      criticalPathSeconds: deploy.time.criticalPathSeconds,
                      criticalPathSteps: [...new Set(deploy.time.path.flatMap((p) => deploy!.resources.get(p.urn)?.steps ?? []))].sort((a, b) => a - b),
                      path: deploy.time.path,
                      shellSeconds: deploy.time.shellSeconds,
                  },
              }
            : {}),
        wallSeconds: (Date.now() - t0) / 1000,
    };

    if (args.json) {
        process.stdout.write(JSON.stringify(report, null, 2) + "\n");
    } else {
        const s = (x: number) => `${x.toFixed(2)} s`;
        const out: string[] = [];
        const x = (r: number) => `${r.toFixed(2)}x`;
        out.push(`stack: ${args.stack}; ${runs.floor.length} rounds of floor, plan and start-up, interleaved, each a fresh node process`);
        out.push(`resources declared: ${custom.length} custom resources (+ ${components} components)`);
        out.push(`floor [@pulumi/pulumi, mocks, ${FLOOR_RESOURCES} custom resources under one component, one secret each]: min ${s(floorStat.min)}, median ${s(floorStat.median)}`);
        out.push(`offline plan [${report.plan.command}]: min ${s(planStat.min)}, median ${s(planStat.median)}; ratio to the floor: ${x(report.plan.ratio.min)} (min), ${x(report.plan.ratio.median)} (median); goal at most ${x(PLAN_GOAL)}`);
        out.push(`start-up as the language host starts it [${MODE_TEXT[configured]}, main ${rt.main}]: min ${s(startStat.min)}, median ${s(startStat.median)}; ratio to the floor: ${x(report.startup.ratio.min)} (min), ${x(report.startup.ratio.median)} (median); goal at most ${x(STARTUP_GOAL)}`);
        out.push(`    for context, the floor with sdk-start.ts loaded first (no TypeScript, no arborist): min ${s(floorWithSdkStartStat.min)}, median ${s(floorWithSdkStartStat.median)}; the start-up is ${x(toFloorWithSdkStart.min)} (min), ${x(toFloorWithSdkStart.median)} (median) of it`);
        out.push(`    the same start-up through cmd/run itself, against a gRPC stand-in for the engine (round trips included): min ${s(cmdRunStat.min)}, median ${s(cmdRunStat.median)}`);
        out.push(`critical path: ${cp.length} resources one after another, through ${cp.steps.length} pipeline steps (${stepList(cp.steps)}); the shell pipeline ran 24 steps in a row; budget: at most ${budget}`);
        for (const urn of cp.path) out.push(`    ${label(urn)} [steps ${stepList(byUrn.get(urn)?.steps ?? [])}]`);
        out.push(`most steps on any chain: ${widest.steps.length} (${stepList(widest.steps)}) over ${widest.path.length} resources; ${resourceSteps} of the 24 steps are realised by resources`);
        out.push(`ordering edges without data (explicit dependsOn): ${edges.length}, ${unexplained.length} without a recorded reason`);
        // One line per waiting resource and reason: "apisix after etcd-1, etcd-2, etcd-3: why".
        const groups = new Map<string, { from: string; why: string; to: string[] }>();
        for (const e of edges) {
            const why = e.reasons.length ? e.reasons.map((r) => r.why).join("; ") : "NO REASON RECORDED (note it with PipelineNotes.after)";
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
        if (growth && linear) {
            out.push(`growth: offline plan in one process (evaluation, plan, policies), fastest of one run each; linear in microservices: ${linear.microservices ? "yes" : "NO"}, in nodes: ${linear.nodes ? "yes" : "NO"}`);
            out.push(`    microservices  nodes  resources  seconds  ms per resource`);
            for (const r of growth) out.push(`    ${String(r.microservices).padStart(13)}  ${String(r.nodes).padStart(5)}  ${String(r.resources).padStart(9)}  ${r.seconds.toFixed(2).padStart(7)}  ${((r.seconds * 1000) / Math.max(1, r.resources)).toFixed(1).padStart(15)}`);
        }
        if (deploy && report.deployTime) {
            const d = report.deployTime;
            const sv = Object.entries(deploy.durations.services).map(([k, v]) => {
                const t = JSON.parse(k) as { replicas: number; health?: { interval: string; startPeriod: string } };
                return `${t.replicas} task(s)${t.health ? `, health every ${t.health.interval}, start period ${t.health.startPeriod}` : ", no health check"}: ${s(v)}`;
            });
            out.push(`deploy time (--swarm: stand-ins on the local swarm): critical path ${s(d.criticalPathSeconds)} over ${d.path.length} resources through ${d.criticalPathSteps.length} steps (${stepList(d.criticalPathSteps)}; budget at most ${budget}); the shell pipeline's steps in a row with the same figures: ${s(d.shellSeconds)}`);
            out.push(`    ready durations: one-shot job ${s(deploy.durations.job)}; API call ${s(deploy.durations.api)}; certificate wait counted as a one-shot job (a lower bound: the ACME issuer is not reachable here); services until every task is healthy:`);
            for (const line of sv) out.push(`        ${line}`);
            for (const p of d.path) {
                const r = deploy.resources.get(p.urn);
                out.push(`    ${label(p.urn)} [${r ? readyKind(r).kind : "?"}] ${s(p.seconds)}`);
            }
        }
        out.push(`bench wall time: ${s(report.wallSeconds)}${stoppedEarly ? ` (stopped adding runs to stay under ${TIME_BUDGET_S} s)` : ""}`);
        process.stdout.write(out.join("\n") + "\n");
    }
    const notLinear = linear && !(linear.microservices && linear.nodes);
    return differing.length || unexplained.length || serialised.length || notLinear ? 1 : 0;
}

main().then(
    (code) => process.exit(code),
    (err) => {
        process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(err instanceof UsageError ? 2 : 1);
    },
);
