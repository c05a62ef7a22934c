// The backup and restore scripts run for real (sh + curl) against a real Vault-API server (OpenBao over TLS with
// Raft storage, test/support/openbao.ts): the backup logs in with an AppRole holding exactly the program's backup
// policy, the snapshots are real Raft snapshots, and the restore drill puts one into a FRESH cluster, which then
// holds the data and opens with the old cluster's unseal key. Two failure cases keep a contract fake of the
// snapshot API (test/support/fake-vault-snapshots.ts), because a real server cannot be made to send a non-gzip
// or a truncated snapshot. The retention and health-check logic runs for real on files.
// The scheduler (crond on the schedule) runs in the backup service on the real swarm: vault-backup-swarm.test.ts.
import { expect } from "chai";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BACKUP_POLICY, BACKUP_POLICY_HCL } from "../../../components/backup";
import { startFakeVault } from "../../support/fake-vault-snapshots";
import { OpenBaoServer, openbaoAvailable } from "../../support/openbao";

const DIR = path.join(__dirname, "..", "..", "..", "components", "backup");

function runScript(script: string, args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
    return new Promise((resolve) => {
        const child = spawn("sh", [path.join(DIR, script), ...args], { env: { PATH: process.env.PATH!, ...env } });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (out += d));
        child.on("close", (code) => resolve({ code: code ?? -1, out }));
    });
}

const snapshots = (dir: string) => fs.readdirSync(dir).filter((f) => /^vault-raft-\d{8}T\d{6}Z\.snap$/.test(f)).sort();

/** A running, initialised server with the backup AppRole as the program declares it (policy text and mount path). */
async function serverWithBackupRole(): Promise<{ s: OpenBaoServer; root: string; unsealKey: string; roleId: string; secretId: string }> {
    const s = new OpenBaoServer();
    await s.start();
    const { rootToken: root, unsealKey } = await s.initAndUnseal();
    const ok = async (what: string, p: Promise<{ status: number; text: string }>) => {
        const r = await p;
        expect(r.status, `${what}: ${r.text}`).to.be.lessThan(300);
        return r;
    };
    await ok("approle mount", s.api("POST", "/v1/sys/auth/approle", { type: "approle" }, root));
    await ok("backup policy", s.api("PUT", `/v1/sys/policies/acl/${BACKUP_POLICY}`, { policy: BACKUP_POLICY_HCL }, root));
    await ok("backup role", s.retry(() => s.api("POST", "/v1/auth/approle/role/vault-backup", { token_policies: [BACKUP_POLICY], token_ttl: "15m" }, root)));
    const roleId = (await ok("role id", s.api("GET", "/v1/auth/approle/role/vault-backup/role-id", undefined, root))) as unknown as { body: { data: { role_id: string } } };
    const secretId = (await ok("secret id", s.api("POST", "/v1/auth/approle/role/vault-backup/secret-id", {}, root))) as unknown as { body: { data: { secret_id: string } } };
    await ok("kv mount", s.api("POST", "/v1/sys/mounts/secret", { type: "kv", options: { version: "1" } }, root));
    return { s, root, unsealKey, roleId: roleId.body.data.role_id, secretId: secretId.body.data.secret_id };
}

