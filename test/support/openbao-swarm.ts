// A real Vault API on the test swarm (./openbao.ts runs OpenBao on loopback; this runs it on an overlay, where
// a microservice reaches it by name): OpenBao (the `bao` static binary) in a Swarm service built from a
// busybox-based stand-in image, serving TLS with a certificate from openssl whose SANs are what the
// program's certificate covers (`*.<domain>`, as wait-cert.sh requires of the real one), signed by a test CA
// that the image trusts (/etc/ssl/certs/ca-certificates.crt, where a real image keeps the public roots that
// trust the real certificate). Initialised with one key share, unsealed, root token for the test's setup.
import { execFileSync, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { docker, dockerOk, sleep } from "./docker";
import { makeCa, openbaoBinary } from "./openbao";

export interface TestPki {
    /** Holds server.crt and server.key (bind-mounted into the server at /bao/tls). */
    dir: string;
    caPem: string;
}

/**
 * A CA and a server certificate for `*.<domain>` and nothing else (openssl, through ./openbao.ts's makeCa).
 * Kept per machine and domain (renewed when it expires within the hour), so the image that trusts the CA is
 * built once, like the other stand-in images.
 */
export function wildcardPki(domain: string): TestPki {
    const base = path.join(os.tmpdir(), `iklimco-test-wildcard-${domain}`);
    const tls = path.join(base, "tls");
    const cert = path.join(tls, "server.crt");
    const fresh = fs.existsSync(cert) && spawnSync("openssl", ["x509", "-in", cert, "-noout", "-checkend", "3600"], { stdio: "ignore" }).status === 0;
    if (!fresh) {
        fs.rmSync(base, { recursive: true, force: true });
        const ca = makeCa(path.join(base, "ca"));
        const issued = ca.issue("server", [`*.${domain}`]);
        fs.mkdirSync(tls, { recursive: true });
        fs.copyFileSync(issued.cert, cert);
        fs.copyFileSync(issued.key, path.join(tls, "server.key"));
        fs.copyFileSync(ca.caCert, path.join(tls, "ca.crt"));
    }
    return { dir: tls, caPem: fs.readFileSync(path.join(tls, "ca.crt"), "utf8") };
}

/** The `bao` ELF binary itself (PATH may hold a wrapper script first, e.g. a pyenv shim): the image needs the binary. */
function baoExecutable(): string {
    const name = openbaoBinary();
    const candidates = path.isAbsolute(name) ? [name] : (process.env.PATH ?? "").split(":").filter(Boolean).map((d) => path.join(d, name));
    for (const c of candidates) {
        if (!fs.existsSync(c)) continue;
        const real = fs.realpathSync(c);
        const head = Buffer.alloc(4);
        const fd = fs.openSync(real, "r");
        try {
            fs.readSync(fd, head, 0, 4, 0);
        } finally {
            fs.closeSync(fd);
        }
        if (head.toString("latin1") === "\x7fELF") return real;
    }
    throw new Error(`no ${name} executable (ELF) on PATH: install OpenBao (tools/test-all.sh)`);
}

/**
 * busybox + bao + the CA bundle, CMD `/bin/sh /app/run.sh` when `appScript` is given. Tagged by content, built
 * once per CA and script.
 */
export function ensureBaoImage(caPem: string, appScript = ""): string {
    const tag = `iklimco-test/bao-busybox:${crypto.createHash("sha256").update(caPem).update(appScript).digest("hex").slice(0, 12)}`;
    if (dockerOk(["image", "inspect", tag])) return tag;
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "iklimco-bao-"));
    try {
        for (const d of ["bin", "tmp", "etc/ssl/certs", "run", "app", "bao"]) fs.mkdirSync(path.join(root, d), { recursive: true });
        fs.chmodSync(path.join(root, "tmp"), 0o1777);
        fs.copyFileSync("/bin/busybox", path.join(root, "bin", "busybox"));
        fs.chmodSync(path.join(root, "bin", "busybox"), 0o755);
        for (const a of execFileSync("/bin/busybox", ["--list"], { encoding: "utf8" }).split("\n").filter(Boolean)) if (a !== "busybox") fs.symlinkSync("busybox", path.join(root, "bin", a));
        fs.copyFileSync(baoExecutable(), path.join(root, "bin", "bao"));
        fs.chmodSync(path.join(root, "bin", "bao"), 0o755);
        fs.writeFileSync(path.join(root, "etc", "ssl", "certs", "ca-certificates.crt"), caPem);
        fs.writeFileSync(path.join(root, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n");
        fs.writeFileSync(path.join(root, "etc", "group"), "root:x:0:\nnogroup:x:65534:\n");
        if (appScript) fs.writeFileSync(path.join(root, "app", "run.sh"), appScript, { mode: 0o755 });
        const tar = spawnSync("tar", ["-C", root, "-c", "."], { maxBuffer: 512 * 1024 * 1024 });
        if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
        const changes = ["-c", "ENV PATH=/bin", ...(appScript ? ["-c", 'CMD ["/bin/sh", "/app/run.sh"]'] : [])];
        execFileSync("docker", ["import", ...changes, "-", tag], { input: tar.stdout, stdio: ["pipe", "ignore", "pipe"], maxBuffer: 16 * 1024 * 1024 });
        return tag;
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
}

export interface OpenBaoService {
    service: string;
    rootToken: string;
    /** Runs `bao <args>` inside the server's container, as root, against its own listener. */
    bao(args: string[], input?: string): string;
}

/** The container of a service's running task on this node. */
async function taskContainer(service: string, timeoutMs = 90_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        const id = docker(["ps", "-q", "--filter", `label=com.docker.swarm.service.name=${service}`]).split("\n")[0];
        if (id) return id;
        await sleep(1000);
    }
    throw new Error(`no running container of ${service} within ${timeoutMs / 1000} s:\n${spawnSync("docker", ["service", "ps", "--no-trunc", service], { encoding: "utf8" }).stdout}`);
}

/**
 * An OpenBao server as a Swarm service on `network` with the given aliases, TLS on 8200 with `pki`, in-memory
 * storage; initialised (1 share) and unsealed.
 */
export async function startOpenBao(opts: { service: string; network: string; aliases: string[]; image: string; pki: TestPki }): Promise<OpenBaoService> {
    const hcl = [
        'storage "inmem" {}',
        "disable_mlock = true",
        'listener "tcp" {',
        '  address = "0.0.0.0:8200"',
        '  tls_cert_file = "/bao/tls/server.crt"',
        '  tls_key_file = "/bao/tls/server.key"',
        "}",
        'api_addr = "https://127.0.0.1:8200"',
    ].join("\n");
    docker([
        "service", "create", "--detach", "--quiet", "--name", opts.service,
        // DNS round-robin: the name resolves straight to the task. This machine's engine has no working VIP
        // load balancer (IPVS); on the real swarm the members' VIP or dnsrr both serve the alias.
        "--endpoint-mode", "dnsrr",
        "--network", [`name=${opts.network}`, ...opts.aliases.map((a) => `alias=${a}`)].join(","),
        "--mount", `type=bind,source=${opts.pki.dir},target=/bao/tls,readonly`,
        "--env", `BAO_LOCAL_CONFIG=${hcl}`,
        opts.image, "/bin/sh", "-c", 'printf "%s" "$BAO_LOCAL_CONFIG" > /tmp/bao.hcl && exec bao server -config=/tmp/bao.hcl',
    ]);
    // The container of the running task, looked up again if the task restarted meanwhile.
    let container = await taskContainer(opts.service);
    let root = "";
    const bao = (args: string[], input?: string) =>
        docker(["exec", "-i", "-e", "BAO_ADDR=https://127.0.0.1:8200", "-e", "BAO_SKIP_VERIFY=true", ...(root ? ["-e", `BAO_TOKEN=${root}`] : []), container, "bao", ...args], input);
    const deadline = Date.now() + 90_000;
    for (;;) {
        const st = spawnSync("docker", ["exec", "-e", "BAO_ADDR=https://127.0.0.1:8200", "-e", "BAO_SKIP_VERIFY=true", container, "bao", "status", "-format=json"], { encoding: "utf8" });
        if (st.stdout.includes('"initialized"')) break;
        if (Date.now() > deadline) {
            const ps = spawnSync("docker", ["service", "ps", "--no-trunc", opts.service], { encoding: "utf8" }).stdout;
            const logs = spawnSync("docker", ["service", "logs", "--raw", opts.service], { encoding: "utf8" });
            throw new Error(`OpenBao did not answer: ${st.stderr}\n${ps}\n${(logs.stdout + logs.stderr).slice(-2000)}`);
        }
        await sleep(500);
        if (/No such container|is not running/.test(st.stderr)) container = await taskContainer(opts.service);
    }
    const init = JSON.parse(bao(["operator", "init", "-key-shares=1", "-key-threshold=1", "-format=json"]));
    bao(["operator", "unseal", init.unseal_keys_b64[0]]);
    root = init.root_token;
    return { service: opts.service, rootToken: root, bao };
}
