// The shell library every shipped script loads (components/shell/lib.sh), run for real with bash and with the
// system's POSIX sh (dash): the bounded wait against a condition that becomes true and one that never does,
// the log format, exit work, option lists and the registry login (with a stand-in docker CLI that records
// what it was given); and the loader that bundles the library into what the components ship.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SCRIPT_ROOT, scriptLibraries, shippedScript } from "../../components/shell";
import { certificateFilesEnv } from "../../components/naming";

const LIB = path.join(SCRIPT_ROOT, "components", "shell", "lib.sh");
const SHELLS = ["bash", "sh"] as const;

/** Runs `body` in `shell` after loading the library; the wall time it took, in seconds. */
function run(shell: string, body: string, env: Record<string, string> = {}) {
    const started = Date.now();
    // SHLVL=2: bash with a socket for stdin (as Node spawns it) would otherwise read ~/.bashrc, like under rshd.
    const r = spawnSync(shell, ["-c", `. "$LIB"\n${body}`], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", SHLVL: "2", LIB, ...env }, encoding: "utf8", timeout: 30_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, seconds: (Date.now() - started) / 1000 };
}

describe("shell library (components/shell/lib.sh)", function () {
    this.timeout(60_000);
    let tmp: string;
    before(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tshell-lib-"))));
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    for (const shell of SHELLS) {
        describe(`under ${shell}`, () => {
            it("wait_until returns as soon as a condition becomes true: a file another process creates after 2 s", () => {
                const flag = path.join(tmp, `${shell}-flag`);
                const r = run(shell, `LOG_NAME=t; (sleep 2; touch "$FLAG") & tries=0
                    appeared() { tries=$((tries + 1)); [ -e "$FLAG" ]; }
                    wait_until 20 1 "the flag" appeared; echo "status=$? tries=$tries"`, { FLAG: flag });
                expect(r.stdout).to.match(/^status=0 tries=\d+$/m);
                const tries = Number(/tries=(\d+)/.exec(r.stdout)![1]);
                expect(tries, "polled until it appeared, then stopped").to.be.at.least(2);
                expect(r.seconds, "returned once the flag was there, long before the 20 s bound").to.be.within(1.5, 10);
                expect(r.stderr).to.equal("");
            });

            it("wait_until gives up on a condition that never holds within its bound, naming what it waited for and what it saw last", () => {
                const r = run(shell, `LOG_NAME=t; tries=0
                    never() { tries=$((tries + 1)); WAIT_DETAIL="try $tries found nothing"; return 1; }
                    wait_until 3 1 "something that never comes" never; echo "status=$? tries=$tries"`);
                expect(r.stdout).to.match(/^status=1 tries=[2-5]$/m);
                expect(r.seconds, "within the 3 s bound and one try").to.be.within(2, 6);
                expect(r.stderr).to.match(/^t: timed out after 3s waiting for something that never comes \(try \d found nothing\)\n$/);
            });

            it("wait_until cuts its last pause to the deadline: a 10 s interval does not stretch a 2 s bound, and the last try falls on the deadline", () => {
                const r = run(shell, `tries=0; never() { tries=$((tries + 1)); false; }
                    wait_until 2 10 "" never; echo "status=$? tries=$tries"`);
                expect(r.stdout).to.match(/^status=1 tries=2$/m);
                expect(r.seconds).to.be.within(1, 4);
                expect(r.stderr, "an empty description leaves the report to the caller").to.equal("");
            });

            it("wait_until tries once with a bound of 0, and runs the condition in the same shell (its variables are kept)", () => {
                const r = run(shell, `found=""; look() { found=yes; }
                    wait_until 0 5 "x" look; echo "status=$? found=$found"
                    wait_until 0 5 "nothing" false; echo "status=$?"`, { LOG_NAME: "t" });
                expect(r.stdout).to.equal("status=0 found=yes\nstatus=1\n");
                expect(r.stderr).to.equal("t: timed out after 0s waiting for nothing\n");
                expect(r.seconds).to.be.below(3);
            });

            it("log writes to stderr and say to stdout, as '<name>: message', with what LOG_CLOCK prints first when it is set", () => {
                const r = run(shell, `LOG_NAME="postgres init"; log "to stderr"; say "to stdout"; now() { date -u +%Y-%m-%dT%H:%M:%SZ; }; LOG_CLOCK=now; say "stamped"`);
                expect(r.stderr).to.equal("postgres init: to stderr\n");
                expect(r.stdout).to.match(/^postgres init: to stdout\n\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ postgres init: stamped\n$/);
            });

            it("log never fails, even with stderr closed, so it cannot stop a script under set -e", () => {
                const r = run(shell, `set -e; log "nobody reads this" 2>&-; echo still running`);
                expect(r.stdout).to.equal("still running\n");
            });

            it("at_exit runs the registered functions last first, keeps going past a failing one, and keeps the exit status", () => {
                const r = run(shell, `first() { echo first; }; failing() { echo failing; return 1; }; last() { echo last; }
                    at_exit first; at_exit failing; at_exit last; exit 7`);
                expect(r.stdout).to.equal("last\nfailing\nfirst\n");
                expect(r.status).to.equal(7);
            });

            it("with_opts puts the words of an option list where {} stands, and nothing for an empty one", () => {
                const r = run(shell, `with_opts "--cacert /a b.pem  -k" printf '[%s]' curl {} url; echo; with_opts "" printf '[%s]' curl {} url; echo`);
                expect(r.stdout).to.equal("[curl][--cacert][/a][b.pem][-k][url]\n[curl][url]\n");
            });

            it("registry_login logs in with the password on docker's stdin only, in a private config removed at exit; without a password it does nothing", () => {
                const bin = path.join(tmp, `${shell}-bin`);
                fs.mkdirSync(bin, { recursive: true });
                const record = path.join(tmp, `${shell}-docker`);
                fs.writeFileSync(path.join(bin, "docker"), `#!/bin/sh\n{ echo "args: $*"; echo "config: $DOCKER_CONFIG"; echo "stdin: $(cat)"; } > "${record}"\n`, { mode: 0o755 });
                const env = { PATH: `${bin}:${process.env.PATH}`, REGISTRY: "harbor.test", REGISTRY_USER: "robot$deploy", REGISTRY_PASSWORD: "pa ss'word" };
                const r = run(shell, `set -eu; registry_login; echo "config=$DOCKER_CONFIG"; [ -d "$DOCKER_CONFIG" ] && echo exists`, env);
                expect(r.status, r.stderr).to.equal(0);
                const config = /config=(\S+)/.exec(r.stdout)![1];
                expect(r.stdout).to.include("exists");
                expect(fs.existsSync(config), "the private config is gone after exit").to.equal(false);
                const seen = fs.readFileSync(record, "utf8");
                expect(seen).to.include("args: login --username robot$deploy --password-stdin harbor.test").and.include(`config: ${config}`);
                expect(seen).to.include("stdin: pa ss'word");
                expect(seen.split("\n")[0]).to.not.include("pa ss");

                fs.rmSync(record);
                const none = run(shell, `set -eu; registry_login; echo "config=\${DOCKER_CONFIG:-none}"`, { ...env, REGISTRY_PASSWORD: "" });
                expect(none.stdout).to.equal("config=none\n");
                expect(fs.existsSync(record), "docker not called").to.equal(false);

                fs.writeFileSync(path.join(bin, "docker"), "#!/bin/sh\necho 'unauthorized' >&2; exit 1\n", { mode: 0o755 });
                const refused = run(shell, "set -eu; registry_login; echo not reached", env);
                expect(refused.status).to.not.equal(0);
                expect(refused.stdout).to.equal("");
            });
        });
    }
});

describe("shipped scripts carry the library (components/shell/index.ts)", () => {
    let tmp: string;
    before(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tshell-ship-"))));
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    const write = (rel: string, text: string) => {
        fs.mkdirSync(path.dirname(path.join(tmp, rel)), { recursive: true });
        fs.writeFileSync(path.join(tmp, rel), text);
        return path.join(tmp, rel);
    };

    it("bundles the libraries after the shebang, in load order, and the text then runs alone with no file beside it", () => {
        const file = path.join(SCRIPT_ROOT, "components", "certs", "scripts", "wait-cert.sh");
        expect(scriptLibraries(file)).to.deep.equal(["components/shell/lib.sh", "components/certs/scripts/common.sh"]);
        const shipped = shippedScript(file);
        expect(shipped.split("\n")[0]).to.equal("#!/bin/sh");
        expect(shipped.indexOf("# ---- components/shell/lib.sh")).to.be.below(shipped.indexOf("# ---- components/certs/scripts/common.sh"));
        const dir = fs.mkdtempSync(path.join(tmp, "certs-"));
        const r = spawnSync("sh", ["-c", shipped, "step-20"], { cwd: tmp, env: { PATH: process.env.PATH, CERT_DIR: dir, DOMAIN: "iklim.test", ...certificateFilesEnv("iklim.test"), TIMEOUT: "1", POLL: "1" }, encoding: "utf8" });
        expect(r.status).to.equal(1);
        expect(r.stderr).to.match(/step-20: timed out after 1s waiting for a valid certificate for \*\.iklim\.test in .*\(certificate .* is missing or empty\)/);
    });

    it("leaves a script that loads no library as it is, and refuses a directive that does not name what the line sources", () => {
        const plain = write("components/x/plain.sh", "#!/bin/sh\necho hi\n");
        expect(shippedScript(plain)).to.equal("#!/bin/sh\necho hi\n");
        const wrong = write("components/x/wrong.sh", '#!/bin/sh\n# shellcheck source=components/shell/lib.sh\ncommand -v log >/dev/null 2>&1 || . "$(dirname "$0")/../other/lib.sh"\n');
        expect(() => shippedScript(wrong)).to.throw(/the directive names components\/shell\/lib.sh, the line sources \.\.\/other\/lib.sh/);
        const unguarded = write("components/x/unguarded.sh", '#!/bin/sh\n# shellcheck source=components/shell/lib.sh\n. "$(dirname "$0")/../shell/lib.sh"\n');
        expect(() => shippedScript(unguarded)).to.throw(/a source directive must stand over/);
    });
});
