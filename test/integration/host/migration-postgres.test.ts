// The PostgreSQL phase of the migration (docs/migration.md, "3. postgres") against two real Patroni clusters on
// loopback: the legacy one (two members, rows in two service databases, their roles) and the program's (empty).
// Writes are stopped through Patroni's configuration, roles and databases are copied, row counts compared; a
// loop writes throughout and reports how long writes failed (the downtime), and reads that never stop.
import { spawn } from "child_process";
import { expect } from "chai";
import { PG_BIN, PatroniCluster, patroniAvailable } from "../../support/patroni";
import { LocalPg, PatroniRest, checkTargetEmpty, copyAll, dropCopied, freezeWrites, rowCounts, thawWrites } from "../../../tools/migration/postgres";

const PASSWORD = "legacy-superuser-pw";

/** One psql statement without blocking the event loop; resolves true when it succeeded. */
function psqlAsync(port: number, user: string, password: string, database: string, sql: string): Promise<boolean> {
    return new Promise((resolve) => {
        const p = spawn(`${PG_BIN}/psql`, ["-XAtq", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(port), "-U", user, "-d", database, "-c", sql], {
            env: { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: "3" },
            stdio: "ignore",
        });
        p.on("exit", (code) => resolve(code === 0));
        p.on("error", () => resolve(false));
    });
}

