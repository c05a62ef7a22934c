// `npm run migrate -- <phase> --stack <name> [--dry-run] [--rollback] [options]`: moves the running platform
// (stack `iklimco` deployed by the shell pipeline) under the program, phase by phase (docs/migration.md).
// Every phase first prints the whole plan from the live swarm and refuses when a precondition is missing;
// `--dry-run` stops there. Secrets come from the environment (VAULT_TOKEN, PGPASSWORD), never from arguments.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { execFileSync, spawnSync } from "child_process";
import { parseArgs } from "util";
import { parseRawValue } from "../components/config";
import { evaluateProgram } from "./offline/engine";
import { readStackConfig } from "./offline/stack-config";
import { PHASES, Phase } from "./migration/legacy";
import { readLiveState, targetLayout } from "./migration/live";
import { BackupRecord, buildPlan, formatPlan } from "./migration/plan";
import { LocalPg, PatroniRest, copyAll, dropCopied, freezeWrites, thawWrites } from "./migration/postgres";
import { RabbitCtl, exportDefinitions, moveDefinitions } from "./migration/rabbitmq";
import { HttpsVault, checkSource, inventory, seedFromSnapshot, takeSnapshot } from "./migration/vault";

const USAGE = `usage: npm run migrate -- <${["plan", ...PHASES].join("|")}> --stack <name> [--dry-run] [--rollback]
  --host <docker host>        the manager's engine (default: the stack's docker.host)
  --stack-name <name>         the Swarm stack of the services (default: the stack's iklimco:stackName)
  --state <file>              where the migration records its backups and phases (default migration.<stack>.json)
  --backup-dir <dir>          where backups are written (default migration-backups/<stack>)
  --max-backup-age <minutes>  a backup older than this makes every phase refuse (default 60)
  --vault-addr <url>          the legacy Vault (default https://vault:8200, the runner is on the overlay)
  --vault-ca <file>           CA of the legacy Vault's certificate
  --seed-addr <url>           the fresh server on vault-1's volume the snapshot is restored into (docs/migration.md)
  --target-vault-addr <url>   the program's Vault, for the check after pulumi up (default https://vault-1:8200)
  --pg-host <host> --pg-port <port>          the legacy Patroni leader (default patroni:5432)
  --patroni-api <url>                        the legacy Patroni REST API (default http://patroni:8008)
  --target-pg-host <host>                    the program's Patroni leader (default patroni-1)
  --pg-bin <dir>                             PostgreSQL client binaries (default /usr/lib/postgresql/15/bin)
environment: VAULT_TOKEN (iklimco:vaultToken), UNSEAL_KEY (iklimco:vaultUnsealKey), PGPASSWORD (the superuser's)`;

function fail(message: string, code = 1): never {
    process.stderr.write(`${message}\n`);
    process.exit(code);
}

function env(name: string, key: string): string {
    const v = process.env[name];
    if (!v) fail(`${name} is not set: export it from the stack config, e.g. ${name}="$(pulumi config get iklimco:${key})"`);
    return v;
}

interface MigrationState {
    backup?: BackupRecord & { dir: string };
    phases: { phase: string; at: string; rollback?: boolean; databases?: string[]; legacyReplicas?: Record<string, number> }[];
}

function readState(file: string): MigrationState {
    return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as MigrationState) : { phases: [] };
}

function writeState(file: string, s: MigrationState): void {
    fs.writeFileSync(file, JSON.stringify(s, null, 2) + "\n", { mode: 0o600 });
}

function docker(host: string | undefined, args: string[], input?: string): string {
    return execFileSync("docker", args, { encoding: "utf8", input, env: host ? { ...process.env, DOCKER_HOST: host } : process.env, stdio: ["pipe", "pipe", "pipe"], timeout: 300_000 });
}

