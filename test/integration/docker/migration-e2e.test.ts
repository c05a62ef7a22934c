// The migration from the running platform, end to end on the real swarm. The legacy platform is the operators'
// compose stack `iklimco`, written by hand from their documents (test/support/legacy-platform.ts): a real
// OpenBao as `iklimco_vault` with KV secrets and AppRoles, unsealed by its entrypoint from the `vault_unseal_key`
// Swarm secret; a real etcd and a two-member Patroni cluster (PostgreSQL 15) holding rows; a real RabbitMQ with
// users and vhosts and the `rabbitmq_erlang_cookie` secret; SWAG's config volume; the per-service
// `<svc>_vault_role_id`/`_secret_id` secrets. Every phase then runs through the compiled command (`node
// bin/tools/migrate.js`, what `npm run migrate` runs), while a loop per service reads from it as its clients
// would; `pulumi up` (no Pulumi engine here) is stood in for by the evaluated program's own VaultInit command
// and `docker stack deploy` of its compose export (etcd-1, patroni-1, rabbitmq-1, vault-1; contract-true
// stand-in images, each given one published port so this host can reach it).
//
// The loops measure the downtime per service, so nothing may hold the event loop while they run: every
// command of that window (the migration, docker, psql, VaultInit's script) is an asynchronous child process,
// and the program is evaluated before the loops start and after they stop.
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expect } from "chai";
import * as YAML from "yaml";
import { ImageKey } from "../../../components/images";
import { NODE_LABELS } from "../../../components/config";
import { initCredentials } from "../../../components/vault/bootstrap";
import { stackFileText, stackFilesOf } from "../../../tools/offline/compose";
import { readStackConfig } from "../../../tools/offline/stack-config";
import { HttpsVault, VaultEndpoint, VaultInventory, approleLogin, inventory, sealStatus, until } from "../../../tools/migration/vault";
import { vaultInitCommand } from "../../../tools/migration/vault-seed";
import { SECRET, evaluateStack, input, ofType } from "../../harness";
import { amqpOpen } from "../../support/amqp";
import { ensureContractImage } from "../../support/contract-images";
import { containerOf, standIn } from "../../support/contract-stack";
import { docker, dockerAsync, dockerAsyncOk, dockerAvailable, dockerOk, ensureSwarm, removeTaskContainers, sleep, waitForService } from "../../support/docker";
import { makeCa, openbaoAvailable } from "../../support/openbao";
import { freePort } from "../../support/ports";
import { runProcess } from "../../support/process";
import { deployLegacy, ensureOpenBaoImage, legacyComposeText, legacyRabbitConf } from "../../support/legacy-platform";

/* eslint-disable @typescript-eslint/no-explicit-any */
const REPO = path.join(__dirname, "..", "..", "..");
const STACK = "iklimco";
const NET = "iklimco-net";
const PG_BIN = "/usr/lib/postgresql/15/bin";
const MICROSERVICE = "auth-service";
/** Where the command runs (it writes its inventory there). */
const CWD = fs.mkdtempSync(path.join(os.tmpdir(), "migration-cwd-"));

interface Run {
    status: number | null;
    stdout: string;
    stderr: string;
}

/** `npm run migrate -- <args>` (the compiled command) as a child process. */
async function migrate(args: string[], env: Record<string, string> = {}): Promise<Run> {
    const r = await runProcess(process.execPath, [path.join(REPO, "bin", "tools", "migrate.js"), ...args], { cwd: CWD, env: { ...process.env, ...env }, timeoutMs: 600_000 });
    return { status: r.code, stdout: r.stdout, stderr: r.stderr };
}

function expectOk(r: Run, what: string): string {
    expect(r.status, `${what}:\n${r.stdout}\n${r.stderr}`).to.equal(0);
    return r.stdout;
}

/** psql on this host against a published port, as a child process; the trimmed tuples, or an error. */
async function sql(port: number, user: string, password: string, query: string, database = "postgres", timeoutMs = 60_000): Promise<string> {
    const r = await runProcess(`${PG_BIN}/psql`, ["-h", "127.0.0.1", "-p", String(port), "-U", user, "-XAtq", "-v", "ON_ERROR_STOP=1", "-d", database, "-c", query], {
        env: { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: "2" },
        timeoutMs,
    });
    if (r.code !== 0) throw new Error(`psql on 127.0.0.1:${port}: ${r.stderr.trim() || `killed after ${timeoutMs} ms`}`);
    return r.stdout.trim();
}

async function containerOfAsync(service: string): Promise<string> {
    const id = (await dockerAsync(["ps", "-q", "--filter", `label=com.docker.swarm.service.name=${service}`])).split("\n")[0];
    if (!id) throw new Error(`no running container for ${service}`);
    return id;
}

/** A window of the run (a phase, a wait) or, with from = to, a moment (clients repointed). */
interface Window {
    name: string;
    from: number;
    to: number;
}

interface Read {
    start: number;
    end: number;
    ok: boolean;
    /** Why a failed read failed (the first one of each run of failures is printed). */
    why?: string;
}

/** One service's reads, each with its times, as its clients would make them. */
class ReadLog {
    readonly reads: Read[] = [];
    constructor(readonly service: string) {}

    /** Probes until `stopped()`, pausing `pauseMs` between reads; a probe answers true or why it failed. */
    async loop(stopped: () => boolean, probe: () => Promise<true | string>, pauseMs: number): Promise<void> {
        while (!stopped()) {
            const start = Date.now();
            let answer: true | string;
            try {
                answer = await probe();
            } catch (e) {
                answer = (e as Error).message;
            }
            this.reads.push({ start, end: Date.now(), ok: answer === true, ...(answer === true ? {} : { why: answer.split("\n")[0].slice(0, 160) }) });
            await sleep(pauseMs);
        }
    }

    get failures(): number {
        return this.reads.filter((r) => !r.ok).length;
    }

