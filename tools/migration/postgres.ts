// PostgreSQL phase of the migration (docs/migration.md, "3. postgres"): dump and restore with the writes stopped.
// The legacy Patroni cluster is made read-only through Patroni's own configuration (it applies to whichever
// member leads, also after a failover), the roles and every database are copied into the program's Patroni
// leader, and the row counts of every table are compared. The processes are behind `PgEndpoint` and
// `PatroniConfig`, which the tests drive against real Patroni clusters and the CLI drives through `docker exec`.
import { spawnSync } from "child_process";
import * as http from "http";

/** SQL access to one PostgreSQL server as its superuser. */
export interface PgEndpoint {
    readonly label: string;
    /** Runs SQL, returns unaligned tuples-only output; throws on any error. */
    query(sql: string, database?: string): string;
    /** `pg_dumpall --roles-only` as SQL text. */
    dumpRoles(): string;
    /** `pg_dump` (plain SQL) of one database; with `create`, the dump creates and connects to it. */
    dumpDatabase(database: string, create: boolean): string;
    /** Feeds SQL to psql with ON_ERROR_STOP (into `database`, default postgres). */
    restore(sql: string, database?: string): void;
}

/** Patroni's dynamic configuration (REST `PATCH /config`): how the writes are stopped cluster-wide. */
export interface PatroniConfig {
    setParameter(name: string, value: string | null): Promise<void>;
}

/** PostgreSQL binaries on this host reaching a server over TCP (tests; or a tunnel to the overlay). */
export class LocalPg implements PgEndpoint {
    constructor(
        readonly label: string,
        private readonly conn: { host: string; port: number; user: string; password: string; bin: string },
    ) {}

    private run(bin: string, args: string[], input?: string): string {
        const r = spawnSync(`${this.conn.bin}/${bin}`, ["-h", this.conn.host, "-p", String(this.conn.port), "-U", this.conn.user, ...args], {
            input,
            encoding: "utf8",
            env: { ...process.env, PGPASSWORD: this.conn.password, PGCONNECT_TIMEOUT: "5" },
            timeout: 600_000,
            maxBuffer: 1024 * 1024 * 1024,
        });
        if (r.status !== 0) throw new Error(`${bin} on ${this.label} failed: ${r.stderr.trim()}`);
        return r.stdout;
    }

    query(sql: string, database = "postgres"): string {
        return this.run("psql", ["-XAtq", "-v", "ON_ERROR_STOP=1", "-d", database, "-c", sql]).trim();
    }
    dumpRoles(): string {
        return this.run("pg_dumpall", ["--roles-only", "-l", "postgres"]);
    }
    dumpDatabase(database: string, create: boolean): string {
        return this.run("pg_dump", [...(create ? ["--create"] : []), "-d", database]);
    }
    restore(sql: string, database = "postgres"): void {
        this.run("psql", ["-Xq", "-v", "ON_ERROR_STOP=1", "-d", database], sql);
    }
}

/** Patroni's REST API (`http://<member>:8008`). */
export class PatroniRest implements PatroniConfig {
    constructor(private readonly base: string) {}
    setParameter(name: string, value: string | null): Promise<void> {
        const body = JSON.stringify({ postgresql: { parameters: { [name]: value } } });
        const url = new URL("/config", this.base);
        return new Promise((resolve, reject) => {
            const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: "PATCH", headers: { "Content-Type": "application/json" }, timeout: 10_000 }, (res) => {
                let text = "";
                res.on("data", (c) => (text += c));
                res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`PATCH ${url.href}: HTTP ${res.statusCode} ${text}`))));
            });
            req.on("timeout", () => req.destroy(new Error(`PATCH ${url.href}: timed out`)));
            req.on("error", reject);
            req.end(body);
        });
    }
}

/** The databases to move: every one but the templates. */
export function userDatabases(pg: PgEndpoint): string[] {
    return pg.query("select datname from pg_database where not datistemplate order by 1").split("\n").filter(Boolean);
}

