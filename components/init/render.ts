// Step 7: the database init files, rendered in TypeScript from config (the operators rendered templates with
// envsubst). Everything here is pure and deterministic: the same config renders the same text, so the text's
// hash in `triggers` changes exactly when what it does changes. Rendered text never contains a secret:
// passwords travel separately (stdin of the one-shot container) and are referred to by name.
import * as crypto from "crypto";
import * as path from "path";
import { MicroserviceSpec } from "../config";
import { postgresRoleName } from "../naming";
import { shippedScript } from "../shell";

export const SCRIPTS_DIR = path.join(__dirname, "scripts");

/** A script shipped beside the component, read from its real file with the shell libraries it loads bundled. */
export function readScript(name: string): string {
    return shippedScript(path.join(SCRIPTS_DIR, name));
}

// ---------------------------------------------------------------- PostgreSQL

export interface PostgresGrant {
    service: string;
    role: string;
    database: string;
    /** The psql variable that carries the role's SCRAM verifier (set from stdin, never rendered). */
    variable: string;
}

/** Which role owns which database, in config order; a database claimed twice is a config error. */
export function postgresGrants(microservices: readonly MicroserviceSpec[]): PostgresGrant[] {
    const seen = new Map<string, string>();
    const out: PostgresGrant[] = [];
    for (const m of microservices) {
        if (!m.postgres) continue;
        const db = m.postgres.database;
        if (seen.has(db)) throw new Error(`postgres init: database ${db} is claimed by both ${seen.get(db)} and ${m.name}; give each microservice its own`);
        seen.set(db, m.name);
        const role = postgresRoleName(m.name);
        out.push({ service: m.name, role, database: db, variable: `iklimco_pw_${role}` });
    }
    return out;
}

const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** One idempotent step: a query that says whether the change is needed, then the change only if it is. */
function step(query: string, message: string, change: string): string {
    return [`SELECT coalesce((${query}), false) AS iklimco_needed \\gset`, `\\if :iklimco_needed`, `\\echo ${literal(`postgres init: ${message}`)}`, change, `\\endif`].join("\n");
}

/**
 * The psql script of step 22: for each microservice with a database, its login role (password from a psql
 * variable), its database owned by that role, and PUBLIC's CONNECT/TEMPORARY revoked so services cannot read
 * each other's data. Every change is guarded by a check of the catalog: a second run changes nothing.
 */
export function renderPostgresSql(microservices: readonly MicroserviceSpec[]): string {
    const grants = postgresGrants(microservices);
    const parts: string[] = [
        "-- Rendered by components/init/render.ts (step 7). Passwords are psql variables set from stdin.",
        "\\set ON_ERROR_STOP 1",
        "\\pset tuples_only on",
        "\\pset format unaligned",
        // Keep statements that carry a verifier out of the server log, even when one fails.
        "SET log_statement = 'none';",
        "SET log_min_error_statement = 'panic';",
    ];
    for (const g of grants) {
        const r = literal(g.role);
        const d = literal(g.database);
        parts.push(
            `-- ${g.service}: role ${g.role}, database ${g.database}`,
            step(`SELECT NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${r})`, `create role ${g.role}`, `CREATE ROLE ${ident(g.role)} LOGIN;`),
            step(`SELECT NOT rolcanlogin FROM pg_roles WHERE rolname = ${r}`, `allow role ${g.role} to log in`, `ALTER ROLE ${ident(g.role)} LOGIN;`),
            // The mark by which a later run recognises the roles it manages (to report those config dropped).
            step(
                `SELECT shobj_description(oid, 'pg_authid') IS DISTINCT FROM ${literal(MANAGED_MARK)} FROM pg_roles WHERE rolname = ${r}`,
                `mark role ${g.role} as managed`,
                `COMMENT ON ROLE ${ident(g.role)} IS ${literal(MANAGED_MARK)};`,
            ),
            // The variable holds a SCRAM verifier made from the password and a fixed per-role salt, so equality
            // with the stored one means the password is already right.
            step(
                `SELECT rolpassword IS DISTINCT FROM :'${g.variable}' FROM pg_authid WHERE rolname = ${r}`,
                `set the password of role ${g.role}`,
                `ALTER ROLE ${ident(g.role)} PASSWORD :'${g.variable}';`,
            ),
            step(`SELECT NOT EXISTS (SELECT FROM pg_database WHERE datname = ${d})`, `create database ${g.database} owned by ${g.role}`, `CREATE DATABASE ${ident(g.database)} OWNER ${ident(g.role)};`),
            step(
                `SELECT pg_get_userbyid(datdba) <> ${r} FROM pg_database WHERE datname = ${d}`,
                `make ${g.role} the owner of database ${g.database}`,
                `ALTER DATABASE ${ident(g.database)} OWNER TO ${ident(g.role)};`,
            ),
            step(
                `SELECT EXISTS (SELECT FROM pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a WHERE d.datname = ${d} AND a.grantee = 0 AND a.privilege_type IN ('CONNECT', 'TEMPORARY'))`,
                `revoke CONNECT, TEMPORARY on database ${g.database} from PUBLIC`,
                `REVOKE CONNECT, TEMPORARY ON DATABASE ${ident(g.database)} FROM PUBLIC;`,
            ),
            step(
                `SELECT NOT has_database_privilege(${r}, ${d}, 'CONNECT, CREATE, TEMPORARY')`,
                `grant CONNECT, CREATE, TEMPORARY on database ${g.database} to ${g.role}`,
                `GRANT CONNECT, CREATE, TEMPORARY ON DATABASE ${ident(g.database)} TO ${ident(g.role)};`,
            ),
        );
    }
    // Never dropped here (a database holds data): roles this init made that config no longer lists are reported.
    const keep = grants.length ? grants.map((g) => literal(g.role)).join(", ") : "NULL";
    parts.push(
        "-- Managed roles that config no longer lists: reported, left in place.",
        `SELECT 'postgres init: role ' || rolname || ' is no longer in config; left in place with its databases' FROM pg_roles WHERE shobj_description(oid, 'pg_authid') = ${literal(MANAGED_MARK)} AND rolname NOT IN (${keep}) ORDER BY rolname;`,
    );
    return parts.join("\n") + "\n";
}

