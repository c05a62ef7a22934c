// shellcheck (Debian's package) over every shipped shell script twice: as its file (following the libraries it
// sources, which are checked as files of their own), and in the form it is shipped, its libraries bundled by
// shippedScript() (components/shell), so what runs on a node is what was checked.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { scriptLibraries, shippedScript } from "../../../components/shell";
import { SHELL_SCRIPT_ROOTS, shellScripts } from "../../support/scripts";

const ROOT = path.join(__dirname, "..", "..", "..");

/**
 * Scripts without a shebang or a `# shellcheck shell=` directive are fragments a component runs with a given
 * shell; shellcheck needs to be told which. A fragment missing here fails the test below.
 */
const FRAGMENT_SHELL: Record<string, "sh" | "bash"> = {
    "components/infra-db/apisix-entrypoint.sh": "sh", // sh -c <file> (the service's command)
    "components/infra-db/patroni-entrypoint.sh": "sh",
    "components/infra-db/rabbitmq-entrypoint.sh": "sh",
    "components/infra-db/swag-files.sh": "bash", // managerScript runs it with bash
};

function shellcheck(args: string[], input?: string): { status: number | null; out: string } {
    const r = spawnSync("shellcheck", ["--format=gcc", "--external-sources", ...args], { cwd: ROOT, input, encoding: "utf8" });
    if (r.error) throw r.error;
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const text = (f: string) => fs.readFileSync(path.join(ROOT, f), "utf8");
const declaresShell = (f: string) => text(f).startsWith("#!") || /^# shellcheck shell=\w+$/m.test(text(f).split("\n")[0]);
const shellArgs = (f: string) => (FRAGMENT_SHELL[f] ? ["-s", FRAGMENT_SHELL[f]] : []);

describe(`shellcheck over every shipped shell script (${SHELL_SCRIPT_ROOTS.join(", ")})`, function () {
    this.timeout(180000);

    it("finds the scripts and the shared library, and can fail: a script with an unquoted variable is reported", () => {
        expect(shellScripts(ROOT).length).to.be.greaterThan(20);
        expect(shellScripts(ROOT)).to.include("components/shell/lib.sh");
        const bad = shellcheck(["-s", "sh", "-"], 'rm -rf $1/tmp\n');
        expect(bad.status).to.not.equal(0);
        expect(bad.out).to.include("SC2086");
    });

    it("every script has a shebang, a shell directive or a known shell", () => {
        const unknown = shellScripts(ROOT).filter((f) => !declaresShell(f) && !FRAGMENT_SHELL[f]);
        expect(unknown, "add a shebang, or the shell the component runs it with to FRAGMENT_SHELL").to.deep.equal([]);
    });

    it("every script is clean as its file", () => {
        const findings: string[] = [];
        for (const f of shellScripts(ROOT)) {
            const r = shellcheck([...shellArgs(f), f]);
            if (r.status !== 0 || r.out) findings.push(r.out.trim() || `${f}: exit ${r.status}`);
        }
        expect(findings.join("\n")).to.equal("");
    });

    it("every script that loads a library is clean as shipped, the libraries bundled into its text", () => {
        const bundled = shellScripts(ROOT).filter((f) => f.startsWith("components/") && scriptLibraries(path.join(ROOT, f)).length);
        expect(bundled).to.include.members(["components/vault/vault-init.sh", "components/certs/scripts/distributor.sh", "components/init/scripts/oneshot.sh"]);
        const findings: string[] = [];
        for (const f of bundled) {
            const shipped = shippedScript(path.join(ROOT, f));
            expect(shipped, f).to.include(text("components/shell/lib.sh").split("\n").slice(1).join("\n"));
            // SC2317: a library carries functions that a given script does not call.
            const r = shellcheck([...shellArgs(f), "--exclude=SC2317", "-"], shipped);
            if (r.status !== 0 || r.out) findings.push(`${f} as shipped:\n${r.out.trim() || `exit ${r.status}`}`);
        }
        expect(findings.join("\n")).to.equal("");
    });
});
