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

describe("manager scripts: the command provider's connection and output handling (evaluated prod program)", () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let commands: { name: string; inputs: any }[] = [];
    before(async function () {
        this.timeout(60_000);
        const { evaluateStack, ofType } = await import("../harness");
        const ev = await evaluateStack("prod");
        commands = ofType(ev, "command:remote:Command").map((r) => ({ name: r.name, inputs: r.plainInputs}));
    });

    it("pins the manager's host key from docker.hostKey on every remote command, with bounded dialing", async () => {
        const YAML = await import("yaml");
        const fs = await import("fs");
        const hostKey = YAML.parse(fs.readFileSync(`${__dirname}/../../Pulumi.prod.yaml`, "utf8")).config["iklimco:docker"].hostKey;
        expect(hostKey).to.match(/^ssh-ed25519 /);
        expect(commands.length).to.be.greaterThan(5);
        for (const c of commands) {
            expect(c.inputs.connection.hostKey, c.name).to.equal(hostKey);
            expect(c.inputs.connection.dialErrorLimit, c.name).to.be.within(1, 20);
        }
    });

    it("never passes the previous stdout into the next run, and logs stdout only where it is not secret", () => {
        for (const c of commands) expect(c.inputs.addPreviousOutputInEnv, c.name).to.equal(false);
        const init = commands.find((c) => /vault-init/.test(c.name));
        expect(init, commands.map((c) => c.name).join(", ")).to.not.equal(undefined);
        expect(init!.inputs.logging).to.equal("stderr");
        for (const c of commands) if (c !== init) expect(c.inputs.logging, c.name).to.be.oneOf(["stderr", "stdoutAndStderr"]);
    });

    it("refuses to build an ssh connection without a host key", async () => {
        const { managerConnection } = await import("../../components/swarm/manager-script");
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const cfg: any = { docker: { host: "ssh://deploy@203.0.113.11:22" }, secrets: {} };
        expect(() => managerConnection(cfg)).to.throw(/docker\.hostKey/);
        expect(managerConnection({ ...cfg, docker: { host: "unix:///var/run/docker.sock" } })).to.equal(undefined);
    });
});
