// A real Patroni cluster on loopback for the init tests: one etcd (Debian's etcd-server) and N Patroni members
// (Debian's patroni) running PostgreSQL 15 from /usr/lib/postgresql/15/bin. PostgreSQL refuses to run as root,
// so when the tests run as root the members run as the `postgres` system user. Every wait is bounded; stop()
// ends only the processes started here, by pid.
import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { waitFor } from "./process";
import { raceTimeout } from "./rabbitmq";

export const PG_BIN = "/usr/lib/postgresql/15/bin";

export function patroniAvailable(): boolean {
    return fs.existsSync("/usr/bin/patroni") && fs.existsSync("/usr/bin/etcd") && fs.existsSync(path.join(PG_BIN, "postgres"));
}


function httpGet(url: string, timeoutMs = 2000): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        const req = http.get(url, { timeout: timeoutMs }, (res) => {
            let body = "";
            res.on("data", (c) => (body += c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.on("error", reject);
    });
}


export interface Member {
    name: string;
    pgPort: number;
    restPort: number;
    proc?: ChildProcess;
}

export interface PatroniClusterOptions {
    scope: string;
    superuserPassword: string;
    members: number;
    /** First port of the range: etcd client, etcd peer, then per member a PostgreSQL and a REST port. */
    basePort: number;
}

export class PatroniCluster {
    /** Made by start() (not at construction: a filtered-out suite must leave nothing behind). */
    dir = "";
    readonly members: Member[] = [];
    private etcd?: ChildProcess;
    private readonly etcdClient: number;
    private readonly etcdPeer: number;
    private readonly uid?: number;
    private readonly gid?: number;

    constructor(private readonly opts: PatroniClusterOptions) {
        this.etcdClient = opts.basePort;
        this.etcdPeer = opts.basePort + 1;
        for (let i = 0; i < opts.members; i++) {
            this.members.push({ name: `m${i + 1}`, pgPort: opts.basePort + 10 + i, restPort: opts.basePort + 20 + i });
        }
        if (process.getuid && process.getuid() === 0) {
            this.uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
            this.gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
        }
    }

    /** "127.0.0.1:p1,127.0.0.1:p2,...": the PG_HOSTS of the multi-host connection string. */
    get hosts(): string {
        return this.members.map((m) => `127.0.0.1:${m.pgPort}`).join(",");
    }

    async start(): Promise<void> {
        this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "tinit-patroni-"));
        fs.chmodSync(this.dir, 0o755);
        if (this.uid !== undefined) fs.chownSync(this.dir, this.uid, this.gid!);
        const log = fs.openSync(path.join(this.dir, "etcd.log"), "a");
        this.etcd = spawn(
            "/usr/bin/etcd",
            [
                "--name", "tinit-etcd",
                "--data-dir", path.join(this.dir, "etcd"),
                "--listen-client-urls", `http://127.0.0.1:${this.etcdClient}`,
                "--advertise-client-urls", `http://127.0.0.1:${this.etcdClient}`,
                "--listen-peer-urls", `http://127.0.0.1:${this.etcdPeer}`,
                "--initial-advertise-peer-urls", `http://127.0.0.1:${this.etcdPeer}`,
                "--initial-cluster", `tinit-etcd=http://127.0.0.1:${this.etcdPeer}`,
                "--enable-v2=true",
            ],
            { stdio: ["ignore", log, log], env: { ...process.env, ETCD_UNSUPPORTED_ARCH: process.env.ETCD_UNSUPPORTED_ARCH ?? "" } },
        );
        await waitFor(`etcd on 127.0.0.1:${this.etcdClient}`, 30_000, async () => ((await httpGet(`http://127.0.0.1:${this.etcdClient}/health`)).status === 200 ? true : undefined));
        for (const m of this.members) this.startMember(m);
        await this.waitForLeader(90_000);
        await waitFor("every member streaming or running", 90_000, async () => {
            const states = await Promise.all(this.members.map((m) => this.memberState(m)));
            return states.every((s) => s === "running" || s === "streaming") ? true : undefined;
        });
    }

    private writeConfig(m: Member): string {
        const data = path.join(this.dir, m.name);
        const cfg = `scope: ${this.opts.scope}
name: ${m.name}
log:
  level: WARNING
restapi:
  listen: 127.0.0.1:${m.restPort}
  connect_address: 127.0.0.1:${m.restPort}
etcd:
  host: 127.0.0.1:${this.etcdClient}
bootstrap:
  dcs:
    ttl: 10
    loop_wait: 2
    retry_timeout: 4
    maximum_lag_on_failover: 67108864
    postgresql:
      use_pg_rewind: false
      parameters:
        password_encryption: scram-sha-256
        max_connections: 40
        shared_buffers: 16MB
  initdb:
    - encoding: UTF8
    - auth-local: trust
  pg_hba:
    - local all all trust
    - host replication replicator 127.0.0.1/32 scram-sha-256
    - host all all 127.0.0.1/32 scram-sha-256
postgresql:
  listen: 127.0.0.1:${m.pgPort}
  connect_address: 127.0.0.1:${m.pgPort}
  data_dir: ${data}
  bin_dir: ${PG_BIN}
  pgpass: ${path.join(this.dir, `${m.name}.pgpass`)}
  authentication:
    superuser:
      username: postgres
      password: ${JSON.stringify(this.opts.superuserPassword)}
    replication:
      username: replicator
      password: "tinit-replication"
  parameters:
    unix_socket_directories: '${this.dir}'
    shared_buffers: 16MB
    max_connections: 40
`;
        const file = path.join(this.dir, `${m.name}.yml`);
        fs.writeFileSync(file, cfg, { mode: 0o600 });
        if (this.uid !== undefined) fs.chownSync(file, this.uid, this.gid!);
        return file;
    }

    startMember(m: Member): void {
        const file = this.writeConfig(m);
        const log = fs.openSync(path.join(this.dir, `${m.name}.log`), "a");
        m.proc = spawn("/usr/bin/patroni", [file], {
            stdio: ["ignore", log, log],
            uid: this.uid,
            gid: this.gid,
            cwd: this.dir,
            env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: this.dir, LANG: "C.UTF-8" },
        });
    }

    async memberInfo(m: Member): Promise<{ role: string; state: string }> {
        const r = await httpGet(`http://127.0.0.1:${m.restPort}/patroni`);
        const j = JSON.parse(r.body);
        return { role: j.role, state: j.state };
    }

    async memberState(m: Member): Promise<string | undefined> {
        try {
            const info = await this.memberInfo(m);
            return info.state;
        } catch {
            return undefined;
        }
    }

    /** The member that is leader (Patroni's /primary answers 200 only there). */
    async leader(): Promise<Member | undefined> {
        for (const m of this.members) {
            if (!m.proc || m.proc.exitCode !== null) continue;
            try {
                if ((await httpGet(`http://127.0.0.1:${m.restPort}/primary`)).status === 200) return m;
            } catch {
                // down
            }
        }
        return undefined;
    }

    async waitForLeader(timeoutMs: number, not?: Member): Promise<Member> {
        return waitFor("a Patroni leader", timeoutMs, async () => {
            const l = await this.leader();
            return l && l !== not ? l : undefined;
        });
    }

    /** Waits (bounded) until every other running member has replayed the leader's WAL up to now. */
    async waitForReplicas(leader: Member, timeoutMs = 60_000): Promise<void> {
        const lsn = this.psql("select pg_current_wal_lsn()", leader.pgPort);
        for (const m of this.members) {
            if (m === leader || !m.proc || m.proc.exitCode !== null) continue;
            await waitFor(`${m.name} to replay the leader's WAL up to ${lsn}`, timeoutMs, async () =>
                this.psql(`select pg_last_wal_replay_lsn() >= '${lsn}'::pg_lsn`, m.pgPort) === "t" ? true : undefined,
            );
        }
    }

    /** Stops a member (SIGTERM, Patroni shuts PostgreSQL down and gives up the leader key), bounded. */
    async stopMember(m: Member, timeoutMs = 60_000): Promise<void> {
        const p = m.proc;
        if (!p || p.exitCode !== null || p.signalCode !== null) return;
        const exited = new Promise<void>((r) => p.once("exit", () => r()));
        p.kill("SIGTERM");
        if ((await raceTimeout(exited, timeoutMs)) === "timeout") {
            p.kill("SIGKILL");
            throw new Error(`Patroni member ${m.name} did not stop within ${timeoutMs} ms`);
        }
    }

    /** psql as the superuser against one member (or the multi-host string), for the tests' own checks. */
    psql(sql: string, port: number, user = "postgres", password = this.opts.superuserPassword, database = "postgres"): string {
        const r = spawnSync(path.join(PG_BIN, "psql"), ["-XAtq", "-h", "127.0.0.1", "-p", String(port), "-U", user, "-d", database, "-c", sql], {
            encoding: "utf8",
            env: { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: "5" },
            timeout: 30_000,
        });
        if (r.status !== 0) throw new Error(`psql on ${port} failed: ${r.stderr}`);
        return r.stdout.trim();
    }

    async stop(): Promise<void> {
        for (const m of this.members) {
            try {
                await this.stopMember(m, 30_000);
            } catch {
                // killed
            }
        }
        if (this.etcd && this.etcd.exitCode === null) {
            const e = this.etcd;
            const exited = new Promise<void>((r) => e.once("exit", () => r()));
            e.kill("SIGTERM");
            await raceTimeout(exited, 10_000);
            if (e.exitCode === null) e.kill("SIGKILL");
        }
        if (this.dir && !process.env.TINIT_KEEP) fs.rmSync(this.dir, { recursive: true, force: true });
    }
}
