// The Vault component's manager-side scripts against a real Docker Swarm (test/support/docker.ts), with the
// busybox stand-in image: node-job.sh (step 10's way of running on one node) and vault-bootstrap.sh's
// orchestration (transient server on vault-1's node, volume and overlay name; a one-shot on the overlay whose
// stdout is the script's stdout; the transient server stopped and removed). Vault itself is stood in by
// busybox httpd serving a fixed /v1/sys/init answer, since no Vault image exists here. Everything created is
// named tvault-*/tvault*_ and removed.
import { expect } from "chai";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { docker, dockerAvailable, dockerOk, ensureBusyboxImage, ensureSwarm, sleep } from "../support/docker";
import { ProcessRun, runProcess } from "../support/process";

const DIR = path.join(__dirname, "..", "..", "components", "vault");

function runBash(script: string, env: Record<string, string>, timeoutMs = 240_000): Promise<ProcessRun> {
    return runProcess("bash", [path.join(DIR, script)], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", ...env }, timeoutMs });
}

async function removeVolume(name: string): Promise<void> {
    // The volume is released a moment after its task's container is gone.
    for (let i = 0; i < 30; i++) {
        if (!dockerOk(["volume", "inspect", name]) || dockerOk(["volume", "rm", name])) return;
        await sleep(1000);
    }
}

describe("vault manager scripts on a real Docker Swarm (busybox stand-in for Vault)", function () {
    this.timeout(300_000);
    const id = crypto.randomBytes(3).toString("hex");
    let image: string;
    let node: string;
    let tmp: string;

    before(async function () {
        if (!dockerAvailable()) this.skip();
        await ensureSwarm();
        image = ensureBusyboxImage();
        node = docker(["node", "inspect", "self", "--format", "{{.Description.Hostname}}"]);
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tvault-swarm-"));
        fs.chmodSync(tmp, 0o777);
    });
    after(() => {
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("node-job runs a script on the named node with its bind mounts, reports failure and timeout, and leaves no job behind", async () => {
        const job = `tvault-node-job-${id}`;
        const base = {
            JOB_NAME: job,
            NODE: node,
            IMAGE: image,
            JOB_MOUNTS: `${tmp}:/host-out`,
            WAIT_SECONDS: "120",
        };
        const ok = await runBash("node-job.sh", { ...base, JOB_SCRIPT: 'echo "ran with $GREETING" > /host-out/result', JOB_ENV: "GREETING=hello there" });
        expect(ok.code, ok.stderr).to.equal(0);
        expect(fs.readFileSync(path.join(tmp, "result"), "utf8").trim()).to.equal("ran with hello there");
        expect(dockerOk(["service", "inspect", job]), "the job is removed").to.equal(false);

        const failed = await runBash("node-job.sh", { ...base, JOB_SCRIPT: "echo about to fail >&2; exit 7" });
        expect(failed.code).to.equal(1);
        expect(failed.stderr).to.include(`${job} failed on ${node}`);
        expect(dockerOk(["service", "inspect", job])).to.equal(false);

        const slow = await runBash("node-job.sh", { ...base, JOB_SCRIPT: "sleep 60", WAIT_SECONDS: "4" });
        expect(slow.code).to.equal(1);
        expect(slow.stderr).to.include(`timed out after 4s waiting for job ${job} on node ${node}`);
        expect(dockerOk(["service", "inspect", job])).to.equal(false);

        const elsewhere = await runBash("node-job.sh", { ...base, NODE: `tvault-no-such-node-${id}`, JOB_SCRIPT: "true", WAIT_SECONDS: "4" });
        expect(elsewhere.code, "a job pinned to a node that does not exist never runs").to.equal(1);
    });

    it("vault-bootstrap (init) starts a transient server on vault-1's node, volume and overlay name, returns the one-shot's answer, then removes it", async () => {
        const stack = `tvault${id}`;
        const network = `tvault-net-${id}`;
        const volume = `${stack}_vault-1-data`;
        const ssl = path.join(tmp, "ssl");
        fs.mkdirSync(ssl);
        docker(["network", "create", "--driver", "overlay", "--attachable", "--label", "com.iklimco.test=tvault", network]);
        try {
            // The stand-in server records it saw the volume and the certificate directory, then serves /v1/sys/init.
            const server = [
                "mkdir -p /www/v1/sys",
                'ls /vault/certs >/dev/null && touch /vault/data/seen-by-transient',
                `printf '{"initialized":%s}' "$( [ -n "$VAULT_CONFIG_HCL" ] && echo false || echo true )" > /www/v1/sys/init`,
                "exec httpd -f -p 8200 -h /www",
            ].join("\n");
            // The one-shot reaches the transient server by vault-1's overlay name (plain HTTP for the stand-in).
            const oneShot = [
                'addr=$(echo "$VAULT_ADDR" | sed s/^https/http/)',
                "i=0",
                'until wget -q -O - "$addr/v1/sys/init"; do i=$((i+1)); [ $i -gt 45 ] && exit 1; sleep 1; done',
            ].join("\n");
            const env = {
                MODE: "init",
                STACK: stack,
                NETWORK: network,
                IMAGE: image,
                JOB_SCRIPT: oneShot,
                MEMBER_NAME: "vault-1",
                NODE: node,
                DATA_VOLUME: volume,
                SSL_DIR: ssl,
                SERVER_CONFIG_HCL: 'storage "raft" {}',
                ENTRYPOINT_SCRIPT: server,
                WAIT_SECONDS: "120",
            };
            const r = await runBash("vault-bootstrap.sh", env);
            expect(r.code, r.stderr).to.equal(0);
            expect(JSON.parse(r.stdout.trim())).to.deep.equal({ initialized: false });
            expect(r.stderr).to.include(`starting the transient server ${stack}_vault-bootstrap on ${node}`);
            expect(dockerOk(["service", "inspect", `${stack}_vault-bootstrap`]), "the transient server is removed").to.equal(false);
            // It ran on vault-1's volume.
            const seen = docker(["run", "--rm", "-v", `${volume}:/data`, image, "ls", "/data"]);
            expect(seen).to.include("seen-by-transient");

            // A second run with vault-1 deployed asks vault-1 itself and starts no transient server.
            docker([
                "service", "create", "--name", `${stack}_vault-1`, "--endpoint-mode", "dnsrr", "--network", `name=${network},alias=vault-1`,
                "--detach", "--quiet", "--entrypoint", "/bin/sh", image, "-c", `mkdir -p /www/v1/sys; printf '{"initialized":true}' > /www/v1/sys/init; exec httpd -f -p 8200 -h /www`,
            ]);
            const again = await runBash("vault-bootstrap.sh", env);
            expect(again.code, again.stderr).to.equal(0);
            expect(JSON.parse(again.stdout.trim())).to.deep.equal({ initialized: true });
            expect(again.stderr).to.include(`${stack}_vault-1 runs: asking it`).and.to.not.include("transient server");
        } finally {
            if (dockerOk(["service", "inspect", `${stack}_vault-1`])) docker(["service", "rm", `${stack}_vault-1`]);
            if (dockerOk(["service", "inspect", `${stack}_vault-bootstrap`])) docker(["service", "rm", `${stack}_vault-bootstrap`]);
            await removeVolume(volume);
            for (let i = 0; i < 60 && !dockerOk(["network", "rm", network]) && dockerOk(["network", "inspect", network]); i++) await sleep(1000);
        }
    });
});
