// Step 22, PostgreSQL part, for real: a Patroni cluster (Debian's patroni, etcd and PostgreSQL 15) of two
// members on loopback, and the very script the component ships (components/init/scripts/postgres-init.sh)
// run on this host with the input the component renders (render.ts), through the multi-host string.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as path from "path";
import { MicroserviceSpec } from "../../../components/config";
import { SCRIPTS_DIR, postgresGrants, postgresInitInput, renderPostgresSql, scramVerifier } from "../../../components/init/render";
import { FIXTURES, evaluateStack, named } from "../../harness";
import { runJob, secretValues } from "../../support/init-jobs";
import { PG_BIN, PatroniCluster, patroniAvailable } from "../../support/patroni";

const SUPERUSER_PASSWORD = "tinit-Super:pw\\with'odd\"chars";

function svc(name: string, database: string): MicroserviceSpec {
    return { name, vault: { paths: [], write: false }, postgres: { database } };
}

// Deterministic per test run, but never a literal that could pass by accident.
const PASSWORDS: Record<string, string> = {};
const SALTS: Record<string, Buffer> = {};
function passwordOf(service: string): string {
    PASSWORDS[service] ??= `pw-${service}-${crypto.randomBytes(12).toString("hex")}`;
    SALTS[service] ??= crypto.randomBytes(16);
    return PASSWORDS[service];
}

