// Stand-in Docker images from this machine's files, for the bench and the real-swarm tests: no image can be
// pulled where they run, so a root folder is laid out from a description, tarred and imported
// (`docker import`). The tag is a hash of the description (texts, links, modes, image config, the content of
// every host file that goes in) and of this builder, so an image is built once per machine and built again
// when what it would hold changes.
import { execFileSync, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** A file of the root: a copy of a host file (`libraries`: with the shared libraries `ldd` lists for it, each
 *  at its own path), a text, or a symbolic link. `mode` defaults to the host file's mode with read for all (a
 *  copy) or 0644 (a text). */
export type RootFile = { from: string; libraries?: boolean; mode?: number } | { text: string; mode?: number } | { link: string };

export interface RootImage {
    /** The image's repository; its tag is the content hash. */
    name: string;
    /** Debian's busybox-static at /bin/busybox, linked in /bin as these applets ("all": every one it has). */
    busybox?: string[] | "all";
    /** Directories, made even when no file goes in them. */
    dirs?: string[];
    /** Files by their path in the image. */
    files?: Record<string, RootFile>;
    /** Modes set last (a sticky /tmp: 0o1777). */
    modes?: Record<string, number>;
    /** The image config. */
    env?: Record<string, string>;
    user?: string;
    entrypoint?: string[];
    cmd?: string[];
    workdir?: string;
    /** What no entry above can say (whole trees copied from the host); `key` then names what it puts in. */
    build?: (root: string) => void;
    key?: string;
}

/** The passwd and group files of an image that has root and nobody, as Alpine and Debian images have them. */
export const ROOT_AND_NOBODY: Record<string, RootFile> = {
    "/etc/passwd": { text: "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n" },
    "/etc/group": { text: "root:x:0:\nnogroup:x:65534:\n" },
};

/** This machine's busybox-static (Debian installs it as /bin/busybox). */
export function busyboxBinary(): string {
    for (const p of ["/bin/busybox", "/usr/bin/busybox"]) if (fs.existsSync(p)) return fs.realpathSync(p);
    throw new Error("busybox is not installed on this machine (tools/test-all.sh installs busybox-static)");
}

/** The applets this machine's busybox has. */
export function busyboxApplets(): string[] {
    return execFileSync(busyboxBinary(), ["--list"], { encoding: "utf8" }).split("\n").filter((a) => a && a !== "busybox");
}

/** The shared libraries a binary loads (nothing for a static binary). */
export function sharedLibraries(binary: string): string[] {
    const r = spawnSync("ldd", [binary], { encoding: "utf8" });
    if (r.status !== 0) return []; // "not a dynamic executable"
    const libs = new Set<string>();
    for (const line of r.stdout.split("\n")) {
        const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
        if (m) libs.add(m[1]);
    }
    return [...libs].sort();
}

/** Every file of the root, with the busybox links and each copy's libraries spelled out. */
function layout(spec: RootImage): Record<string, RootFile> {
    const out: Record<string, RootFile> = {};
    if (spec.busybox) {
        out["/bin/busybox"] = { from: busyboxBinary(), mode: 0o755 };
        for (const a of spec.busybox === "all" ? busyboxApplets() : spec.busybox) out[`/bin/${a}`] = { link: "busybox" };
    }
    for (const [p, f] of Object.entries(spec.files ?? {})) {
        out[p] = f;
        if ("from" in f && f.libraries) for (const lib of sharedLibraries(fs.realpathSync(f.from))) out[lib] ??= { from: lib, mode: f.mode };
    }
    return out;
}

function digestOf(file: string): string {
    return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

function tagOf(spec: RootImage, files: Record<string, RootFile>): string {
    const hash = crypto.createHash("sha256").update(fs.readFileSync(__filename));
    const described = Object.entries(files).map(([p, f]) => ("from" in f ? [p, { sha256: digestOf(fs.realpathSync(f.from)), mode: f.mode }] : [p, f]));
    // JSON leaves `build` out: its work is in `key`.
    hash.update(JSON.stringify({ ...spec, files: described }));
    return `${spec.name}:${hash.digest("hex").slice(0, 12)}`;
}

/** Builds the image unless this machine has it already; returns its tag. */
export function ensureRootImage(spec: RootImage): string {
    const files = layout(spec);
    const tag = tagOf(spec, files);
    if (spawnSync("docker", ["image", "inspect", tag], { stdio: "ignore" }).status === 0) return tag;
    const root = fs.mkdtempSync(path.join(os.tmpdir(), `${spec.name.replace(/\//g, "-")}-`));
    try {
        for (const d of spec.dirs ?? []) fs.mkdirSync(path.join(root, d), { recursive: true });
        for (const [p, f] of Object.entries(files)) {
            const dest = path.join(root, p);
            fs.mkdirSync(path.dirname(dest), { recursive: true });
            if ("link" in f) fs.symlinkSync(f.link, dest);
            else if ("text" in f) fs.writeFileSync(dest, f.text, { mode: f.mode ?? 0o644 });
            else {
                const real = fs.realpathSync(f.from);
                fs.copyFileSync(real, dest);
                fs.chmodSync(dest, f.mode ?? (fs.statSync(real).mode & 0o777) | 0o444);
            }
        }
        spec.build?.(root);
        for (const [p, m] of Object.entries(spec.modes ?? {})) fs.chmodSync(path.join(root, p), m);
        const changes: string[] = [];
        for (const [k, v] of Object.entries(spec.env ?? {})) changes.push("-c", `ENV ${k}=${v}`);
        if (spec.user) changes.push("-c", `USER ${spec.user}`);
        if (spec.entrypoint) changes.push("-c", `ENTRYPOINT ${JSON.stringify(spec.entrypoint)}`);
        if (spec.cmd) changes.push("-c", `CMD ${JSON.stringify(spec.cmd)}`);
        if (spec.workdir) changes.push("-c", `WORKDIR ${spec.workdir}`);
        const tar = spawnSync("tar", ["-C", root, "-c", "."], { maxBuffer: 1024 * 1024 * 1024 });
        if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
        execFileSync("docker", ["import", ...changes, "-", tag], { input: tar.stdout, stdio: ["pipe", "ignore", "pipe"], maxBuffer: 1024 * 1024 * 1024 });
        return tag;
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
}
