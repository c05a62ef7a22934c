import { expect } from "chai";
import { spawnSync } from "child_process";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..", "..");

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
        expect(line(/^stack: prod; 2 rounds of floor, plan and start-up, interleaved/)).to.be.a("string");
        expect(line(/^floor \[@pulumi\/pulumi, mocks, 152 custom resources/)).to.match(/min \d+\.\d\d s, median \d+\.\d\d s$/);
        expect(line(/^offline plan \[node bin\/tools\/plan\.js --stack prod --json\]/)).to.match(/ratio to the floor: \d+\.\d\dx \(min\), \d+\.\d\dx \(median\); goal at most 1\.50x$/);
        expect(line(/^start-up as the language host starts it \[plain JavaScript, main bin\/index\.js\]/)).to.match(/ratio to the floor: \d+\.\d\dx \(min\), \d+\.\d\dx \(median\); goal at most 1\.30x$/);
        expect(line(/^critical path: \d+ resources/)).to.match(/through \d+ pipeline steps .*24 steps in a row; budget: at most \d+/);
        expect(line(/^ordering edges without data \(explicit dependsOn\): \d+, 0 without a recorded reason/)).to.be.a("string");
        expect(line(/^independent steps: 0 of \d+ pairs serialised/)).to.be.a("string");
        expect(line(/^determinism: 0 resources with differing inputs across 2 cold evaluations/)).to.be.a("string");
        expect(r.stdout).to.not.include("offline-placeholder");
    });

    it("--json gives the same figures as one document: the floor, the plan's and the start-up's ratios to it, and with --growth the growth table", function () {
        this.timeout(240_000);
        const r = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", "tools/bench.ts", "--runs", "2", "--json", "--growth"], { cwd: ROOT, encoding: "utf8", timeout: 230_000 });
        expect(r.status, r.stderr).to.equal(0);
        const doc = JSON.parse(r.stdout);
        expect(doc.floor.resources).to.equal(152);
        expect(doc.floor.seconds).to.have.length(2);
        for (const k of ["plan", "startup"]) {
            expect(doc[k].seconds, k).to.have.length(2);
            expect(doc[k].ratio.min, k).to.be.closeTo(doc[k].min / doc.floor.min, 1e-9);
            expect(doc[k].ratio.median, k).to.be.closeTo(doc[k].median / doc.floor.median, 1e-9);
        }
        expect(doc.plan.goal).to.equal(1.5);
        expect(doc.startup.goal).to.equal(1.3);
        expect(doc.startup.mode).to.equal("javascript");
        const rows: { microservices: number; nodes: number; resources: number; seconds: number }[] = doc.growth.rows;
        expect(rows.map((x) => [x.microservices, x.nodes])).to.deep.equal([[4, 3], [40, 3], [400, 3], [4, 9], [4, 30]]);
        // More microservices, more resources; every row's time is a measurement.
        expect(rows[1].resources).to.be.greaterThan(rows[0].resources);
        expect(rows[2].resources).to.be.greaterThan(rows[1].resources);
        for (const x of rows) expect(x.seconds).to.be.greaterThan(0);
        expect(doc.growth.linear).to.deep.equal({ microservices: true, nodes: true });
    });

    it("refuses a single run: the determinism check needs two", () => {
        const r = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", "tools/bench.ts", "--runs", "1"], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
        expect(r.status).to.equal(2);
        expect(r.stderr).to.match(/--runs must be an integer >= 2/);
    });
});
