// The tests' one way to run a process and to wait for something: a child with its output collected and a
// hard time bound, and a bounded poll.
import { spawn } from "child_process";

export interface ProcessRun {
    /** Exit status; null when the process was killed (the time bound). */
    code: number | null;
    stdout: string;
    stderr: string;
    /** stdout and stderr interleaved as they arrived. */
    out: string;
}

export interface RunOptions {
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    /** Written to stdin, which is then closed; without it stdin is /dev/null. */
    input?: string;
    /** Killed with SIGKILL after this long (default 60 s). */
    timeoutMs?: number;
}

/** Runs `cmd args` to its end (or its time bound) and collects what it printed. */
export function runProcess(cmd: string, args: string[], opts: RunOptions = {}): Promise<ProcessRun> {
    return new Promise((resolve, reject) => {
        const child = spawn(cmd, args, { env: opts.env, cwd: opts.cwd, stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
        const run: ProcessRun = { code: null, stdout: "", stderr: "", out: "" };
        child.stdout!.on("data", (d) => {
            run.stdout += d;
            run.out += d;
        });
        child.stderr!.on("data", (d) => {
            run.stderr += d;
            run.out += d;
        });
        if (opts.input !== undefined) child.stdin!.end(opts.input);
        const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
        const done = () => {
            clearTimeout(timer);
            resolve(run);
        };
        child.on("error", (err) => {
            clearTimeout(timer);
            reject(err);
        });
        // "close" comes once its output is read; a background process the script left running may hold the
        // output open, so after "exit" the output gets one more second, not the rest of the time bound.
        child.on("exit", (code) => {
            run.code = code;
            setTimeout(done, 1000).unref();
        });
        child.on("close", (code) => {
            run.code = code;
            done();
        });
    });
}

export function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `probe` until it returns a value other than undefined or false (an exception counts as "not yet"),
 * and fails after `timeoutMs` naming what it waited for, with `detail()` (e.g. a log) when given.
 */
export async function waitFor<T>(
    what: string,
    timeoutMs: number,
    probe: () => T | undefined | false | Promise<T | undefined | false>,
    opts: { pollMs?: number; detail?: () => string } = {},
): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        try {
            const v = await probe();
            if (v !== undefined && v !== false) return v;
        } catch {
            // not yet
        }
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${opts.detail ? `\n${opts.detail()}` : ""}`);
        await sleep(opts.pollMs ?? 200);
    }
}
