// The Vault entrypoint's retry-unseal loop, run for real as a process (busybox sh and busybox wget, as in the
// Vault image) against a contract fake of Vault's HTTP API on loopback. Only `vault server` is replaced, by a
// stand-in process (VAULT_SERVER_CMD), since no Vault binary exists here.
import { expect } from "chai";
import { ChildProcess, spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BUSYBOX, busyboxPath } from "../support/busybox-env";
import { FakeVault, freePort } from "../support/fake-vault";
import { waitFor } from "../support/process";

const SCRIPT = path.join(__dirname, "..", "..", "components", "vault", "vault-entrypoint.sh");

interface Running {
    child: ChildProcess;
    output: () => string;
    exited: Promise<number | null>;
}

/** Waits (at most 20 s) until the predicate holds. */
const waitUntil = (what: string, predicate: () => boolean) => waitFor(what, 20_000, predicate, { pollMs: 100 });

describe("vault entrypoint retry-unseal loop (real process, contract fake of Vault's HTTP API)", function () {
    this.timeout(60_000);
    let bin: string;
    let dir: string;
    let keyFile: string;
    let fake: FakeVault;
    let running: Running | undefined;
    const key = crypto.randomBytes(32).toString("base64");

    before(() => {
        bin = busyboxPath();
    });
    after(() => fs.rmSync(bin, { recursive: true, force: true }));

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "tvault-ep-"));
        keyFile = path.join(dir, "vault_unseal_key");
    });

    afterEach(async () => {
        if (running) {
            running.child.kill("SIGTERM");
            const code = await Promise.race([running.exited, new Promise((r) => setTimeout(() => r("timeout"), 10_000))]);
            expect(code, "the entrypoint stops on TERM (forwarded to the server)").to.not.equal("timeout");
            running = undefined;
        }
        await fake?.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    function start(port: number, extraEnv: Record<string, string> = {}): Running {
        let out = "";
        const child = spawn(BUSYBOX, ["sh", SCRIPT], {
            env: {
                PATH: bin,
                TMPDIR: dir,
                VAULT_LOCAL_ADDR: `http://127.0.0.1:${port}`,
                VAULT_UNSEAL_KEY_FILE: keyFile,
                VAULT_SERVER_CMD: "exec sleep 300",
                VAULT_CONFIG_DIR: path.join(dir, "config"),
                VAULT_CONFIG_HCL: 'ui = true\nstorage "raft" {\n  path = "/vault/data"\n}',
                UNSEAL_BACKOFF_START: "1",
                UNSEAL_BACKOFF_MAX: "2",
                UNSEAL_WATCH_INTERVAL: "1",
                HTTP_TIMEOUT: "3",
                ...extraEnv,
            },
            stdio: ["ignore", "pipe", "pipe"],
        });
        child.stdout!.on("data", (d) => (out += d));
        child.stderr!.on("data", (d) => (out += d));
        const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
        running = { child, output: () => out, exited };
        return running;
    }

    function neverPrinted(r: Running, ...secrets: string[]) {
        for (const s of secrets) expect(r.output(), "the output never contains the key").to.not.include(s);
    }

    it("unseals a sealed Vault with the key from the secret file, and writes the server config", async () => {
        fake = new FakeVault({ initialized: true, sealed: true, unsealKey: key });
        const port = await fake.listen();
        fs.writeFileSync(keyFile, `${key}\n`);
        const r = start(port);
        await waitUntil("the fake to be unsealed", () => !fake.state.sealed);
        expect(fake.count("*", "/v1/sys/unseal")).to.equal(1);
        expect(JSON.parse(fake.requests.find((q) => q.path === "/v1/sys/unseal")!.body)).to.deep.equal({ key });
        await waitUntil("the log line", () => r.output().includes("unsealed with the key"));
        expect(fs.readFileSync(path.join(dir, "config", "vault.hcl"), "utf8")).to.include('storage "raft"');
        neverPrinted(r, key);
        expect(fs.readdirSync(dir).filter((f) => f.startsWith("vault-entrypoint.")).flatMap((d) => fs.readdirSync(path.join(dir, d)))).to.not.include("body");
    });

    it("keeps retrying while the API is not up yet, then unseals", async () => {
        const port = await freePort();
        fs.writeFileSync(keyFile, key);
        const r = start(port);
        await waitUntil("two 'not answering' lines", () => (r.output().match(/not answering yet/g) ?? []).length >= 2);
        expect(r.child.exitCode, "still running while the API is down").to.equal(null);
        fake = new FakeVault({ initialized: true, sealed: true, unsealKey: key });
        await fake.listen(port);
        await waitUntil("the fake to be unsealed", () => !fake.state.sealed);
        neverPrinted(r, key);
    });

    it("logs a rejected (wrong) key and keeps retrying without crashing, and unseals once the key is right", async () => {
        fake = new FakeVault({ initialized: true, sealed: true, unsealKey: key });
        const port = await fake.listen();
        const wrong = crypto.randomBytes(32).toString("base64");
        fs.writeFileSync(keyFile, wrong);
        const r = start(port);
        await waitUntil("two rejected unseal attempts", () => fake.count("*", "/v1/sys/unseal") >= 2 && /unseal rejected \(.*400/.test(r.output()));
        expect(fake.state.sealed).to.equal(true);
        expect(r.child.exitCode).to.equal(null);
        fs.writeFileSync(keyFile, key);
        await waitUntil("the fake to be unsealed", () => !fake.state.sealed);
        neverPrinted(r, key, wrong);
    });

    it("keeps running when the key is not there yet (first boot before bootstrap), and uses it once it appears", async () => {
        fake = new FakeVault({ initialized: true, sealed: true, unsealKey: key });
        const port = await fake.listen();
        const r = start(port);
        await waitUntil("the 'no unseal key' line twice", () => (r.output().match(/no unseal key at/g) ?? []).length >= 2);
        expect(fake.count("*", "/v1/sys/unseal"), "nothing is submitted without a key").to.equal(0);
        fs.writeFileSync(keyFile, key);
        await waitUntil("the fake to be unsealed", () => !fake.state.sealed);
        neverPrinted(r, key);
    });

    it("does not send a key file that holds something other than a key", async () => {
        fake = new FakeVault({ initialized: true, sealed: true, unsealKey: key });
        const port = await fake.listen();
        fs.writeFileSync(keyFile, "not a key; rm -rf /\n");
        const r = start(port);
        await waitUntil("the refusal line", () => r.output().includes("does not hold a base64 or hex key"));
        expect(fake.count("*", "/v1/sys/unseal")).to.equal(0);
    });

    it("does nothing but watch when Vault is already unsealed", async () => {
        fake = new FakeVault({ initialized: true, sealed: false, unsealKey: key });
        const port = await fake.listen();
        fs.writeFileSync(keyFile, key);
        const r = start(port);
        await waitUntil("three seal-status reads", () => fake.count("GET", "/v1/sys/seal-status") >= 3);
        expect(fake.count("*", "/v1/sys/unseal")).to.equal(0);
        expect(r.output()).to.include("Vault is unsealed");
        neverPrinted(r, key);
    });

    it("exits with the server's status when the server dies (Swarm then restarts the task)", async () => {
        fake = new FakeVault({ initialized: true, sealed: false });
        const port = await fake.listen();
        const r = start(port, { VAULT_SERVER_CMD: "sleep 1; exit 3" });
        const code = await Promise.race([r.exited, new Promise((res) => setTimeout(() => res("timeout"), 15_000))]);
        expect(code).to.equal(3);
        running = undefined;
    });
});
