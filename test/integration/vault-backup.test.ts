// The backup and restore scripts run for real (sh + curl) against a contract fake of Vault's documented
// snapshot API on loopback; the retention logic runs for real on files.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { FakeVaultState, startFakeVault } from "../support/fake-vault-snapshots";
import { runProcess } from "../support/process";

const DIR = path.join(__dirname, "..", "..", "components", "backup");

async function runScript(script: string, args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
    const r = await runProcess("sh", [path.join(DIR, script), ...args], { env: { PATH: process.env.PATH!, ...env } });
    return { code: r.code ?? -1, out: r.out };
}

const snapshots = (dir: string) => fs.readdirSync(dir).filter((f) => /^vault-raft-\d{8}T\d{6}Z\.snap$/.test(f)).sort();

describe("Vault backups against a contract fake of Vault's snapshot API", () => {
    let fake: Awaited<ReturnType<typeof startFakeVault>>;
    let state: FakeVaultState;
    let dir: string;
    let env: Record<string, string>;

    beforeEach(async () => {
        fake = await startFakeVault();
        state = fake.state;
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "tbackup-"));
        fs.writeFileSync(path.join(dir, "role_id"), state.roleId);
        fs.writeFileSync(path.join(dir, "secret_id"), state.secretId);
        env = { VAULT_ADDR: fake.url, ROLE_ID_FILE: path.join(dir, "role_id"), SECRET_ID_FILE: path.join(dir, "secret_id"), SNAPSHOT_DIR: path.join(dir, "snapshots"), KEEP: "3" };
    });
    afterEach(async () => {
        await fake.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("logs in with the AppRole, writes the snapshot atomically and marks success, printing no credential", async () => {
        const r = await runScript("vault-snapshot.sh", [], env);
        expect(r.code, r.out).to.equal(0);
        const files = snapshots(env.SNAPSHOT_DIR);
        expect(files).to.have.length(1);
        expect(fs.readFileSync(path.join(env.SNAPSHOT_DIR, files[0])).equals(state.snapshot)).to.equal(true);
        expect(fs.existsSync(path.join(env.SNAPSHOT_DIR, ".last-success"))).to.equal(true);
        expect(fs.readdirSync(env.SNAPSHOT_DIR).filter((f) => f.endsWith(".partial"))).to.deep.equal([]);
        expect(state.requests.map((q) => `${q.method} ${q.path}`)).to.deep.equal(["POST /v1/auth/approle/login", "GET /v1/sys/storage/raft/snapshot"]);
        for (const s of [state.secretId, state.roleId, state.backupToken]) expect(r.out).to.not.include(s);
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

    it("a real snapshot run prunes to KEEP as well", async () => {
        fs.mkdirSync(env.SNAPSHOT_DIR);
        for (let i = 1; i <= 4; i++) fs.writeFileSync(path.join(env.SNAPSHOT_DIR, `vault-raft-2020010${i}T000000Z.snap`), "old");
        const r = await runScript("vault-snapshot.sh", [], env);
        expect(r.code, r.out).to.equal(0);
        const files = snapshots(env.SNAPSHOT_DIR);
        expect(files).to.have.length(3);
        expect(files[0]).to.equal("vault-raft-20200103T000000Z.snap");
        expect(files[2]).to.not.match(/^vault-raft-2020/);
    });

    const failures: { what: string; breakIt: (s: FakeVaultState, e: Record<string, string>) => void; message: RegExp }[] = [
        { what: "Vault is sealed", breakIt: (s) => (s.sealed = true), message: /FAILED: Vault at http:\/\/127.0.0.1:\d+ is sealed or has no leader \(HTTP 503\)/ },
        { what: "the secret id is wrong", breakIt: (_s, e) => fs.writeFileSync(e.SECRET_ID_FILE, "wrong"), message: /FAILED: AppRole login refused/ },
        { what: "the snapshot is not gzip", breakIt: (s) => (s.snapshot = Buffer.from("<html>proxy error</html>")), message: /FAILED: the snapshot is not a gzip stream/ },
        { what: "the snapshot is truncated", breakIt: (s) => (s.snapshot = s.snapshot.subarray(0, s.snapshot.length - 8)), message: /FAILED: the snapshot is truncated or corrupt/ },
        { what: "Vault is unreachable", breakIt: (_s, e) => (e.VAULT_ADDR = "http://127.0.0.1:9"), message: /FAILED: cannot reach Vault/ },
    ];
    for (const f of failures) {
        it(`fails visibly when ${f.what}: non-zero exit, a FAILED line, no snapshot, success marker untouched`, async () => {
            fs.mkdirSync(env.SNAPSHOT_DIR);
            fs.writeFileSync(path.join(env.SNAPSHOT_DIR, ".last-success"), "2026-11-01T00:00:00Z\n");
            f.breakIt(state, env);
            const r = await runScript("vault-snapshot.sh", [], env);
            expect(r.code).to.equal(1);
            expect(r.out).to.match(f.message);
            expect(snapshots(env.SNAPSHOT_DIR)).to.deep.equal([]);
            expect(fs.readdirSync(env.SNAPSHOT_DIR).filter((x) => x.endsWith(".partial"))).to.deep.equal([]);
            expect(fs.readFileSync(path.join(env.SNAPSHOT_DIR, ".last-success"), "utf8")).to.equal("2026-11-01T00:00:00Z\n");
            expect(fs.existsSync(path.join(env.SNAPSHOT_DIR, ".last-failure"))).to.equal(true);
            expect(r.out).to.not.include(state.secretId);
        });
    }

    it("turns a stale or missing success marker into an unhealthy health check", async () => {
        const health = (e: Record<string, string>) => runScript("vault-backup-health.sh", [], e);
        fs.mkdirSync(env.SNAPSHOT_DIR);
        expect((await health(env)).code).to.equal(1);
        const marker = path.join(env.SNAPSHOT_DIR, ".last-success");
        fs.writeFileSync(marker, "now");
        expect((await health({ ...env, MAX_AGE_SECONDS: "3600" })).code).to.equal(0);
        const threeHoursAgo = new Date(Date.now() - 3 * 3600 * 1000);
        fs.utimesSync(marker, threeHoursAgo, threeHoursAgo);
        const stale = await health({ ...env, MAX_AGE_SECONDS: "3600" });
        expect(stale.code).to.equal(1);
        expect(stale.out).to.match(/last successful snapshot \d+s ago \(limit 3600s\)/);
    });

    describe("restore", () => {
        let snap: string;
        let tokenFile: string;
        beforeEach(() => {
            snap = path.join(dir, "vault-raft-20261101T120000Z.snap");
            fs.writeFileSync(snap, state.snapshot);
            tokenFile = path.join(dir, "token");
            fs.writeFileSync(tokenFile, state.restoreToken);
        });
        const restoreEnv = () => ({ VAULT_ADDR: fake.url, VAULT_TOKEN_FILE: tokenFile });

        it("sends exactly the snapshot's bytes to the snapshot endpoint, and to snapshot-force with --force", async () => {
            const r = await runScript("vault-restore.sh", [snap], restoreEnv());
            expect(r.code, r.out).to.equal(0);
            const forced = await runScript("vault-restore.sh", [snap, "--force"], restoreEnv());
            expect(forced.code, forced.out).to.equal(0);
            expect(state.restored.map((x) => x.endpoint)).to.deep.equal(["snapshot", "snapshot-force"]);
            for (const x of state.restored) expect(x.body.equals(state.snapshot)).to.equal(true);
            expect(r.out + forced.out).to.not.include(state.restoreToken);
        });

        it("round-trips: what the backup wrote is what the restore sends", async () => {
            expect((await runScript("vault-snapshot.sh", [], env)).code).to.equal(0);
            const written = path.join(env.SNAPSHOT_DIR, snapshots(env.SNAPSHOT_DIR)[0]);
            expect((await runScript("vault-restore.sh", [written], restoreEnv())).code).to.equal(0);
            expect(state.restored[0].body.equals(fs.readFileSync(written))).to.equal(true);
        });

        it("refuses a corrupt file before sending anything, and explains a 403", async () => {
            fs.writeFileSync(snap, "not a snapshot");
            const corrupt = await runScript("vault-restore.sh", [snap], restoreEnv());
            expect(corrupt.code).to.equal(1);
            expect(corrupt.out).to.match(/not a valid snapshot/);
            expect(state.requests).to.deep.equal([]);
            fs.writeFileSync(snap, state.snapshot);
            fs.writeFileSync(tokenFile, state.backupToken);
            const denied = await runScript("vault-restore.sh", [snap], restoreEnv());
            expect(denied.code).to.equal(1);
            expect(denied.out).to.match(/needs sudo on sys\/storage\/raft\/snapshot/);
        });
    });
});
