// `npm run migrate -- <phase> --stack <name> [--dry-run] [--rollback] [options]`: moves the running platform
// (stack `iklimco` deployed by the shell pipeline) under the program, phase by phase (docs/migration.md).
// Every phase first prints the whole plan from the live swarm and refuses when a precondition is missing;
// `--dry-run` stops there. Secrets come from the environment (VAULT_TOKEN, PGPASSWORD), never from arguments.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { execFileSync, spawnSync } from "child_process";
import { parseArgs } from "util";
import { swagConfigVolume, vaultHostname } from "../components/naming";
import { evaluateProgram } from "./offline/engine";
import { readStackConfig, settingsOf, stackFile } from "./offline/stack-config";
import { APISIX_PREFIX, EtcdCtl, copyPrefix, deleteKeys, listPrefix } from "./migration/etcd";
import { LEGACY_KINDS, PHASES, Phase } from "./migration/legacy";
import { readLiveState, targetLayout } from "./migration/live";
import { BackupRecord, buildPlan, formatPlan } from "./migration/plan";
import { LocalPg, PatroniRest, copyAll, dropCopied, freezeWrites, thawWrites } from "./migration/postgres";
import { RabbitCtl, exportDefinitions, moveDefinitions } from "./migration/rabbitmq";
import { copyVolume, volumeAt } from "./migration/swag";
import { HttpsVault, checkSource, inventory, seedFromSnapshot, takeSnapshot, until } from "./migration/vault";
import { seedServerSpec, seedServiceArgs, seedServiceName } from "./migration/vault-seed";