function runInit(cluster: PatroniCluster, services: MicroserviceSpec[], waitSeconds = 60): { status: number | null; out: string } {
    const sql = renderPostgresSql(services);
    const vars: Record<string, string> = {};
    for (const g of postgresGrants(services)) vars[g.variable] = scramVerifier(passwordOf(g.service), SALTS[g.service]);
    const r = spawnSync("bash", [path.join(SCRIPTS_DIR, "postgres-init.sh")], {
        input: postgresInitInput(SUPERUSER_PASSWORD, vars, sql),
        encoding: "utf8",
        timeout: (waitSeconds + 60) * 1000,
        env: { ...process.env, PG_HOSTS: cluster.hosts, PSQL: path.join(PG_BIN, "psql"), INIT_WAIT_SECONDS: String(waitSeconds) },
    });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function expectNoSecret(out: string): void {
    expect(out).to.not.include(SUPERUSER_PASSWORD);
    for (const [s, pw] of Object.entries(PASSWORDS)) {
        expect(out).to.not.include(pw);
        expect(out).to.not.include(scramVerifier(pw, SALTS[s]).split("$")[2]);
    }
}

/** The state the init manages, read from one member: roles, databases, owners, ACLs and password verifiers. */
function catalog(cluster: PatroniCluster, port: number): string {
    return cluster.psql(
        "select string_agg(x, E'\\n' order by x) from (" +
            "select 'role ' || rolname || ' login=' || rolcanlogin || ' pw=' || coalesce(md5(rolpassword), '-') x from pg_authid where rolname like 'tinit%' " +
            "union all select 'db ' || datname || ' owner=' || pg_get_userbyid(datdba) || ' acl=' || coalesce(datacl::text, '-') from pg_database where datname like 'tinit%') s",
        port,
    );
}

(patroniAvailable() ? describe : describe.skip)("postgres init against a real Patroni cluster (2 members, loopback)", function () {
    this.timeout(600_000);
    const cluster = new PatroniCluster({ scope: "tinit-pg", superuserPassword: SUPERUSER_PASSWORD, members: 2, basePort: 24100 });
    const services = [svc("tinit-auth", "tinit_auth"), svc("tinit-users", "tinit_users")];

    before(async () => {
        await cluster.start();
    });
    after(async () => {
        await cluster.stop();
    });

    it("lands on the leader through the multi-host string and creates roles, databases and grants", async () => {
        const leader = await cluster.waitForLeader(60_000);
        const r = runInit(cluster, services);
        expect(r.status, r.out).to.equal(0);
        expect(r.out).to.include(`leader is 127.0.0.1:${leader.pgPort}`);
        expect(r.out).to.include("create role tinit_auth").and.include("create database tinit_users owned by tinit_users");
        expectNoSecret(r.out);
        expect(catalog(cluster, leader.pgPort)).to.include("db tinit_auth owner=tinit_auth");
        // The service logs in with its own password, and cannot connect to the other service's database.
        expect(cluster.psql("select current_user", leader.pgPort, "tinit_auth", passwordOf("tinit-auth"), "tinit_auth")).to.equal("tinit_auth");
        expect(() => cluster.psql("select 1", leader.pgPort, "tinit_auth", passwordOf("tinit-auth"), "tinit_users")).to.throw(/permission denied/);
    });

    it("changes nothing on a second run", async () => {
        const leader = await cluster.waitForLeader(60_000);
        const before = catalog(cluster, leader.pgPort);
        const r = runInit(cluster, services);
        expect(r.status, r.out).to.equal(0);
        expect(r.out).to.not.match(/postgres init: (create|set|allow|make|revoke|grant|mark) /);
        expect(catalog(cluster, leader.pgPort)).to.equal(before);
        expectNoSecret(r.out);
    });

    it("after the leader is stopped and another elected, a run with one more database succeeds on the new leader", async () => {
        const old = await cluster.waitForLeader(60_000);
        // A replica that has not replayed the leader's WAL (CREATE DATABASE writes megabytes of it) is not
        // eligible for promotion: wait until it has, as an operator would before stopping a leader.
        await cluster.waitForReplicas(old);
        await cluster.stopMember(old);
        const fresh = await cluster.waitForLeader(120_000, old);
        expect(fresh.name).to.not.equal(old.name);
        const more = [...services, svc("tinit-stations", "tinit_stations")];
        const r = runInit(cluster, more, 120);
        expect(r.status, r.out).to.equal(0);
        expect(r.out).to.include(`leader is 127.0.0.1:${fresh.pgPort}`);
        expect(r.out).to.include("create database tinit_stations owned by tinit_stations");
        expect(r.out).to.not.include("create database tinit_auth");
        expect(catalog(cluster, fresh.pgPort)).to.include("db tinit_stations owner=tinit_stations");
        // A service dropped from config: its role is reported, nothing is dropped.
        const fewer = runInit(cluster, more.filter((s) => s.name !== "tinit-users"), 60);
        expect(fewer.status, fewer.out).to.equal(0);
        expect(fewer.out).to.include("role tinit_users is no longer in config; left in place");
        expect(catalog(cluster, fresh.pgPort)).to.include("db tinit_users owner=tinit_users");
        expect(cluster.psql("select current_user", fresh.pgPort, "tinit_stations", passwordOf("tinit-stations"), "tinit_stations")).to.equal("tinit_stations");
        expectNoSecret(r.out);
    });

    it("end to end: the component's own command (oneshot.sh, postgres-init.sh) lands on the leader, twice, with no secret in output or argv", async () => {
        const secrets = { "test:pgSuper": SUPERUSER_PASSWORD };
        const ev = await evaluateStack("prod", { program: path.join(FIXTURES, "init-program.ts"), secrets, overrides: { "test:pgHosts": cluster.hosts } });
        const job = named(ev, "iklimco-init-databases-postgres");
        const env = { PSQL: path.join(PG_BIN, "psql"), FAKE_DOCKER_PASS: "PSQL" };
        const leader = await cluster.waitForLeader(60_000);
        const first = runJob(job, env, 300_000);
        expect(first.status, first.out).to.equal(0);
        expect(first.out).to.include(`leader is 127.0.0.1:${leader.pgPort}`).and.include("create database auth owned by auth_service");
        expect(first.argv).to.include("harbor.iklim.co/iklimco/db-init:1.0.0");
        const second = runJob(job, env, 300_000);
        expect(second.status, second.out).to.equal(0);
        expect(second.out).to.not.match(/postgres init: (create|set|allow|make|revoke|grant|mark) /);
        // The generated password (the mocks' value) is the one the role logs in with.
        const pw = secretValues(ev, {}).find((v) => v.includes("auth-service-db"))!;
        expect(cluster.psql("select current_user", leader.pgPort, "auth_service", pw, "auth")).to.equal("auth_service");
        for (const v of secretValues(ev, secrets)) {
            for (const text of [first.out, first.argv, second.out, second.argv]) expect(text).to.not.include(v);
        }
    });

    it("stops at once on a failing statement, showing neither the password nor the verifiers", async () => {
        const leader = await cluster.waitForLeader(60_000);
        const verifier = scramVerifier(passwordOf("tinit-auth"), SALTS["tinit-auth"]);
        // A statement that fails after a password variable was set: the error names neither.
        const sql = "\\set ON_ERROR_STOP 1\nALTER ROLE tinit_no_such_role PASSWORD :'iklimco_pw_x';\nSELECT 'not reached';\n";
        const t0 = Date.now();
        const r = spawnSync("bash", [path.join(SCRIPTS_DIR, "postgres-init.sh")], {
            input: postgresInitInput(SUPERUSER_PASSWORD, { iklimco_pw_x: verifier }, sql),
            encoding: "utf8",
            timeout: 120_000,
            env: { ...process.env, PG_HOSTS: cluster.hosts, PSQL: path.join(PG_BIN, "psql"), INIT_WAIT_SECONDS: "60" },
        });
        expect(r.status, r.stderr).to.equal(4);
        expect(r.stdout).to.include(`leader is 127.0.0.1:${leader.pgPort}`).and.not.include("not reached");
        expect(r.stderr).to.include('role "tinit_no_such_role" does not exist').and.include("a statement failed");
        expect(Date.now() - t0).to.be.lessThan(30_000);
        expect(r.stdout + r.stderr).to.not.include(verifier.split("$")[2]);
        expectNoSecret(r.stdout + r.stderr);
    });

    it("fails with a clear, bounded error when no member accepts writes", () => {
        const r = spawnSync("bash", [path.join(SCRIPTS_DIR, "postgres-init.sh")], {
            input: postgresInitInput(SUPERUSER_PASSWORD, {}, "select 1;\n"),
            encoding: "utf8",
            timeout: 60_000,
            env: { ...process.env, PG_HOSTS: "127.0.0.1:24199", PSQL: path.join(PG_BIN, "psql"), INIT_WAIT_SECONDS: "3" },
        });
        expect(r.status).to.equal(3);
        expect(r.stderr).to.include("timed out after 3s waiting for a read-write PostgreSQL leader among 127.0.0.1:24199");
        expectNoSecret(r.stdout + r.stderr);
    });
});
