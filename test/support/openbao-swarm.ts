// A real Vault API on the test swarm: OpenBao (the `bao` static binary) in a Swarm service built from a
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

export const BAO = "/usr/local/bin/bao";

export interface TestPki {
    dir: string;
    caPem: string;
    certFile: string;
    keyFile: string;
}

/** A CA and a server certificate for `*.<domain>` (and nothing else), in `dir`. */
export function wildcardPki(dir: string, domain: string): TestPki {
    const ssl = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    ssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=iklimco test CA"]);
    ssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", `/CN=*.${domain}`]);
    fs.writeFileSync(path.join(dir, "san.ext"), `subjectAltName=DNS:*.${domain}\nextendedKeyUsage=serverAuth\n`);
    ssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "san.ext"]);
    fs.chmodSync(path.join(dir, "server.key"), 0o644);
    return { dir, caPem: fs.readFileSync(path.join(dir, "ca.crt"), "utf8"), certFile: path.join(dir, "server.crt"), keyFile: path.join(dir, "server.key") };
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
        fs.copyFileSync(fs.realpathSync(BAO), path.join(root, "bin", "bao"));
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
    const container = await taskContainer(opts.service);
    const bao = (args: string[], input?: string) =>
        docker(["exec", "-i", "-e", "BAO_ADDR=https://127.0.0.1:8200", "-e", "BAO_SKIP_VERIFY=true", ...(root ? ["-e", `BAO_TOKEN=${root}`] : []), container, "bao", ...args], input);
    let root = "";
    const deadline = Date.now() + 60_000;
    for (;;) {
        const st = spawnSync("docker", ["exec", "-e", "BAO_ADDR=https://127.0.0.1:8200", "-e", "BAO_SKIP_VERIFY=true", container, "bao", "status", "-format=json"], { encoding: "utf8" });
        if (st.stdout.includes('"initialized"')) break;
        if (Date.now() > deadline) throw new Error(`OpenBao did not answer: ${st.stderr}`);
        await sleep(500);
    }
    const init = JSON.parse(bao(["operator", "init", "-key-shares=1", "-key-threshold=1", "-format=json"]));
    bao(["operator", "unseal", init.unseal_keys_b64[0]]);
    root = init.root_token;
    return { service: opts.service, rootToken: root, bao };
}
