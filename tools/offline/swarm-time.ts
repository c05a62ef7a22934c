// `npm run bench -- --swarm`: how long each kind of resource on the deploy graph takes to become ready, measured
// on the local Docker Swarm with stand-in services, then the deploy's critical path in seconds next to the
// shell pipeline's 24 steps in a row with the same figures.
//
// Kinds and how each is measured (every stand-in is named `iklimco-bench-<pid>-...` and removed afterwards):
// - a replicated service (the docker provider waits for its healthy tasks: convergeConfig): a stand-in with the
//   service's own replicas and health-check timing (interval, timeout, retries, start period), whose check
//   succeeds (`true`), timed from `docker service create` to every task healthy. One stand-in per distinct
//   timing, all created at once. A global service (no convergeConfig) is an API call;
// - a one-shot job (command:remote:Command: the manager scripts run each step as a replicated-job service): a
//   replicated-job stand-in timed from creation to its task's completion;
// - everything else (networks, secrets, the providers, Vault's API objects, generated values): one API call,
//   timed as `docker secret create`.
// The certificate wait (step 20's wait for SWAG's certificate, bounded by its TIMEOUT) depends on the ACME
// issuer, which this machine cannot reach: it is counted as a one-shot job, a lower bound, and said so.
import { execFileSync, spawnSync } from "child_process";
import { ensureBusyboxImage } from "./busybox-image";
import { GraphResource, customPredecessors, topologicalOrder } from "./graph";

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface Healthcheck {
    interval: string;
    timeout: string;
    retries: number;
    startPeriod: string;
}

/** What the bench needs of a resource: its graph node and, for a service, its mode and health check. */
export type TimedResource = GraphResource & { inputs: Record<string, any> };

export type ReadyKind = { kind: "service"; key: string; replicas: number; health?: Healthcheck } | { kind: "job" } | { kind: "certificate-wait" } | { kind: "api" };

export function readyKind(r: TimedResource): ReadyKind {
    if (r.type === "docker:index/service:Service") {
        const mode = r.inputs.mode ?? {};
        if (mode.global || !r.inputs.convergeConfig) return { kind: "api" };
        const replicas = Number(mode.replicated?.replicas ?? 1);
        const h = r.inputs.taskSpec?.containerSpec?.healthcheck;
        const health = h ? { interval: h.interval ?? "30s", timeout: h.timeout ?? "30s", retries: Number(h.retries ?? 3), startPeriod: h.startPeriod ?? "0s" } : undefined;
        return { kind: "service", key: JSON.stringify({ replicas, health }), replicas, health };
    }
    if (r.type === "command:remote:Command" || r.type === "command:local:Command") {
        return /wait-cert|step20|certs-verify/.test(r.name) ? { kind: "certificate-wait" } : { kind: "job" };
    }
    return { kind: "api" };
}

