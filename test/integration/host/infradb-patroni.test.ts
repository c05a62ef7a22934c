// Patroni for real: the member entrypoint the service runs (components/infra-db/patroni-entrypoint.sh) with the
// patroni.yml the program renders, against a real etcd (v3 API) and PostgreSQL 15 on loopback. The passwords
// come only from files (as the Swarm secrets are mounted); the member bootstraps, becomes leader, and the
// superuser password from the file authenticates over TCP with SCRAM while a wrong one is refused.
import { expect } from "chai";
import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { PATRONI_ENTRYPOINT, renderPatroniConfig } from "../../../components/infra-db/patroni";
import { freePort } from "../../support/ports";
import { waitFor } from "../../support/process";

const PG_BIN = "/usr/lib/postgresql/15/bin";
const available = () => fs.existsSync("/usr/bin/patroni") && fs.existsSync("/usr/bin/etcd") && fs.existsSync(`${PG_BIN}/postgres`) && spawnSync("id", ["postgres"]).status === 0;


function httpStatus(url: string): Promise<number> {
    return new Promise((resolve) => {
        const req = http.get(url, { timeout: 2000 }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
        });
        req.on("error", () => resolve(0));
        req.on("timeout", () => {
            req.destroy();
            resolve(0);
        });
    });
}


function stop(p: ChildProcess | undefined, timeoutMs = 30_000): Promise<void> {
    return new Promise((resolve) => {
        if (!p || p.exitCode !== null || p.signalCode !== null) return resolve();
        const timer = setTimeout(() => {
            p.kill("SIGKILL");
            resolve();
        }, timeoutMs);
        p.once("exit", () => {
            clearTimeout(timer);
            resolve();
        });
        p.kill("SIGTERM");
    });
}