/** rabbitmqctl inside a task of the service on this engine, the way the operators' documents reach Vault. */
function dockerExecRabbit(host: string | undefined, service: string): RabbitCtl {
    const id = docker(host, ["ps", "-q", "-f", `name=${service}.`]).split("\n")[0]?.trim();
    if (!id) fail(`no running container of ${service} on ${host ?? "the local engine"}: point --host at the node that runs it`);
    return {
        label: service,
        ctl: (args, input) => {
            const r = spawnSync("docker", ["exec", ...(input ? ["-i"] : []), id, "rabbitmqctl", "-q", ...args], { input, encoding: "utf8", env: host ? { ...process.env, DOCKER_HOST: host } : process.env, timeout: 300_000 });
            return { status: r.status, stdout: r.stdout, stderr: r.stderr };
        },
    };
}

function save(dir: string, name: string, data: Buffer | string): { name: string; bytes: number; sha256: string } {
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(data, "utf8");
    fs.writeFileSync(path.join(dir, name), buf, { mode: 0o600 });
    return { name, bytes: buf.length, sha256: crypto.createHash("sha256").update(buf).digest("hex") };
}

async function main(): Promise<void> {
    const { values, positionals } = parseArgs({
        allowPositionals: true,
        options: {
            stack: { type: "string" },
            "dry-run": { type: "boolean", default: false },
            rollback: { type: "boolean", default: false },
            verify: { type: "boolean", default: false },
            host: { type: "string" },
            "stack-name": { type: "string" },
            state: { type: "string" },
            "backup-dir": { type: "string" },
            "max-backup-age": { type: "string", default: "60" },
            "vault-addr": { type: "string", default: "https://vault:8200" },
            "vault-ca": { type: "string" },
            "seed-addr": { type: "string" },
            "target-vault-addr": { type: "string", default: "https://vault-1:8200" },
            "pg-host": { type: "string", default: "patroni" },
            "pg-port": { type: "string", default: "5432" },
            "patroni-api": { type: "string", default: "http://patroni:8008" },
            "target-pg-host": { type: "string", default: "patroni-1" },
            "pg-bin": { type: "string", default: "/usr/lib/postgresql/15/bin" },
        },
    });
    const phase = positionals[0] as Phase | "plan" | undefined;
    if (!phase || !["plan", ...PHASES].includes(phase) || !values.stack) fail(USAGE, 2);
    const maxAge = Number(values["max-backup-age"]);
    if (!Number.isFinite(maxAge) || maxAge <= 0) fail(`--max-backup-age: expected minutes (> 0), found ${values["max-backup-age"]}`, 2);

    const stackName = values.stack;
    // --stack-name: the Swarm stack the services run under, when it is not the stack's iklimco:stackName.
    const cfg = readStackConfig(stackName, values["stack-name"] ? { "iklimco:stackName": values["stack-name"] } : {});
    const settingsStack = String(parseRawValue(cfg.config["iklimco:stackName"] ?? "iklimco"));
    const host = values.host ?? (parseRawValue(cfg.config["iklimco:docker"]) as { host: string }).host;
    const stateFile = values.state ?? `migration.${stackName}.json`;
    const backupRoot = values["backup-dir"] ?? path.join("migration-backups", stackName);
    const state = readState(stateFile);

    // The whole plan, every time.
    const ev = await evaluateProgram({ stack: stackName, config: cfg.config, secretKeys: cfg.secretKeys });
    const configSecrets = new Set(cfg.secrets.filter((s) => s.state === "set").map((s) => s.key.replace(/^iklimco:/, "")));
    const live = readLiveState(host);
    const plan = buildPlan({ stack: settingsStack, live, target: targetLayout(ev), configSecrets, backup: state.backup, now: new Date(), maxBackupAgeMs: maxAge * 60_000 });
    const log = (s: string) => process.stdout.write(s + "\n");
    log(`Migration of the running platform on ${host} (stack ${settingsStack}), phase: ${phase}${values.rollback ? " (rollback)" : ""}${values["dry-run"] ? " (dry run)" : ""}\n`);
    log(formatPlan(plan));
    // The backup phase only reads (it is what makes the "no fresh backup" refusal go away): only an unhealthy
    // member stops it.
    const blocking = phase === "backup" ? plan.refusals.filter((r) => r.startsWith("member unhealthy")) : plan.refusals;
    if (phase === "plan" || values["dry-run"]) process.exit(blocking.length ? 1 : 0);
    if (blocking.length && !values.rollback) fail(`\nrefused: ${blocking.length} precondition(s) do not hold (listed above); nothing was changed`);

    const ca = values["vault-ca"];
    const legacyVault = new HttpsVault(values["vault-addr"]!, ca);
    const record = (entry: MigrationState["phases"][number]) => {
        state.phases.push(entry);
        writeState(stateFile, state);
    };

    switch (phase) {
        case "backup": {
            const stamp = new Date().toISOString().replace(/[:.]/g, "-");
            const dir = path.join(backupRoot, stamp);
            fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
            const files = [];
            if (plan.legacy.vault?.length) {
                const token = env("VAULT_TOKEN", "vaultToken");
                const problems = await checkSource(legacyVault, token);
                if (problems.length) fail(problems.join("\n"));
                files.push(save(dir, "vault.snap", await takeSnapshot(legacyVault, token)));
                files.push(save(dir, "vault-inventory.json", JSON.stringify(await inventory(legacyVault, token), null, 2)));
            }
            if (plan.legacy.postgres?.length) {
                const pg = new LocalPg(plan.legacy.postgres[0], { host: values["pg-host"]!, port: Number(values["pg-port"]), user: "postgres", password: env("PGPASSWORD", "postgresSuperuserPassword"), bin: values["pg-bin"]! });
                files.push(save(dir, "postgres-roles.sql", pg.dumpRoles()));
                for (const db of pg.query("select datname from pg_database where not datistemplate order by 1").split("\n").filter(Boolean)) files.push(save(dir, `postgres-${db}.sql`, pg.dumpDatabase(db, true)));
            }
            if (plan.legacy.rabbitmq?.length) files.push(save(dir, "rabbitmq-definitions.json", JSON.stringify(exportDefinitions(dockerExecRabbit(host, plan.legacy.rabbitmq[0])))));
            state.backup = { takenAt: new Date().toISOString(), files, dir };
            writeState(stateFile, state);
            log(`\nbackup written to ${dir}:`);
            for (const f of files) log(`  ${f.name}  ${f.bytes} bytes  sha256 ${f.sha256}`);
            return;
        }
        case "vault": {
            const legacySvc = plan.legacy.vault?.[0] ?? `${settingsStack}_vault`;
            if (values.rollback) {
                const replicas = [...state.phases].reverse().find((p) => p.phase === "vault" && !p.rollback)?.legacyReplicas?.[legacySvc] ?? 3;
                const members = targetLayout(ev).services.filter((s) => /_vault-\d+$/.test(s) && live.services.some((l) => l.name === s));
                for (const m of members) docker(host, ["service", "rm", m]);
                docker(host, ["service", "scale", "--detach=false", `${legacySvc}=${replicas}`]);
                record({ phase: "vault", at: new Date().toISOString(), rollback: true });
                log(`\nrolled back: removed ${members.join(", ") || "no new member"}; ${legacySvc} scaled back to ${replicas}; it unseals itself from vault_unseal_key`);
                return;
            }
            const token = env("VAULT_TOKEN", "vaultToken");
            if (values.verify) {
                // After `pulumi up`: the program's cluster answers every KV path and AppRole role the legacy one had.
                const file = `vault-inventory.${stackName}.json`;
                if (!fs.existsSync(file)) fail(`${file} is missing: it is written by the vault phase`);
                const before = JSON.parse(fs.readFileSync(file, "utf8")) as Awaited<ReturnType<typeof inventory>>;
                const targetVault = new HttpsVault(values["target-vault-addr"]!, ca);
                const after = await inventory(targetVault, token);
                const missing: string[] = [];
                for (const [mount, paths] of Object.entries(before.kv)) for (const p of paths) if (!(after.kv[mount] ?? []).includes(p)) missing.push(`${mount}/${p}`);
                for (const [mount, roles] of Object.entries(before.approles)) for (const r of roles) if (!(after.approles[mount] ?? []).includes(r)) missing.push(`auth/${mount}/role/${r}`);
                if (missing.length) fail(`the program's Vault lacks: ${missing.join(", ")}`);
                log(`
verified: every KV path (${Object.values(before.kv).flat().length}) and AppRole role (${Object.values(before.approles).flat().length}) of the legacy Vault is on ${values["target-vault-addr"]}`);
                return;
            }
            const key = env("UNSEAL_KEY", "vaultUnsealKey");
            if (!values["seed-addr"]) fail("--seed-addr: the fresh server started on vault-1's volume (docs/migration.md, \"2. vault\", step 4)", 2);
            const problems = await checkSource(legacyVault, token);
            if (problems.length) fail(problems.join("\n"));
            const inv = await inventory(legacyVault, token);
            const snapshot = await takeSnapshot(legacyVault, token);
            const desired = live.services.find((s) => s.name === legacySvc)?.desired ?? 0;
            record({ phase: "vault", at: new Date().toISOString(), legacyReplicas: { [legacySvc]: desired } });
            docker(host, ["service", "scale", "--detach=false", `${legacySvc}=0`]);
            await seedFromSnapshot(new HttpsVault(values["seed-addr"], ca), snapshot, key, token);
            fs.writeFileSync(`vault-inventory.${stackName}.json`, JSON.stringify(inv, null, 2) + "\n", { mode: 0o600 });
            log(`\n${legacySvc} scaled to 0 (was ${desired}); vault-1's volume holds the snapshot (${snapshot.length} bytes), sealed with the operators' key.`);
            log(`next: stop the seed server, \`pulumi up\`, then \`npm run migrate -- vault --stack ${stackName} --verify\``);
            return;
        }
        case "postgres": {
            const password = env("PGPASSWORD", "postgresSuperuserPassword");
            const conn = (h: string) => ({ host: h, port: Number(values["pg-port"]), user: "postgres", password, bin: values["pg-bin"]! });
            const legacyPg = new LocalPg(plan.legacy.postgres?.[0] ?? "legacy patroni", conn(values["pg-host"]!));
            const targetPg = new LocalPg("patroni-1", conn(values["target-pg-host"]!));
            const patroni = new PatroniRest(values["patroni-api"]!);
            if (values.rollback) {
                await thawWrites(patroni);
                const copied = [...state.phases].reverse().find((p) => p.phase === "postgres" && !p.rollback)?.databases ?? [];
                dropCopied(targetPg, copied);
                record({ phase: "postgres", at: new Date().toISOString(), rollback: true });
                log(`\nrolled back: the legacy cluster takes writes again; dropped ${copied.join(", ") || "nothing"} from the program's cluster`);
                return;
            }
            // Patroni applies the setting on every member; the command waits for the leader it reaches (the
            // overlay name `--pg-host`), which is the only member taking writes.
            await freezeWrites(patroni, [legacyPg]);
            const report = copyAll(legacyPg, targetPg);
            record({ phase: "postgres", at: new Date().toISOString(), databases: report.databases });
            log(`\ncopied ${report.databases.join(", ")}; row counts equal. Point the services at the program's patroniHosts; the legacy cluster stays read-only until retire (or --rollback).`);
            return;
        }
        case "rabbitmq": {
            const target = `${settingsStack}_rabbitmq-1`;
            const defs = moveDefinitions(dockerExecRabbit(host, plan.legacy.rabbitmq?.[0] ?? `${settingsStack}_rabbitmq`), dockerExecRabbit(host, target));
            record({ phase: "rabbitmq", at: new Date().toISOString() });
            log(`\nimported ${defs.users.length} users, ${defs.vhosts.length} vhosts, ${defs.permissions.length} permissions into ${target}`);
            return;
        }
        default:
            // mongodb, etcd, swag, retire: the steps are printed above; this version does not run them itself.
            fail(`\nthe ${phase} phase is not automated in this version: run the steps printed above by hand (docs/migration.md, "${phase}")`, 3);
    }
}

main().catch((err) => fail(err instanceof Error ? err.message : String(err)));
