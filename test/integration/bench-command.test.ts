import { expect } from "chai";
import { spawnSync } from "child_process";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");

describe("npm run bench (tools/bench.ts)", function () {
    this.timeout(120_000);

    it("prints every figure on its own labelled line and exits 0 for prod", () => {
        const r = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", "tools/bench.ts", "--runs", "2"], { cwd: ROOT, encoding: "utf8", timeout: 110_000 });
        expect(r.status, r.stderr).to.equal(0);
        const line = (label: RegExp) => {
            const found = r.stdout.split("\n").find((l) => label.test(l));
            expect(found, `no line matching ${label} in:\n${r.stdout}`).to.be.a("string");
            return found!;
        };
        expect(line(/^resources declared: \d+ custom resources/)).to.match(/\(\+ \d+ components\)/);
        expect(line(/^start-up as Pulumi\.yaml configures it \[transpile-only/)).to.match(/min \d+\.\d\d s, median \d+\.\d\d s \(2 runs\)/);
        expect(line(/^start-up Pulumi's default \[type-checking/)).to.match(/min \d+\.\d\d s, median \d+\.\d\d s \(2 runs\)/);
        expect(line(/^critical path: \d+ resources/)).to.match(/through \d+ pipeline steps .*24 steps in a row; budget: at most \d+/);
        expect(line(/^ordering edges without data \(explicit dependsOn\): \d+, 0 without a recorded reason/)).to.be.a("string");
        expect(line(/^independent steps: 0 of \d+ pairs serialised/)).to.be.a("string");
        expect(line(/^determinism: 0 resources with differing inputs across 4 cold evaluations/)).to.be.a("string");
        expect(r.stdout).to.not.include("offline-placeholder");
    });

    it("refuses a single run: the determinism check needs two", () => {
        const r = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", "tools/bench.ts", "--runs", "1"], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
        expect(r.status).to.equal(2);
        expect(r.stderr).to.match(/--runs must be an integer >= 2/);
    });
});