/** Every user table of a database with its row count, `schema.table` -> rows. */
export function rowCounts(pg: PgEndpoint, database: string): Record<string, number> {
    const tables = pg
        .query("select quote_ident(schemaname) || '.' || quote_ident(tablename) from pg_tables where schemaname not in ('pg_catalog','information_schema') order by 1", database)
        .split("\n")
        .filter(Boolean);
    const out: Record<string, number> = {};
    for (const t of tables) out[t] = Number(pg.query(`select count(*) from ${t}`, database));
    return out;
}

/** Precondition: the target holds no user table anywhere (a database of the same name with rows would be merged into). */
export function checkTargetEmpty(target: PgEndpoint): string[] {
    const problems: string[] = [];
    for (const db of userDatabases(target)) {
        const tables = Object.keys(rowCounts(target, db));
        if (tables.length) problems.push(`the program's PostgreSQL (${target.label}) already has tables in database "${db}" (${tables.slice(0, 3).join(", ")}${tables.length > 3 ? ", ..." : ""}): the copy goes only into an empty cluster`);
    }
    return problems;
}

/**
 * The roles as SQL that can run on a cluster which already has some of them (the target's own `postgres` and
 * `replicator`): each `CREATE ROLE` is skipped when the role exists; the `ALTER ROLE` that follows sets its
 * attributes and password hash, so every legacy password keeps working.
 */
export function idempotentRoles(rolesSql: string): string {
    return rolesSql.replace(/^CREATE ROLE ([^;]+);$/gm, (_m, role: string) => `DO $migrate$ BEGIN CREATE ROLE ${role}; EXCEPTION WHEN duplicate_object THEN NULL; END $migrate$;`);
}

export interface PostgresCopyReport {
    databases: string[];
    rows: Record<string, Record<string, number>>;
}

/**
 * Stops the writes on the legacy cluster (through Patroni's configuration, so a member promoted later is
 * read-only too) and waits until every member applied it: a dump taken before that could miss a write that
 * still succeeded.
 */
export async function freezeWrites(source: PatroniConfig, members: PgEndpoint[], timeoutMs = 60_000): Promise<void> {
    await source.setParameter("default_transaction_read_only", "on");
    const deadline = Date.now() + timeoutMs;
    for (const m of members) {
        while (m.query("show default_transaction_read_only") !== "on") {
            if (Date.now() > deadline) throw new Error(`${m.label} did not turn read-only within ${timeoutMs} ms (Patroni applies its configuration every loop_wait)`);
            await new Promise((r) => setTimeout(r, 250));
        }
    }
}

/** Rollback of the freeze: the legacy cluster takes writes again. */
export async function thawWrites(source: PatroniConfig): Promise<void> {
    await source.setParameter("default_transaction_read_only", null);
}

/** Copies roles and every database, then compares the row counts; throws on the first difference. */
export function copyAll(source: PgEndpoint, target: PgEndpoint): PostgresCopyReport {
    const problems = checkTargetEmpty(target);
    if (problems.length) throw new Error(problems.join("\n"));
    target.restore(idempotentRoles(source.dumpRoles()));
    const databases = userDatabases(source);
    const existing = new Set(userDatabases(target));
    for (const db of databases) {
        // `postgres`, and any database the program's init already created empty, is restored into; the others
        // are created by their dump (owner, encoding, settings as on the legacy cluster).
        if (existing.has(db)) target.restore(source.dumpDatabase(db, false), db);
        else target.restore(source.dumpDatabase(db, true));
    }
    const rows: PostgresCopyReport["rows"] = {};
    const diffs: string[] = [];
    for (const db of databases) {
        const a = rowCounts(source, db);
        const b = rowCounts(target, db);
        rows[db] = a;
        for (const [t, n] of Object.entries(a)) if (b[t] !== n) diffs.push(`${db}.${t}: ${n} rows on ${source.label}, ${b[t] ?? "no table"} on ${target.label}`);
    }
    if (diffs.length) throw new Error(`PostgreSQL copy incomplete:\n${diffs.join("\n")}`);
    return { databases, rows };
}

/** Rollback of the copy: the databases that came from the legacy cluster are dropped from the target. */
export function dropCopied(target: PgEndpoint, databases: string[]): void {
    for (const db of databases) {
        if (db === "postgres") continue;
        target.query(`drop database if exists "${db.replace(/"/g, '""')}" with (force)`);
    }
}
