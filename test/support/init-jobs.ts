// Runs an init job's command exactly as the manager would (the recorded `create` with the recorded, revealed
// `stdin`), with the docker CLI replaced by test/support/fake-docker.sh so the container's command runs on this
// host against the test's own servers. Also lists every secret value the evaluation handed to the jobs.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { computedOutputs } from "../../tools/offline/mocks";
import { Evaluation, RecordedResource, input } from "../harness";

export const FAKE_DOCKER = path.join(__dirname, "fake-docker.sh");

export function runJob(job: RecordedResource, env: Record<string, string>, timeoutMs: number): { status: number | null; out: string; argv: string } {
    const argvFile = path.join(os.tmpdir(), `tinit-argv-${process.pid}-${Date.now()}`);
    const r = spawnSync("bash", ["-c", String(input(job, "create"))], {
        input: String(input(job, "stdin")),
        encoding: "utf8",
        timeout: timeoutMs,
        // SHLVL: bash must not take node's socketpair stdin for an rshd connection and source ~/.bashrc.
        env: { PATH: process.env.PATH, LANG: "C.UTF-8", SHLVL: "2", DOCKER: FAKE_DOCKER, FAKE_DOCKER_ARGV: argvFile, ...env },
    });
    const argv = fs.existsSync(argvFile) ? fs.readFileSync(argvFile, "utf8") : "";
    fs.rmSync(argvFile, { force: true });
    return { status: r.status, out: `${r.stdout}${r.stderr}`, argv };
}

/** Every generated password of the evaluation (the mocks' values) plus the given ones. */
export function secretValues(ev: Evaluation, given: Record<string, string>): string[] {
    const generated = ev.resources
        .filter((r) => r.type === "random:index/randomPassword:RandomPassword")
        .map((r) => String(computedOutputs(r.type, r.name, r.plainInputs).result));
    return [...Object.values(given), ...generated];
}
