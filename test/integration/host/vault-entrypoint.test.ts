// The Vault entrypoint's retry-unseal loop, run for real: busybox sh and busybox wget (the tools of the Alpine
// based Vault image), starting the real server itself (`vault server`, here OpenBao's binary under the name
// `vault`, test/support/openbao.ts) over TLS with Raft storage, exactly as in production. Nothing is stood in:
// the test only plays the bootstrap (sys/init) and the operator (seal, restart, a wrong key).
import { expect } from "chai";
import { ChildProcess, spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Settings } from "../../../components/config";
import { certificateFiles } from "../../../components/naming";
import { vaultMembers } from "../../../components/vault/members";
import { VaultServerConfig, renderServerConfig, serverConfig } from "../../../components/vault/server-config";
import { BUSYBOX, busyboxPath } from "../../support/busybox-env";
import { ApiResponse, TestCa, makeCa, openbaoAvailable, vaultApi, vaultNameDir } from "../../support/openbao";
import { freePort } from "../../support/ports";

const SCRIPT = path.join(__dirname, "..", "..", "..", "components", "vault", "vault-entrypoint.sh");
const DOMAIN = "iklim.test";

interface Running {
    child: ChildProcess;
    output: () => string;
    exited: Promise<number | null>;
}

let current: Running | undefined;
async function waitFor(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (await predicate()) return;
        await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; the entrypoint's output:\n${current?.output().slice(-3000) ?? ""}`);
}

