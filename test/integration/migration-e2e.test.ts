// The migration from the running platform on the real swarm, Vault part: the operators' `iklimco_vault` built by
// hand from their documents (test/support/legacy-platform.ts: a compose stack, one service running a real OpenBao
// whose entrypoint retry-unseals from the `vault_unseal_key` Docker secret), under a stack name unique to this
// test. The migration command reads it (plan), backs it up (a real Raft snapshot through the command), refuses the
// vault phase while the unseal key is not adopted in config, and rolls back; the phase's own steps (scale down,
// seed, unseal with the operators' key) run from the command's backup into a fresh OpenBao, with a read loop.
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expect } from "chai";
import { docker, dockerAvailable, ensureSwarm, sleep } from "../support/docker";
import { OpenBaoServer, makeCa, openbaoAvailable } from "../support/openbao";
import { freePort } from "../support/ports";
import { deployLegacy, ensureOpenBaoImage, legacyComposeText, removeLegacy } from "../support/legacy-platform";
import { HttpsVault, VaultEndpoint, VaultInventory, approleLogin, inventory, sealStatus, seedFromSnapshot, unseal, until, waitActive } from "../../tools/migration/vault";

const MIGRATE = path.join(__dirname, "..", "..", "tools", "migrate.ts");

function migrate(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin.js"), "--transpile-only", MIGRATE, ...args], { encoding: "utf8", timeout: 300_000, env: { ...process.env, ...env } });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

(dockerAvailable() && openbaoAvailable() ? describe : describe.skip)("migration from the running platform: Vault on the real swarm against the operators' compose stack", function () {
    this.timeout(600_000);
    const stack = `migvault${crypto.randomBytes(3).toString("hex")}`;
    const network = `${stack}-net`;
    const unsealSecret = `${stack}_vault_unseal_key`;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "migration-e2e-"));
    const servers: OpenBaoServer[] = [];
    after(async () => {
        removeLegacy(stack, [unsealSecret], network);
        for (const s of servers) await s.destroy();
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("migration from the running platform: the command plans from and backs up the legacy iklimco_vault, refuses without the adopted key, and the rollback brings the legacy Vault back unsealed by its own secret", async () => {
        await ensureSwarm();
        const image = ensureOpenBaoImage();
        const ca = makeCa(path.join(tmp, "ca"));
        const certDir = path.join(tmp, "ssl");
        fs.mkdirSync(certDir);
        const { cert, key } = ca.issue("vault", ["localhost", "vault", "127.0.0.1"]);
        fs.copyFileSync(cert, path.join(certDir, "vault.crt"));
        fs.copyFileSync(key, path.join(certDir, "vault.key"));
        fs.chmodSync(path.join(certDir, "vault.key"), 0o644);
        const port = await freePort();
        deployLegacy(stack, legacyComposeText({ image, certDir, port, network }), tmp);
        const legacy: VaultEndpoint = new HttpsVault(`https://localhost:${port}`, ca.caCert);
        await until("the legacy Vault to answer through the published port", 180_000, async () => (await legacy.request("GET", "/v1/sys/seal-status")).status === 200);

        // Bootstrap as init/vault/vault-bootstrap.sh did: init with one share, the key into `vault_unseal_key`,
        // the service rolled onto it; from then on the entrypoint unseals every start.
        const init = await legacy.request("PUT", "/v1/sys/init", { body: { secret_shares: 1, secret_threshold: 1 } });
        expect(init.status, init.raw.toString()).to.equal(200);
        const { keys_base64: [operatorsKey], root_token: token } = init.json() as { keys_base64: string[]; root_token: string };
        docker(["secret", "create", unsealSecret, "-"], operatorsKey);
        docker(["service", "update", "--detach=false", "--secret-add", `source=${unsealSecret},target=vault_unseal_key`, `${stack}_vault`]);
        await until("the legacy entrypoint to unseal from vault_unseal_key", 180_000, async () => !(await sealStatus(legacy)).sealed && (await legacy.request("GET", "/v1/sys/health")).status === 200);

        const ok = async (p: Promise<{ status: number; raw: Buffer }>) => {
            const a = await p;
            expect(a.status, a.raw.toString()).to.be.oneOf([200, 204]);
            return a;
        };
        await ok(legacy.request("POST", "/v1/sys/mounts/secret", { token, body: { type: "kv", options: { version: "2" } } }));
        await until("the KV mount", 30_000, async () => (await legacy.request("POST", "/v1/secret/data/iklimco/auth/db", { token, body: { data: { password: "auth-db-pw" } } })).status === 200);
        await ok(legacy.request("POST", "/v1/sys/auth/approle", { token, body: { type: "approle" } }));
        await ok(legacy.request("POST", "/v1/auth/approle/role/auth", { token, body: { token_policies: ["default"] } }));
        const roleId = (await ok(legacy.request("GET", "/v1/auth/approle/role/auth/role-id", { token }))).raw;
        const secretId = (await ok(legacy.request("POST", "/v1/auth/approle/role/auth/secret-id", { token }))).raw;
        const creds = { roleId: JSON.parse(roleId.toString()).data.role_id as string, secretId: JSON.parse(secretId.toString()).data.secret_id as string };

        const common = ["--stack", "local", "--stack-name", stack, "--host", "unix:///var/run/docker.sock", "--state", path.join(tmp, "state.json"), "--backup-dir", path.join(tmp, "backups"), "--vault-addr", `https://localhost:${port}`, "--vault-ca", ca.caCert];

        // The plan finds the legacy Vault and refuses: no backup yet, the unseal key not adopted in config.
        const plan = migrate(["plan", ...common]);
        expect(plan.stdout, plan.stderr).to.contain(`vault: ${stack}_vault`);
        expect(plan.stdout).to.contain("no backup");
        expect(plan.stdout).to.contain("pulumi config set --secret iklimco:vaultUnsealKey");
        expect(plan.status).to.equal(1);

        // The backup phase: a real Raft snapshot and the inventory, through the command; the token only in the environment.
        const backup = migrate(["backup", ...common], { VAULT_TOKEN: token });
        expect(backup.status, backup.stdout + backup.stderr).to.equal(0);
        expect(backup.stdout + backup.stderr).to.not.contain(token);
        const state = JSON.parse(fs.readFileSync(path.join(tmp, "state.json"), "utf8"));
        const snapFile = path.join(state.backup.dir, "vault.snap");
        const snapshot = fs.readFileSync(snapFile);
        expect(state.backup.files.find((f: { name: string }) => f.name === "vault.snap").sha256).to.equal(crypto.createHash("sha256").update(snapshot).digest("hex"));
        const inv = JSON.parse(fs.readFileSync(path.join(state.backup.dir, "vault-inventory.json"), "utf8")) as VaultInventory;
        expect(inv.kv.secret).to.deep.equal(["iklimco/auth/db"]);
        expect(inv.approles.approle).to.deep.equal(["auth"]);

        // The vault phase refuses while iklimco:vaultUnsealKey is not in config, and changes nothing.
        const refused = migrate(["vault", ...common, "--seed-addr", "https://localhost:1"], { VAULT_TOKEN: token, UNSEAL_KEY: operatorsKey });
        expect(refused.status).to.equal(1);
        expect(refused.stderr).to.contain("nothing was changed");
        expect(docker(["service", "ls", "--filter", `name=${stack}_vault`, "--format", "{{.Replicas}}"])).to.equal("1/1");

        // The phase's steps, from the command's backup: the legacy service scaled to 0, a fresh member seeded,
        // unsealed after its restart with the operators' key only; a read loop measures the gap.
        let current: VaultEndpoint | undefined = legacy;
        let stop = false;
        let gapStart: number | undefined;
        let longest = 0;
        const loop = (async () => {
            while (!stop) {
                let good = false;
                try {
                    good = current !== undefined && (await current.request("GET", "/v1/secret/data/iklimco/auth/db", { token, timeoutMs: 2000 })).status === 200;
                } catch {
                    good = false;
                }
                if (good && gapStart !== undefined) {
                    longest = Math.max(longest, Date.now() - gapStart);
                    gapStart = undefined;
                } else if (!good) gapStart ??= Date.now();
                await sleep(100);
            }
        })();
        let cutoverMs = 0;
        try {
            await sleep(500);
            const t0 = Date.now();
            docker(["service", "scale", "--detach=false", `${stack}_vault=0`]);
            current = undefined;
            const v1 = new OpenBaoServer({ nodeId: "vault-1", ca });
            servers.push(v1);
            await v1.start();
            const target = new HttpsVault(v1.address, ca.caCert, "localhost");
            await seedFromSnapshot(target, snapshot, operatorsKey, token);
            await v1.stop();
            await v1.start();
            await unseal(target, operatorsKey);
            await waitActive(target);
            current = target;
            cutoverMs = Date.now() - t0;
            await sleep(500);
            expect(await inventory(target, token)).to.deep.equal(inv);
            expect(await approleLogin(target, "approle", creds.roleId, creds.secretId), "the old AppRole credential logs in").to.equal(true);
        } finally {
            stop = true;
            await loop;
        }
        console.log(`      swarm vault: ${cutoverMs} ms from the legacy scale-down to the new member active; longest read gap ${longest} ms`);

        // Rollback through the command: the legacy service back at its replicas, unsealed by its own entrypoint
        // from vault_unseal_key, serving its data untouched.
        state.phases.push({ phase: "vault", at: new Date().toISOString(), legacyReplicas: { [`${stack}_vault`]: 1 } });
        fs.writeFileSync(path.join(tmp, "state.json"), JSON.stringify(state));
        const rollback = migrate(["vault", ...common, "--rollback"]);
        expect(rollback.status, rollback.stdout + rollback.stderr).to.equal(0);
        expect(rollback.stdout).to.contain(`${stack}_vault scaled back to 1`);
        await until("the legacy Vault unsealed again after the rollback", 180_000, async () => (await legacy.request("GET", "/v1/sys/health")).status === 200);
        const back = (await legacy.request("GET", "/v1/secret/data/iklimco/auth/db", { token })).json();
        expect(back.data.data.password).to.equal("auth-db-pw");
        expect(await approleLogin(legacy, "approle", creds.roleId, creds.secretId)).to.equal(true);
    });
});
