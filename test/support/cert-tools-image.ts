// A stand-in for `images.certTools` in the end-to-end tests: a minimal root with a POSIX shell and the usual
// utilities (Debian's busybox-static), openssl and the docker CLI, each copied from the host together with the
// shared libraries `ldd` lists for it. No image can be pulled here and busybox has no openssl, hence this.
// The tag carries a hash of what goes in (tools/offline/root-image.ts), so the image is built at most once per
// machine and change, and reused by every later run.
import { spawnSync } from "child_process";
import * as fs from "fs";
import { ROOT_AND_NOBODY, ensureRootImage } from "../../tools/offline/root-image";

function which(bin: string): string {
    const r = spawnSync("sh", ["-c", `command -v ${bin}`], { encoding: "utf8" });
    const p = r.stdout.trim();
    if (r.status !== 0 || !p) throw new Error(`cert-tools stand-in: ${bin} is not installed on this machine (.ci/run installs it)`);
    return fs.realpathSync(p);
}

/** Builds (once) and returns the tag of an image with sh, busybox utilities, openssl and the docker CLI. */
export function ensureCertToolsImage(prefix = "tcerts"): string {
    return ensureRootImage({
        name: `${prefix}/cert-tools`,
        dirs: ["/bin", "/usr/bin", "/tmp", "/etc", "/run", "/var/run", "/usr/lib/ssl"],
        busybox: "all",
        files: {
            "/usr/bin/openssl": { from: which("openssl"), libraries: true, mode: 0o755 },
            "/usr/bin/docker": { from: which("docker"), libraries: true, mode: 0o755 },
            // openssl reads OPENSSLDIR/openssl.cnf; an empty one keeps it quiet.
            "/usr/lib/ssl/openssl.cnf": { text: "" },
            ...ROOT_AND_NOBODY,
        },
        modes: { "/tmp": 0o1777 },
        env: { PATH: "/usr/bin:/bin" },
    });
}