/** The comment on every role the init manages. */
export const MANAGED_MARK = "managed by iklimco init (components/init)";

/**
 * PostgreSQL's SCRAM-SHA-256 verifier (the form `rolpassword` stores; `ALTER ROLE ... PASSWORD '<verifier>'`
 * stores it as is). The salt is fixed per role (random bytes kept in state), so the same password always gives
 * the same verifier and the init can tell "already set" from "changed" without ever sending the password.
 */
export function scramVerifier(password: string, salt: Buffer, iterations = 4096): string {
    // SASLprep for the ASCII passwords this program generates is the identity; NFKC covers the common rest.
    const normalised = /^[\x20-\x7e]*$/.test(password) ? password : password.normalize("NFKC");
    const salted = crypto.pbkdf2Sync(Buffer.from(normalised, "utf8"), salt, iterations, 32, "sha256");
    const clientKey = crypto.createHmac("sha256", salted).update("Client Key").digest();
    const storedKey = crypto.createHash("sha256").update(clientKey).digest();
    const serverKey = crypto.createHmac("sha256", salted).update("Server Key").digest();
    return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

/** psql `\set` lines for the secret variables (fed on stdin, never rendered into the SQL file). */
export function psqlSecretVariables(values: Record<string, string>): string {
    return Object.keys(values)
        .sort()
        .map((k) => {
            if (!/^[a-z_][a-z0-9_]*$/.test(k)) throw new Error(`postgres init: bad psql variable name ${k}`);
            if (/[\r\n]/.test(values[k])) throw new Error(`postgres init: the value of ${k} has a line break`);
            return `\\set ${k} ${literal(values[k])}`;
        })
        .join("\n");
}

/** stdin of postgres-init.sh: the superuser password, the secret variables, then the rendered SQL. */
export function postgresInitInput(superuserPassword: string, variables: Record<string, string>, sql: string): string {
    if (/[\r\n]/.test(superuserPassword)) throw new Error("postgres init: the superuser password has a line break");
    return `${superuserPassword}\n${psqlSecretVariables(variables)}\n${sql}`;
}

// ---------------------------------------------------------------- MongoDB

export interface MongoUser {
    service: string;
    database: string;
    user: string;
}

export function mongoUsers(microservices: readonly MicroserviceSpec[]): MongoUser[] {
    return microservices.filter((m) => m.mongodb).map((m) => ({ service: m.name, database: m.mongodb!.database, user: m.name }));
}

/** The mongosh script of step 22: the rendered user list, then the static logic of scripts/mongo-init.js. */
export function renderMongoJs(microservices: readonly MicroserviceSpec[]): string {
    return [
        "// Rendered by components/init/render.ts (step 7): who needs what. Passwords come from the secrets file.",
        `var IKLIMCO_MONGO_USERS = ${JSON.stringify(mongoUsers(microservices), null, 2)};`,
        readScript("mongo-init.js"),
    ].join("\n");
}

/** stdin of mongo-entry.sh: the root password, then a JSON object of further secrets (sorted keys). */
export function mongoInput(rootPassword: string, secrets: Record<string, string> = {}): string {
    if (/[\r\n]/.test(rootPassword)) throw new Error("mongo init: the root password has a line break");
    const sorted: Record<string, string> = {};
    for (const k of Object.keys(secrets).sort()) sorted[k] = secrets[k];
    return `${rootPassword}\n${Object.keys(sorted).length ? JSON.stringify(sorted) : ""}`;
}

// ---------------------------------------------------------------- RabbitMQ

export interface RabbitmqUser {
    service: string;
    user: string;
    vhost: string;
}

export function rabbitmqUsers(microservices: readonly MicroserviceSpec[]): RabbitmqUser[] {
    return microservices.filter((m) => m.rabbitmq).map((m) => ({ service: m.name, user: m.name, vhost: m.rabbitmq!.vhost }));
}

/** The desired state rabbitmq-setup.sh applies: vhosts (sorted), then each user and its permission. */
export function renderRabbitmqDesired(microservices: readonly MicroserviceSpec[]): string {
    const users = rabbitmqUsers(microservices);
    for (const u of users) {
        if (/[\t\r\n]/.test(u.vhost)) throw new Error(`rabbitmq setup: the vhost of ${u.service} has a tab or line break`);
    }
    const vhosts = [...new Set(users.map((u) => u.vhost))].sort();
    const lines = [
        ...vhosts.map((v) => `vhost\t${v}`),
        ...users.flatMap((u) => [`user\t${u.user}`, `permission\t${u.user}\t${u.vhost}\t.*\t.*\t.*`]),
    ];
    return lines.join("\n");
}

/** stdin of rabbitmq-setup.sh: the Erlang cookie, then "<user>\t<password>" lines (sorted). */
export function rabbitmqInput(cookie: string, passwords: Record<string, string>): string {
    for (const [u, p] of Object.entries({ cookie, ...passwords })) {
        if (/[\t\r\n]/.test(p)) throw new Error(`rabbitmq setup: the secret of ${u} has a tab or line break`);
    }
    return [cookie, ...Object.keys(passwords).sort().map((u) => `${u}\t${passwords[u]}`)].join("\n") + "\n";
}
