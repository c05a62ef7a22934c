// Cold starts of the program in fresh node processes, started as Pulumi's nodejs language host starts it.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ColdStartInput, compiledTool, runColdStart } from "../../../tools/offline/coldstart";
import { REPO_ROOT } from "../../../tools/offline/engine";
import { declaringModule, languageHostEnv, readNodejsRuntime, withoutStartSettings } from "../../../tools/offline/startup";
import { readStackConfig } from "../../../tools/offline/stack-config";
import { evaluateStack } from "../../harness";

describe("bench start-up: cold starts in a fresh node process", () => {
    const work = path.join(REPO_ROOT, ".cache", "bench-test");
    let child: string;
    let configuredEnv: Record<string, string>;
    const envFor = (program: string, extra: Record<string, string>): NodeJS.ProcessEnv => {
        const cfg = readStackConfig("prod");
        const input: ColdStartInput = { root: REPO_ROOT, stack: "prod", config: cfg.config, secretKeys: cfg.secretKeys, program };
        return { ...withoutStartSettings(process.env), ...extra, IKLIMCO_BENCH_INPUT: JSON.stringify(input) };
    };

    before(() => {
        configuredEnv = languageHostEnv(readNodejsRuntime(REPO_ROOT));
        child = compiledTool("startup-child");
        fs.mkdirSync(work, { recursive: true });
        // A type error that only a type-checking start notices; the program is otherwise valid.
        fs.writeFileSync(
            path.join(work, "type-error-program.ts"),
            'import * as random from "@pulumi/random";\nconst length: number = "24";\nexport const password = new random.RandomPassword("bench-fixture", { length });\n',
        );
    });
    after(() => fs.rmSync(work, { recursive: true, force: true }));

    it("`npm run build`'s compiler settings fail on a type error, so the JavaScript Pulumi starts is never built from it", () => {
        // The build's own tsconfig, over one file with a type error and nothing else.
        fs.writeFileSync(path.join(work, "tsconfig.json"), JSON.stringify({ extends: path.join(REPO_ROOT, "tsconfig.build.json"), compilerOptions: { outDir: path.join(work, "out"), tsBuildInfoFile: path.join(work, "out", ".tsbuildinfo"), rootDir: work }, include: [path.join(work, "type-error-program.ts")] }));
        const r = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", path.join(work, "tsconfig.json")], { cwd: REPO_ROOT, encoding: "utf8" });
        expect(r.status, r.stdout).to.not.equal(0);
        expect(r.stdout).to.match(/type-error-program\.ts.*TS2322/);
        // `npm run build` is `tsc ... && copy`: the failing tsc stops it, with the exit code the workflow step sees.
        const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));
        expect(pkg.scripts.build).to.match(/^tsc -p tsconfig\.build\.json && /);
    });

    it("a cold start of the real program records the same graph as an in-process evaluation", async () => {
        const cold = await runColdStart(child, [], envFor(declaringModule(REPO_ROOT, readNodejsRuntime(REPO_ROOT)), configuredEnv));
        expect(cold.mode).to.equal("javascript");
        const warm = await evaluateStack("prod");
        expect(cold.seconds).to.be.greaterThan(0);
        expect(cold.resources.map((r) => r.urn)).to.deep.equal(warm.resources.map((r) => r.urn));
        expect(cold.resources.map((r) => r.dependencies)).to.deep.equal(warm.resources.map((r) => r.dependencies));
        expect(cold.reasons.map((r) => r.why)).to.deep.equal(warm.reasons.map((r) => r.why));
        // Only a hash of the inputs leaves the child: no placeholder secret appears in what it printed.
        expect(JSON.stringify(cold)).to.not.include("offline-placeholder");
    });
});
