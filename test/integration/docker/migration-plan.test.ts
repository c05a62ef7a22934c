// The migration's dry run against the real swarm: a legacy layout under a stack name unique to this test
// (services `<stack>_vault`, `<stack>_rabbitmq`, `<stack>_patroni`, `<stack>_swag`, as `docker stack deploy`
// names them), read back with the docker CLI, against the program's target names from its own evaluation for
// that stack name. The plan lists every phase and refuses on each missing precondition; the CLI does the same.
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expect } from "chai";
import { docker, dockerAvailable, ensureBusyboxImage, ensureSwarm, waitForService } from "../../support/docker";
import { evaluateStack } from "../../harness";
import { readLiveState, targetLayout } from "../../../tools/migration/live";
import { TargetLayout, buildPlan, formatPlan } from "../../../tools/migration/plan";
import { Phase } from "../../../tools/migration/legacy";

const ALL_ADOPTED = ["vaultUnsealKey", "vaultToken", "postgresSuperuserPassword", "postgresReplicationPassword", "rabbitmqErlangCookie", "rabbitmqAdminPassword", "apisixAdminKey", "grafanaAdminPassword", "mongodbKeyfile", "mongodbRootPassword"];

(dockerAvailable() ? describe : describe.skip)("migration from the running platform: the dry run reads the live swarm (real Docker Swarm)", function () {
    this.timeout(300_000);
    const stack = `mig${crypto.randomBytes(3).toString("hex")}`;
    const services: string[] = [];
    const volumes: string[] = [];
    const secrets: string[] = [];
    let image = "";
    let target: TargetLayout;

    const service = (short: string, cmd: string[], replicas = 1) => {
        const name = `${stack}_${short}`;
        docker(["service", "create", "--detach", "--name", name, "--replicas", String(replicas), "--label", `com.docker.stack.namespace=${stack}`, "--restart-condition", "none", image, ...cmd]);
        services.push(name);
        return name;
    };

    before(async () => {
        await ensureSwarm();
        image = ensureBusyboxImage();
        const ev = await evaluateStack("prod", { overrides: { "iklimco:stackName": stack } });
        target = targetLayout(ev);
    });
    after(() => {
        for (const s of services) spawnSync("docker", ["service", "rm", s], { stdio: "ignore" });
        for (const v of volumes) {
            for (let i = 0; i < 20 && spawnSync("docker", ["volume", "rm", v], { stdio: "ignore" }).status !== 0; i++) spawnSync("sleep", ["1"]);
        }
        for (const s of secrets) spawnSync("docker", ["secret", "rm", s], { stdio: "ignore" });
    });

    it("migration from the running platform: the target names come from the program's evaluation", () => {
        expect(target.services).to.include.members([`${stack}_vault-1`, `${stack}_vault-3`, `${stack}_rabbitmq-1`, `${stack}_patroni-1`, `${stack}_swag`]);
        expect(target.volumes).to.include(`${stack}_vault-1-data`);
        expect(target.secretLogicalNames).to.include.members(["vault_unseal_key", "rabbitmq_erlang_cookie", "mongodb_keyfile"]);
    });

    it("migration from the running platform: the plan refuses an unhealthy member, name clashes, unadopted secrets and a missing backup, listing them all", async () => {
        service("vault", ["sleep", "3600"]);
        service("rabbitmq", ["sleep", "3600"]);
        service("swag", ["sleep", "3600"]);
        service("patroni", ["false"]); // exits at once and is not restarted: 0 of 1 running
        service("vault-1", ["sleep", "3600"]); // left by an earlier attempt
        await Promise.all([`${stack}_vault`, `${stack}_rabbitmq`, `${stack}_swag`, `${stack}_vault-1`].map((s) => waitForService(s)));
        const vol = `${stack}_rabbitmq-1-data`;
        docker(["volume", "create", vol]);
        volumes.push(vol);
        const clash = `rabbitmq_erlang_cookie_${crypto.randomBytes(4).toString("hex")}`;
        docker(["secret", "create", clash, "-"], "not-the-programs");
        secrets.push(clash);
        // the patroni task has exited by now
        for (let i = 0; i < 30 && !/0\/1/.test(docker(["service", "ls", "--filter", `name=${stack}_patroni`, "--format", "{{.Replicas}}"])); i++) await new Promise((r) => setTimeout(r, 500));

        const live = readLiveState();
        const plan = buildPlan({ stack, live, target, configSecrets: new Set(["vaultToken"]), now: new Date(), maxBackupAgeMs: 3600_000 });
        expect(plan.legacy.vault).to.deep.equal([`${stack}_vault`]);
        expect(plan.legacy.rabbitmq).to.deep.equal([`${stack}_rabbitmq`]);
        expect(plan.legacy.postgres).to.deep.equal([`${stack}_patroni`]);
        expect(plan.legacy.swag).to.deep.equal([`${stack}_swag`]);
        const text = plan.refusals.join("\n");
        expect(text).to.contain(`member unhealthy: ${stack}_patroni runs 0 of 1 tasks`);
        expect(text).to.contain(`name clash: the live service ${stack}_vault-1`);
        expect(text).to.contain(`name clash: the volume ${vol} exists already`);
        expect(text).to.contain(`name clash: the Swarm secret ${clash}`);
        expect(text).to.contain("pulumi config set --secret iklimco:vaultUnsealKey");
        expect(text).to.contain("pulumi config set --secret iklimco:rabbitmqErlangCookie");
        expect(text).to.not.contain("iklimco:vaultToken is not set");
        expect(text).to.contain("no backup");
        expect(plan.steps.map((s) => s.phase)).to.deep.equal(["backup", "vault", "postgres", "rabbitmq", "swag", "retire"]);
        const out = formatPlan(plan);
        expect(out).to.contain(`[vault] snapshot ${stack}_vault; scale it to 0; seed ${stack}_vault-1-data`);
        expect(out, out).to.match(/rollback: docker service rm \S+_vault-1 \S+_vault-2 \S+_vault-3; docker service scale .*_vault=<its replicas>/);

        // A stale backup refuses too.
        const stale = buildPlan({ stack, live, target, configSecrets: new Set(ALL_ADOPTED), backup: { takenAt: new Date(Date.now() - 3 * 3600_000).toISOString(), files: [] }, now: new Date(), maxBackupAgeMs: 3600_000 });
        expect(stale.refusals.join("\n")).to.contain("no fresh backup: the last one is 3 h old (limit 60 min)");
    });

    it("migration from the running platform: once every precondition holds the plan has no refusal of its own", () => {
        for (const s of [`${stack}_patroni`, `${stack}_vault-1`]) docker(["service", "rm", s]);
        docker(["secret", "rm", secrets.pop()!]);
        for (let i = 0; i < 20 && spawnSync("docker", ["volume", "rm", volumes[0]], { stdio: "ignore" }).status !== 0; i++) spawnSync("sleep", ["1"]);
        volumes.pop();
        const plan = buildPlan({ stack, live: readLiveState(), target, configSecrets: new Set(ALL_ADOPTED), backup: { takenAt: new Date().toISOString(), files: [] }, now: new Date(), maxBackupAgeMs: 3600_000 });
        // Other tests share this swarm: only their content-named secrets could clash, and they are not this plan's.
        expect(plan.refusals.filter((r) => r.includes(stack) || !r.startsWith("name clash: the Swarm secret"))).to.deep.equal([]);
        expect(plan.steps.map((s) => s.phase)).to.deep.equal(["backup", "vault", "rabbitmq", "swag", "retire"]);
    });

    it("migration from the running platform: once the vault phase ran, the program's own members (labelled managed-by=pulumi) and their volumes are expected, an unlabelled member still clashes", async () => {
        const own = `${stack}_vault-1`;
        docker(["service", "create", "--detach", "--name", own, "--label", "com.iklimco.managed-by=pulumi", "--label", `com.docker.stack.namespace=${stack}`, image, "sleep", "3600"]);
        services.push(own);
        const stray = service("rabbitmq-1", ["sleep", "3600"]);
        await Promise.all([own, stray].map((s) => waitForService(s)));
        const vol = `${stack}_vault-1-data`;
        docker(["volume", "create", vol]);
        volumes.push(vol);
        const live = readLiveState();
        expect(live.services.find((s) => s.name === own)?.managed, "the label read back").to.equal(true);
        const input = { stack, live, target, configSecrets: new Set(ALL_ADOPTED), backup: { takenAt: new Date().toISOString(), files: [] }, now: new Date(), maxBackupAgeMs: 3600_000 };
        const mine = (refusals: string[]) => refusals.filter((r) => r.includes(stack));

        const before = mine(buildPlan(input).refusals).join("\n");
        expect(before).to.contain(`name clash: the live service ${own}`).and.to.contain(`name clash: the live service ${stray}`).and.to.contain(`name clash: the volume ${vol}`);
        const after = mine(buildPlan({ ...input, done: new Set<Phase>(["backup", "vault"]) }).refusals);
        expect(after, "after the vault phase only the unlabelled member clashes").to.deep.equal([`name clash: the live service ${stray} already has a name the program creates for a stateful member; remove it (or roll the earlier attempt back) first`]);
    });

    it("migration from the running platform: `npm run migrate -- plan` prints the plan and exits 1 while refused", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "migration-plan-"));
        try {
            const r = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin.js"), "--transpile-only", path.join(__dirname, "..", "..", "..", "tools", "migrate.ts"), "plan", "--stack", "local", "--host", "unix:///var/run/docker.sock", "--state", path.join(dir, "state.json")], {
                encoding: "utf8",
                timeout: 180_000,
            });
            expect(r.stdout).to.contain("Plan:");
            expect(r.stdout).to.contain("[backup]");
            expect(r.stdout).to.contain("REFUSED");
            expect(r.stdout).to.contain("no backup: run the backup phase");
            expect(r.status, r.stderr).to.equal(1);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
