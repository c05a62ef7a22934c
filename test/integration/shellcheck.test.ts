// shellcheck (Debian's package) over every shipped shell script, in the form it is shipped: the certificate
// scripts with common.sh prepended, as composedScript() ships them; every other script as its file.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { CERT_SCRIPTS, composedScript } from "../../components/certs/scripts";
import { SHELL_SCRIPT_ROOTS, shellScripts } from "../support/scripts";

const ROOT = path.join(__dirname, "..", "..");

/**
 * Scripts without a shebang are fragments a component runs with a given shell; shellcheck needs to be told
 * which. A shebang-less script missing here fails the test below.
 */
const FRAGMENT_SHELL: Record<string, "sh" | "bash"> = {
    "components/infra-db/apisix-entrypoint.sh": "sh", // sh -c <file> (the service's command)
    "components/infra-db/patroni-entrypoint.sh": "sh",
    "components/infra-db/rabbitmq-entrypoint.sh": "sh",
    "components/infra-db/swag-files.sh": "bash", // managerScript runs it with bash
    "components/certs/scripts/common.sh": "sh", // prepended to the certificate scripts (POSIX sh)
};

function shellcheck(args: string[], input?: string): { status: number | null; out: string } {
    const r = spawnSync("shellcheck", ["--format=gcc", "--external-sources", ...args], { cwd: ROOT, input, encoding: "utf8" });
    if (r.error) throw r.error;
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe(`shellcheck over every shipped shell script (${SHELL_SCRIPT_ROOTS.join(", ")})`, function () {
    this.timeout(120000);
    const composed = new Set(CERT_SCRIPTS.map((n) => `components/certs/scripts/${n}.sh`));

    it("finds the scripts, and can fail: a script with an unquoted variable is reported", () => {
        expect(shellScripts(ROOT).length).to.be.greaterThan(20);
        const bad = shellcheck(["-s", "sh", "-"], 'rm -rf $1/tmp\n');
        expect(bad.status).to.not.equal(0);
        expect(bad.out).to.include("SC2086");
    });

    it("every script has a shebang or a known shell", () => {
        const unknown = shellScripts(ROOT).filter((f) => !fs.readFileSync(path.join(ROOT, f), "utf8").startsWith("#!") && !FRAGMENT_SHELL[f] && !composed.has(f));
        expect(unknown, "add a shebang, or the shell the component runs it with to FRAGMENT_SHELL").to.deep.equal([]);
    });

    for (const name of CERT_SCRIPTS) {
        it(`certs: common.sh + ${name}.sh, as shipped, is clean`, () => {
            // SC2317: common.sh carries functions that a given script does not call.
            const r = shellcheck(["-s", "sh", "--exclude=SC2317", "-"], composedScript(name));
            expect(r.out).to.equal("");
            expect(r.status).to.equal(0);
        });
    }

    it("every other script is clean", () => {
        const files = shellScripts(ROOT).filter((f) => !composed.has(f) && f !== "components/certs/scripts/common.sh");
        const findings: string[] = [];
        for (const f of files) {
            const shell = FRAGMENT_SHELL[f];
            const r = shellcheck([...(shell ? ["-s", shell] : []), f]);
            if (r.status !== 0 || r.out) findings.push(r.out.trim() || `${f}: exit ${r.status}`);
        }
        expect(findings.join("\n")).to.equal("");
    });
});
