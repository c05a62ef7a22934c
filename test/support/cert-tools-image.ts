// A stand-in for `images.certTools` in the end-to-end tests: a minimal root with a POSIX shell and the usual
// utilities (Debian's busybox-static), openssl and the docker CLI, each copied from the host together with the
// shared libraries `ldd` lists for it. No image can be pulled here and busybox has no openssl, hence this.
// The tag carries a hash of what goes in, so the image is built at most once per machine (and per change of
// the host's binaries or of this builder) and reused by every later run.
import { execFileSync, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { dockerOk } from "./docker";

function which(bin: string): string {
    const r = spawnSync("sh", ["-c", `command -v ${bin}`], { encoding: "utf8" });
    const p = r.stdout.trim();
    if (r.status !== 0 || !p) throw new Error(`cert-tools stand-in: ${bin} is not installed on this machine (.ci/run installs it)`);
    return fs.realpathSync(p);
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

function copyInto(root: string, file: string, as = file): void {
    const dest = path.join(root, as);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.copyFileSync(fs.realpathSync(file), dest);
    fs.chmodSync(dest, 0o755);
}

/** Builds (once) and returns the tag of an image with sh, busybox utilities, openssl and the docker CLI. */
export function ensureCertToolsImage(prefix = "tcerts"): string {
    const busybox = which("busybox");
    const openssl = which("openssl");
    const dockerCli = which("docker");
    const binaries = [busybox, openssl, dockerCli];
    const libs = [...new Set(binaries.flatMap(sharedLibraries))].sort();
    const key = crypto.createHash("sha256");
    key.update(fs.readFileSync(__filename));
    for (const f of [...binaries, ...libs]) {
        const st = fs.statSync(f);
        key.update(`${f}:${st.size}:${st.mtimeMs}\n`);
    }
    const tag = `${prefix}/cert-tools:${key.digest("hex").slice(0, 12)}`;
    if (dockerOk(["image", "inspect", tag])) return tag;

    const root = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-cert-tools-`));
    try {
        for (const d of ["bin", "usr/bin", "tmp", "etc", "run", "var/run", "usr/lib/ssl"]) fs.mkdirSync(path.join(root, d), { recursive: true });
        fs.chmodSync(path.join(root, "tmp"), 0o1777);
        copyInto(root, busybox, "/bin/busybox");
        const applets = execFileSync(busybox, ["--list"], { encoding: "utf8" }).split("\n").filter(Boolean);
        for (const a of applets) if (a !== "busybox") fs.symlinkSync("busybox", path.join(root, "bin", a));
        copyInto(root, openssl, "/usr/bin/openssl");
        copyInto(root, dockerCli, "/usr/bin/docker");
        for (const lib of libs) copyInto(root, lib);
        // openssl reads OPENSSLDIR/openssl.cnf; an empty one keeps it quiet.
        fs.writeFileSync(path.join(root, "usr/lib/ssl/openssl.cnf"), "");
        fs.writeFileSync(path.join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n");
        fs.writeFileSync(path.join(root, "etc/group"), "root:x:0:\nnogroup:x:65534:\n");
        const tar = spawnSync("tar", ["-C", root, "-c", "."], { maxBuffer: 512 * 1024 * 1024 });
        if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
        execFileSync("docker", ["import", "-c", "ENV PATH=/usr/bin:/bin", "-", tag], { input: tar.stdout, stdio: ["pipe", "ignore", "pipe"], maxBuffer: 512 * 1024 * 1024 });
        return tag;
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
}
