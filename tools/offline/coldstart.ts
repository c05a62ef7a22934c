// The parent side of a cold start (tools/offline/startup-child.ts): compile the child and the engine it uses
// to JavaScript once, then start it as a fresh node process and time it until the program's graph is
// complete. Used by `npm run bench` and by the tests that show the start modes behave as Pulumi's do.
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { REPO_ROOT } from "./engine";
import { GraphReason, GraphResource } from "./graph";
import { StartMode } from "./startup";

/** Two levels below the repository root, so the compiled engine's REPO_ROOT (`__dirname/../..`) is right. */
export const CHILD_DIR = path.join(REPO_ROOT, ".cache", "bench");
const CHILD_TIMEOUT_MS = 40_000;

/** Compiles the child and the engine it uses to JavaScript, so a child compiles only the program itself. */
export function precompileChild(): string {
    const tsconfig = ts.readConfigFile(path.join(REPO_ROOT, "tsconfig.json"), ts.sys.readFile);
    const { options } = ts.parseJsonConfigFileContent(tsconfig.config, ts.sys, REPO_ROOT);
    fs.mkdirSync(CHILD_DIR, { recursive: true });
    for (const file of ["engine", "mocks", "startup", "startup-child"]) {
        const source = fs.readFileSync(path.join(REPO_ROOT, "tools", "offline", `${file}.ts`), "utf8");
        const out = ts.transpileModule(source, { compilerOptions: { ...options, sourceMap: false, outDir: undefined }, fileName: `${file}.ts` });
        fs.writeFileSync(path.join(CHILD_DIR, `${file}.js`), out.outputText);
    }
    return path.join(CHILD_DIR, "startup-child.js");
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
