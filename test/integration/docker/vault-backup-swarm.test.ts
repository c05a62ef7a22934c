// The Vault backup service on the real swarm, on an EMPTY StorageBox, against a real Vault-API server:
//   - the program's own snapshot-directory job (its evaluated command, run as Pulumi's local command runs it)
//     creates <storageBox>/vault-snapshots on the node; without it Swarm rejects the task (missing bind source);
//   - the service, as the program renders it (its stack-file entry: command, environment, secrets, mount and
//     health check unchanged), converges healthy within the provider's convergence timeout;
//   - crond runs the snapshot on the schedule (every minute here) against a Vault member on the overlay (OpenBao
//     in the stand-in Vault image, the real entrypoint) with the backup AppRole as the program plans it (policy,
//     bound to the overlay subnet): a real Raft snapshot lands on the StorageBox.
// Images: stand-ins holding only what their contracts list (test/support/backup-image.ts: busybox applets, crond
// and curl; test/support/openbao-image.ts). The one addition to the rendered service: the test CA mounted as the
// container's trust store, standing for the public roots that trust the production certificate.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { BACKUP_POLICY, BACKUP_POLICY_HCL } from "../../../components/backup";
import { Settings } from "../../../components/config";
import { ENTRYPOINT } from "../../../components/vault/bootstrap";
import { certificateFiles } from "../../../components/naming";
import { vaultMembers } from "../../../components/vault/members";
import { serverConfigJson } from "../../../components/vault/server-config";
import { composeText } from "../../../components/swarm/stack-file";
import { stackFilesOf } from "../../../tools/offline/compose";
import { SECRET, evaluateStack, input, ofType } from "../../harness";
import { ensureBackupImage } from "../../support/backup-image";
import { docker, dockerAvailable, dockerOk, ensureSwarm, removeTaskContainers, sleep } from "../../support/docker";
import { makeCa, openbaoAvailable } from "../../support/openbao";
import { ensureOpenBaoVaultImage } from "../../support/openbao-image";

/* eslint-disable @typescript-eslint/no-explicit-any */
const ROOT = path.join(__dirname, "..", "..", "..");
/** With a local Docker host the manager scripts are local commands. */
const COMMAND = "command:local:Command";