const USAGE = `usage: npm run migrate -- <${["plan", ...PHASES].join("|")}> --stack <name> [--dry-run] [--rollback]
  --config-file <file>        read this stack file instead of Pulumi.<stack>.yaml (as pulumi --config-file)
  --host <docker host>        the manager's engine (default: the stack's docker.host)
  --stack-name <name>         the Swarm stack of the services (default: the stack's iklimco:stackName)
  --state <file>              where the migration records its backups and phases (default migration.<stack>.json)
  --backup-dir <dir>          where backups are written (default migration-backups/<stack>)
  --max-backup-age <minutes>  a backup older than this makes every phase refuse (default 60)
  --vault-addr <url>          the legacy Vault (default https://vault:8200, the runner is on the overlay)
  --vault-ca <file>           CA of the legacy Vault's certificate
  --seed-addr <url>           a fresh server on vault-1's volume to restore into; without it the phase starts the
                              program's transient server there itself, publishing --seed-port on vault-1's node
  --seed-port <port>          where that transient server is published (default: iklimco:vault.port)
  --target-vault-addr <url>   the program's Vault, for the check after pulumi up (default https://vault-1:8200)
  --pg-host <host> --pg-port <port>          the legacy Patroni leader (default patroni:5432)
  --patroni-api <url>                        the legacy Patroni REST API (default http://patroni:8008)
  --target-pg-host <host> --target-pg-port <port>   the program's Patroni leader (default patroni-1, --pg-port)
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
    phases: { phase: string; at: string; rollback?: boolean; databases?: string[]; keys?: string[]; volume?: string; legacyReplicas?: Record<string, number> }[];
}

/** Phases whose last record is not a rollback. */
function donePhases(s: MigrationState): Set<Phase> {
    const last = new Map<string, boolean>();
    for (const p of s.phases) last.set(p.phase, !p.rollback);
    return new Set([...last].filter(([, done]) => done).map(([p]) => p as Phase));
}

/**
 * A phase's runs since its last rollback, oldest first: what its rollback undoes. A phase run twice records
 * only what each run changed (a second run of etcd copies nothing), so the rollback takes all of them.
 */
function runsToUndo(s: MigrationState, phase: Phase): MigrationState["phases"] {
    const runs: MigrationState["phases"] = [];
    for (const p of s.phases) {
        if (p.phase !== phase) continue;
        if (p.rollback) runs.length = 0;
        else runs.push(p);
    }
    return runs;
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
    // By the service label: a name filter is a pattern, and `iklimco_rabbitmq.` also matches iklimco_rabbitmq-1's tasks.
    const id = taskOf(host, service);
    return {
        label: service,
        ctl: (args, input) => {
            const r = spawnSync("docker", ["exec", ...(input ? ["-i"] : []), id, "rabbitmqctl", "-q", ...args], { input, encoding: "utf8", env: host ? { ...process.env, DOCKER_HOST: host } : process.env, timeout: 300_000 });
            return { status: r.status, stdout: r.stdout, stderr: r.stderr };
        },
    };
}

/** The first running container of a service on this engine (docker exec reaches only local tasks). */
function taskOf(host: string | undefined, service: string): string {
    const id = docker(host, ["ps", "-q", "-f", `label=com.docker.swarm.service.name=${service}`]).split("\n")[0]?.trim();
    if (!id) fail(`no running container of ${service} on ${host ?? "the local engine"}: point --host at the node that runs it`);
    return id;
}

/** The image's own etcdctl inside a member's container, against its local client port (the image has no shell). */
function dockerExecEtcd(host: string | undefined, service: string): EtcdCtl {
    const id = taskOf(host, service);
    return {
        label: service,
        ctl: (args, input) => {
            const r = spawnSync("docker", ["exec", ...(input ? ["-i"] : []), id, "/usr/local/bin/etcdctl", "--endpoints=http://127.0.0.1:2379", ...args], { input, encoding: "utf8", env: host ? { ...process.env, DOCKER_HOST: host } : process.env, timeout: 120_000, maxBuffer: 256 * 1024 * 1024 });
            return { status: r.status, stdout: r.stdout, stderr: r.stderr };
        },
    };
}

/** Removes a volume once no container holds it any more (a removed service's task takes a moment to go). */
async function removeVolume(host: string | undefined, volume: string): Promise<void> {
    const env = host ? { ...process.env, DOCKER_HOST: host } : process.env;
    await until(`the volume ${volume} to be removed`, 120_000, async () => spawnSync("docker", ["volume", "rm", volume], { env }).status === 0 || spawnSync("docker", ["volume", "inspect", volume], { env }).status !== 0);
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
            "config-file": { type: "string" },
            "stack-name": { type: "string" },
            state: { type: "string" },
            "backup-dir": { type: "string" },
            "max-backup-age": { type: "string", default: "60" },
            "vault-addr": { type: "string", default: "https://vault:8200" },
            "vault-ca": { type: "string" },
            "seed-addr": { type: "string" },
            "seed-port": { type: "string" },
            "target-vault-addr": { type: "string", default: "https://vault-1:8200" },
            "pg-host": { type: "string", default: "patroni" },
            "pg-port": { type: "string", default: "5432" },
            "patroni-api": { type: "string", default: "http://patroni:8008" },
            "target-pg-host": { type: "string", default: "patroni-1" },
            "target-pg-port": { type: "string" },
            "pg-bin": { type: "string", default: "/usr/lib/postgresql/15/bin" },
        },
    });
    const phase = positionals[0] as Phase | "plan" | undefined;
    if (!phase || !["plan", ...PHASES].includes(phase) || !values.stack) fail(USAGE, 2);
    const maxAge = Number(values["max-backup-age"]);
    if (!Number.isFinite(maxAge) || maxAge <= 0) fail(`--max-backup-age: expected minutes (> 0), found ${values["max-backup-age"]}`, 2);

    const stackName = values.stack;
    // --stack-name: the Swarm stack the services run under, when it is not the stack's iklimco:stackName.
    const cfg = readStackConfig(stackName, values["stack-name"] ? { "iklimco:stackName": values["stack-name"] } : {}, {}, values["config-file"] ?? stackFile(stackName));
    const settings = settingsOf(cfg);
    const settingsStack = settings.stackName;
    const host = values.host ?? settings.docker.host;
    const stateFile = values.state ?? `migration.${stackName}.json`;
    const backupRoot = values["backup-dir"] ?? path.join("migration-backups", stackName);
    const state = readState(stateFile);

    // The whole plan, every time.
    const ev = await evaluateProgram({ stack: stackName, config: cfg.config, secretKeys: cfg.secretKeys });
    const configSecrets = new Set(cfg.secrets.filter((s) => s.state === "set").map((s) => s.key.replace(/^iklimco:/, "")));
    const live = readLiveState(host);
    const plan = buildPlan({ stack: settingsStack, live, target: targetLayout(ev), configSecrets, backup: state.backup, done: donePhases(state), now: new Date(), maxBackupAgeMs: maxAge * 60_000 });
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
            if (plan.legacy.etcd?.length) files.push(save(dir, "etcd-apisix.json", JSON.stringify(listPrefix(dockerExecEtcd(host, plan.legacy.etcd[0]), APISIX_PREFIX))));
            state.backup = { takenAt: new Date().toISOString(), files, dir };
            writeState(stateFile, state);
            log(`\nbackup written to ${dir}:`);
            for (const f of files) log(`  ${f.name}  ${f.bytes} bytes  sha256 ${f.sha256}`);
            return;
        }
        case "vault": {
            const legacySvc = plan.legacy.vault?.[0] ?? `${settingsStack}_vault`;
            if (values.rollback) {
                // The count the first run found: a later run finds the legacy service already scaled to 0.
                const replicas = runsToUndo(state, "vault").find((p) => p.legacyReplicas?.[legacySvc] !== undefined)?.legacyReplicas?.[legacySvc] ?? 3;
                const layout = targetLayout(ev);
                const seed = seedServiceName(seedServerSpec(ev));
                const members = [...layout.services.filter((s) => /_vault-\d+$/.test(s)), seed].filter((s) => live.services.some((l) => l.name === s));
                for (const m of members) docker(host, ["service", "rm", m]);
                // The members' volumes hold the restored copy (and whatever the new cluster wrote since): they go
                // with them, so the phase can run again on fresh volumes. The legacy volumes were never touched.
                const volumes = layout.volumes.filter((v) => /_vault-\d+-data$/.test(v) && live.volumes.includes(v));
                for (const v of volumes) await removeVolume(host, v);
                docker(host, ["service", "scale", "--detach=false", `${legacySvc}=${replicas}`]);
                record({ phase: "vault", at: new Date().toISOString(), rollback: true });
                log(`\nrolled back: removed ${members.join(", ") || "no new member"} and ${volumes.join(", ") || "no volume"}; ${legacySvc} scaled back to ${replicas}; it unseals itself from vault_unseal_key`);
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
            const problems = await checkSource(legacyVault, token);
            if (problems.length) fail(problems.join("\n"));
            const inv = await inventory(legacyVault, token);
            const snapshot = await takeSnapshot(legacyVault, token);
            const tSnapshot = Date.now();
            const desired = live.services.find((s) => s.name === legacySvc)?.desired ?? 0;
            record({ phase: "vault", at: new Date().toISOString(), legacyReplicas: { [legacySvc]: desired } });
            // The scale returns once the tasks are told to stop; they answer until they exit (within their stop
            // grace period). Writes until then are not in the snapshot; the outage starts when the last one exits,
            // and only then is the port free for the seed server.
            docker(host, ["service", "scale", "--detach=false", `${legacySvc}=0`]);
            await until(`${legacySvc}'s tasks to exit`, 120_000, async () => !docker(host, ["service", "ps", "--format", "{{.CurrentState}}", legacySvc]).split("\n").some((st) => st.startsWith("Running")));
            const t0 = Date.now();
            log(`\n${legacySvc} scaled to 0 (was ${desired}); its tasks exited ${((t0 - tSnapshot) / 1000).toFixed(1)} s after the snapshot`);
            if (values["seed-addr"]) {
                await seedFromSnapshot(new HttpsVault(values["seed-addr"], ca), snapshot, key, token);
            } else {
                // The program's transient server on vault-1's volume, published on vault-1's node for this restore.
                const spec = seedServerSpec(ev);
                const port = Number(values["seed-port"] ?? settings.vault.port);
                const nodeIp = settings.nodes.find((n) => n.name === spec.node)?.publicIp ?? spec.node;
                const seedName = seedServiceName(spec);
                log(`starting ${seedName} on ${spec.node} (volume ${spec.dataVolume}), published on ${nodeIp}:${port}`);
                docker(host, seedServiceArgs(spec, port));
                try {
                    const seed = new HttpsVault(`https://${nodeIp}:${port}`, ca, vaultHostname(settings));
                    await until(`${seedName} to answer on ${nodeIp}:${port}`, 180_000, async () => (await seed.request("GET", "/v1/sys/seal-status", { timeoutMs: 3000 })).status === 200);
                    await seedFromSnapshot(seed, snapshot, key, token);
                } finally {
                    // Stopped (and gone) before vault-1 starts on the same volume.
                    docker(host, ["service", "rm", seedName]);
                    await until(`${seedName}'s container to stop`, 120_000, async () => docker(host, ["ps", "-q", "--filter", `label=com.docker.swarm.service.name=${seedName}`]).trim() === "");
                }
            }
            fs.writeFileSync(`vault-inventory.${stackName}.json`, JSON.stringify(inv, null, 2) + "\n", { mode: 0o600 });
            log(`vault-1's volume holds the snapshot (${snapshot.length} bytes), sealed with the operators' key; Vault has answered nothing for ${((Date.now() - t0) / 1000).toFixed(1)} s so far.`);
            log(`next: \`pulumi up\` (vault-1 starts on that volume and unseals with iklimco:vaultUnsealKey), then \`npm run migrate -- vault --stack ${stackName} --verify\``);
            return;
        }
        case "postgres": {
            const password = env("PGPASSWORD", "postgresSuperuserPassword");
            const conn = (h: string, port: string) => ({ host: h, port: Number(port), user: "postgres", password, bin: values["pg-bin"]! });
            const legacyPg = new LocalPg(plan.legacy.postgres?.[0] ?? "legacy patroni", conn(values["pg-host"]!, values["pg-port"]!));
            const targetPg = new LocalPg("patroni-1", conn(values["target-pg-host"]!, values["target-pg-port"] ?? values["pg-port"]!));
            const patroni = new PatroniRest(values["patroni-api"]!);
            if (values.rollback) {
                await thawWrites(patroni);
                const copied = [...new Set(runsToUndo(state, "postgres").flatMap((p) => p.databases ?? []))];
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
        case "etcd": {
            const source = dockerExecEtcd(host, plan.legacy.etcd?.[0] ?? `${settingsStack}_etcd`);
            const target = dockerExecEtcd(host, `${settingsStack}_etcd-1`);
            if (values.rollback) {
                const keys = [...new Set(runsToUndo(state, "etcd").flatMap((p) => p.keys ?? []))];
                deleteKeys(target, keys);
                record({ phase: "etcd", at: new Date().toISOString(), rollback: true });
                log(`\nrolled back: deleted ${keys.length} copied key(s) from ${target.label}; the legacy etcd was only read`);
                return;
            }
            const report = copyPrefix(source, target, APISIX_PREFIX);
            record({ phase: "etcd", at: new Date().toISOString(), keys: report.copied });
            log(`\ncopied ${report.copied.length} key(s) under ${APISIX_PREFIX} into ${target.label} (${report.unchanged.length} already there); every key reads back equal. Point APISIX at the program's etcdClientEndpoints.`);
            return;
        }
        case "swag": {
            const legacySwag = plan.legacy.swag?.[0] ?? `${settingsStack}_swag`;
            const to = targetLayout(ev).volumes.find((v) => v === swagConfigVolume(settingsStack));
            if (!to) fail(`the program declares no volume ${swagConfigVolume(settingsStack)}`);
            const images = settings.images;
            const dockerCli = (args: string[], input?: string) => docker(host, args, input);
            if (values.rollback) {
                const copies = [...new Set(runsToUndo(state, "swag").flatMap((p) => (p.volume ? [p.volume] : [])))];
                for (const v of copies) await removeVolume(host, v);
                record({ phase: "swag", at: new Date().toISOString(), rollback: true });
                log(`\nrolled back: ${copies.length ? `removed the copy ${copies.join(", ")}` : "nothing was copied"}; the legacy volume was only read`);
                return;
            }
            const from = volumeAt(dockerCli, legacySwag);
            const report = copyVolume(dockerCli, images.certTools, from, to);
            record({ phase: "swag", at: new Date().toISOString(), ...(report.unchanged ? {} : { volume: to }) });
            log(`\n${report.unchanged ? "already copied" : "copied"}: ${from} -> ${to}, ${report.entries} entries, every file's sha256 equal`);
            return;
        }
        case "retire": {
            if (values.rollback) fail("retire is the last phase: it has no rollback (docs/migration.md)", 2);
            const done = donePhases(state);
            const groups = Object.keys(plan.legacy).filter((g) => g !== "import") as Phase[];
            const notDone = groups.filter((g) => !done.has(g));
            const layout = targetLayout(ev);
            const prefixOf: Partial<Record<Phase, string>> = { vault: "vault", postgres: "patroni", rabbitmq: "rabbitmq", mongodb: "mongodb", etcd: "etcd" };
            const notRunning = groups.flatMap((g) => {
                const p = prefixOf[g];
                if (!p) return [];
                const members = layout.services.filter((n) => new RegExp(`^${settingsStack}_${p}-\\d+$`).test(n));
                return members.filter((m) => !live.services.some((l) => l.name === m && l.desired > 0 && l.running === l.desired));
            });
            if (notDone.length || notRunning.length) {
                fail(`\nrefused: ${[...notDone.map((g) => `the ${g} phase has not run (or was rolled back)`), ...notRunning.map((m) => `${m} is not running all its tasks`)].join("; ")}. Nothing was removed.`);
            }
            const retired = groups.filter((g) => g !== "swag").flatMap((g) => plan.legacy[g] ?? []);
            for (const s of retired) docker(host, ["service", "rm", s]);
            const secretNames = LEGACY_KINDS.filter((k) => k.phase && groups.includes(k.phase)).flatMap((k) => k.secrets);
            const removed: string[] = [];
            for (const sec of secretNames) {
                if (!live.secrets.some((x) => x.name === sec)) continue;
                // Swarm refuses while a task still mounts it: the removed services' tasks stop first.
                await until(`${sec} to be free`, 120_000, async () => spawnSync("docker", ["secret", "rm", sec], { env: host ? { ...process.env, DOCKER_HOST: host } : process.env }).status === 0);
                removed.push(sec);
            }
            const volumes = live.volumes.filter((v) => retired.some((s) => v.startsWith(`${s}_`)));
            record({ phase: "retire", at: new Date().toISOString() });
            log(`\nretired: removed ${retired.join(", ") || "no service"}; removed the secrets ${removed.join(", ") || "(none)"}.`);
            log(`kept: the legacy volumes (${volumes.join(", ") || "none found by name"}) and the backup in ${state.backup?.dir ?? backupRoot}; remove the volumes with docker volume rm once you no longer want them. The microservices' <svc>_vault_role_id/_secret_id stay: they still log in.`);
            return;
        }
        default:
            // mongodb: the steps are printed above; this version does not run them itself.
            fail(`\nthe ${phase} phase is not automated in this version: run the steps printed above by hand (docs/migration.md, "${phase}")`, 3);
    }
}

main().catch((err) => fail(err instanceof Error ? err.message : String(err)));