describe("Vault backups against a real server (OpenBao)", function () {
    this.timeout(180_000);
    type Server = Awaited<ReturnType<typeof serverWithBackupRole>>;
    /** One server for the tests that leave it as they found it (each in a directory of its own); the restore
     *  tests, which change its data or stop it, each start their own. */
    let shared: Server | undefined;
    let server: Server;
    let dir: string;
    let env: Record<string, string>;
    const extra: OpenBaoServer[] = [];

    /** The scripts' environment for `s`, with its credentials in files of this test's directory. */
    function use(s: Server): void {
        server = s;
        fs.writeFileSync(path.join(dir, "role_id"), s.roleId);
        fs.writeFileSync(path.join(dir, "secret_id"), s.secretId);
        env = {
            VAULT_ADDR: s.s.address,
            CURL_OPTS: `--cacert ${s.s.ca.caCert}`,
            ROLE_ID_FILE: path.join(dir, "role_id"),
            SECRET_ID_FILE: path.join(dir, "secret_id"),
            SNAPSHOT_DIR: path.join(dir, "snapshots"),
            KEEP: "3",
        };
    }

    before(() => expect(openbaoAvailable(), "bao is installed by tools/test-all.sh").to.equal(true));
    beforeEach(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "tbackup-"));
        use((shared ??= await serverWithBackupRole()));
    });
    afterEach(async () => {
        while (extra.length) await extra.pop()!.destroy();
        fs.rmSync(dir, { recursive: true, force: true });
    });
    after(async () => {
        await shared?.s.destroy();
    });

    it("logs in with the backup AppRole (the program's policy), writes a real Raft snapshot atomically and marks success, printing no credential (OpenBao)", async () => {
        const r = await runScript("vault-snapshot.sh", [], env);
        expect(r.code, r.out).to.equal(0);
        const files = snapshots(env.SNAPSHOT_DIR);
        expect(files).to.have.length(1);
        const snap = fs.readFileSync(path.join(env.SNAPSHOT_DIR, files[0]));
        expect(snap.subarray(0, 2).toString("hex"), "a gzip stream").to.equal("1f8b");
        expect(fs.existsSync(path.join(env.SNAPSHOT_DIR, ".last-success"))).to.equal(true);
        expect(fs.readdirSync(env.SNAPSHOT_DIR).filter((f) => f.endsWith(".partial"))).to.deep.equal([]);
        for (const s of [server.secretId, server.roleId]) expect(r.out).to.not.include(s);
        expect(r.out).to.match(/vault-backup: wrote vault-raft-\d{8}T\d{6}Z\.snap \(\d+ bytes\)/);
    });

    it("keeps the newest KEEP snapshots and never touches other files (retention on real files)", async () => {
        fs.mkdirSync(env.SNAPSHOT_DIR);
        const names = Array.from({ length: 7 }, (_, i) => `vault-raft-2026110${i + 1}T120000Z.snap`);
        for (const n of names) fs.writeFileSync(path.join(env.SNAPSHOT_DIR, n), "x");
        for (const other of ["notes.txt", "vault-raft-manual.snap", ".last-success"]) fs.writeFileSync(path.join(env.SNAPSHOT_DIR, other), "keep me");
        const r = await runScript("vault-snapshot.sh", ["--prune-only"], env);
        expect(r.code, r.out).to.equal(0);
        expect(snapshots(env.SNAPSHOT_DIR)).to.deep.equal(names.slice(-3));
        for (const other of ["notes.txt", "vault-raft-manual.snap", ".last-success"]) expect(fs.existsSync(path.join(env.SNAPSHOT_DIR, other))).to.equal(true);
        const again = await runScript("vault-snapshot.sh", ["--prune-only"], env);
        expect(again.out).to.equal("");
        expect(snapshots(env.SNAPSHOT_DIR)).to.deep.equal(names.slice(-3));
        const bad = await runScript("vault-snapshot.sh", ["--prune-only"], { ...env, KEEP: "0" });
        expect(bad.code).to.equal(1);
        expect(bad.out).to.match(/KEEP must be at least 1/);
    });

    it("a real snapshot run prunes to KEEP as well (OpenBao)", async () => {
        fs.mkdirSync(env.SNAPSHOT_DIR);
        for (let i = 1; i <= 4; i++) fs.writeFileSync(path.join(env.SNAPSHOT_DIR, `vault-raft-2020010${i}T000000Z.snap`), "old");
        const r = await runScript("vault-snapshot.sh", [], env);
        expect(r.code, r.out).to.equal(0);
        const files = snapshots(env.SNAPSHOT_DIR);
        expect(files).to.have.length(3);
        expect(files[0]).to.equal("vault-raft-20200103T000000Z.snap");
        expect(files[2]).to.not.match(/^vault-raft-2020/);
    });

    const failures: { what: string; breakIt: (e: Record<string, string>) => Promise<void> | void; message: RegExp; repair?: () => Promise<void> }[] = [
        {
            what: "Vault is sealed",
            breakIt: async () => {
                const r = await server.s.api("PUT", "/v1/sys/seal", undefined, server.root);
                expect(r.status, r.text).to.equal(204);
            },
            message: /FAILED: Vault at https:\/\/127.0.0.1:\d+ is sealed or has no leader \(HTTP 503\)/,
            // The next tests use the same server.
            repair: async () => {
                await server.s.unseal(server.unsealKey);
                await server.s.waitHealthy(30_000, true);
            },
        },
        { what: "the secret id is wrong", breakIt: (e) => fs.writeFileSync(e.SECRET_ID_FILE, "00000000-0000-0000-0000-000000000000"), message: /FAILED: AppRole login refused by .* with HTTP 400/ },
        { what: "Vault is unreachable", breakIt: (e) => void (e.VAULT_ADDR = "https://127.0.0.1:9"), message: /FAILED: cannot reach Vault/ },
        { what: "the certificate is not trusted", breakIt: (e) => void (e.CURL_OPTS = ""), message: /FAILED: cannot reach Vault/ },
    ];
    for (const f of failures) {
        it(`fails visibly when ${f.what}: non-zero exit, a FAILED line, no snapshot, success marker untouched (OpenBao)`, async () => {
            fs.mkdirSync(env.SNAPSHOT_DIR);
            fs.writeFileSync(path.join(env.SNAPSHOT_DIR, ".last-success"), "2026-11-01T00:00:00Z\n");
            await f.breakIt(env);
            let r: { code: number; out: string };
            try {
                r = await runScript("vault-snapshot.sh", [], env);
            } finally {
                await f.repair?.();
            }
            expect(r.code, r.out).to.equal(1);
            expect(r.out).to.match(f.message);
            expect(snapshots(env.SNAPSHOT_DIR)).to.deep.equal([]);
            expect(fs.readdirSync(env.SNAPSHOT_DIR).filter((x) => x.endsWith(".partial"))).to.deep.equal([]);
            expect(fs.readFileSync(path.join(env.SNAPSHOT_DIR, ".last-success"), "utf8")).to.equal("2026-11-01T00:00:00Z\n");
            expect(fs.existsSync(path.join(env.SNAPSHOT_DIR, ".last-failure"))).to.equal(true);
            expect(r.out).to.not.include(server.secretId);
        });
    }

    it("health: a new service is healthy before its first snapshot, until two periods pass with none; a stale success turns it unhealthy", async () => {
        const started = path.join(dir, "started");
        const health = (e: Record<string, string>) => runScript("vault-backup-health.sh", [], { STARTED_MARKER: started, MAX_AGE_SECONDS: "3600", ...e });
        fs.mkdirSync(env.SNAPSHOT_DIR);
        const none = await health(env);
        expect(none.code, "no scheduler start, no success").to.equal(1);
        expect(none.out).to.include("the scheduler is not running");
        fs.writeFileSync(started, "");
        const fresh = await health(env);
        expect(fresh.code, fresh.out).to.equal(0);
        expect(fresh.out).to.match(/no successful snapshot yet; started \d+s ago/);
        const threeHoursAgo = new Date(Date.now() - 3 * 3600 * 1000);
        fs.utimesSync(started, threeHoursAgo, threeHoursAgo);
        expect((await health(env)).code, "started long ago and never succeeded").to.equal(1);
        const marker = path.join(env.SNAPSHOT_DIR, ".last-success");
        fs.writeFileSync(marker, "now");
        expect((await health(env)).code).to.equal(0);
        fs.utimesSync(marker, threeHoursAgo, threeHoursAgo);
        const stale = await health(env);
        expect(stale.code).to.equal(1);
        expect(stale.out).to.match(/last successful snapshot \d+s ago \(limit 3600s\)/);
    });

    describe("restore", () => {
        beforeEach(async () => {
            const own = await serverWithBackupRole();
            extra.push(own.s);
            use(own);
        });
        const writeToken = (token: string) => {
            const f = path.join(dir, "token");
            fs.writeFileSync(f, token, { mode: 0o600 });
            return f;
        };

        it("restores into the same cluster: what was written after the snapshot is gone, what was before is back (OpenBao)", async () => {
            const { s, root } = server;
            expect((await s.api("PUT", "/v1/secret/app", { v: "before" }, root)).status).to.equal(204);
            expect((await runScript("vault-snapshot.sh", [], env)).code).to.equal(0);
            expect((await s.api("PUT", "/v1/secret/app", { v: "after" }, root)).status).to.equal(204);
            const snap = path.join(env.SNAPSHOT_DIR, snapshots(env.SNAPSHOT_DIR)[0]);
            const r = await runScript("vault-restore.sh", [snap], { VAULT_ADDR: s.address, CURL_OPTS: `--cacert ${s.ca.caCert}`, VAULT_TOKEN_FILE: writeToken(root) });
            expect(r.code, r.out).to.equal(0);
            expect(r.out).to.include("restored").and.to.not.include(root);
            await s.waitHealthy(30_000, true);
            const read = await s.retry(() => s.api("GET", "/v1/secret/app", undefined, root));
            expect(read.body.data.v).to.equal("before");
        });

        it("restore drill into a FRESH cluster: the data is back and opens with the old cluster's unseal key (OpenBao)", async () => {
            const { s, root, unsealKey } = server;
            expect((await s.api("PUT", "/v1/secret/db", { password: "drill-value" }, root)).status).to.equal(204);
            expect((await runScript("vault-snapshot.sh", [], env)).code).to.equal(0);
            const snap = path.join(env.SNAPSHOT_DIR, snapshots(env.SNAPSHOT_DIR)[0]);
            await s.stop(); // the old cluster is gone

            const fresh = new OpenBaoServer({ ca: s.ca });
            extra.push(fresh);
            await fresh.start();
            const freshCreds = await fresh.initAndUnseal();
            const restoreEnv = { VAULT_ADDR: fresh.address, CURL_OPTS: `--cacert ${fresh.ca.caCert}`, VAULT_TOKEN_FILE: writeToken(freshCreds.rootToken) };
            // Without --force a snapshot of another cluster is refused, with the script's explanation.
            const refused = await runScript("vault-restore.sh", [snap], restoreEnv);
            expect(refused.code).to.equal(1);
            expect(refused.out).to.match(/FAILED: Vault refused the snapshot \(HTTP 400\).*--force/);

            const t0 = Date.now();
            const r = await runScript("vault-restore.sh", [snap, "--force"], restoreEnv);
            expect(r.code, r.out).to.equal(0);
            // The members restart onto the restored data (as Swarm restarts a task), and unseal with the OLD key.
            await fresh.stop();
            await fresh.start();
            expect((await fresh.api("GET", "/v1/sys/seal-status")).body.sealed).to.equal(true);
            const wrong = await fresh.api("PUT", "/v1/sys/unseal", { key: freshCreds.unsealKey });
            expect(wrong.status, "the fresh cluster's own key no longer opens it").to.equal(400);
            await fresh.unseal(unsealKey);
            await fresh.waitHealthy(30_000, true);
            const read = await fresh.retry(() => fresh.api("GET", "/v1/secret/db", undefined, root));
            const took = Date.now() - t0;
            expect(read.status, read.text).to.equal(200);
            expect(read.body.data.password).to.equal("drill-value");
            console.log(`      restore drill (restore --force, restart, unseal, first read): ${took} ms`);
        });

        it("refuses a corrupt file before sending anything, and explains a 403 for a token without sudo (OpenBao)", async () => {
            const { s } = server;
            const snap = path.join(dir, "vault-raft-20261101T120000Z.snap");
            fs.writeFileSync(snap, "not a snapshot");
            const nowhere = { VAULT_ADDR: "https://127.0.0.1:9", VAULT_TOKEN_FILE: writeToken("unused") };
            const corrupt = await runScript("vault-restore.sh", [snap], nowhere);
            expect(corrupt.code).to.equal(1);
            expect(corrupt.out).to.match(/not a valid snapshot/);
            // The backup role's own token: it may read snapshots, not restore them.
            expect((await runScript("vault-snapshot.sh", [], env)).code).to.equal(0);
            const real = path.join(env.SNAPSHOT_DIR, snapshots(env.SNAPSHOT_DIR)[0]);
            const login = await s.api("POST", "/v1/auth/approle/login", { role_id: server.roleId, secret_id: server.secretId });
            const denied = await runScript("vault-restore.sh", [real], { VAULT_ADDR: s.address, CURL_OPTS: `--cacert ${s.ca.caCert}`, VAULT_TOKEN_FILE: writeToken(login.body.auth.client_token) });
            expect(denied.code).to.equal(1);
            expect(denied.out).to.match(/needs sudo on sys\/storage\/raft\/snapshot/);
        });
    });
});