describe("migration from the running platform: PostgreSQL by dump and restore (real Patroni)", function () {
    this.timeout(400_000);
    const legacy = new PatroniCluster({ scope: "iklimco", superuserPassword: PASSWORD, members: 2, basePort: 25600 });
    const target = new PatroniCluster({ scope: "iklimco-pg", superuserPassword: PASSWORD, members: 1, basePort: 25700 });
    after(async () => {
        await legacy.stop();
        await target.stop();
    });

    it("migration from the running platform: every row and role survives, writes stop only during the copy, and the rollback makes the legacy cluster writable again", async () => {
        expect(patroniAvailable(), "patroni, etcd and PostgreSQL 15 are installed by tools/test-all.sh").to.equal(true);
        await Promise.all([legacy.start(), target.start()]);
        const lLeader = await legacy.waitForLeader(60_000);
        const tLeader = await target.waitForLeader(60_000);
        const L = new LocalPg("legacy iklimco_patroni", { host: "127.0.0.1", port: lLeader.pgPort, user: "postgres", password: PASSWORD, bin: PG_BIN });
        const T = new LocalPg("iklimco_patroni-1", { host: "127.0.0.1", port: tLeader.pgPort, user: "postgres", password: PASSWORD, bin: PG_BIN });

        // The operators' data: a database per service, owned by the service's role, with rows.
        for (const svc of ["auth", "payment"]) {
            L.query(`create role ${svc} login password '${svc}-db-pw'`);
            L.query(`create database ${svc} owner ${svc}`);
            L.query(`create table items (id serial primary key, body text not null); insert into items (body) select 'row ' || g from generate_series(1, 500) g; alter table items owner to ${svc}`, svc);
        }
        L.query("create table events (id serial primary key, at timestamptz default now()); alter table events owner to auth", "auth");
        expect(checkTargetEmpty(T)).to.deep.equal([]);

        // Throughout: a write and a read every 50 ms against whichever leader is current.
        let current = { port: lLeader.pgPort };
        let stop = false;
        let writeGapStart: number | undefined;
        let longestWriteGap = 0;
        let readFailures = 0;
        let writesOk = 0;
        const loop = (async () => {
            while (!stop) {
                const port = current.port;
                const [w, r] = await Promise.all([
                    psqlAsync(port, "auth", "auth-db-pw", "auth", "insert into events default values"),
                    psqlAsync(port, "auth", "auth-db-pw", "auth", "select count(*) from items"),
                ]);
                const now = Date.now();
                if (w) {
                    writesOk++;
                    if (writeGapStart !== undefined) longestWriteGap = Math.max(longestWriteGap, now - writeGapStart);
                    writeGapStart = undefined;
                } else writeGapStart ??= now;
                if (!r) readFailures++;
                await new Promise((res) => setTimeout(res, 50));
            }
        })();
        await new Promise((r) => setTimeout(r, 1000));

        const started = Date.now();
        let report: ReturnType<typeof copyAll>;
        let copyMs: number;
        try {
            const members = legacy.members.map((m) => new LocalPg(m.name, { host: "127.0.0.1", port: m.pgPort, user: "postgres", password: PASSWORD, bin: PG_BIN }));
            await freezeWrites(new PatroniRest(`http://127.0.0.1:${lLeader.restPort}`), members);
            // Both legacy members are read-only now (Patroni's configuration, not a session setting).
            for (const m of legacy.members) expect(legacy.psql("show default_transaction_read_only", m.pgPort)).to.equal("on");
            report = copyAll(L, T);
            current = { port: tLeader.pgPort };
            copyMs = Date.now() - started;
            await new Promise((r) => setTimeout(r, 1000));
        } finally {
            stop = true;
            await loop;
        }

        expect(report.databases).to.include.members(["auth", "payment", "postgres"]);
        expect(report.rows.payment).to.deep.equal({ "public.items": 500 });
        expect(rowCounts(T, "payment")).to.deep.equal(rowCounts(L, "payment"));
        for (const svc of ["auth", "payment"]) {
            // (auth.events goes on growing on the target after the cut-over: checked below)
            expect(rowCounts(T, svc)["public.items"]).to.equal(rowCounts(L, svc)["public.items"]);
            expect(rowCounts(T, svc)["public.items"]).to.equal(500);
            // The role kept its password (its SCRAM hash came across): the service logs in unchanged.
            expect(target.psql("select current_user", tLeader.pgPort, svc, `${svc}-db-pw`, svc)).to.equal(svc);
        }
        // Every write the legacy cluster accepted is on the target: none was lost between freeze and copy.
        const legacyEvents = Number(L.query("select count(*) from events", "auth"));
        const targetEvents = Number(T.query("select count(*) from events", "auth"));
        expect(legacyEvents).to.be.greaterThan(0);
        expect(targetEvents).to.be.greaterThan(legacyEvents); // the loop went on writing on the target
        const legacyMax = L.query("select max(id) from events", "auth");
        expect(T.query(`select count(*) from events where id <= ${legacyMax}`, "auth")).to.equal(String(legacyEvents));
        expect(readFailures, "reads never stop").to.equal(0);
        // The freeze itself is asserted above (every legacy member read-only); the gap is a measurement: the copy
        // runs synchronously, so a loop iteration may not land inside the window, and 0 means none did.
        console.log(`      postgres: writes stopped ${longestWriteGap} ms (freeze + copy ${copyMs} ms); ${readFailures} failed reads; ${writesOk} writes`);

        // Rollback: the legacy cluster takes writes again; the copy is dropped from the target.
        await thawWrites(new PatroniRest(`http://127.0.0.1:${lLeader.restPort}`));
        const deadline = Date.now() + 30_000;
        while (!(await psqlAsync(lLeader.pgPort, "auth", "auth-db-pw", "auth", "insert into events default values"))) {
            expect(Date.now() < deadline, "legacy writable again after the rollback").to.equal(true);
            await new Promise((r) => setTimeout(r, 250));
        }
        dropCopied(T, report.databases);
        expect(T.query("select count(*) from pg_database where datname in ('auth','payment')")).to.equal("0");
        expect(checkTargetEmpty(T)).to.deep.equal([]);
    });

    it("migration from the running platform: the copy refuses a target that already holds tables", () => {
        const T = new LocalPg("iklimco_patroni-1", { host: "127.0.0.1", port: target.members[0].pgPort, user: "postgres", password: PASSWORD, bin: PG_BIN });
        T.query("create table if not exists leftover (id int)");
        const L = new LocalPg("legacy", { host: "127.0.0.1", port: legacy.members[0].pgPort, user: "postgres", password: PASSWORD, bin: PG_BIN });
        expect(() => copyAll(L, T)).to.throw(/already has tables in database "postgres" \(public.leftover\)/);
        T.query("drop table leftover");
    });
});
