// Cold starts of the program in fresh node processes, started as Pulumi's nodejs language host starts it.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { ColdStartError, ColdStartInput, precompileChild, runColdStart } from "../../tools/offline/coldstart";
import { REPO_ROOT } from "../../tools/offline/engine";
import { languageHostEnv, readNodejsRuntime } from "../../tools/offline/startup";
import { readStackConfig } from "../../tools/offline/stack-config";
import { evaluateStack } from "../harness";

/** The environment of the process that runs the tests, without any Pulumi or ts-node setting. */
function cleanEnv(): NodeJS.ProcessEnv {
    const env = { ...process.env };
    for (const k of Object.keys(env)) if (k.startsWith("PULUMI_NODEJS_") || k.startsWith("TS_NODE_")) delete env[k];
    return env;
}

describe("bench start-up: cold starts in a fresh node process", () => {
    const work = path.join(REPO_ROOT, ".cache", "bench-test");
    let child: string;
    let configuredEnv: Record<string, string>;
    const envFor = (program: string, extra: Record<string, string>): NodeJS.ProcessEnv => {
        const cfg = readStackConfig("prod");
        const input: ColdStartInput = { root: REPO_ROOT, stack: "prod", config: cfg.config, secretKeys: cfg.secretKeys, program };
        return { ...cleanEnv(), ...extra, IKLIMCO_BENCH_INPUT: JSON.stringify(input) };
    };

    before(() => {
        configuredEnv = languageHostEnv(readNodejsRuntime(REPO_ROOT));
        child = precompileChild();
        fs.mkdirSync(work, { recursive: true });
        // A type error that only a type-checking start notices; the program is otherwise valid.
        fs.writeFileSync(
            path.join(work, "type-error-program.ts"),
            'import * as random from "@pulumi/random";\nconst length: number = "24";\nexport const password = new random.RandomPassword("bench-fixture", { length });\n',
        );
    });
    after(() => fs.rmSync(work, { recursive: true, force: true }));

    it("a type-checking start (Pulumi's default) fails on a type error; the configured start runs the program", async () => {
        const program = path.join(work, "type-error-program.ts");
        let failure: unknown;
        try {
            await runColdStart(child, [], envFor(program, { PULUMI_NODEJS_TYPESCRIPT: "true" }));
        } catch (err) {
            failure = err;
        }
        expect(failure).to.be.instanceOf(ColdStartError);
        expect((failure as ColdStartError).stderr).to.match(/TS2322/);
        const fast = await runColdStart(child, [], envFor(program, configuredEnv));
        expect(fast.mode).to.equal("transpile-only");
        expect(fast.resources.map((r) => r.type)).to.include("random:index/randomPassword:RandomPassword");
    });

    it("a cold start of the real program records the same graph as an in-process evaluation", async () => {
        const cold = await runColdStart(child, [], envFor(path.join(REPO_ROOT, "index.ts"), configuredEnv));
        const warm = await evaluateStack("prod");
        expect(cold.seconds).to.be.greaterThan(0);
        expect(cold.resources.map((r) => r.urn)).to.deep.equal(warm.resources.map((r) => r.urn));
        expect(cold.resources.map((r) => r.dependencies)).to.deep.equal(warm.resources.map((r) => r.dependencies));
        expect(cold.reasons.map((r) => r.why)).to.deep.equal(warm.registry.reasons.map((r) => r.why));
        // Only a hash of the inputs leaves the child: no placeholder secret appears in what it printed.
        expect(JSON.stringify(cold)).to.not.include("offline-placeholder");
    });
});
