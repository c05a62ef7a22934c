// `npm run verify -- --stack <name> [--outputs outputs.json] [--timeout 300]`: the post-deploy verification of
// the deploy workflow (step 24). Against the manager's Docker engine (iklimco:docker.host; ssh:// through the
// runner's agent) it checks, with a bounded wait, that every service this program manages in the stack runs all
// its desired replicas and that no update ended rolled back or paused, and that the outputs name a network that
// exists. Exits 1 naming each service that is not right.
import { execFileSync } from "child_process";
import * as fs from "fs";
import { parseArgs } from "util";
import { UsageError, withUsage } from "./cli";
import { readStackConfig } from "./offline/stack-config";

export interface ServiceState {
    name: string;
    running: number;
    desired: number;
    updateState?: string;
}

export interface VerifyOptions {
    stackName: string;
    dockerHost?: string;
    timeoutMs: number;
    pollMs?: number;
    networkName?: string;
}

function docker(args: string[], host?: string): string {
    return execFileSync("docker", args, { encoding: "utf8", env: host ? { ...process.env, DOCKER_HOST: host } : process.env, timeout: 60_000, stdio: ["ignore", "pipe", "pipe"] }).trim();
}

export function serviceStates(stackName: string, host?: string): ServiceState[] {
    const ids = docker(["service", "ls", "-q", "--filter", `label=com.docker.stack.namespace=${stackName}`, "--filter", "label=com.iklimco.managed-by=pulumi"], host)
        .split("\n")
        .filter(Boolean);
    if (!ids.length) return [];
    const listed = docker(["service", "ls", "--filter", `label=com.docker.stack.namespace=${stackName}`, "--format", "{{.Name}} {{.Replicas}}"], host).split("\n");
    const replicas = new Map(listed.map((l) => [l.split(" ")[0], l.split(" ")[1] ?? ""] as const));
    const inspected = JSON.parse(docker(["service", "inspect", ...ids], host)) as { Spec: { Name: string }; UpdateStatus?: { State?: string } }[];
    return inspected
        .map((s) => {
            const m = /^(\d+)\/(\d+)/.exec(replicas.get(s.Spec.Name) ?? "");
            return { name: s.Spec.Name, running: m ? Number(m[1]) : 0, desired: m ? Number(m[2]) : 0, updateState: s.UpdateStatus?.State };
        })
        .sort((a, b) => a.name.localeCompare(b.name));
}

const BAD_UPDATE = ["rollback_started", "rollback_paused", "rollback_completed", "paused"];

export function problemsOf(states: ServiceState[]): string[] {
    const out: string[] = [];
    for (const s of states) {
        if (s.running < s.desired) out.push(`${s.name}: ${s.running}/${s.desired} replicas running`);
        if (s.updateState && BAD_UPDATE.includes(s.updateState)) out.push(`${s.name}: last update ${s.updateState.replace("_", " ")} (the new version is not what runs)`);
    }
    return out;
}

export async function verify(opts: VerifyOptions): Promise<{ states: ServiceState[]; problems: string[] }> {
    const deadline = Date.now() + opts.timeoutMs;
    let states: ServiceState[] = [];
    let problems: string[] = [];
    for (;;) {
        states = serviceStates(opts.stackName, opts.dockerHost);
        problems = states.length ? problemsOf(states) : [`no service of stack ${opts.stackName} managed by pulumi was found`];
        if (opts.networkName) {
            try {
                docker(["network", "inspect", opts.networkName], opts.dockerHost);
            } catch {
                problems.push(`network ${opts.networkName} (stack output networkName) does not exist`);
            }
        }
        // A rolled-back update will not heal by waiting; missing replicas may still be starting.
        const waiting = problems.some((p) => /replicas running|no service/.test(p));
        if (!problems.length || !waiting || Date.now() >= deadline) break;
        await new Promise((r) => setTimeout(r, opts.pollMs ?? 5000));
    }
    return { states, problems };
}

async function main(): Promise<number> {
    const usage = "npm run verify -- --stack <name> [--outputs outputs.json] [--timeout <seconds>]";
    const { values } = withUsage(usage, () =>
        parseArgs({
            args: process.argv.slice(2),
            options: { stack: { type: "string" }, outputs: { type: "string" }, timeout: { type: "string", default: "300" } },
            strict: true,
            allowPositionals: false,
        }),
    );
    const stack = values.stack;
    if (!stack) throw new UsageError(`--stack is required\nusage: ${usage}`);
    const timeoutSeconds = Number(values.timeout);
    if (!(timeoutSeconds > 0)) throw new UsageError(`--timeout must be a number of seconds above 0, got ${values.timeout}\nusage: ${usage}`);
    const cfg = readStackConfig(stack).config;
    const stackName = cfg["iklimco:stackName"] ?? "iklimco";
    const host = (JSON.parse(cfg["iklimco:docker"] ?? "{}") as { host?: string }).host;
    const outputsFile = values.outputs;
    const outputs = outputsFile ? (JSON.parse(fs.readFileSync(outputsFile, "utf8")) as Record<string, unknown>) : {};
    const timeoutMs = timeoutSeconds * 1000;
    const { states, problems } = await verify({ stackName, dockerHost: host, timeoutMs, networkName: typeof outputs.networkName === "string" ? outputs.networkName : undefined });
    for (const s of states) process.stdout.write(`${s.name}: ${s.running}/${s.desired}${s.updateState ? ` (update ${s.updateState})` : ""}\n`);
    if (problems.length) {
        process.stderr.write(`post-deploy verification failed after at most ${timeoutMs / 1000} s:\n${problems.map((p) => `  - ${p}`).join("\n")}\n`);
        return 1;
    }
    process.stdout.write(`post-deploy verification passed: ${states.length} services converged\n`);
    return 0;
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (err) => {
            process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
            process.exit(err instanceof UsageError ? 2 : 1);
        },
    );
}