describe("vault entrypoint retry-unseal loop: real process, real server over TLS (OpenBao)", function () {
    this.timeout(120_000);
    let bb: string;
    let vaultBin: string;
    let dir: string;
    let ca: TestCa;
    let keyFile: string;
    let apiPort: number;
    let clusterPort: number;
    let running: Running | undefined;

    before(() => {
        expect(openbaoAvailable(), "bao is installed by tools/test-all.sh").to.equal(true);
        bb = busyboxPath();
        vaultBin = vaultNameDir();
    });
    after(() => {
        fs.rmSync(bb, { recursive: true, force: true });
        fs.rmSync(vaultBin, { recursive: true, force: true });
    });

    beforeEach(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "tvault-ep-"));
        keyFile = path.join(dir, "vault_unseal_key");
        ca = makeCa(path.join(dir, "ca"));
        // The node's ssl directory, as the cert-reloader/step 10 fill it: the wildcard pair under its published names.
        const { cert, key } = ca.issue("member", ["localhost", `vault.${DOMAIN}`, "127.0.0.1"]);
        const names = certificateFiles(DOMAIN);
        fs.mkdirSync(path.join(dir, "certs"));
        fs.copyFileSync(cert, path.join(dir, "certs", names.cert));
        fs.copyFileSync(key, path.join(dir, "certs", names.key));
        apiPort = await freePort();
        clusterPort = await freePort();
    });

    async function stop(r: Running | undefined): Promise<number | null | "timeout"> {
        if (!r) return null;
        if (r.child.exitCode === null) r.child.kill("SIGTERM");
        return Promise.race([r.exited, new Promise<"timeout">((res) => setTimeout(() => res("timeout"), 20_000))]);
    }

    afterEach(async () => {
        const code = await stop(running);
        running = undefined;
        expect(code, "the entrypoint stops on TERM (forwarded to the server)").to.not.equal("timeout");
        fs.rmSync(dir, { recursive: true, force: true });
    });

    /**
     * The member's server config: the program's own (serverConfig for a one-member stack), rendered by the
     * program's own renderer, with only what must differ outside the container moved to loopback ports and
     * temp dirs. Every key the program sets reaches the real server.
     */
    function memberConfig(members = 1): VaultServerConfig {
        const names = certificateFiles(DOMAIN);
        const cfg = { stackName: "tvault-ep", domain: DOMAIN, vault: {}, nodes: Array.from({ length: members }, (_, i) => ({ name: `node-${i + 1}`, labels: ["vault"] })) } as unknown as Settings;
        const all = vaultMembers(cfg);
        const conf = serverConfig(cfg, all[0], all);
        return {
            ...conf,
            api_addr: `https://127.0.0.1:${apiPort}`,
            cluster_addr: `https://127.0.0.1:${clusterPort}`,
            storage: {
                raft: {
                    ...conf.storage.raft,
                    path: path.join(dir, "data"),
                    ...(conf.storage.raft.retry_join ? { retry_join: conf.storage.raft.retry_join.map((j) => ({ ...j, leader_ca_cert_file: path.join(dir, "tls", names.cert) })) } : {}),
                },
            },
            listener: {
                tcp: {
                    ...conf.listener.tcp,
                    address: `127.0.0.1:${apiPort}`,
                    cluster_address: `127.0.0.1:${clusterPort}`,
                    tls_cert_file: path.join(dir, "tls", names.cert),
                    tls_key_file: path.join(dir, "tls", names.key),
                },
            },
        };
    }

    function start(extraEnv: Record<string, string> = {}): Running {
        let out = "";
        const child = spawn(BUSYBOX, ["sh", SCRIPT], {
            env: {
                // `vault` (OpenBao's binary) first, then busybox's applets and nothing else.
                PATH: `${vaultBin}:${bb}`,
                TMPDIR: dir,
                VAULT_LOCAL_ADDR: `https://127.0.0.1:${apiPort}`,
                VAULT_UNSEAL_KEY_FILE: keyFile,
                VAULT_CONFIG_DIR: path.join(dir, "config"),
                VAULT_CONFIG_JSON: renderServerConfig(memberConfig()),
                VAULT_DATA_DIR: path.join(dir, "data"),
                VAULT_CERTS_DIR: path.join(dir, "certs"),
                VAULT_TLS_DIR: path.join(dir, "tls"),
                UNSEAL_BACKOFF_START: "1",
                UNSEAL_BACKOFF_MAX: "2",
                UNSEAL_WATCH_INTERVAL: "1",
                HTTP_TIMEOUT: "5",
                // For the server only (Go's runtime setting, inherited by `vault server`): OpenBao 2.7.2 is built
                // with a Go that refuses a TLS 1.2 client sending no signature_algorithms, which is what Debian's
                // busybox-static wget (busybox's own TLS code) does; the Vault image's busybox wget hands TLS to
                // OpenSSL (ssl_client) instead. See docs/vault-openbao.md.
                GODEBUG: "tlssha1=1",
                ...extraEnv,
            },
            stdio: ["ignore", "pipe", "pipe"],
        });
        child.stdout!.on("data", (d) => (out += d));
        child.stderr!.on("data", (d) => (out += d));
        const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
        running = { child, output: () => out, exited };
        current = running;
        return running;
    }

    const api = (method: string, p: string, body?: unknown, token?: string): Promise<ApiResponse> =>
        vaultApi({ address: `https://127.0.0.1:${apiPort}`, caCert: ca.caCert }, method, p, body, token);
    const sealStatus = async () => (await api("GET", "/v1/sys/seal-status")).body as { initialized: boolean; sealed: boolean; progress: number };
    const unsealed = async () => {
        try {
            return (await sealStatus()).sealed === false;
        } catch {
            return false;
        }
    };
    const answering = async () => {
        try {
            await sealStatus();
            return true;
        } catch {
            return false;
        }
    };

    /** What the bootstrap does: sys/init with one share; the key then reaches the members as the Swarm secret. */
    async function initialise(): Promise<{ key: string; root: string }> {
        // sys/init sets up Raft and the keyring: over 10 s (the default request bound) on a loaded machine.
        const init = await vaultApi({ address: `https://127.0.0.1:${apiPort}`, caCert: ca.caCert }, "PUT", "/v1/sys/init", { secret_shares: 1, secret_threshold: 1 }, undefined, { timeoutMs: 60_000 });
        expect(init.status, init.text).to.equal(200);
        return { key: init.body.keys_base64[0], root: init.body.root_token };
    }

    function neverPrinted(r: Running, ...secrets: string[]) {
        for (const s of secrets) expect(r.output(), "the output never contains the key or token").to.not.include(s);
    }

    it("first boot: starts the server over TLS, waits for the key while uninitialised, then unseals with the key from the secret file (OpenBao)", async () => {
        const r = start();
        await waitFor("the server to answer over TLS", answering);
        await waitFor("the 'not initialised' and 'no unseal key' lines", () => r.output().includes("not initialised") && /no unseal key at/.test(r.output()));
        expect((await sealStatus()).initialized).to.equal(false);
        const { key, root } = await initialise();
        fs.writeFileSync(keyFile, `${key}\n`);
        await waitFor("the member to be unsealed", unsealed);
        await waitFor("the log line", () => r.output().includes("unsealed with the key"));
        // Active and serving: a KV write and read with the root token over the same TLS listener.
        await waitFor("sys/health 200 (active)", async () => (await api("GET", "/v1/sys/health")).status === 200);
        expect((await api("POST", "/v1/sys/mounts/kv", { type: "kv", options: { version: "1" } }, root)).status).to.equal(204);
        expect((await api("PUT", "/v1/kv/probe", { v: "1" }, root)).status).to.equal(204);
        const written = JSON.parse(fs.readFileSync(path.join(dir, "config", "vault.json"), "utf8")) as VaultServerConfig;
        expect(written, "the config file is the rendered JSON").to.deep.equal(memberConfig());
        expect(r.output(), "every key is one the server knows, except disable_mlock (docs/vault-openbao.md)").to.not.match(/unknown or unsupported field (?!disable_mlock)/);
        expect(fs.readdirSync(path.join(dir, "tls")).sort(), "the certificate pair copied for the server").to.deep.equal(Object.values(certificateFiles(DOMAIN)).sort());
        neverPrinted(r, key, root);
        const work = fs.readdirSync(dir).filter((f) => f.startsWith("vault-entrypoint."));
        expect(work.flatMap((d) => fs.readdirSync(path.join(dir, d))), "no request body (holding the key) is left behind").to.not.include("body");
    });

    it("reads a joining member's JSON config: its retry_join entries reach the server, which tries the peer (OpenBao)", async () => {
        const conf = memberConfig(2);
        expect(conf.storage.raft.retry_join!.map((j) => j.leader_api_addr), "the program's join to the other member").to.deep.equal(["https://vault-2:8200"]);
        const r = start({ VAULT_CONFIG_JSON: renderServerConfig(conf) });
        await waitFor("the server to answer", answering);
        await waitFor("the server to try joining vault-2", () => r.output().includes("attempting to join possible raft leader node: leader_addr=https://vault-2:8200"));
        expect((await sealStatus()).initialized).to.equal(false);
    });

    it("a restarted member comes back sealed and unseals itself with no operator, keeping its data (OpenBao)", async () => {
        start();
        await waitFor("the server to answer", answering);
        const { key, root } = await initialise();
        fs.writeFileSync(keyFile, key);
        await waitFor("the first unseal", unsealed);
        await waitFor("active", async () => (await api("GET", "/v1/sys/health")).status === 200);
        expect((await api("POST", "/v1/sys/mounts/kv", { type: "kv", options: { version: "1" } }, root)).status).to.equal(204);
        expect((await api("PUT", "/v1/kv/kept", { v: "across restarts" }, root)).status).to.equal(204);

        expect(await stop(running), "TERM stops the entrypoint and its server").to.not.equal("timeout");
        expect(await answering(), "the server is gone with its entrypoint").to.equal(false);
        const t0 = Date.now();
        const again = start();
        await waitFor("the restarted member to unseal itself", unsealed);
        const took = Date.now() - t0;
        await waitFor("active", async () => (await api("GET", "/v1/sys/health")).status === 200);
        const read = await api("GET", "/v1/kv/kept", undefined, root);
        expect(read.status, read.text).to.equal(200);
        expect(read.body.data.v).to.equal("across restarts");
        expect(again.output()).to.include("Vault is sealed").and.to.include("unsealed with the key");
        console.log(`      restart to unsealed: ${took} ms`);
    });

    it("logs a rejected (wrong) key and keeps retrying without crashing, and unseals once the key is right (OpenBao)", async () => {
        const r = start();
        await waitFor("the server to answer", answering);
        const { key } = await initialise();
        const wrong = crypto.randomBytes(32).toString("base64");
        fs.writeFileSync(keyFile, wrong);
        await waitFor("two rejected unseal attempts", () => (r.output().match(/unseal rejected/g) ?? []).length >= 2);
        expect((await sealStatus()).sealed).to.equal(true);
        expect(r.child.exitCode).to.equal(null);
        fs.writeFileSync(keyFile, key);
        await waitFor("the member to be unsealed", unsealed);
        neverPrinted(r, key, wrong);
    });

    it("does not send a key file that holds something other than a key (OpenBao)", async () => {
        const r = start();
        await waitFor("the server to answer", answering);
        await initialise();
        fs.writeFileSync(keyFile, "not a key; rm -rf /\n");
        await waitFor("the refusal line twice", () => (r.output().match(/does not hold a base64 or hex key/g) ?? []).length >= 2);
        const s = await sealStatus();
        expect(s.sealed).to.equal(true);
        expect(s.progress, "no unseal attempt reached the server").to.equal(0);
        expect(r.output()).to.not.match(/unseal rejected/);
    });

    it("watches once unsealed: an operator's seal is undone by the loop (OpenBao)", async () => {
        const r = start();
        await waitFor("the server to answer", answering);
        const { key, root } = await initialise();
        fs.writeFileSync(keyFile, key);
        await waitFor("unsealed", unsealed);
        await waitFor("active", async () => (await api("GET", "/v1/sys/health")).status === 200);
        const unsealsBefore = (r.output().match(/unsealed with the key/g) ?? []).length;
        const seal = await api("PUT", "/v1/sys/seal", undefined, root);
        expect(seal.status, seal.text).to.equal(204);
        await waitFor("the loop to unseal it again", async () => (r.output().match(/unsealed with the key/g) ?? []).length > unsealsBefore && (await unsealed()));
    });

    it("exits with the server's status when the server dies, so Swarm restarts the task (OpenBao)", async () => {
        const r = start();
        await waitFor("the server to answer", answering);
        const pid = Number(/started the server \(pid (\d+)\)/.exec(r.output())?.[1]);
        expect(pid).to.be.greaterThan(0);
        // The entrypoint's background job execs `vault server`, so that pid is the server itself.
        expect(fs.readlinkSync(`/proc/${pid}/exe`)).to.match(/bao$/);
        process.kill(pid, "SIGKILL");
        const code = await Promise.race([r.exited, new Promise((res) => setTimeout(() => res("timeout"), 15_000))]);
        expect(code).to.equal(137);
        expect(r.output()).to.include("server exited with status 137");
        running = undefined;
    });

    it("exits when the server cannot start (a config it rejects), instead of looping forever (OpenBao)", async () => {
        const r = start({ VAULT_CONFIG_JSON: '{"storage": {"raft": {"path": 1, "bogus": {' });
        const code = await Promise.race([r.exited, new Promise((res) => setTimeout(() => res("timeout"), 20_000))]);
        expect(code).to.not.equal("timeout");
        expect(code).to.not.equal(0);
        expect(r.output()).to.match(/server exited with status [1-9]/);
        running = undefined;
    });
});
