// cert-distributor's restarts, for real: the script runs under /bin/sh with real openssl, the Vault members are
// real `openssl s_server` processes on loopback serving TLS from their node's ssl dir, and the docker CLI is a
// fake (test/support/fake-docker.sh) that restarts a member the way `docker service update --force` does and
// logs when each member was restarted and when it was unsealed again. Two nodes share one StorageBox dir.
import { expect } from "chai";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { composedScript } from "../../../components/certs";
import { certificateFiles } from "../../../components/naming";
import { FAKE_DOCKER } from "../../support/init-jobs";
import { TestCert, makeCert } from "../../support/certs";
import { runProcess, sleep } from "../../support/process";
import { freePort } from "../../support/ports";

const DOMAIN = "iklim.test";
const { cert: CERT, key: KEY } = certificateFiles(DOMAIN);


async function runAsync(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ status: number | null; out: string }> {
    const r = await runProcess(cmd, args, { env, timeoutMs });
    return { status: r.code, out: r.out };
}

describe("cert-distributor restarts (real sh, openssl s_server members; a fake docker CLI, because two nodes' distributors taking turns need two swarm nodes and this machine has one: the real restart is in vault-openbao-swarm)", function () {
    this.timeout(120_000);
    let tmp: string;
    let state: string;
    let box: string;
    let bin: string;
    let oldCert: TestCert;
    let newCert: TestCert;
    const members: { node: string; svc: string; port: number; dir: string; www: string }[] = [];
    const initial: ChildProcess[] = [];

    async function startMember(node: string, svc: string, cert: TestCert, health: "200 OK" | "429 Too Many Requests" | "503 Service Unavailable") {
        const dir = path.join(tmp, node, "ssl");
        const www = path.join(tmp, node, "www");
        fs.mkdirSync(dir, { recursive: true });
        fs.mkdirSync(path.join(www, "v1", "sys"), { recursive: true });
        fs.copyFileSync(cert.cert, path.join(dir, CERT));
        fs.copyFileSync(cert.key, path.join(dir, KEY));
        fs.writeFileSync(path.join(www, "v1", "sys", "health"), `HTTP/1.0 ${health}\r\n\r\n{}\n`);
        const port = await freePort();
        fs.writeFileSync(path.join(state, `${svc}.conf`), `PORT=${port}\nCERT='${path.join(dir, CERT)}'\nKEY='${path.join(dir, KEY)}'\nWWW='${www}'\n`);
        const p = spawn("openssl", ["s_server", "-quiet", "-accept", String(port), "-HTTP", "-cert", path.join(dir, CERT), "-key", path.join(dir, KEY)], { cwd: www, stdio: "ignore" });
        initial.push(p);
        fs.writeFileSync(path.join(state, `${svc}.pid`), String(p.pid));
        members.push({ node, svc, port, dir, www });
        for (let i = 0; i < 50; i++) {
            if (await new Promise<boolean>((r) => net.connect(port, "127.0.0.1").on("connect", function (this: net.Socket) { this.destroy(); r(true); }).on("error", () => r(false)))) return;
            await sleep(100);
        }
        throw new Error(`s_server for ${svc} did not listen on ${port}`);
    }

    const membersEnv = () => members.map((m) => `${m.node}=${m.svc}=127.0.0.1:${m.port}`).join(" ");
    const distribute = (node: string, extra: Record<string, string> = {}) =>
        runAsync("sh", ["-c", composedScript("distributor"), "cert-distributor"], {
            PATH: `${bin}:${process.env.PATH}`,
            FAKE_DOCKER_STATE: state,
            ONCE: "1",
            SOURCE_DIR: box,
            TARGET_DIR: members.find((m) => m.node === node)!.dir,
            CERT_FILE_NAME: CERT,
            KEY_FILE_NAME: KEY,
            NODE_NAME: node,
            VAULT_MEMBERS: membersEnv(),
            LOCK_DIR: path.join(box, ".distributor", "restart.lock"),
            REPORT_DIR: path.join(box, ".distributor", "nodes"),
            PROBE_TIMEOUT: "5",
            RESTART_TIMEOUT: "30",
            PEERS_TIMEOUT: "30",
            ...extra,
        }, 90_000);
    const calls = () => (fs.existsSync(path.join(state, "calls")) ? fs.readFileSync(path.join(state, "calls"), "utf8").trim().split("\n").filter(Boolean) : []);

    before(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tcerts-distributor-"));
        oldCert = makeCert(path.join(tmp, "made"), "old", DOMAIN, 10);
        newCert = makeCert(path.join(tmp, "made"), "new", DOMAIN, 80);
        bin = path.join(tmp, "bin");
        fs.mkdirSync(bin);
        fs.copyFileSync(FAKE_DOCKER, path.join(bin, "docker"));
        fs.chmodSync(path.join(bin, "docker"), 0o755);
    });

    beforeEach(() => {
        state = fs.mkdtempSync(path.join(tmp, "state-"));
        box = path.join(state, "storagebox", "ssl");
        fs.mkdirSync(box, { recursive: true });
        fs.copyFileSync(newCert.cert, path.join(box, CERT));
        fs.copyFileSync(newCert.key, path.join(box, KEY));
        members.length = 0;
    });

    afterEach(() => {
        for (const p of initial.splice(0)) p.kill();
        // Members restarted by the fake docker: their pids are in the state dir.
        for (const f of fs.readdirSync(state).filter((x) => x.endsWith(".pid"))) {
            try {
                process.kill(Number(fs.readFileSync(path.join(state, f), "utf8")));
            } catch {
                /* already gone */
            }
        }
    });

    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("two nodes' distributors started at once restart their members one at a time, each after the other is unsealed", async () => {
        await startMember("node-a", "iklimco_vault-1", oldCert, "200 OK");
        await startMember("node-b", "iklimco_vault-2", oldCert, "200 OK");
        const [a, b] = await Promise.all([distribute("node-a"), distribute("node-b")]);
        expect(a.status, a.out).to.equal(0);
        expect(b.status, b.out).to.equal(0);
        const log = calls();
        expect(log.filter((l) => l.startsWith("unexpected"))).to.deep.equal([]);
        const events = log.map((l) => l.split(" ")).map(([what, svc, ms]) => ({ what, svc, ms: Number(ms) }));
        expect(events.map((e) => e.what)).to.deep.equal(["update", "unsealed", "update", "unsealed"]);
        const [u1, s1, u2, s2] = events;
        // Each node restarted only its own member, and the second restart began after the first was unsealed.
        expect(new Set([u1.svc, u2.svc])).to.deep.equal(new Set(["iklimco_vault-1", "iklimco_vault-2"]));
        expect(s1.svc).to.equal(u1.svc);
        expect(s2.svc).to.equal(u2.svc);
        expect(u2.ms).to.be.greaterThanOrEqual(s1.ms);
        for (const out of [a.out, b.out]) expect(out).to.match(/restarted iklimco_vault-\d: serves notAfter=.* and is unsealed \(health 200\)/);
        expect(fs.existsSync(path.join(box, ".distributor", "restart.lock"))).to.equal(false);
        // Both nodes report the new certificate for the verification.
        for (const n of ["node-a", "node-b"]) expect(fs.readFileSync(path.join(box, ".distributor", "nodes", n), "utf8")).to.include(newCert.fingerprint);
    });

    it("restarts nothing when the members already serve their node's file", async () => {
        await startMember("node-a", "iklimco_vault-1", newCert, "200 OK");
        await startMember("node-b", "iklimco_vault-2", newCert, "200 OK");
        const a = await distribute("node-a");
        expect(a.status, a.out).to.equal(0);
        expect(a.out).to.equal("");
        expect(calls()).to.deep.equal([]);
    });

    it("does not restart its member while another member is sealed, and says which", async () => {
        await startMember("node-a", "iklimco_vault-1", oldCert, "200 OK");
        await startMember("node-b", "iklimco_vault-2", newCert, "503 Service Unavailable");
        const a = await distribute("node-a", { PEERS_TIMEOUT: "2" });
        expect(a.status).to.equal(1);
        expect(a.out).to.match(/not restarting: Vault member iklimco_vault-2 \(127\.0\.0\.1:\d+\) on node-b is not unsealed \(health 503\) after 2s/);
        expect(calls()).to.deep.equal([]);
        expect(fs.existsSync(path.join(box, ".distributor", "restart.lock"))).to.equal(false);
        // The node's file was synced all the same; the restart happens on a later pass.
        expect(fs.readFileSync(path.join(members[0].dir, CERT), "utf8")).to.equal(fs.readFileSync(newCert.cert, "utf8"));
    });

    it("waits for the restart lock another node holds, and breaks it only when it is stale", async () => {
        await startMember("node-a", "iklimco_vault-1", oldCert, "200 OK");
        const lock = path.join(box, ".distributor", "restart.lock");
        fs.mkdirSync(lock, { recursive: true });
        fs.writeFileSync(path.join(lock, "owner"), `node=node-b\nsince=${Math.floor(Date.now() / 1000)}\n`);
        const held = await distribute("node-a", { LOCK_TIMEOUT: "3", LOCK_STALE: "600" });
        expect(held.status).to.equal(1);
        expect(held.out).to.include("timed out after 3s waiting for the restart lock").and.include("node=node-b");
        expect(calls()).to.deep.equal([]);
        fs.writeFileSync(path.join(lock, "owner"), `node=node-b\nsince=${Math.floor(Date.now() / 1000) - 700}\n`);
        const stale = await distribute("node-a", { LOCK_TIMEOUT: "10", LOCK_STALE: "600" });
        expect(stale.status, stale.out).to.equal(0);
        expect(stale.out).to.include("breaking a stale restart lock");
        expect(calls().map((l) => l.split(" ").slice(0, 2).join(" "))).to.deep.equal(["update iklimco_vault-1", "unsealed iklimco_vault-1"]);
    });

    it("verification (verify-probe.sh) names the node, what its member serves and what its ssl dir holds on a mismatch", async () => {
        await startMember("node-a", "iklimco_vault-1", oldCert, "200 OK");
        await startMember("node-b", "iklimco_vault-2", newCert, "429 Too Many Requests");
        // Both nodes sync and report, but restart nothing (no members given): node-a's member keeps the old one.
        for (const n of ["node-a", "node-b"]) expect((await distribute(n, { VAULT_MEMBERS: "" })).status).to.equal(0);
        const probe = (extra: Record<string, string> = {}) =>
            runAsync("sh", ["-c", composedScript("verify-probe"), "cert-verify"], {
                PATH: process.env.PATH,
                CERTS_DIR: box,
                CERT_FILE_NAME: CERT,
                VAULT_MEMBERS: membersEnv(),
                PROBE_TIMEOUT: "5",
                ...extra,
            }, 60_000);
        const bad = await probe();
        expect(bad.status).to.equal(1);
        expect(bad.out).to.include(
            `FAIL: node node-a: Vault member iklimco_vault-1 (127.0.0.1:${members[0].port}) serves notAfter=${oldCert.notAfter} fingerprint=${oldCert.fingerprint}, ` +
                `but the ssl dir on node-a holds notAfter=${newCert.notAfter} fingerprint=${newCert.fingerprint}`,
        );
        // node-b is an unsealed standby (429) serving its file: no complaint about it.
        expect(bad.out).to.not.match(/FAIL: node node-b/);
        // Once node-a's member is restarted onto its file, the same check passes.
        const a = await distribute("node-a");
        expect(a.status, a.out).to.equal(0);
        const good = await probe({ EXPECT_NOT_AFTER: newCert.notAfter });
        expect(good.status, good.out).to.equal(0);
        expect(good.out).to.include(`node node-a: iklimco_vault-1 (127.0.0.1:${members[0].port}) health=200 serves notAfter=${newCert.notAfter}`);
    });
});
