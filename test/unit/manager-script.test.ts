import { expect } from "chai";
import { spawnSync } from "child_process";
import { RUNNER, scriptStdin, shellQuote } from "../../components/swarm";

describe("manager scripts (run for real with bash)", () => {
    it("exports awkward values exactly and passes arguments, with secrets only on stdin", () => {
        const secret = `p'a"s$s\nwo\\rd \`x\``;
        const script = 'printf "%s|%s|%s" "$SECRET_VALUE" "$1" "$2"';
        const create = RUNNER(["first arg", "it's"]);
        expect(create).to.not.include("SECRET_VALUE");
        const r = spawnSync("bash", ["-c", create], { input: scriptStdin(script, { SECRET_VALUE: secret }), encoding: "utf8" });
        expect(r.status, r.stderr).to.equal(0);
        expect(r.stdout).to.equal(`${secret}|first arg|it's`);
    });

    it("keeps the script whole when a command inside it reads stdin", () => {
        const script = "cat >/dev/null </dev/stdin || true\necho still-running";
        const r = spawnSync("bash", ["-c", RUNNER([])], { input: scriptStdin(script, {}), encoding: "utf8" });
        expect(r.stdout.trim()).to.equal("still-running");
    });

    it("refuses an environment name that is not a shell identifier", () => {
        expect(() => scriptStdin("true", { "BAD-NAME": "x" })).to.throw(/BAD-NAME/);
        expect(shellQuote("a'b")).to.equal(`'a'\\''b'`);
    });
});