describe("Patroni member entrypoint and rendered config (real etcd, Patroni, PostgreSQL 15)", function () {
    this.timeout(180_000);
    let dir = "";
    let etcd: ChildProcess | undefined;
    let patroni: ChildProcess | undefined;
    let patroniLog = "";
    const superPassword = "Su-pw-0123456789abcdef";
    const replPassword = "Repl-pw-fedcba9876543210";

    before(function () {
        if (!available() || process.getuid?.() !== 0) this.skip();
    });

    after(async () => {
        await stop(patroni);
        await stop(etcd);
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("bootstraps a leader with the passwords from the secret files only", async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "tinfra-patroni-"));
        const [clientPort, peerPort, pgPort, restPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
        etcd = spawn(
            "etcd",
            [
                "--name", "tinfra-etcd", "--data-dir", path.join(dir, "etcd"),
                "--listen-client-urls", `http://127.0.0.1:${clientPort}`, "--advertise-client-urls", `http://127.0.0.1:${clientPort}`,
                "--listen-peer-urls", `http://127.0.0.1:${peerPort}`, "--initial-advertise-peer-urls", `http://127.0.0.1:${peerPort}`,
                "--initial-cluster", `tinfra-etcd=http://127.0.0.1:${peerPort}`,
            ],
            { stdio: "ignore", env: { ...process.env, ETCD_UNSUPPORTED_ARCH: process.arch === "x64" ? "" : process.arch } },
        );
        await waitFor("etcd /health", 30_000, async () => (await httpStatus(`http://127.0.0.1:${clientPort}/health`)) === 200, { pollMs: 500 });

        const secrets = path.join(dir, "secrets");
        fs.mkdirSync(secrets);
        fs.writeFileSync(path.join(secrets, "postgres_superuser_password"), superPassword, { mode: 0o400 });
        fs.writeFileSync(path.join(secrets, "postgres_replication_password"), replPassword, { mode: 0o400 });
        execFileSync("chown", ["-R", "postgres:postgres", dir]);

        const yaml = renderPatroniConfig({
            scope: "tinfra-pg",
            name: "patroni-1",
            connectHost: "127.0.0.1",
            port: pgPort,
            restPort,
            etcdHosts: [`127.0.0.1:${clientPort}`],
            dataDir: path.join(dir, "data"),
            subnet: "127.0.0.0/8",
            binDir: PG_BIN,
            socketDir: dir,
        });
        expect(yaml).to.not.include(superPassword);
        const env = {
            PATH: process.env.PATH ?? "/usr/bin:/bin",
            HOME: dir,
            PATRONI_CONFIG_PATH: path.join(dir, "patroni.yml"),
            PATRONI_SUPERUSER_PASSWORD_FILE: path.join(secrets, "postgres_superuser_password"),
            PATRONI_REPLICATION_PASSWORD_FILE: path.join(secrets, "postgres_replication_password"),
        };
        patroni = spawn("runuser", ["-u", "postgres", "--", "sh", "-c", PATRONI_ENTRYPOINT, "patroni-entrypoint", yaml], { env, stdio: ["ignore", "pipe", "pipe"] });
        patroni.stdout!.on("data", (d) => (patroniLog += d));
        patroni.stderr!.on("data", (d) => (patroniLog += d));
        await waitFor("Patroni /health 200", 120_000, async () => (await httpStatus(`http://127.0.0.1:${restPort}/health`)) === 200, { pollMs: 500, detail: () => patroniLog.slice(-3000) });
        await waitFor("Patroni /primary 200", 60_000, async () => (await httpStatus(`http://127.0.0.1:${restPort}/primary`)) === 200, { pollMs: 500, detail: () => patroniLog.slice(-3000) });

        const psql = (password: string, sql: string) =>
            spawnSync("psql", ["-X", "-tA", "-h", "127.0.0.1", "-p", String(pgPort), "-U", "postgres", "-d", "postgres", "-c", sql], {
                encoding: "utf8",
                env: { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: "5" },
            });
        const ok = psql(superPassword, "select rolname from pg_roles where rolreplication and rolname = 'replicator'");
        expect(ok.status, ok.stderr).to.equal(0);
        expect(ok.stdout.trim()).to.equal("replicator");
        // The rendered pg_hba is in force: every TCP rule is SCRAM, replication only for the replication user.
        const hba = psql(superPassword, "select type || ' ' || array_to_string(database, ',') || ' ' || array_to_string(user_name, ',') || ' ' || auth_method from pg_hba_file_rules order by line_number");
        expect(hba.status, hba.stderr).to.equal(0);
        expect(hba.stdout.trim().split("\n")).to.deep.equal(["local all all trust", "host all all scram-sha-256", "host replication replicator scram-sha-256", "host all all scram-sha-256"]);
        const wrong = psql("not-the-password", "select 1");
        expect(wrong.status).to.not.equal(0);
        expect(wrong.stderr).to.match(/password authentication failed/);
        // The written config holds no password; the passwords were only in the files and Patroni's process.
        expect(fs.readFileSync(path.join(dir, "patroni.yml"), "utf8")).to.not.include(superPassword);
        expect(patroniLog).to.not.include(superPassword);
        expect(patroniLog).to.not.include(replPassword);
    });

    it("refuses to start when a secret file is missing, naming it", () => {
        const r = spawnSync("sh", ["-c", PATRONI_ENTRYPOINT, "patroni-entrypoint", "scope: x"], {
            encoding: "utf8",
            env: { PATH: process.env.PATH, PATRONI_CONFIG_PATH: path.join(os.tmpdir(), `tinfra-patroni-${process.pid}.yml`), PATRONI_SUPERUSER_PASSWORD_FILE: "/nonexistent/su", PATRONI_REPLICATION_PASSWORD_FILE: "/nonexistent/repl" },
        });
        fs.rmSync(path.join(os.tmpdir(), `tinfra-patroni-${process.pid}.yml`), { force: true });
        expect(r.status).to.equal(1);
        expect(r.stderr).to.include("/nonexistent/su");
    });
});
