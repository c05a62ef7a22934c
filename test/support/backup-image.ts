// A stand-in for `images.certTools` as the Vault backup service and its snapshot-directory job use it, built
// from local files (no image can be pulled). It holds a subset of what the image contract for cert-tools lists
// (Alpine: busybox applets, crond, curl, openssl, the docker CLI), and nothing beyond it:
//   /bin/busybox with the applets   sh cat chmod cp date grep gzip head ls mkdir mv od rm sed sleep sort tail tr wc
//   /usr/sbin/crond (busybox's, as Alpine links it), /usr/bin/curl (the host's, with the libraries ldd lists),
//   Alpine's /root and /var/spool/cron/crontabs directories (busybox crond's job child changes into the user's
//   home, else into /var/spool/cron, and dies if neither exists: the job then never runs),
//   an empty /etc/ssl/certs/ca-certificates.crt (the trust store's path; a test mounts its CA there, standing
//   for the public roots that trust the production certificate).
// openssl and the docker CLI are in the real image but not used by the backup, so they are left out.
import { execFileSync, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { sharedLibraries } from "./cert-tools-image";
import { dockerOk } from "./docker";

export const BACKUP_IMAGE_APPLETS = ["sh", "cat", "chmod", "cp", "date", "grep", "gzip", "head", "ls", "mkdir", "mv", "od", "rm", "sed", "sleep", "sort", "tail", "tr", "wc"];

export function ensureBackupImage(prefix: string): string {
    const busybox = fs.realpathSync("/bin/busybox");
    const curl = fs.realpathSync("/usr/bin/curl");
    const libs = sharedLibraries(curl);
    const key = crypto.createHash("sha256");
    key.update(fs.readFileSync(__filename));
    for (const f of [busybox, curl, ...libs]) {
        const st = fs.statSync(f);
        key.update(`${f}:${st.size}:${st.mtimeMs}\n`);
    }
    const tag = `${prefix}/cert-tools-backup:${key.digest("hex").slice(0, 12)}`;
    if (dockerOk(["image", "inspect", tag])) return tag;
    const root = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-backup-image-`));
    const put = (src: string, dest: string) => {
        fs.mkdirSync(path.dirname(path.join(root, dest)), { recursive: true });
        fs.copyFileSync(fs.realpathSync(src), path.join(root, dest));
        fs.chmodSync(path.join(root, dest), 0o755);
    };
    try {
        for (const d of ["bin", "usr/bin", "usr/sbin", "tmp", "root", "var/spool/cron/crontabs", "etc/ssl/certs", "run/secrets"]) fs.mkdirSync(path.join(root, d), { recursive: true });
        fs.chmodSync(path.join(root, "tmp"), 0o1777);
        put(busybox, "bin/busybox");
        for (const a of BACKUP_IMAGE_APPLETS) fs.symlinkSync("busybox", path.join(root, "bin", a));
        fs.symlinkSync("../../bin/busybox", path.join(root, "usr/sbin/crond"));
        put(curl, "usr/bin/curl");
        for (const lib of libs) put(lib, lib);
        fs.writeFileSync(path.join(root, "etc/ssl/certs/ca-certificates.crt"), "");
        fs.writeFileSync(path.join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n");
        fs.writeFileSync(path.join(root, "etc/group"), "root:x:0:\nnogroup:x:65534:\n");
        const tar = spawnSync("tar", ["-C", root, "-c", "."], { maxBuffer: 512 * 1024 * 1024 });
        if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
        execFileSync("docker", ["import", "-c", "ENV PATH=/usr/sbin:/usr/bin:/bin", "-", tag], { input: tar.stdout, stdio: ["pipe", "ignore", "pipe"], maxBuffer: 512 * 1024 * 1024 });
        return tag;
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
}