function docker(args: string[]): string {
    return execFileSync("docker", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The bench's stand-in image: busybox with the applets its services run (no registry here), built once per machine. */
const standInImage = (): string => ensureBusyboxImage("iklimco-bench/busybox", ["sh", "sleep", "true"]);

/** A Docker duration ("90s", "5m", "1h30m") in seconds. */
export function durationSeconds(d: string): number {
    const parts = [...d.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
    if (!parts.length || parts.map((p) => p[0]).join("") !== d) throw new Error(`not a Docker duration: ${JSON.stringify(d)}`);
    const unit: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
    return parts.reduce((sum, p) => sum + Number(p[1]) * unit[p[2]], 0);
}

/** Polls until `ready()` or the deadline; returns the seconds since `t0`. */
async function until(t0: number, what: string, ready: () => boolean, timeoutS = 300): Promise<number> {
    while (!ready()) {
        if ((Date.now() - t0) / 1000 > timeoutS) throw new Error(`${what} was not ready within ${timeoutS} s`);
        await sleep(250);
    }
    return (Date.now() - t0) / 1000;
}

export interface ReadyDurations {
    /** Seconds per distinct service timing (ReadyKind.key). */
    services: Record<string, number>;
    job: number;
    api: number;
}

/** Measures every kind the resources need, on the local swarm, and removes every stand-in it made. */
export async function measureReady(resources: TimedResource[]): Promise<ReadyDurations> {
    if (docker(["info", "--format", "{{.Swarm.LocalNodeState}}"]) !== "active") throw new Error("--swarm needs an active Docker Swarm on this machine (docker swarm init)");
    const image = standInImage();
    const prefix = `iklimco-bench-${process.pid}`;
    const created: string[] = [];
    const secret = `${prefix}-secret`;
    try {
        const kinds = new Map<string, Extract<ReadyKind, { kind: "service" }>>();
        for (const r of resources) {
            const k = readyKind(r);
            if (k.kind === "service") kinds.set(k.key, k);
        }
        const services = await Promise.all(
            [...kinds.values()].map(async (k, i) => {
                const name = `${prefix}-svc-${i}`;
                const health = k.health
                    ? ["--health-cmd", "true", "--health-interval", k.health.interval, "--health-timeout", k.health.timeout, "--health-retries", String(k.health.retries), "--health-start-period", k.health.startPeriod]
                    : [];
                const t0 = Date.now();
                docker(["service", "create", "--detach", "--quiet", "--name", name, "--replicas", String(k.replicas), ...health, image, "sleep", "3600"]);
                created.push(name);
                const filter = ["ps", "-q", "--filter", `label=com.docker.swarm.service.name=${name}`, "--filter", k.health ? "health=healthy" : "status=running"];
                // The first health check runs one interval after the start (however long the start period is).
                const timeoutS = 120 + 2 * (k.health ? durationSeconds(k.health.interval) : 0);
                const seconds = await until(t0, name, () => docker(filter).split("\n").filter(Boolean).length >= k.replicas, timeoutS);
                return [k.key, seconds] as const;
            }),
        );
        const job = `${prefix}-job`;
        const tj = Date.now();
        docker(["service", "create", "--detach", "--quiet", "--name", job, "--mode", "replicated-job", "--restart-condition", "none", image, "true"]);
        created.push(job);
        const jobSeconds = await until(tj, job, () => docker(["service", "ps", "--format", "{{.CurrentState}}", job]).split("\n").some((l) => l.startsWith("Complete")));
        const ta = Date.now();
        execFileSync("docker", ["secret", "create", secret, "-"], { input: "bench", stdio: ["pipe", "ignore", "pipe"] });
        const api = (Date.now() - ta) / 1000;
        return { services: Object.fromEntries(services), job: jobSeconds, api };
    } finally {
        for (const s of created) spawnSync("docker", ["service", "rm", s], { stdio: "ignore" });
        spawnSync("docker", ["secret", "rm", secret], { stdio: "ignore" });
    }
}

export function secondsOf(r: TimedResource, d: ReadyDurations): number {
    const k = readyKind(r);
    if (k.kind === "service") return d.services[k.key] ?? 0;
    if (k.kind === "job" || k.kind === "certificate-wait") return d.job;
    return d.api;
}

export interface DeployTime {
    /** The longest chain by seconds: what a deploy waits for. */
    criticalPathSeconds: number;
    path: { urn: string; seconds: number }[];
    /** The shell pipeline ran every action of its 24 steps one after another: the sum of the same figures. */
    shellSeconds: number;
}

export function deployTime(resources: TimedResource[], d: ReadyDurations): DeployTime {
    const custom = resources.filter((r) => r.custom);
    const byUrn = new Map(custom.map((r) => [r.urn, r] as const));
    const preds = customPredecessors(resources);
    const finish = new Map<string, number>();
    const via = new Map<string, string | undefined>();
    for (const urn of topologicalOrder(preds)) {
        let start = 0;
        let from: string | undefined;
        for (const p of preds.get(urn) ?? []) if ((finish.get(p) ?? 0) > start) [start, from] = [finish.get(p)!, p];
        finish.set(urn, start + secondsOf(byUrn.get(urn)!, d));
        via.set(urn, from);
    }
    let end: string | undefined;
    for (const [urn, t] of finish) if (end === undefined || t > finish.get(end)!) end = urn;
    const path: { urn: string; seconds: number }[] = [];
    for (let u = end; u !== undefined; u = via.get(u)) path.unshift({ urn: u, seconds: secondsOf(byUrn.get(u)!, d) });
    const steps = custom.filter((r) => r.steps.length > 0);
    return { criticalPathSeconds: end ? finish.get(end)! : 0, path, shellSeconds: steps.reduce((s, r) => s + secondsOf(r, d), 0) };
}
