// The shared test helpers: the process runner and the bounded wait, and that every file kept in
// test/support and test/fixtures is used by some test.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { runProcess, waitFor } from "../support/process";

const TEST = path.join(__dirname, "..");

describe("test support", function () {
    this.timeout(30000);

    it("runProcess collects stdout and stderr, passes stdin and reports the exit status", async () => {
        const r = await runProcess("sh", ["-c", 'read x; echo "out $x"; echo err >&2; exit 3'], { input: "in\n" });
        expect(r).to.include({ code: 3, stdout: "out in\n", stderr: "err\n" });
        expect(r.out).to.include("out in").and.include("err");
    });

    it("runProcess kills a process at its time bound, and does not wait for a background child holding its output", async () => {
        const killed = await runProcess("sh", ["-c", "exec sleep 20"], { timeoutMs: 300 });
        expect(killed.code).to.equal(null);
        const started = Date.now();
        const left = await runProcess("sh", ["-c", "sleep 6 & echo started"], { timeoutMs: 15_000 });
        expect(left).to.include({ code: 0, stdout: "started\n" });
        expect(Date.now() - started).to.be.lessThan(5_000);
    });

    it("waitFor returns the first value, and fails naming what it waited for after its bound", async () => {
        let n = 0;
        expect(await waitFor("three polls", 5000, () => (++n >= 3 ? n : undefined), { pollMs: 10 })).to.equal(3);
        let err: Error | undefined;
        await waitFor("never", 100, () => false, { pollMs: 10, detail: () => "last: nothing" }).catch((e: Error) => (err = e));
        expect(err?.message).to.match(/timed out after 100 ms waiting for never\nlast: nothing/);
    });

    it("every file in test/support and test/fixtures is used by a test or another helper", () => {
        const sources = ["unit", "integration", "support", "fixtures"]
            .flatMap((d) => fs.readdirSync(path.join(TEST, d), { recursive: true, encoding: "utf8" }).map((f) => path.join(TEST, d, f)))
            .concat(path.join(TEST, "harness.ts"))
            .filter((f) => /\.(ts|js|sh)$/.test(f));
        const unused = ["support", "fixtures"]
            .flatMap((d) => fs.readdirSync(path.join(TEST, d)).map((f) => path.join(d, f)))
            .filter((rel) => {
                const base = path.basename(rel).replace(/\.(ts)$/, "");
                const self = path.join(TEST, rel);
                return !sources.some((f) => f !== self && fs.readFileSync(f, "utf8").includes(base));
            });
        expect(unused).to.deep.equal([]);
    });
});
