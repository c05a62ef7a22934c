// The Vault init answer survives a failure after Vault's init, on the
// real swarm with a real Vault-API server: vault-bootstrap.sh MODE=init runs as on the manager (bash, the docker
// CLI, openssl), starts the transient server (the real entrypoint in a stand-in Vault image holding OpenBao as
// `vault`, test/support/openbao-image.ts) on an overlay, initialises it through a one-shot container running
// vault-init.sh, escrows the answer, and is killed at once: its output is never read. The rerun finds the
// escrow, initialises nothing, and prints the same answer; a member started with that key as its Swarm secret
// comes up initialised and unsealed, and the root token from the answer works. VaultReady's run removes the escrow.
import { expect } from "chai";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { certificateFiles, initEscrowName } from "../../../components/naming";
import { ENTRYPOINT, initCredentials } from "../../../components/vault/bootstrap";
import { Settings } from "../../../components/config";
import { shippedScript } from "../../../components/shell";
import { vaultMembers } from "../../../components/vault/members";
import { serverConfigJson } from "../../../components/vault/server-config";
import { docker, dockerAvailable, dockerOk, ensureSwarm, removeTaskContainers, sleep } from "../../support/docker";
import { makeCa, openbaoAvailable } from "../../support/openbao";
import { ensureOpenBaoVaultImage } from "../../support/openbao-image";

const DIR = path.join(__dirname, "..", "..", "..", "components", "vault");
const BOOTSTRAP = path.join(DIR, "vault-bootstrap.sh");
// What the bootstrap hands the one-shot container, as the component ships it.
const INIT = shippedScript(path.join(DIR, "vault-init.sh"));
const READY = shippedScript(path.join(DIR, "vault-ready.sh"));
const DOMAIN = "iklim.test";

interface Run {
    code: number | null;
    stdout: string;
    stderr: string;
}

