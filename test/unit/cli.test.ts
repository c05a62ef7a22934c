// The tools parse their command lines with util.parseArgs in strict mode; a bad command line is a usage error
// (exit 2) that names the usage line.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as path from "path";
import { parseArgs } from "util";
import { UsageError, withUsage } from "../../tools/cli";
import { parsePrepareArgs } from "../../tools/local/prepare";

const ROOT = path.join(__dirname, "..", "..");
const tool = (script: string, ...args: string[]) =>
    spawnSync(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", script, ...args], { cwd: ROOT, encoding: "utf8", timeout: 60000 });

describe("tool command lines (util.parseArgs)", function () {
    this.timeout(120000);
    const options = { stack: { type: "string" as const }, json: { type: "boolean" as const } };
    const parse = (...args: string[]) => withUsage("t --stack <name> [--json]", () => parseArgs({ args, options, strict: true, allowPositionals: false }).values);

    it("reads --stack x, --stack=x and flags", () => {
        expect(parse("--stack", "prod", "--json")).to.deep.equal({ stack: "prod", json: true });
        expect(parse("--stack=local")).to.deep.equal({ stack: "local" });
    });

    it("refuses an unknown option, a missing value and a stray argument, naming the usage line", () => {
        for (const bad of [["--stakc", "prod"], ["--stack"], ["prod"]]) {
            let err: unknown;
            try {
                parse(...bad);
            } catch (e) {
                err = e;
            }
            expect(err, bad.join(" ")).to.be.instanceOf(UsageError);
            expect((err as Error).message).to.include("usage: t --stack <name> [--json]");
        }
    });

    it("npm run local-prepare reads --stack (default local) and --check, and refuses anything else naming its usage", () => {
        expect(parsePrepareArgs([])).to.deep.equal({ stack: "local", check: false });
        expect(parsePrepareArgs(["--stack", "prod", "--check"])).to.deep.equal({ stack: "prod", check: true });
        for (const bad of [["--stack"], ["--chek"], ["local"]]) expect(() => parsePrepareArgs(bad), bad.join(" ")).to.throw(UsageError, "usage: npm run local-prepare");
    });

    it("npm run policy-config -- --stack prod prints the stack's policy config as JSON", () => {
        const r = tool("tools/policy-config.ts", "--stack", "prod");
        expect(r.status, r.stderr).to.equal(0);
        expect(JSON.parse(r.stdout)).to.deep.equal({ "dns-record-edge-only": { edgeIps: ["203.0.113.21"], vaultRecord: "vault", vaultIps: ["203.0.113.11", "203.0.113.12", "203.0.113.13"] } });
    });

    it("a tool exits 2 on a bad command line and names its usage", () => {
        const r = tool("tools/policy-config.ts", "--stak", "prod");
        expect(r.status).to.equal(2);
        expect(r.stderr).to.match(/Unknown option '--stak'/).and.include("usage: npm run --silent policy-config -- --stack <name>");
        const plan = tool("tools/plan.ts", "--stack", "prod", "--jsn");
        expect(plan.status).to.equal(2);
        expect(plan.stderr).to.include("usage: npm run plan -- --stack <");
    });
});