describe("Vault backup service on the real swarm: an empty StorageBox, converged within the timeout, snapshots on schedule (OpenBao)", function () {
    this.timeout(900_000);
    const P = `tvrbk${crypto.randomBytes(3).toString("hex")}`;
    const network = `${P}-net`;
    const octet = 100 + crypto.randomInt(100);
    const subnet = `10.${octet}.77.0/24`;
    const created = { services: [] as string[], secrets: [] as string[], stack: false, network: false };
    let node = "";
    let dir = "";

    before(async function () {
        if (!dockerAvailable()) this.skip();
        expect(openbaoAvailable(), "bao is installed by tools/test-all.sh").to.equal(true);
        await ensureSwarm();
    });

    after(async function () {
        this.timeout(180_000);
        if (created.stack) spawnSync("docker", ["stack", "rm", P], { stdio: "ignore" });
        for (const s of created.services) spawnSync("docker", ["service", "rm", s], { stdio: "ignore" });
        for (const j of [1].map((n) => `${P}_vault-backup-dir-${n}`)) spawnSync("docker", ["service", "rm", j], { stdio: "ignore" });
        // The stack's, vault-1's and the directory job's exited task (which Swarm keeps after its service goes).
        await removeTaskContainers(`name=${P}_`);
        for (const s of created.secrets) spawnSync("docker", ["secret", "rm", s], { stdio: "ignore" });
        for (let i = 0; i < 15 && dockerOk(["volume", "inspect", `${P}_vault-1-data`]) && !dockerOk(["volume", "rm", `${P}_vault-1-data`]); i++) await sleep(1000);
        if (created.network) for (let i = 0; i < 20 && !dockerOk(["network", "rm", network]); i++) await sleep(1000);
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("the directory job prepares the StorageBox, the service converges healthy at once, and crond takes a real snapshot on schedule (OpenBao)", async () => {
        const backupImage = ensureBackupImage("tvr");
        const vaultImage = ensureOpenBaoVaultImage("tvr");
        node = docker(["node", "inspect", "self", "--format", "{{.Description.Hostname}}"]);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), `${P}-`));
        const storageBox = path.join(dir, "storagebox");
        fs.mkdirSync(storageBox); // mounted and empty: a fresh StorageBox
        const nodeSsl = path.join(dir, "node-ssl");
        fs.mkdirSync(nodeSsl);
        const ca = makeCa(path.join(dir, "ca"));
        const { cert, key } = ca.issue("vault", ["vault.iklim.co", "vault-1", "localhost"]);
        fs.copyFileSync(cert, path.join(nodeSsl, certificateFiles("iklim.co").cert));
        fs.copyFileSync(key, path.join(nodeSsl, certificateFiles("iklim.co").key));

        // The program, for a one-node stack on this swarm, on that StorageBox, snapshotting every minute.
        const prod = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8")).config;
        const ev = await evaluateStack("prod", {
            overrides: {
                "iklimco:stackName": P,
                "iklimco:docker": { host: "unix:///var/run/docker.sock" },
                "iklimco:registry": { server: "harbor.iklim.co", auth: false },
                "iklimco:network": { name: network, subnet, encrypted: false },
                "iklimco:nodes": [{ name: node, role: "manager", publicIp: "127.0.0.1", labels: ["etcd", "db", "mq", "gateway", "edge", "monitoring", "vault"] }],
                "iklimco:images": { ...prod["iklimco:images"], certTools: backupImage, vault: vaultImage },
                "iklimco:paths": { ...prod["iklimco:paths"], storageBox, nodeSslDir: nodeSsl, swagCertDir: path.join(storageBox, "ssl") },
                // No public DNS here: the runner reaches Vault privately, and the certificate is self-signed.
                "iklimco:vault": { ...prod["iklimco:vault"], runnerAccess: "private", address: "https://127.0.0.1:8200", backup: { schedule: "* * * * *", keep: 2 } },
                "iklimco:dns": { provider: "none" },
                "iklimco:certificates": { mode: "self-signed" },
            },
        });
        docker(["network", "create", "--driver", "overlay", "--attachable", "--subnet", subnet, network]);
        created.network = true;

        // A Vault member on the overlay (the real entrypoint), initialised and given the backup AppRole as planned.
        const cfg = { stackName: P, domain: "iklim.co", vault: { hostname: "vault.iklim.co" }, nodes: [{ name: node, labels: ["vault"] }] } as unknown as Settings;
        const members = vaultMembers(cfg);
        docker([
            "service", "create", "--detach", "--quiet", "--name", `${P}_vault-1`, "--constraint", `node.hostname == ${node}`,
            "--network", `name=${network},alias=vault-1`, "--hostname", "vault-1",
            "--mount", `type=volume,src=${P}_vault-1-data,dst=/vault/data`, "--mount", `type=bind,src=${nodeSsl},dst=/vault/certs,readonly`,
            "--env", `VAULT_CONFIG_JSON=${serverConfigJson(cfg, members[0], members)}`,
            "--entrypoint", "/bin/sh", vaultImage, "-c", ENTRYPOINT, "vault-entrypoint",
        ]);
        created.services.push(`${P}_vault-1`);
        const role = ofType(ev, "vault:appRole/authBackendRole:AuthBackendRole").find((r) => input(r, "roleName") === "vault-backup")!;
        const roleBody = JSON.stringify({ token_policies: [BACKUP_POLICY], token_ttl: input(role, "tokenTtl"), token_max_ttl: input(role, "tokenMaxTtl"), token_bound_cidrs: input(role, "tokenBoundCidrs"), secret_id_bound_cidrs: input(role, "secretIdBoundCidrs") });
        expect(JSON.parse(roleBody).token_bound_cidrs).to.deep.equal([subnet]);
        // Each call is retried: a fresh one-shot container on the overlay may see "No route to host" for a moment.
        const setup = [
            "set -e",
            "A=https://vault-1:8200",
            'w() { n=0; until wget -q -O - --no-check-certificate "$@"; do n=$((n+1)); [ $n -lt 60 ] || return 1; sleep 1; done; }',
            "w $A/v1/sys/seal-status >/dev/null",
            `init=$(w --post-data '{"secret_shares":1,"secret_threshold":1}' $A/v1/sys/init)`,
            `key=$(echo "$init" | sed 's/.*"keys_base64":\\["\\([^"]*\\)".*/\\1/'); root=$(echo "$init" | sed 's/.*"root_token":"\\([^"]*\\)".*/\\1/')`,
            `w --post-data "{\\"key\\":\\"$key\\"}" $A/v1/sys/unseal >/dev/null`,
            "w $A/v1/sys/health >/dev/null",
            'H="X-Vault-Token: $root"',
            `w --header "$H" --post-data '{"type":"approle"}' $A/v1/sys/auth/approle >/dev/null`,
            `w --header "$H" --post-data '${JSON.stringify({ policy: BACKUP_POLICY_HCL }).replace(/'/g, "'\\''")}' $A/v1/sys/policies/acl/${BACKUP_POLICY} >/dev/null`,
            `w --header "$H" --post-data '${roleBody}' $A/v1/auth/approle/role/vault-backup >/dev/null`,
            'w --header "$H" $A/v1/auth/approle/role/vault-backup/role-id | sed \'s/.*"role_id":"\\([^"]*\\)".*/ROLE=\\1/\'',
            'w --header "$H" --post-data \'{}\' $A/v1/auth/approle/role/vault-backup/secret-id | sed \'s/.*"secret_id":"\\([^"]*\\)".*/SECRET=\\1/\'',
        ].join("\n");
        const run = spawnSync("docker", ["run", "--rm", "--network", network, "--entrypoint", "/bin/sh", vaultImage, "-c", setup], { encoding: "utf8", timeout: 300_000 });
        if (run.status !== 0) {
            const l = spawnSync("docker", ["service", "logs", "--raw", `${P}_vault-1`], { encoding: "utf8" });
            throw new Error(`setting up Vault failed: ${run.stderr}\n${docker(["service", "ps", "--no-trunc", `${P}_vault-1`])}\n${(l.stdout + l.stderr).slice(-4000)}`);
        }
        const out = run.stdout;
        const roleId = /ROLE=(\S+)/.exec(out)![1];
        const secretId = /SECRET=(\S+)/.exec(out)![1];

        // The rendered service, and the external objects Pulumi would have made (its secrets, with real values).
        const files = await stackFilesOf(ev);
        const rendered = files.get("docker-stack-infra_db-prod.yml")!;
        const svc = JSON.parse(JSON.stringify(rendered.services["vault-backup"]));
        expect(svc.volumes).to.deep.include({ type: "bind", source: path.join(storageBox, "vault-snapshots"), target: "/snapshots", read_only: false });
        svc.volumes.push({ type: "bind", source: ca.caCert, target: "/etc/ssl/certs/ca-certificates.crt", read_only: true });
        svc.deploy.resources = { limits: { cpus: "0.25", memory: "64M" } };
        const secrets: Record<string, any> = {};
        const values: Record<string, string> = {};
        for (const s of ofType(ev, SECRET)) {
            const name = String(input(s, "name"));
            if (name.startsWith("backup_vault_role_id_")) values[name] = roleId;
            if (name.startsWith("backup_vault_secret_id_")) values[name] = secretId;
        }
        for (const ref of svc.secrets) {
            const decl = rendered.secrets![ref.source];
            expect(values[decl.name], decl.name).to.be.a("string");
            const name = `${P}-${decl.name}`;
            docker(["secret", "create", name, "-"], values[decl.name]);
            created.secrets.push(name);
            secrets[ref.source] = { ...decl, name };
        }
        const doc = { version: rendered.version, services: { "vault-backup": svc }, networks: rendered.networks, secrets };
        const stackFile = path.join(dir, "stack.yml");
        fs.writeFileSync(stackFile, composeText(doc as any));

        // Without the directory, Swarm rejects the task: the defect this job fixes.
        expect(fs.existsSync(path.join(storageBox, "vault-snapshots"))).to.equal(false);
        const jobs = ofType(ev, COMMAND).filter((c) => /-vault-backup-dir-vault-1$/.test(c.name));
        expect(jobs).to.have.length(1);
        const job = spawnSync("bash", ["-c", String(input(jobs[0], "create"))], { input: String(jobs[0].plainInputs.stdin), encoding: "utf8", env: { ...process.env, DOCKER_HOST: "unix:///var/run/docker.sock" }, timeout: 300_000 });
        expect(job.status, job.stderr).to.equal(0);
        expect(job.stderr).to.include("created /host");
        expect(fs.statSync(path.join(storageBox, "vault-snapshots")).isDirectory()).to.equal(true);

        const t0 = Date.now();
        const deploy = spawnSync("docker", ["stack", "deploy", "-c", stackFile, P], { encoding: "utf8" });
        expect(deploy.status, deploy.stderr).to.equal(0);
        created.stack = true;
        const name = `${P}_vault-backup`;
        let health = "";
        while (Date.now() - t0 < 600_000) {
            const id = docker(["ps", "-q", "--filter", `label=com.docker.swarm.service.name=${name}`]).split("\n")[0];
            health = id ? docker(["inspect", "--format", "{{.State.Health.Status}}", id]) : "no container";
            if (health === "healthy") break;
            await sleep(1000);
        }
        const converged = Date.now() - t0;
        expect(health, docker(["service", "ps", "--no-trunc", name])).to.equal("healthy");
        expect(docker(["service", "ls", "--filter", `name=${name}`, "--format", "{{.Replicas}}"])).to.equal("1/1");
        console.log(`      vault-backup healthy on an empty StorageBox after ${converged} ms (convergence timeout 10 min)`);
        expect(converged).to.be.lessThan(120_000);

        // crond's first run (at the next minute boundary) takes a real snapshot through the overlay.
        const snapDir = path.join(storageBox, "vault-snapshots");
        const snaps = () => fs.readdirSync(snapDir).filter((f) => /^vault-raft-\d{8}T\d{6}Z\.snap$/.test(f));
        const deadline = Date.now() + 150_000;
        while (Date.now() < deadline && !(snaps().length && fs.existsSync(path.join(snapDir, ".last-success")))) await sleep(250);
        const logs = spawnSync("docker", ["service", "logs", "--raw", name], { encoding: "utf8" });
        expect(snaps(), logs.stdout + logs.stderr).to.have.length.greaterThan(0);
        const snap = fs.readFileSync(path.join(snapDir, snaps()[0]));
        expect(snap.subarray(0, 2).toString("hex"), "a Raft snapshot (gzip)").to.equal("1f8b");
        expect(logs.stdout + logs.stderr).to.match(/vault-backup: wrote vault-raft-/).and.to.not.include(secretId);
    });
});
