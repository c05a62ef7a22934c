// The Vault component's node-job.sh (step 10's way of running a script on one node) against a real Docker
// Swarm (test/support/docker.ts), with the busybox stand-in image. vault-bootstrap.sh's orchestration
// (transient server, one-shot on the overlay, escrow) runs with a real Vault-API server in
// vault-init-escrow.test.ts. Everything created is named tvault-*/tvault*_ and removed.
import { expect } from "chai";
import { spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { docker, dockerAvailable, dockerOk, ensureBusyboxImage, ensureSwarm, removeTaskContainers } from "../../support/docker";

const DIR = path.join(__dirname, "..", "..", "..", "components", "vault");

function runBash(script: string, env: Record<string, string>, timeoutMs = 240_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        const child = spawn("bash", [path.join(DIR, script)], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", ...env }, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.on("exit", (code) => {
            clearTimeout(timer);
            resolve({ code, stdout, stderr });
        });
    });
}

describe("vault node-job on a real Docker Swarm (busybox image)", function () {
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
    after(async () => {
        // The jobs' exited task containers, which Swarm keeps after node-job.sh removes the job service.
        await removeTaskContainers(`name=tvault-node-job-${id}.`);
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
});
