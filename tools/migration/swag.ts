// SWAG phase of the migration (docs/migration.md, "7. swag"): SWAG keeps its certificate, its account key and
// its renewal configuration in its config volume. The legacy service's volume (the one mounted at /config) is
// copied into the program's swag-config volume in a one-shot container of the certTools image (`cp -a`), so
// the certificate is not requested again (Let's Encrypt rate limits), and both are compared file by file with
// volume-listing.sh. The legacy volume is only read.
import * as fs from "fs";
import * as path from "path";

/** `docker` on the manager's engine: runs one command, returns stdout, throws on failure. */
export type DockerCli = (args: string[], input?: string) => string;

const LISTING = fs.readFileSync(path.join(__dirname, "volume-listing.sh"), "utf8");

/** The named volume a service mounts at `target` (SWAG: /config). */
export function volumeAt(docker: DockerCli, service: string, target = "/config"): string {
    const mounts = JSON.parse(docker(["service", "inspect", "--format", "{{json .Spec.TaskTemplate.ContainerSpec.Mounts}}", service]) || "null") as { Type: string; Source: string; Target: string }[] | null;
    const m = (mounts ?? []).find((x) => x.Target === target && x.Type === "volume");
    if (!m) throw new Error(`${service} mounts no named volume at ${target}: there is no certificate volume to copy`);
    return m.Source;
}

/** The listing of a volume's tree (volume-listing.sh), read-only; an absent volume lists as empty. */
export function listVolume(docker: DockerCli, image: string, volume: string): string[] {
    const exists = docker(["volume", "ls", "-q", "--filter", `name=^${volume}$`]).trim() === volume;
    if (!exists) return [];
    const out = docker(["run", "--rm", "-i", "--network", "none", "-v", `${volume}:/v:ro`, "--entrypoint", "/bin/sh", image, "-s", "/v"], LISTING);
    return out.split("\n").filter(Boolean);
}

export interface VolumeCopyReport {
    from: string;
    to: string;
    /** Entries of the copy (files with their sha256, directories). */
    entries: number;
    /** True when the target already held exactly the source's tree: nothing was written. */
    unchanged: boolean;
}

/**
 * Copies `from` into `to`. Refuses when `to` holds anything that differs from `from` (the program's SWAG already
 * ran there, or an earlier copy was changed): nothing is overwritten. Compares the two trees afterwards.
 */
export function copyVolume(docker: DockerCli, image: string, from: string, to: string): VolumeCopyReport {
    const source = listVolume(docker, image, from);
    if (!source.length) throw new Error(`the legacy volume ${from} is empty or missing: nothing to copy`);
    const before = listVolume(docker, image, to);
    if (before.length && before.join("\n") === source.join("\n")) return { from, to, entries: source.length, unchanged: true };
    if (before.length) throw new Error(`the volume ${to} exists and differs from ${from} (${before.length} entries): nothing was copied; remove it if it is left from an earlier attempt`);
    docker(["run", "--rm", "--network", "none", "-v", `${from}:/from:ro`, "-v", `${to}:/to`, "--entrypoint", "/bin/sh", image, "-c", "cp -a /from/. /to/"]);
    const after = listVolume(docker, image, to);
    if (after.join("\n") !== source.join("\n")) throw new Error(`the copy in ${to} differs from ${from}`);
    return { from, to, entries: source.length, unchanged: false };
}