describe("Vault init answer escrow: a run killed after Vault's init is recovered by the next (real swarm, OpenBao)", function () {
    this.timeout(600_000);
    const P = `tvresc${crypto.randomBytes(3).toString("hex")}`;
    const network = `${P}-net`;
    const escrow = initEscrowName(P);
    const escrowKey = crypto.randomBytes(24).toString("hex");
    let image: string;
    let node: string;
    let dir: string;
    let serverConf: string;
    const created: { services: string[]; secrets: string[] } = { services: [], secrets: [] };

    before(async function () {
        if (!dockerAvailable()) this.skip();
        expect(openbaoAvailable(), "bao is installed by tools/test-all.sh").to.equal(true);
        await ensureSwarm();
        image = ensureOpenBaoVaultImage("tvr");
        node = docker(["info", "--format", "{{.Name}}"]);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), `${P}-`));
        const ca = makeCa(path.join(dir, "ca"));
        const { cert, key } = ca.issue("vault", [`vault.${DOMAIN}`, "vault-1", "localhost"]);
        fs.mkdirSync(path.join(dir, "ssl"));
        fs.copyFileSync(cert, path.join(dir, "ssl", certificateFiles(DOMAIN).cert));
        fs.copyFileSync(key, path.join(dir, "ssl", certificateFiles(DOMAIN).key));
        fs.chmodSync(path.join(dir, "ssl"), 0o755);
        // The program's own config renderer, for a one-member stack named P.
        const cfg = { stackName: P, domain: DOMAIN, vault: {}, nodes: [{ name: node, labels: ["vault"] }] } as unknown as Settings;
        const members = vaultMembers(cfg);
        serverConf = serverConfigJson(cfg, members[0], members);
        docker(["network", "create", "--driver", "overlay", "--attachable", "--label", `tvr.test=${P}`, network]);
    });

    after(async () => {
        for (const s of [...created.services, `${P}_vault-bootstrap`]) if (dockerOk(["service", "inspect", s])) docker(["service", "rm", s]);
        // Tasks stop before their volume and network can go.
        for (const s of ["vault-1", "vault-bootstrap"]) await removeTaskContainers(`label=com.docker.swarm.service.name=${P}_${s}`);
        for (const s of created.secrets) dockerOk(["secret", "rm", s]);
        dockerOk(["config", "rm", escrow]);
        for (let i = 0; i < 15 && !dockerOk(["volume", "rm", `${P}_vault-1-data`]) && dockerOk(["volume", "inspect", `${P}_vault-1-data`]); i++) await sleep(1000);
        for (let i = 0; i < 15 && !dockerOk(["network", "rm", network]) && dockerOk(["network", "inspect", network]); i++) await sleep(1000);
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    function bootstrapEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
        return {
            PATH: process.env.PATH,
            HOME: process.env.HOME,
            STACK: P,
            NETWORK: network,
            IMAGE: image,
            WAIT_SECONDS: "180",
            MEMBER_NAME: "vault-1",
            NODE: node,
            DATA_VOLUME: `${P}_vault-1-data`,
            SSL_DIR: path.join(dir, "ssl"),
            SERVER_CONFIG_JSON: serverConf,
            ENTRYPOINT_SCRIPT: ENTRYPOINT,
            ESCROW_KEY: escrowKey,
            ESCROW_NAME: escrow,
            ...extra,
        };
    }

    /** Runs the bootstrap as the manager runs it; `killAt` kills it (SIGKILL) the moment its log shows that line. */
    function bootstrap(extra: Record<string, string>, killAt?: RegExp): Promise<Run & { killed: boolean }> {
        return new Promise((resolve) => {
            const child: ChildProcess = spawn("bash", [BOOTSTRAP], { env: bootstrapEnv(extra), stdio: ["ignore", "pipe", "pipe"] });
            let stdout = "";
            let stderr = "";
            let killed = false;
            child.stdout!.on("data", (d) => (stdout += d));
            child.stderr!.on("data", (d) => {
                stderr += d;
                if (killAt && !killed && killAt.test(stderr)) {
                    killed = true;
                    child.kill("SIGKILL");
                }
            });
            child.on("exit", (code) => resolve({ code, stdout, stderr, killed }));
        });
    }

    /**
     * A one-shot container on the overlay, as the bootstrap's jobs run. A fresh container on an overlay may see
     * "No route to host" for a moment (the swarm's VIP not yet programmed for it): retried, bounded.
     */
    async function onOverlay(script: string): Promise<string> {
        for (let i = 0; ; i++) {
            try {
                return docker(["run", "--rm", "--network", network, "--entrypoint", "/bin/sh", image, "-c", script]);
            } catch (e) {
                if (i >= 20 || !/No route to host|can't connect/.test(String(e))) throw e;
                await sleep(1000);
            }
        }
    }

    let recovered: { unsealKey: string; rootToken: string };

    it("kill right after init, rerun: the same answer comes back from the escrow, and Vault is not initialised twice (OpenBao)", async () => {
        const first = await bootstrap({ MODE: "init", JOB_SCRIPT: INIT }, /escrowed the init answer/);
        expect(first.killed, `the first run reached the escrow:\n${first.stderr}`).to.equal(true);
        // Whatever it printed is thrown away: Pulumi never recorded it.
        expect(dockerOk(["config", "inspect", escrow]), "the escrow exists").to.equal(true);
        expect(dockerOk(["service", "inspect", `${P}_vault-bootstrap`]), "the killed run left its transient server behind").to.equal(true);

        const second = await bootstrap({ MODE: "init", JOB_SCRIPT: INIT });
        expect(second.code, second.stderr).to.equal(0);
        expect(second.stderr).to.include("recovering it, never initialising again").and.to.include(`recovered it from ${escrow}`);
        expect(second.stderr).to.include("already initialised");
        // The transient server ran on vault-1's node, volume and overlay name (the member below finds its data there).
        expect(second.stderr).to.include(`starting the transient server ${P}_vault-bootstrap on ${node} (volume ${P}_vault-1-data)`);
        const creds = initCredentials(second.stdout, {});
        expect(creds.initialisedNow, "the rerun hands Pulumi a full init answer").to.equal(true);
        recovered = { unsealKey: creds.unsealKey, rootToken: creds.rootToken };
        expect(dockerOk(["service", "inspect", `${P}_vault-bootstrap`]), "the transient server is gone").to.equal(false);
        // Never plain text at rest: the escrow holds neither the key nor the token, nor their base64.
        const stored = Buffer.from(JSON.parse(docker(["config", "inspect", "--format", "{{json .Spec.Data}}", escrow])), "base64").toString();
        for (const c of [creds.unsealKey, creds.rootToken]) {
            expect(stored).to.not.include(c);
            expect(stored).to.not.include(Buffer.from(c).toString("base64"));
        }
        expect(second.stderr + first.stderr).to.not.include(creds.unsealKey).and.to.not.include(creds.rootToken);
    });

    it("a member started with the recovered key as its Swarm secret comes up initialised and unsealed, and the root token works (OpenBao)", async () => {
        expect(recovered, "the previous test recovered an answer").to.not.equal(undefined);
        const secret = `${P}_vault_unseal_key`;
        docker(["secret", "create", secret, "-"], recovered.unsealKey);
        created.secrets.push(secret);
        const svc = `${P}_vault-1`;
        docker([
            "service", "create", "--detach", "--quiet", "--name", svc, "--replicas", "1", "--constraint", `node.hostname == ${node}`,
            "--network", `name=${network},alias=vault-1`, "--hostname", "vault-1",
            "--mount", `type=volume,src=${P}_vault-1-data,dst=/vault/data`,
            "--mount", `type=bind,src=${path.join(dir, "ssl")},dst=/vault/certs,readonly`,
            "--secret", `source=${secret},target=vault_unseal_key`,
            "--env", `VAULT_CONFIG_JSON=${serverConf}`,
            // The member's own health check (components/vault/cluster.ts).
            "--health-cmd", "wget -q --no-check-certificate -O /dev/null https://127.0.0.1:8200/v1/sys/health?standbyok=true",
            "--health-interval", "2s", "--health-retries", "30",
            "--entrypoint", "/bin/sh", image, "-c", ENTRYPOINT, "vault-entrypoint",
        ]);
        created.services.push(svc);
        const deadline = Date.now() + 180_000;
        let status = "";
        while (Date.now() < deadline) {
            try {
                status = await onOverlay("wget -q -O - --no-check-certificate https://vault-1:8200/v1/sys/seal-status");
                if (/"sealed":false/.test(status)) break;
            } catch (e) {
                status = String(e);
            }
            await sleep(500);
        }
        expect(status).to.match(/"initialized":true/).and.to.match(/"sealed":false/);
        let logs = "";
        for (let i = 0; i < 20 && !logs.includes("unsealed with the key"); i++, await sleep(1000)) {
            // The container's stderr (where the entrypoint logs) comes out on the CLI's stderr.
            const r = spawnSync("docker", ["service", "logs", "--raw", svc], { encoding: "utf8" });
            logs = r.stdout + r.stderr;
        }
        expect(logs, logs.split("\n").filter((l) => l.startsWith("vault-entrypoint")).join("\n")).to.include("unsealed with the key from /run/secrets/vault_unseal_key");
        const self = await onOverlay(`wget -q -O - --no-check-certificate --header "X-Vault-Token: ${recovered.rootToken}" https://vault-1:8200/v1/auth/token/lookup-self`);
        expect(JSON.parse(self).data.policies).to.deep.equal(["root"]);
    });

    it("with vault-1 running, init recovers the same answer again; a wrong escrow key fails clearly; the readiness run removes the escrow; then init only says 'initialised' (OpenBao)", async () => {
        const again = await bootstrap({ MODE: "init", JOB_SCRIPT: INIT });
        expect(again.code, again.stderr).to.equal(0);
        expect(again.stderr).to.include(`${P}_vault-1 runs: asking it`).and.to.not.include("transient server");
        const creds = initCredentials(again.stdout, {});
        expect(creds).to.include({ unsealKey: recovered.unsealKey, rootToken: recovered.rootToken });

        const wrong = await bootstrap({ MODE: "init", JOB_SCRIPT: INIT, ESCROW_KEY: "not-the-key" });
        expect(wrong.code).to.equal(1);
        expect(wrong.stderr).to.include("cannot be decrypted with this stack's escrow key");
        expect(wrong.stdout).to.equal("");

        const ready = await bootstrap({ MODE: "ready", JOB_SCRIPT: READY, MEMBERS: "https://vault-1:8200" });
        expect(ready.code, ready.stderr).to.equal(0);
        expect(ready.stderr).to.include("every member is ready").and.to.include(`removed the init answer escrow ${escrow}`);
        expect(dockerOk(["config", "inspect", escrow])).to.equal(false);

        const after = await bootstrap({ MODE: "init", JOB_SCRIPT: INIT });
        expect(after.code, after.stderr).to.equal(0);
        expect(JSON.parse(after.stdout)).to.deep.equal({ initialized: true });
    });
});
