// Deploying a rendered stack file on the real swarm with contract-true stand-in images
// (test/support/contract-images.ts), and reading back what runs there without tools inside the containers.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ImageKey, imageKeyOf } from "../../components/images";
import { ensureContractImage } from "./contract-images";
import { docker } from "./docker";

/* eslint-disable @typescript-eslint/no-explicit-any */
export interface StandIn {
    doc: any;
    /** The stand-in image of each service (by its contract key). */
    images: Record<string, string>;
}

/**
 * The rendered stack with each image replaced by the stand-in built from its contract (test/support/
 * contract-images.ts). Health checks, commands (entrypoints) and args stay exactly as rendered; only the
 * health check's interval and the stop grace period are shortened, resource limits made small (shared
 * machine), published ports left to Swarm, and secret names prefixed.
 */
export function standIn(doc: any, images: Record<ImageKey, string>, secretPrefix: string): StandIn {
    const out = JSON.parse(JSON.stringify(doc));
    const used: Record<string, string> = {};
    for (const [name, svc] of Object.entries<any>(out.services)) {
        const key = imageKeyOf(images, svc.image);
        if (!key) throw new Error(`${name}: image ${svc.image} is not one of images.*`);
        svc.image = ensureContractImage(key).tag;
        used[name] = key;
        svc.healthcheck.interval = "2s";
        svc.stop_grace_period = "2s";
        // Small limits on a shared machine; the real servers (PostgreSQL, Erlang) get what they need to start.
        const real = key === "patroni" || key === "rabbitmq" || key === "etcd";
        svc.deploy.resources = { limits: { cpus: real ? "1" : "0.5", memory: key === "rabbitmq" ? "512M" : key === "patroni" ? "256M" : "128M" } };
        if (svc.ports) svc.ports = svc.ports.map((p: any) => ({ target: p.target, protocol: p.protocol, mode: p.mode }));
    }
    for (const s of Object.values<any>(out.secrets)) s.name = `${secretPrefix}${s.name}`;
    return { doc: out, images: used };
}

export function containerOf(service: string): string {
    const id = docker(["ps", "-q", "--filter", `label=com.docker.swarm.service.name=${service}`]).split("\n")[0];
    if (!id) throw new Error(`no running container for ${service}`);
    return id;
}


/**
 * A Swarm secret as a container sees it, read on the host (the stand-ins have no cat or stat, as upstream, and
 * `docker cp` shows the mount point, not the mounted file): Docker writes each secret of a container, with the
 * service's mode and uid, to <docker root>/containers/<id>/mounts/secrets/<secret id>, which it bind-mounts.
 */
export function readSecretInContainer(id: string, secretName: string): { content: string; mode: number; uid: number } {
    const rootDir = docker(["info", "--format", "{{.DockerRootDir}}"]);
    const secretId = docker(["secret", "inspect", "--format", "{{.ID}}", secretName]);
    const full = docker(["inspect", "--format", "{{.ID}}", id]);
    const file = path.join(rootDir, "containers", full, "mounts", "secrets", secretId);
    const st = fs.statSync(file);
    return { content: fs.readFileSync(file, "utf8"), mode: st.mode & 0o7777, uid: st.uid };
}

/** The names of the entries under a directory inside a container (through `docker cp`). */
export function listInContainer(id: string, dir: string): string[] {
    const r = spawnSync("docker", ["cp", `${id}:${dir}`, "-"], { maxBuffer: 256 * 1024 * 1024 });
    if (r.status !== 0) throw new Error(`docker cp ${id}:${dir}: ${r.stderr}`);
    const tar: Buffer = r.stdout;
    const names: string[] = [];
    for (let off = 0; off + 512 <= tar.length; ) {
        const name = tar.subarray(off, off + 100).toString("utf8").replace(/\0.*$/s, "");
        if (!name) break;
        names.push(name);
        const size = parseInt(tar.subarray(off + 124, off + 136).toString("ascii").replace(/\0.*$/s, "").trim() || "0", 8);
        off += 512 + Math.ceil(size / 512) * 512;
    }
    return names;
}

/** The container's health as Docker reports it (healthy, unhealthy, starting). */
export function healthOf(id: string): string {
    return docker(["inspect", "--format", "{{.State.Health.Status}}", id]);
}
