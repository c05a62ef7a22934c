// A real Docker Engine with Swarm mode for the tests that need one (Debian's docker.io, installed by .ci/run).
// Starts dockerd if it is not answering, initialises a single-node swarm if none is active, and builds the
// stand-in images from local files (no image can be pulled here). What an earlier run left is accepted.
import { execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { NODE_LABELS } from "../../components/config";
import { ensureBusyboxImage as importBusyboxImage } from "../../tools/offline/busybox-image";
import { runProcess, sleep } from "./process";

export function docker(args: string[], input?: string): string {
    return execFileSync("docker", args, { encoding: "utf8", input, stdio: ["pipe", "pipe", "pipe"], timeout: 120_000 }).trim();
}

export function dockerOk(args: string[]): boolean {
    return spawnSync("docker", args, { stdio: "ignore", timeout: 60_000 }).status === 0;
}

/**
 * `docker(args)` as a child the event loop does not wait on, for tests that measure something (read loops)
 * while the swarm changes: stdout trimmed; throws with stderr on a non-zero exit.
 */
export async function dockerAsync(args: string[], input?: string, timeoutMs = 120_000): Promise<string> {
    const r = await runProcess("docker", args, { input, timeoutMs });
    if (r.code !== 0) throw new Error(`docker ${args.join(" ")}: exit ${r.code}: ${r.stderr.trim()}`);
    return r.stdout.trim();
}

export async function dockerAsyncOk(args: string[], timeoutMs = 60_000): Promise<boolean> {
    return (await runProcess("docker", args, { timeoutMs })).code === 0;
}

export { sleep };

/** Whether this machine can run the Docker tests at all (the docker.io package is installed). */
export function dockerAvailable(): boolean {
    return spawnSync("which", ["dockerd"], { stdio: "ignore" }).status === 0 && spawnSync("which", ["docker"], { stdio: "ignore" }).status === 0;
}

export async function ensureDaemon(): Promise<void> {
    if (dockerOk(["info"])) return;
    const log = fs.openSync(path.join(os.tmpdir(), "iklimco-dockerd.log"), "a");
    const child = spawn("dockerd", [], { detached: true, stdio: ["ignore", log, log] });
    child.unref();
    for (let i = 0; i < 60; i++) {
        if (dockerOk(["info"])) return;
        await sleep(1000);
    }
    throw new Error(`dockerd did not answer within 60 s; see ${path.join(os.tmpdir(), "iklimco-dockerd.log")}`);
}

/**
 * The one-node test swarm: initialised if none is active, its node carrying every role label the program places
 * services by (NODE_LABELS, `<label>=true`), as a node holding every role would. Both are left in place:
 * labels are only ever added, so tests running at once in separate processes never take one away from each
 * other (a test that needs a node without a label uses a label of its own).
 */
export async function ensureSwarm(): Promise<void> {
    await ensureDaemon();
    const state = docker(["info", "--format", "{{.Swarm.LocalNodeState}}"]);
    if (state !== "active") docker(["swarm", "init", "--advertise-addr", "127.0.0.1"]);
    await ensureNodeLabels();
}

async function ensureNodeLabels(): Promise<void> {
    const node = docker(["info", "--format", "{{.Swarm.NodeID}}"]);
    // Another process may update the node at the same moment ("update out of sequence"): read again and retry.
    for (let attempt = 1; ; attempt++) {
        const labels: Record<string, string> = JSON.parse(docker(["node", "inspect", node, "--format", "{{json .Spec.Labels}}"]) || "{}") ?? {};
        const missing = NODE_LABELS.filter((l) => labels[l] !== "true");
        if (!missing.length) return;
        const r = spawnSync("docker", ["node", "update", ...missing.flatMap((l) => ["--label-add", `${l}=true`]), node], { encoding: "utf8", timeout: 60_000 });
        if (r.status !== 0 && attempt >= 10) throw new Error(`docker node update --label-add ${missing.join(" ")}: ${r.stderr}`);
        if (r.status !== 0) await sleep(200 * attempt);
    }
}

/**
 * A small stand-in image from Debian's busybox-static: a shell, wget, nc, md5sum, sha256sum and friends.
 * Built once per machine and content (docker import of a root with busybox and its applet links).
 */
export function ensureBusyboxImage(name = "iklimco-test/busybox"): string {
    return importBusyboxImage(name);
}

/**
 * A test's cleanup once its services are removed: removes the containers `filter` selects (a `docker ps`
 * filter, `name=<prefix>_` or `label=...`) at once, with `docker rm -f`, instead of waiting out each task's stop
 * grace period, which nothing after a test checks; their volumes and network can go next. Retried while Swarm
 * is still stopping a task, and bounded: what is left after `timeoutMs` stays for the caller's own loops.
 */
export async function removeTaskContainers(filter: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const ids = docker(["ps", "-aq", "--filter", filter]).split("\n").filter(Boolean);
        if (!ids.length || Date.now() > deadline) return;
        spawnSync("docker", ["rm", "-f", ...ids], { stdio: "ignore", timeout: 60_000 });
        await sleep(300);
    }
}

/** Waits until every task of a service runs (replicated: desired = running), bounded; never blocks the event loop. */
export async function waitForService(name: string, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadline) {
        last = await dockerAsync(["service", "ls", "--filter", `name=${name}`, "--format", "{{.Name}} {{.Replicas}}"]);
        const line = last.split("\n").find((l) => l.split(" ")[0] === name);
        const m = line ? /(\d+)\/(\d+)/.exec(line) : null;
        if (m && m[1] === m[2] && Number(m[2]) > 0) return;
        await sleep(500);
    }
    const ps = (await runProcess("docker", ["service", "ps", "--no-trunc", name])).stdout;
    throw new Error(`service ${name} did not converge within ${timeoutMs / 1000} s (last: ${last || "not listed"})\n${ps}`);
}
