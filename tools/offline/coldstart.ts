// The parent side of a cold start (tools/offline/startup-child.ts): start the child, as `npm run build` compiled
// it into bin/, as a fresh node process and time it until the program's graph is complete. Used by
// `npm run bench` and by the tests that show the start modes behave as Pulumi's do.
import { spawn } from "child_process";
import * as path from "path";
import { assertBuilt } from "./built";
import { REPO_ROOT } from "./engine";
import { GraphReason, GraphResource } from "./graph";
import { StartMode } from "./startup";

const CHILD_TIMEOUT_MS = 40_000;

/** A tool's JavaScript in bin/ (`npm run build`), refused when bin/ is older than the sources. */
export function compiledTool(name: string): string {
    assertBuilt();
    return path.join(REPO_ROOT, "bin", "tools", "offline", `${name}.js`);
}

/** What the child sends back (IKLIMCO_BENCH_INPUT in, this out). */
export interface ColdStartInput {
    root: string;
    stack: string;
    config: Record<string, string>;
    secretKeys: string[];
    program: string;
}

export interface ColdStart {
    mode: StartMode;
    /** From spawning the process to the program's graph being complete. */
    seconds: number;
    /** The recorded resources; `inputs` is a hash of each resource's inputs, never a value. */
    resources: (GraphResource & { inputs: string })[];
    reasons: GraphReason[];
}

export class ColdStartError extends Error {
    constructor(
        message: string,
        readonly code: number | null,
        readonly stderr: string,
    ) {
        super(message);
    }
}

/** Starts `child` as a fresh node process with `env` (which carries IKLIMCO_BENCH_INPUT) and times it. */
export function runColdStart(child: string, nodeargs: string[], env: NodeJS.ProcessEnv): Promise<ColdStart> {
    return new Promise((resolve, reject) => {
        const started = process.hrtime.bigint();
        let evaluatedAt: bigint | undefined;
        let stdout = "";
        let stderr = "";
        const p = spawn(process.execPath, [...nodeargs, child], { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
        const timer = setTimeout(() => {
            p.kill("SIGKILL");
            reject(new Error(`a cold start did not complete the program's graph within ${CHILD_TIMEOUT_MS / 1000} s`));
        }, CHILD_TIMEOUT_MS);
        p.stdout.on("data", (chunk: Buffer) => {
            stdout += chunk.toString();
            if (evaluatedAt === undefined && /^evaluated$/m.test(stdout)) evaluatedAt = process.hrtime.bigint();
        });
        p.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        p.on("error", (err) => {
            clearTimeout(timer);
            reject(err);
        });
        p.on("close", (code) => {
            clearTimeout(timer);
            const line = stdout.split("\n").find((l) => l.startsWith("result "));
            if (code !== 0 || !line || evaluatedAt === undefined) {
                return reject(new ColdStartError(`cold start failed (exit ${code}):\n${stderr.trim()}`, code, stderr));
            }
            resolve({ ...JSON.parse(line.slice("result ".length)), seconds: Number(evaluatedAt - started) / 1e9 });
        });
    });
}