describe("Vault backups: what a real server cannot be made to do (contract fake of the snapshot API)", () => {
    for (const broken of [
        { what: "the snapshot is not gzip (a proxy's error page)", snap: () => Buffer.from("<html>proxy error</html>"), message: /FAILED: the snapshot is not a gzip stream/ },
        { what: "the snapshot is truncated (a cut connection)", snap: (s: Buffer) => s.subarray(0, s.length - 8), message: /FAILED: the snapshot is truncated or corrupt/ },
    ]) {
        it(`fails visibly when ${broken.what}: a real server never sends one, so this keeps a contract fake`, async () => {
            const fake = await startFakeVault();
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tbackup-fake-"));
            try {
                fs.writeFileSync(path.join(dir, "role_id"), fake.state.roleId);
                fs.writeFileSync(path.join(dir, "secret_id"), fake.state.secretId);
                const snapDir = path.join(dir, "snapshots");
                fs.mkdirSync(snapDir);
                fs.writeFileSync(path.join(snapDir, ".last-success"), "2026-11-01T00:00:00Z\n");
                fake.state.snapshot = broken.snap(fake.state.snapshot);
                const r = await runScript("vault-snapshot.sh", [], { VAULT_ADDR: fake.url, ROLE_ID_FILE: path.join(dir, "role_id"), SECRET_ID_FILE: path.join(dir, "secret_id"), SNAPSHOT_DIR: snapDir, KEEP: "3" });
                expect(r.code).to.equal(1);
                expect(r.out).to.match(broken.message);
                expect(snapshots(snapDir)).to.deep.equal([]);
                expect(fs.readdirSync(snapDir).filter((x) => x.endsWith(".partial"))).to.deep.equal([]);
                expect(fs.readFileSync(path.join(snapDir, ".last-success"), "utf8")).to.equal("2026-11-01T00:00:00Z\n");
            } finally {
                await fake.close();
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    }
});