    /** Spans without a successful read longer than `minMs`, longest first: from a success (or t0) to the next (or tEnd). */
    gaps(t0: number, tEnd: number, minMs = 0): { from: number; to: number; ms: number; why?: string }[] {
        const out: { from: number; to: number; ms: number; why?: string }[] = [];
        let last = t0;
        let why: string | undefined;
        for (const r of this.reads) {
            if (!r.ok) {
                why ??= r.why;
                continue;
            }
            out.push({ from: last, to: r.end, ms: r.end - last, why });
            last = r.end;
            why = undefined;
        }
        out.push({ from: last, to: tEnd, ms: tEnd - last, why });
        return out.filter((g) => g.ms > minMs).sort((a, b) => b.ms - a.ms);
    }

    /** The longest time between the starts of two consecutive reads: how long the loop itself ever stalled. */
    longestBetweenStarts(): number {
        let longest = 0;
        for (let i = 1; i < this.reads.length; i++) longest = Math.max(longest, this.reads[i].start - this.reads[i - 1].start);
        return longest;
    }
}

(dockerAvailable() && openbaoAvailable() && fs.existsSync(PG_BIN) ? describe : describe.skip)("migration from the running platform: the operators' compose stack iklimco on the real swarm (real OpenBao, etcd, Patroni and RabbitMQ; SWAG's volume; no MongoDB here: its move is checked against its documented contract elsewhere)", function () {
    this.timeout(1_200_000);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "migration-e2e-"));
    const created = { network: false, stack: false, secrets: [] as string[], volumesBefore: new Set<string>() };
    let node = "";

    before(async function () {
        this.timeout(120_000);
        await ensureSwarm();
        // The stack, network and secrets carry the seeds' own names: refuse to run over anything not ours.
        const clash = [dockerOk(["network", "inspect", NET]) && `network ${NET}`, docker(["stack", "ls", "--format", "{{.Name}}"]).split("\n").includes(STACK) && `stack ${STACK}`, ...["vault_unseal_key", "rabbitmq_erlang_cookie"].map((s) => dockerOk(["secret", "inspect", s]) && `secret ${s}`)].filter(Boolean);
        if (clash.length) throw new Error(`this swarm already has ${clash.join(", ")}: the migration test uses the operators' names and removes only what it created`);
        created.volumesBefore = new Set(docker(["volume", "ls", "-q"]).split("\n").filter(Boolean));
    });

    after(async function () {
        this.timeout(300_000);
        if (created.stack) {
            spawnSync("docker", ["stack", "rm", STACK], { stdio: "ignore" });
            for (const s of docker(["service", "ls", "--format", "{{.Name}}", "--filter", `name=${STACK}_`]).split("\n").filter(Boolean)) dockerOk(["service", "rm", s]);
            await removeTaskContainers(`name=${STACK}_`, 90_000);
        }
        for (const v of docker(["volume", "ls", "-q"]).split("\n").filter((v) => v.startsWith(`${STACK}_`) && !created.volumesBefore.has(v))) {
            for (let i = 0; i < 10 && !dockerOk(["volume", "rm", v]); i++) await sleep(1000);
        }
        for (const s of created.secrets) dockerOk(["secret", "rm", s]);
        for (const c of docker(["config", "ls", "--format", "{{.Name}}"]).split("\n").filter((c) => c.startsWith(`${STACK}_`))) dockerOk(["config", "rm", c]);
        if (created.network) for (let i = 0; i < 30 && dockerOk(["network", "inspect", NET]) && !dockerOk(["network", "rm", NET]); i++) await sleep(1000);
        fs.rmSync(tmp, { recursive: true, force: true });
        fs.rmSync(CWD, { recursive: true, force: true });
    });

    it("migration from the running platform: every phase through the command, with read loops measuring each service's gap; every KV secret, row, user and vhost arrives; old AppRole credentials log in; rollbacks of Vault, PostgreSQL, etcd and SWAG (also after a run that changed nothing); the legacy services retired; a second evaluation changes nothing", async () => {
        const t = (label: string, since: number) => console.log(`      ${label}: ${((Date.now() - since) / 1000).toFixed(1)} s`);
        const tStart = Date.now();
        node = docker(["node", "inspect", "self", "--format", "{{.Description.Hostname}}"]);
        const keys: ImageKey[] = ["etcd", "patroni", "rabbitmq", "swag", "vault", "certTools", "mongodb", "apisix", "apisixInit", "grafana", "dbInit"];
        const contract = Object.fromEntries(keys.map((k) => [k, ensureContractImage(k).tag])) as Record<ImageKey, string>;
        const legacyVaultImage = ensureOpenBaoImage();
        t("images", tStart);

        // The nodes' certificate directory (the seeds' /opt/iklimco/ssl), with the names both Vaults read.
        const ca = makeCa(path.join(tmp, "ca"));
        const certDir = path.join(tmp, "ssl");
        fs.mkdirSync(certDir);
        const { cert, key } = ca.issue("vault", ["localhost", "vault", "vault-1", "vault.iklim.local", "127.0.0.1"]);
        for (const [from, to] of [[cert, "vault.crt"], [key, "vault.key"], [cert, "STAR.iklim.local.full.crt"], [key, "STAR.iklim.local_key.pem"]]) {
            fs.copyFileSync(from, path.join(certDir, to));
            fs.chmodSync(path.join(certDir, to), 0o644);
        }

        // ---- The legacy platform, as the operators' pipeline builds it -------------------------------------
        const secretsOf = { pgSuper: "legacy-super-" + crypto.randomBytes(6).toString("hex"), pgRepl: "legacy-repl-" + crypto.randomBytes(6).toString("hex"), rabbitAdmin: "legacy-admin-" + crypto.randomBytes(6).toString("hex"), cookie: crypto.randomBytes(20).toString("hex").toUpperCase() };
        const ports = { vault: await freePort(), patroni1: await freePort(), patroni1Api: await freePort(), patroni2: await freePort(), patroni2Api: await freePort(), rabbitmq: await freePort() };
        docker(["network", "create", "--driver", "overlay", "--attachable", NET]);
        created.network = true;
        // Step 11: the Erlang cookie, created if missing.
        docker(["secret", "create", "rabbitmq_erlang_cookie", "-"], secretsOf.cookie);
        created.secrets.push("rabbitmq_erlang_cookie");
        created.stack = true;
        deployLegacy(
            STACK,
            legacyComposeText({ images: { vault: legacyVaultImage, etcd: contract.etcd, patroni: contract.patroni, rabbitmq: contract.rabbitmq, swag: contract.swag }, certDir, network: NET, ports, postgres: { superuser: secretsOf.pgSuper, replication: secretsOf.pgRepl }, rabbitmqAdminPassword: secretsOf.rabbitAdmin }),
            tmp,
            { "rabbitmq.conf": legacyRabbitConf(secretsOf.rabbitAdmin) },
        );
        const legacyServices = ["vault", "etcd", "patroni1", "patroni2", "rabbitmq", "swag"].map((s) => `${STACK}_${s}`);
        for (const s of legacyServices) await waitForService(s, 300_000);

        // Vault bootstrap as init/vault/vault-bootstrap.sh did: init with one share, the key into vault_unseal_key.
        const legacy: VaultEndpoint = new HttpsVault(`https://127.0.0.1:${ports.vault}`, ca.caCert);
        await until("the legacy Vault to answer", 180_000, async () => (await legacy.request("GET", "/v1/sys/seal-status")).status === 200);
        const init = await legacy.request("PUT", "/v1/sys/init", { body: { secret_shares: 1, secret_threshold: 1 }, timeoutMs: 120_000 });
        expect(init.status, init.raw.toString()).to.equal(200);
        const { keys_base64: [operatorsKey], root_token: token } = init.json() as { keys_base64: string[]; root_token: string };
        docker(["secret", "create", "vault_unseal_key", "-"], operatorsKey);
        created.secrets.push("vault_unseal_key");
        docker(["service", "update", "--detach=false", "--secret-add", "source=vault_unseal_key,target=vault_unseal_key", `${STACK}_vault`]);
        await until("the legacy entrypoint to unseal from vault_unseal_key", 180_000, async () => !(await sealStatus(legacy)).sealed && (await legacy.request("GET", "/v1/sys/health")).status === 200);
        const ok = async (p: Promise<{ status: number; raw: Buffer }>) => {
            const a = await p;
            expect(a.status, a.raw.toString()).to.be.oneOf([200, 204]);
            return a;
        };
        await ok(legacy.request("POST", "/v1/sys/mounts/secret", { token, body: { type: "kv", options: { version: "2" } } }));
        const kv: Record<string, Record<string, string>> = { "iklimco/auth/db": { password: "auth-db-pw" }, "iklimco/auth/jwt": { key: crypto.randomBytes(16).toString("hex") }, "iklimco/billing/api": { token: "billing-token" } };
        await until("the KV mount", 30_000, async () => (await legacy.request("POST", "/v1/secret/data/iklimco/auth/db", { token, body: { data: kv["iklimco/auth/db"] } })).status === 200);
        for (const [p, data] of Object.entries(kv)) await ok(legacy.request("POST", `/v1/secret/data/${p}`, { token, body: { data } }));
        // Step 16 (init/provision-all-services.sh): an AppRole per service, its ids as <svc>_vault_role_id/_secret_id.
        await ok(legacy.request("POST", "/v1/sys/auth/approle", { token, body: { type: "approle" } }));
        await ok(legacy.request("PUT", "/v1/sys/policies/acl/auth-service", { token, body: { policy: 'path "secret/data/iklimco/auth/*" { capabilities = ["read"] }' } }));
        await ok(legacy.request("POST", `/v1/auth/approle/role/${MICROSERVICE}`, { token, body: { token_policies: ["auth-service"] } }));
        const roleId = (await ok(legacy.request("GET", `/v1/auth/approle/role/${MICROSERVICE}/role-id`, { token }))).raw;
        const secretId = (await ok(legacy.request("POST", `/v1/auth/approle/role/${MICROSERVICE}/secret-id`, { token }))).raw;
        const creds = { roleId: JSON.parse(roleId.toString()).data.role_id as string, secretId: JSON.parse(secretId.toString()).data.secret_id as string };
        for (const [n, v] of [[`${MICROSERVICE}_vault_role_id`, creds.roleId], [`${MICROSERVICE}_vault_secret_id`, creds.secretId]]) {
            docker(["secret", "create", n, "-"], v);
            created.secrets.push(n);
        }

        // PostgreSQL rows, as step 22's init scripts and the services left them, on the Patroni leader.
        const apis = { patroni1: ports.patroni1Api, patroni2: ports.patroni2Api };
        let leader: "patroni1" | "patroni2" = "patroni1";
        await until("a legacy Patroni leader and its replica streaming", 240_000, async () => {
            const roles = await Promise.all(Object.entries(apis).map(async ([n, p]) => [n, ((await (await fetch(`http://127.0.0.1:${p}/patroni`)).json()) as { role?: string }).role ?? ""]));
            const l = roles.find(([, r]) => r === "master" || r === "primary");
            if (!l || !roles.some(([, r]) => r === "replica")) return false;
            leader = l[0] as typeof leader;
            return true;
        });
        const legacyPgPort = ports[leader];
        const su = (port: number, query: string, database?: string) => sql(port, "postgres", secretsOf.pgSuper, query, database);
        const app = (port: number, query: string, timeoutMs?: number) => sql(port, "auth_user", "auth-user-pw", query, "auth", timeoutMs);
        await su(legacyPgPort, "create role auth_user login password 'auth-user-pw'");
        await su(legacyPgPort, "create database auth owner auth_user");
        await su(legacyPgPort, "create database billing");
        await app(legacyPgPort, "create table items (id int primary key, name text); insert into items select g, 'item ' || g from generate_series(1, 500) g; create table writes (n int)");
        await su(legacyPgPort, "create table invoices (id int primary key, amount numeric); insert into invoices select g, g * 1.5 from generate_series(1, 200) g", "billing");

        // RabbitMQ users, vhosts and permissions (step 14's setup and the services' own).
        const rabbitId = containerOf(`${STACK}_rabbitmq`);
        const rctl = (...args: string[]) => expectOk(spawnSync("docker", ["exec", rabbitId, "rabbitmqctl", "-q", ...args], { encoding: "utf8" }) as any, `rabbitmqctl ${args[0]}`);
        await until("the legacy RabbitMQ to answer", 180_000, async () => spawnSync("docker", ["exec", rabbitId, "rabbitmqctl", "-q", "await_startup"]).status === 0);
        for (const v of ["iklimco", "billing"]) rctl("add_vhost", v);
        rctl("add_user", MICROSERVICE, "auth-amqp-pw");
        rctl("set_permissions", "-p", "iklimco", MICROSERVICE, ".*", ".*", ".*");
        rctl("add_user", "billing-service", "billing-amqp-pw");
        rctl("set_permissions", "-p", "billing", "billing-service", "^billing\\.", ".*", ".*");
        expect(await amqpOpen("127.0.0.1", ports.rabbitmq, MICROSERVICE, "auth-amqp-pw", "iklimco")).to.equal("ok");
        expect(await amqpOpen("127.0.0.1", ports.rabbitmq, MICROSERVICE, "wrong", "iklimco"), "the loop's check can fail").to.not.equal("ok");

        // APISIX's routes in etcd (what its admin API writes), and SWAG's certificate in its config volume.
        const etcdId = containerOf(`${STACK}_etcd`);
        const routes: Record<string, string> = { "/apisix/routes/1": JSON.stringify({ uri: "/api/auth/*", upstream_id: "1" }), "/apisix/upstreams/1": JSON.stringify({ nodes: { "auth-service:8080": 1 }, type: "roundrobin" }), "/apisix/ssls/1": JSON.stringify({ snis: ["*.iklim.co"] }) };
        for (const [k, v] of Object.entries(routes)) expect(spawnSync("docker", ["exec", "-i", etcdId, "/usr/local/bin/etcdctl", "put", k], { input: v }).status).to.equal(0);
        const swagVolume = `${STACK}_swag_config`;
        const swagInit = "mkdir -p /c/etc/letsencrypt/archive/iklim.co /c/etc/letsencrypt/live/iklim.co && echo CERT > /c/etc/letsencrypt/archive/iklim.co/fullchain1.pem && echo KEY > /c/etc/letsencrypt/archive/iklim.co/privkey1.pem && ln -s ../../archive/iklim.co/fullchain1.pem /c/etc/letsencrypt/live/iklim.co/fullchain.pem && ln -s ../../archive/iklim.co/privkey1.pem /c/etc/letsencrypt/live/iklim.co/privkey.pem";
        docker(["run", "--rm", "-v", `${swagVolume}:/c`, "--entrypoint", "/bin/sh", contract.certTools, "-c", swagInit]);
        t("legacy platform up with its data", tStart);

        // ---- The program's stack config: the operators' secrets adopted, never generated -------------------
        const vaultPort = await freePort();
        const paths = { storageBox: path.join(tmp, "box"), swagCertDir: path.join(tmp, "box", "ssl"), swagDnsConfigDir: path.join(tmp, "box", "dns"), swagSiteConfsDir: path.join(tmp, "box", "site"), swagProxyConfsDir: path.join(tmp, "box", "proxy"), nodeSslDir: certDir };
        const local = YAML.parse(fs.readFileSync(path.join(REPO, "Pulumi.local.yaml"), "utf8"));
        const overrides: Record<string, unknown> = {
            "iklimco:nodes": [{ name: node, role: "manager", publicIp: "127.0.0.1", labels: [...NODE_LABELS] }],
            "iklimco:images": contract,
            // The program's pg_hba admits its overlay's subnet; this host reaches patroni-1's published port from
            // Docker's gateway bridge (172.18.0.1), so the subnet given here is the range that holds both.
            "iklimco:network": { name: NET, subnet: "172.16.0.0/12", encrypted: false },
            "iklimco:paths": paths,
            "iklimco:vault": { ...local.config["iklimco:vault"], port: vaultPort, address: `https://127.0.0.1:${vaultPort}` },
        };
        const adopted: Record<string, string> = {
            "iklimco:vaultUnsealKey": operatorsKey,
            "iklimco:vaultToken": token,
            "iklimco:postgresSuperuserPassword": secretsOf.pgSuper,
            "iklimco:postgresReplicationPassword": secretsOf.pgRepl,
            "iklimco:rabbitmqErlangCookie": secretsOf.cookie,
            "iklimco:rabbitmqAdminPassword": secretsOf.rabbitAdmin,
        };
        // The stack file the command reads: the local stack with these keys, each adopted secret set (encrypted).
        const configFile = path.join(tmp, "Pulumi.migration.yaml");
        const stackFileConfig = { ...local.config, ...overrides, ...Object.fromEntries(Object.keys(adopted).map((k) => [k, { secure: "v1:encrypted-by-pulumi" }])) };
        fs.writeFileSync(configFile, YAML.stringify({ config: stackFileConfig }));
        expect(readStackConfig("local", {}, {}, configFile).secrets.filter((s) => s.key in adopted).map((s) => s.state)).to.deep.equal(Object.keys(adopted).map(() => "set"));

        const common = ["--stack", "local", "--config-file", configFile, "--state", path.join(tmp, "state.json"), "--backup-dir", path.join(tmp, "backups"), "--vault-addr", `https://127.0.0.1:${ports.vault}`, "--vault-ca", ca.caCert];
        const pgArgs = ["--pg-host", "127.0.0.1", "--pg-port", String(legacyPgPort), "--patroni-api", `http://127.0.0.1:${apis[leader]}`];
        const secretEnv = { VAULT_TOKEN: token, UNSEAL_KEY: operatorsKey, PGPASSWORD: secretsOf.pgSuper };

        // ---- What `pulumi up` applies, evaluated before the loops start (the evaluation runs in this process) --
        const ev = await evaluateStack("local", { overrides, secrets: adopted, fresh: true });
        const vaultInit = vaultInitCommand(ev)!;
        const values = new Map<string, string>();
        for (const s of ofType(ev, SECRET)) values.set(input(s, "name"), Buffer.from(input(s, "data"), "base64").toString("utf8"));
        const unsealName = [...values.keys()].find((n) => n.startsWith("vault_unseal_key_"))!;
        const targetPorts: Record<string, { target: number; published: number }> = { "vault-1": { target: 8200, published: vaultPort }, "patroni-1": { target: 5432, published: await freePort() }, "rabbitmq-1": { target: 5672, published: await freePort() } };
        const keep = new Set(["vault-1", "etcd-1", "patroni-1", "rabbitmq-1"]);
        /** The program's services this test deploys, as rendered (for the second evaluation's comparison). */
        const deployed: Record<string, any> = {};
        const programFiles: { file: string; out: string; secrets: string[] }[] = [];
        for (const [file, rendered] of await stackFilesOf(ev)) {
            const { doc } = standIn(rendered, contract, "");
            for (const n of Object.keys(doc.services)) if (!keep.has(n)) delete doc.services[n];
            if (!Object.keys(doc.services).length) continue;
            for (const [n, svc] of Object.entries<any>(doc.services)) {
                deployed[n] = svc;
                // The one change for this host: a published port to reach the member from outside the overlay.
                const p = targetPorts[n];
                if (p) svc.ports = [...(svc.ports ?? []).filter((x: any) => x.target !== p.target), { ...p, protocol: "tcp", mode: "host" }];
            }
            const used = new Set(Object.values<any>(doc.services).flatMap((svc) => (svc.secrets ?? []).map((m: any) => m.source)));
            for (const k of Object.keys(doc.secrets ?? {})) if (!used.has(k)) delete doc.secrets[k];
            const secrets = Object.values<any>(doc.secrets ?? {}).map((s) => s.name as string);
            for (const s of secrets) expect(values.has(s), s).to.equal(true);
            const out = path.join(tmp, `program-${file}`);
            fs.writeFileSync(out, stackFileText(doc));
            programFiles.push({ file, out, secrets });
        }

        t("program evaluated and its compose export written", tStart);

        // ---- The read loops: each service, as its clients reach it (legacy until repointed, then the program's)
        const where = { vault: `https://127.0.0.1:${ports.vault}`, pg: legacyPgPort, rabbit: ports.rabbitmq };
        const logs = { vault: new ReadLog("Vault (KV read)"), pgRead: new ReadLog("PostgreSQL reads"), pgWrite: new ReadLog("PostgreSQL writes"), rabbitmq: new ReadLog("RabbitMQ (AMQP login, vhost open)") };
        const windows: Window[] = [];
        const during = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
            const from = Date.now();
            try {
                return await work();
            } finally {
                windows.push({ name, from, to: Date.now() });
            }
        };
        const moment = (name: string) => {
            const now = Date.now();
            windows.push({ name, from: now, to: now });
            return now;
        };
        let stop = false;
        let written = 0;
        const stopped = () => stop;
        const t0 = Date.now();
        const loops = [
            logs.vault.loop(
                stopped,
                async () => {
                    const a = await new HttpsVault(where.vault, ca.caCert, "vault.iklim.local").request("GET", "/v1/secret/data/iklimco/auth/db", { token, timeoutMs: 2000 });
                    return a.status === 200 ? true : `HTTP ${a.status}`;
                },
                200,
            ),
            logs.pgRead.loop(
                stopped,
                async () => {
                    const n = await app(where.pg, "select count(*) from items where id <= 500", 5000);
                    return n === "500" ? true : `${n} rows`;
                },
                250,
            ),
            logs.pgWrite.loop(
                stopped,
                async () => {
                    await app(where.pg, `insert into writes values (${++written})`, 5000);
                    return true;
                },
                250,
            ),
            logs.rabbitmq.loop(
                stopped,
                async () => {
                    const r = await amqpOpen("127.0.0.1", where.rabbit, MICROSERVICE, "auth-amqp-pw", "iklimco", 2000);
                    return r === "ok" ? true : r;
                },
                250,
            ),
        ];
        let tEnd = t0;
        const outage = { vault: { from: 0, to: 0 }, pgWrite: { from: 0, to: 0 } };

        try {
            // ---- plan: the dry run reads the live swarm and refuses without a backup -----------------------
            const plan0 = await during("plan (refused: no backup)", () => migrate(["plan", ...common]));
            expect(plan0.status, plan0.stdout + plan0.stderr).to.equal(1);
            expect(plan0.stdout).to.contain(`vault: ${STACK}_vault`).and.to.contain(`postgres: ${STACK}_patroni1, ${STACK}_patroni2`).and.to.contain(`rabbitmq: ${STACK}_rabbitmq`).and.to.contain(`etcd: ${STACK}_etcd`).and.to.contain(`swag: ${STACK}_swag`);
            expect(plan0.stdout).to.contain("no backup").and.not.to.contain("not adopted");

            // ---- backup -------------------------------------------------------------------------------------
            const backup = await during("backup", () => migrate(["backup", ...common, ...pgArgs], secretEnv));
            expectOk(backup, "backup");
            expect(backup.stdout + backup.stderr).to.not.contain(token).and.not.contain(secretsOf.pgSuper);
            expect(backup.stdout).to.match(/vault\.snap/).and.match(/postgres-auth\.sql/).and.match(/rabbitmq-definitions\.json/).and.match(/etcd-apisix\.json/);
            const plan1 = await during("plan (accepted)", () => migrate(["plan", ...common]));
            expect(plan1.stdout).to.contain("All preconditions hold.");
            expect(plan1.status).to.equal(0);
            expect((await during("vault --dry-run", () => migrate(["vault", ...common, "--dry-run"], secretEnv))).stdout).to.contain("[vault] snapshot");

            // ---- vault: seeded, then rolled back (the legacy Vault serves again), then seeded again -----------
            expectOk(await during("vault", () => migrate(["vault", ...common], secretEnv)), "vault phase");
            expect(await dockerAsync(["service", "ls", "--filter", `name=${STACK}_vault`, "--format", "{{.Name}} {{.Replicas}}"])).to.contain(`${STACK}_vault 0/0`);
            expect(await dockerAsyncOk(["volume", "inspect", `${STACK}_vault-1-data`]), "the seeded volume").to.equal(true);
            const rollback = await during("vault --rollback", () => migrate(["vault", ...common, "--rollback"]));
            expect(expectOk(rollback, "vault rollback")).to.contain(`${STACK}_vault scaled back to 1`);
            await during("legacy Vault restarting and unsealing itself", () => until("the legacy Vault unsealed by its own entrypoint after the rollback", 180_000, async () => (await legacy.request("GET", "/v1/sys/health")).status === 200));
            expect((await legacy.request("GET", "/v1/secret/data/iklimco/auth/db", { token })).json().data.data).to.deep.equal(kv["iklimco/auth/db"]);
            expect(await dockerAsyncOk(["volume", "inspect", `${STACK}_vault-1-data`]), "the rollback removed the seeded volume").to.equal(false);

            outage.vault.from = Date.now();
            const vaultAgain = expectOk(await during("vault, again", () => migrate(["vault", ...common], secretEnv)), "vault phase, again");
            // The phase's own counts: the legacy tasks' exit after the snapshot, and the outage until the seed is done.
            console.log(`      vault phase: ${[/its tasks exited [\d.]+ s after the snapshot/, /Vault has answered nothing for [\d.]+ s/].map((re) => re.exec(vaultAgain)?.[0] ?? "?").join("; ")}`);
            // `pulumi up`, Vault part: VaultInit (step 14, the program's own command) finds vault-1's volume
            // initialised and adopts the configured key and token; then vault-1 starts on it.
            const step14 = await during("pulumi up: VaultInit", () => runProcess("/bin/bash", ["-c", input(vaultInit, "create")], { input: String(input(vaultInit, "stdin")), env: { ...process.env, ...(input(vaultInit, "environment") ?? {}) }, timeoutMs: 400_000 }));
            expect(step14.code, step14.stderr).to.equal(0);
            expect(step14.stdout.trim()).to.equal('{"initialized":true}');
            expect(initCredentials(step14.stdout, { unsealKey: operatorsKey, token })).to.deep.include({ unsealKey: operatorsKey, initialisedNow: false });
            // The members' unseal key secret holds what step 14 gave the program: the operators' key, adopted
            // (offline, the command's output is a mock, so only the secret's name comes from the evaluation).
            values.set(unsealName, initCredentials(step14.stdout, { unsealKey: operatorsKey, token }).unsealKey);
            expect(values.get(unsealName)).to.equal(operatorsKey);
            await during("pulumi up: secrets and services (stack deploy)", async () => {
                for (const f of programFiles) {
                    for (const s of f.secrets) {
                        if (await dockerAsyncOk(["secret", "inspect", s])) continue;
                        await dockerAsync(["secret", "create", "--label", "com.iklimco.managed-by=pulumi", s, "-"], values.get(s));
                        created.secrets.push(s);
                    }
                    await dockerAsync(["stack", "deploy", "--detach=true", "-c", f.out, STACK]);
                }
            });
            const v1 = new HttpsVault(`https://127.0.0.1:${vaultPort}`, ca.caCert, "vault.iklim.local");
            await during("vault-1 starting and unsealing itself", () => until("vault-1 active, unsealed by its entrypoint with the operators' key", 240_000, async () => (await v1.request("GET", "/v1/sys/health", { timeoutMs: 2000 })).status === 200));
            where.vault = v1.address;
            outage.vault.to = moment("Vault clients -> vault-1");
            const verify = await during("vault --verify", () => migrate(["vault", ...common, "--verify", "--target-vault-addr", v1.address], secretEnv));
            expect(expectOk(verify, "vault --verify")).to.contain("verified: every KV path (3)");
            const inv = JSON.parse(fs.readFileSync(path.join(CWD, "vault-inventory.local.json"), "utf8")) as VaultInventory;
            expect(await inventory(v1, token)).to.deep.equal(inv);
            for (const [p, data] of Object.entries(kv)) expect((await v1.request("GET", `/v1/secret/data/${p}`, { token })).json().data.data, p).to.deep.equal(data);
            expect(await approleLogin(v1, "approle", creds.roleId, creds.secretId), "the old AppRole credential logs in on the program's Vault").to.equal(true);

            // ---- postgres: frozen, copied, rolled back (writes resume on the legacy leader), copied again ----
            const targetPgPort = targetPorts["patroni-1"].published;
            await during("program's etcd-1, patroni-1, rabbitmq-1 converging", async () => {
                for (const n of ["etcd-1", "patroni-1", "rabbitmq-1"]) await waitForService(`${STACK}_${n}`, 300_000);
                await until("the program's patroni-1 to take connections", 240_000, async () => (await su(targetPgPort, "select 1")) === "1");
            });
            const pgPhase = ["postgres", ...common, ...pgArgs, "--target-pg-host", "127.0.0.1", "--target-pg-port", String(targetPgPort)];
            expectOk(await during("postgres", () => migrate(pgPhase, secretEnv)), "postgres phase");
            expect(await su(legacyPgPort, "show default_transaction_read_only")).to.equal("on");
            expectOk(await during("postgres --rollback", () => migrate([...pgPhase, "--rollback"], secretEnv)), "postgres rollback");
            await until("the legacy leader to take writes again", 60_000, async () => (await su(legacyPgPort, "show default_transaction_read_only")) === "off");
            expect(await su(targetPgPort, "select count(*) from pg_database where datname in ('auth', 'billing')")).to.equal("0");
            outage.pgWrite.from = Date.now();
            expectOk(await during("postgres, again", () => migrate(pgPhase, secretEnv)), "postgres phase, again");
            where.pg = targetPgPort;
            outage.pgWrite.to = moment("PostgreSQL clients -> patroni-1");
            const legacyRows = Number(await su(legacyPgPort, "select count(*) from writes", "auth"));
            expect(legacyRows, "the write loop wrote to the legacy leader").to.be.greaterThan(0);
            expect(Number(await su(targetPgPort, "select count(*) from items", "auth"))).to.equal(500);
            expect(Number(await su(targetPgPort, "select count(*) from invoices", "billing"))).to.equal(200);
            expect(Number(await su(targetPgPort, "select count(*) from writes", "auth")), "every write the legacy leader took").to.be.at.least(legacyRows);
            expect(await app(targetPgPort, "select 1"), "the legacy role's password").to.equal("1");

            // ---- rabbitmq: definitions into rabbitmq-1, which runs with the adopted cookie ------------------
            const newRabbit = await containerOfAsync(`${STACK}_rabbitmq-1`);
            await during("rabbitmq-1 answering", () => until("the program's rabbitmq-1 to answer", 240_000, async () => (await runProcess("docker", ["exec", newRabbit, "rabbitmqctl", "-q", "await_startup"])).code === 0));
            expectOk(await during("rabbitmq", () => migrate(["rabbitmq", ...common], secretEnv)), "rabbitmq phase");
            where.rabbit = targetPorts["rabbitmq-1"].published;
            moment("RabbitMQ clients -> rabbitmq-1");
            const listed = (what: string) => dockerAsync(["exec", newRabbit, "rabbitmqctl", "-q", what, "--no-table-headers"]);
            expect(await listed("list_users")).to.contain(MICROSERVICE).and.to.contain("billing-service").and.to.contain("admin");
            expect(await listed("list_vhosts")).to.contain("iklimco").and.to.contain("billing");
            expect(await amqpOpen("127.0.0.1", where.rabbit, "billing-service", "billing-amqp-pw", "billing"), "a migrated user's password").to.equal("ok");

            // ---- etcd: copied, copied again (nothing), rolled back (the program's keys deleted), copied again -
            const etcd1 = await containerOfAsync(`${STACK}_etcd-1`);
            const etcdKeys = async (container: string) => (await dockerAsync(["exec", container, "/usr/local/bin/etcdctl", "get", "--prefix", "--keys-only", "/apisix"])).split("\n").filter(Boolean).sort();
            expect(expectOk(await during("etcd", () => migrate(["etcd", ...common], secretEnv)), "etcd phase")).to.contain("copied 3 key(s)");
            for (const [k, v] of Object.entries(routes)) expect(await dockerAsync(["exec", etcd1, "/usr/local/bin/etcdctl", "get", "--print-value-only", k]), k).to.equal(v);
            expect(expectOk(await during("etcd, again", () => migrate(["etcd", ...common], secretEnv)), "etcd phase, again")).to.contain("copied 0 key(s)");
            // The rollback deletes what the phase copied, also when the last run found everything there already.
            expect(expectOk(await during("etcd --rollback", () => migrate(["etcd", ...common, "--rollback"], secretEnv)), "etcd rollback")).to.contain("deleted 3 copied key(s)");
            expect(await etcdKeys(etcd1), "the program's etcd after the rollback").to.deep.equal([]);
            expect(await etcdKeys(etcdId), "the legacy etcd, only read").to.deep.equal(Object.keys(routes).sort());
            expect(expectOk(await during("etcd, after the rollback", () => migrate(["etcd", ...common], secretEnv)), "etcd phase after the rollback")).to.contain("copied 3 key(s)");
            expect(await etcdKeys(etcd1)).to.deep.equal(Object.keys(routes).sort());

            // ---- swag: copied, copied again (nothing), rolled back (the copy removed), copied again ---------
            const certIn = (volume: string) => dockerAsync(["run", "--rm", "-v", `${volume}:/c:ro`, "--entrypoint", "/bin/sh", contract.certTools, "-c", "cat /c/etc/letsencrypt/live/iklim.co/fullchain.pem /c/etc/letsencrypt/live/iklim.co/privkey.pem"]);
            const swagCopy = `${STACK}_swag-config`;
            expect(expectOk(await during("swag", () => migrate(["swag", ...common], secretEnv)), "swag phase")).to.match(/copied: iklimco_swag_config -> iklimco_swag-config, \d+ entries/);
            expect(await certIn(swagCopy)).to.equal("CERT\nKEY");
            expect(expectOk(await during("swag, again", () => migrate(["swag", ...common], secretEnv)), "swag phase, again")).to.contain("already copied");
            expect(expectOk(await during("swag --rollback", () => migrate(["swag", ...common, "--rollback"], secretEnv)), "swag rollback")).to.contain(`removed the copy ${swagCopy}`);
            expect(await dockerAsyncOk(["volume", "inspect", swagCopy]), "the copy after the rollback").to.equal(false);
            expect(await certIn(swagVolume), "the legacy volume, only read").to.equal("CERT\nKEY");
            expect(expectOk(await during("swag, after the rollback", () => migrate(["swag", ...common], secretEnv)), "swag phase after the rollback")).to.match(/copied: iklimco_swag_config -> iklimco_swag-config, \d+ entries/);
            expect(await certIn(swagCopy)).to.equal("CERT\nKEY");

            // ---- retire: the legacy services and infra secrets go; the microservices' credentials stay ------
            expectOk(await during("retire", () => migrate(["retire", ...common], secretEnv)), "retire");
            await sleep(1500);
        } finally {
            stop = true;
            await Promise.all(loops);
            tEnd = Date.now();
        }

        // ---- What the loops saw -----------------------------------------------------------------------------
        const sec = (ms: number) => (ms / 1000).toFixed(1);
        const at = (when: number) => sec(when - t0);
        const spanned = (from: number, to: number) => windows.filter((w) => w.to >= from && w.from <= to).map((w) => w.name).join("; ") || "between phases";
        console.log(`      read loops: ${sec(tEnd - t0)} s (t = 0 when they started); phases and moments, t in s:`);
        for (const w of [...windows].sort((a, b) => a.from - b.from)) console.log(`        ${w.to > w.from ? `${at(w.from)}-${at(w.to)}` : at(w.from)}  ${w.name}`);
        for (const log of Object.values(logs)) {
            const gaps = log.gaps(t0, tEnd);
            console.log(`      ${log.service}: ${log.reads.length} reads (${(log.reads.length / ((tEnd - t0) / 1000)).toFixed(1)}/s), ${log.failures} failed; longest gap between successful reads ${sec(gaps[0].ms)} s; the loop never waited more than ${sec(log.longestBetweenStarts())} s between two reads`);
            for (const g of gaps.filter((g) => g.ms > 1000)) console.log(`        gap ${sec(g.ms)} s, t=${at(g.from)}-${at(g.to)} (${spanned(g.from, g.to)})${g.why ? `: ${g.why}` : ""}`);
        }
        for (const log of Object.values(logs)) {
            // A loop held up by the test itself (a synchronous call) would read seldom and leave long pauses.
            expect(log.reads.length / ((tEnd - t0) / 1000), `${log.service}: reads per second`).to.be.at.least(1);
            expect(log.longestBetweenStarts(), `${log.service}: the longest wait between two reads`).to.be.below(10_000);
        }
        // The loops see an outage where there is one: Vault from its stop to vault-1, writes while frozen.
        const failedWithin = (log: ReadLog, w: { from: number; to: number }) => log.reads.filter((r) => !r.ok && r.start >= w.from && r.start <= w.to).length;
        expect(failedWithin(logs.vault, outage.vault), "Vault reads failing between the legacy stop and vault-1").to.be.greaterThan(0);
        expect(failedWithin(logs.pgWrite, outage.pgWrite), "writes failing while the legacy cluster is read-only").to.be.greaterThan(0);
        expect(logs.rabbitmq.reads.filter((r) => r.ok && r.start > windows.find((w) => w.name.startsWith("RabbitMQ clients"))!.from).length, "logins on rabbitmq-1").to.be.greaterThan(0);

        const live = docker(["service", "ls", "--format", "{{.Name}}"]).split("\n");
        for (const s of legacyServices.filter((s) => s !== `${STACK}_swag`)) expect(live, s).to.not.include(s);
        expect(dockerOk(["secret", "inspect", "vault_unseal_key"]), "the legacy unseal key secret, mounted by nothing").to.equal(false);
        expect(dockerOk(["secret", "inspect", `${MICROSERVICE}_vault_role_id`]), "the microservice's old credential stays").to.equal(true);
        // The program's Vault restarts and unseals itself with the operators' key alone.
        docker(["service", "update", "--detach=false", "--force", `${STACK}_vault-1`]);
        const v1 = new HttpsVault(`https://127.0.0.1:${vaultPort}`, ca.caCert, "vault.iklim.local");
        await until("vault-1 unsealed again after a restart", 240_000, async () => (await v1.request("GET", "/v1/sys/health", { timeoutMs: 2000 })).status === 200);
        expect(await approleLogin(v1, "approle", creds.roleId, creds.secretId)).to.equal(true);

        t("after the loops: vault-1 restarted and unsealed", tStart);

        // ---- evaluating the program again changes nothing ---------------------------------------------------
        // Compared against: the deployed services' environment, mounts and secrets (what `pulumi up` would
        // update), and the swarm's secrets by content-hashed name; images, published ports, health-check timings
        // and limits are this test's stand-ins and are not compared. And the plan finds nothing left to move.
        const again = await evaluateStack("local", { overrides, secrets: adopted, fresh: true });
        const againFiles = await stackFilesOf(again);
        for (const [n, svc] of Object.entries<any>(deployed)) {
            const rendered = [...againFiles.values()].find((d) => d.services[n])!.services[n];
            const spec = JSON.parse(docker(["service", "inspect", `${STACK}_${n}`]))[0].Spec.TaskTemplate.ContainerSpec;
            const envLive = (spec.Env ?? []).sort();
            const envNow = Object.entries<any>(rendered.environment ?? {}).map(([k, v]) => `${k}=${v}`).sort();
            expect(envLive, `${n} environment`).to.deep.equal(envNow);
            expect((spec.Secrets ?? []).map((s: any) => `${s.SecretName}:${s.File.Name}`).sort(), `${n} secrets`).to.deep.equal((rendered.secrets ?? []).map((m: any) => `${againFiles.get([...againFiles.keys()].find((f) => againFiles.get(f)!.services[n])!)!.secrets[m.source].name}:${m.target}`).sort());
            expect((spec.Mounts ?? []).map((m: any) => `${m.Source}:${m.Target}`).sort(), `${n} mounts`).to.deep.equal((rendered.volumes ?? []).map((m: any) => `${m.source}:${m.target}`).sort());
            expect(svc.image).to.be.a("string");
        }
        t("second evaluation compared", tStart);
        // Only SWAG's service is left: the program adopts it by name (pulumi import) and moves it onto the copy.
        const plan2 = await migrate(["plan", ...common]);
        expect(plan2.stdout).to.match(/Legacy services found:\n {2}swag: iklimco_swag\n\nPlan:/);
        t("whole test", tStart);
    });
});
