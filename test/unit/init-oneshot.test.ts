// scripts/oneshot.sh, the runner of every init job, run for real with bash through the manager runner
// (managerScript's RUNNER and stdin), with a stand-in docker CLI: secrets reach the container on stdin only,
// multi-line files by name, the container's status is the job's status, and the whole run is bounded.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { oneShotEnv, oneShotTriggers, readScript } from "../../components/init";
import { RUNNER, scriptStdin } from "../../components/swarm";
import { FAKE_DOCKER } from "../support/init-jobs";

const SECRET = "s3cr3t-'quoted' $(not-run) \\ value";

function run(entry: string, opts: { files?: Record<string, string>; env?: Record<string, string>; timeout?: number; stdin?: string } = {}) {
    const env = oneShotEnv("test", {
        jobName: "tinit-job",
        image: "tinit/image:1",
        network: "tinit-net",
        entry,
        env: opts.env,
        files: opts.files,
        timeoutSeconds: opts.timeout ?? 30,
    }) as Record<string, string>;
    env.ONESHOT_STDIN = opts.stdin ?? `${SECRET}\n`;
    const argvFile = path.join(os.tmpdir(), `tinit-oneshot-argv-${process.pid}`);
    fs.rmSync(argvFile, { force: true });
    const r = spawnSync("bash", ["-c", RUNNER([])], {
        input: scriptStdin(readScript("oneshot.sh"), env),
        encoding: "utf8",
        timeout: 60_000,
        env: { PATH: process.env.PATH, SHLVL: "2", DOCKER: FAKE_DOCKER, FAKE_DOCKER_ARGV: argvFile },
    });
    const argv = fs.existsSync(argvFile) ? fs.readFileSync(argvFile, "utf8") : "";
    fs.rmSync(argvFile, { force: true });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, argv };
}

describe("one-shot job runner (oneshot.sh, real bash, stand-in docker)", () => {
    it("hands the secret to the container on stdin only, and multi-line files by name", () => {
        const file = "line one\nline 'two'\n";
        const r = run('IFS= read -r s; [ "$s" = "$EXPECTED" ] && echo "stdin ok, ${#s} chars"; printf "%s" "$MY_FILE" | wc -l; echo "mode=$MODE"', {
            files: { MY_FILE: file },
            env: { MODE: "prod", EXPECTED: SECRET },
        });
        // EXPECTED is a plain env only in this test, to let the container prove what it read.
        expect(r.status, r.stderr).to.equal(0);
        expect(r.stdout).to.include(`stdin ok, ${SECRET.length} chars`).and.include("mode=prod");
        expect(r.stdout).to.match(/^2$/m);
        expect(r.argv.split("\n")).to.include.members(["run", "-i", "--rm", "--network", "tinit-net", "-e", "MY_FILE", "MODE=prod", "tinit/image:1"]);
        expect(r.argv).to.not.include("line 'two'");
    });

    it("never shows the secret in its output or on a command line", () => {
        const r = run("IFS= read -r s; echo received; cat >/dev/null");
        expect(r.status).to.equal(0);
        expect(r.stdout + r.stderr + r.argv).to.not.include(SECRET);
        expect(r.stdout).to.include("oneshot tinit-job: running tinit/image:1 on tinit-net");
    });

    it("fails the job with the container's status", () => {
        const r = run("echo about to fail >&2; exit 7");
        expect(r.status).to.equal(7);
        expect(r.stderr).to.include("oneshot tinit-job: failed with status 7");
    });

    it("bounds the run and says what it waited for", () => {
        const t0 = Date.now();
        const r = run("exec sleep 30", { timeout: 1 });
        expect(r.status).to.equal(124);
        expect(r.stderr).to.include("timed out after 1s waiting for the container of tinit/image:1 to finish");
        expect(Date.now() - t0).to.be.lessThan(25_000);
    });

    it("runs the image's own command when there is no entry script (APISIX init)", () => {
        const r = run("", { env: { SPRING_PROFILES_ACTIVE: "prod", ETCD_ENDPOINTS: "http://etcd-1:2379" } });
        expect(r.status, r.stderr).to.equal(0);
        expect(r.stdout).to.include("tinit/image:1 ran its own command with SPRING_PROFILES_ACTIVE=prod ETCD_ENDPOINTS=http://etcd-1:2379");
        expect(r.argv).to.not.include("ONESHOT_ENTRY_SCRIPT");
    });

    it("refuses settings that would not survive a command line, and keeps triggers free of values it hashes", () => {
        expect(() => oneShotEnv("x", { jobName: "j", image: "i", network: "n", env: { A: "two\nlines" }, timeoutSeconds: 1 })).to.throw(/line break/);
        expect(() => oneShotEnv("x", { jobName: "j", image: "i", network: "n", env: { "bad-name": "v" }, timeoutSeconds: 1 })).to.throw(/bad environment name/);
        const t = oneShotTriggers({ image: "i:1", entry: "echo hi", files: { F: "long text" }, rendered: { sql: "select 1" } });
        expect(t.join(" ")).to.not.include("long text").and.not.include("select 1");
        expect(t).to.have.length(4);
    });
});
