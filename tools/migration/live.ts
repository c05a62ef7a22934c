// What the dry run reads: the live swarm through the docker CLI (DOCKER_HOST = the stack's docker.host, e.g.
// ssh://deploy@manager), and the program's target names from its evaluation by the offline engine.
import { execFileSync } from "child_process";
import { Evaluation } from "../offline/engine";
import { LiveState, TargetLayout } from "./plan";

function dockerLines(host: string | undefined, args: string[]): string[] {
    const env = host ? { ...process.env, DOCKER_HOST: host } : process.env;
    return execFileSync("docker", args, { encoding: "utf8", env, stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 })
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean);
}

/** Services with their running/desired tasks, volumes, and secrets with their labels. */
export function readLiveState(host?: string): LiveState {
    const managed = new Set(dockerLines(host, ["service", "ls", "--filter", "label=com.iklimco.managed-by=pulumi", "--format", "{{.Name}}"]));
    const services = dockerLines(host, ["service", "ls", "--format", "{{.Name}}\t{{.Replicas}}"]).map((l) => {
        const [name, replicas] = l.split("\t");
        // "2/3", or "1/1 (max 1 per node)"; a global service reads the same way.
        const m = /^(\d+)\/(\d+)/.exec(replicas ?? "");
        return { name, running: m ? Number(m[1]) : 0, desired: m ? Number(m[2]) : 0, managed: managed.has(name) };
    });
    const volumes = dockerLines(host, ["volume", "ls", "--format", "{{.Name}}"]);
    const ids = dockerLines(host, ["secret", "ls", "-q"]);
    const secrets = ids.length
        ? dockerLines(host, ["secret", "inspect", "--format", "{{.Spec.Name}}\t{{json .Spec.Labels}}", ...ids]).map((l) => {
              const [name, labels] = l.split("\t");
              return { name, labels: (JSON.parse(labels || "null") ?? {}) as Record<string, string> };
          })
        : [];
    return { services, volumes, secrets };
}

/** The program's names: services, volumes, secrets' logical names, microservices, from an evaluation. */
export function targetLayout(ev: Evaluation): TargetLayout {
    const names = (type: string) => ev.resources.filter((r) => r.type === type).map((r) => String(r.plainInputs.name));
    const logical = ev.resources
        .filter((r) => r.type === "docker:index/secret:Secret")
        .map((r) => ((r.plainInputs.labels as { label: string; value: string }[] | undefined) ?? []).find((l) => l.label === "com.iklimco.secret")?.value ?? String(r.plainInputs.name).replace(/_[0-9a-f]{8}$/, ""));
    // Volumes are created by the services' mounts (named volumes), not as resources of their own.
    const volumes = ev.resources
        .filter((r) => r.type === "docker:index/service:Service")
        .flatMap((r) => {
            const spec = r.plainInputs.taskSpec as { containerSpec?: { mounts?: { type?: string; source?: string }[] } } | undefined;
            return (spec?.containerSpec?.mounts ?? []).filter((m) => m.type === "volume" && m.source).map((m) => String(m.source));
        });
    const micro = ev.outputs.microserviceSecrets;
    return {
        services: names("docker:index/service:Service").sort(),
        volumes: [...new Set([...names("docker:index/volume:Volume"), ...volumes])].sort(),
        secretLogicalNames: [...new Set(logical)].sort(),
        microservices: micro && typeof micro === "object" ? Object.keys(micro as object).sort() : [],
    };
}
