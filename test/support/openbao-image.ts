// A stand-in for `images.vault` (hashicorp/vault, Alpine based) on the real swarm: OpenBao's static binary as
// /bin/vault (the name the program's scripts call) and busybox applets for the tools the program runs in that
// image (its entrypoint, health check and bootstrap jobs). What it holds, and nothing else:
//   /bin/vault (OpenBao's `bao`), /bin/busybox, and the applets
//   sh chmod chown cp date grep head id mkdir mktemp rm sed sleep timeout tr wget
// The Vault image also has su-exec and a `vault` user; the stand-in has neither, so the entrypoint's
// privilege drop is skipped (it checks for both) and the server runs as root here.
// ENV GODEBUG=tlssha1=1: OpenBao 2.7.2's Go refuses a TLS 1.2 client that sends no signature_algorithms, which
// is what busybox-static's own TLS code does; HashiCorp's Vault 1.18 (Go 1.23) accepts it, and the real image's
// busybox wget uses OpenSSL anyway. The setting gives the stand-in the real image's behaviour towards wget.
import { execFileSync, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { dockerOk } from "./docker";
import { openbaoExecutable } from "./openbao";

export const VAULT_IMAGE_APPLETS = ["sh", "chmod", "chown", "cp", "date", "grep", "head", "id", "mkdir", "mktemp", "rm", "sed", "sleep", "timeout", "tr", "wget"];

/** Builds (once per machine and change) and returns the tag of the stand-in Vault image. */
export function ensureOpenBaoVaultImage(prefix: string): string {
    const bao = openbaoExecutable();
    const busybox = fs.realpathSync("/bin/busybox");
    const key = crypto.createHash("sha256");
    key.update(fs.readFileSync(__filename));
    for (const f of [bao, busybox]) {
        const st = fs.statSync(f);
        key.update(`${f}:${st.size}:${st.mtimeMs}\n`);
    }
    const tag = `${prefix}/vault:${key.digest("hex").slice(0, 12)}`;
    if (dockerOk(["image", "inspect", tag])) return tag;
    const root = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-vault-image-`));
    try {
        for (const d of ["bin", "tmp", "etc", "run/secrets", "vault/config", "vault/data"]) fs.mkdirSync(path.join(root, d), { recursive: true });
        fs.chmodSync(path.join(root, "tmp"), 0o1777);
        fs.copyFileSync(busybox, path.join(root, "bin", "busybox"));
        fs.chmodSync(path.join(root, "bin", "busybox"), 0o755);
        for (const a of VAULT_IMAGE_APPLETS) fs.symlinkSync("busybox", path.join(root, "bin", a));
        fs.copyFileSync(bao, path.join(root, "bin", "vault"));
        fs.chmodSync(path.join(root, "bin", "vault"), 0o755);
        fs.writeFileSync(path.join(root, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n");
        fs.writeFileSync(path.join(root, "etc", "group"), "root:x:0:\nnogroup:x:65534:\n");
        const tar = spawnSync("tar", ["-C", root, "-c", "."], { maxBuffer: 512 * 1024 * 1024 });
        if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
        execFileSync("docker", ["import", "-c", "ENV PATH=/bin", "-c", "ENV GODEBUG=tlssha1=1", "-", tag], { input: tar.stdout, stdio: ["pipe", "ignore", "pipe"], maxBuffer: 512 * 1024 * 1024 });
        return tag;
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
}
