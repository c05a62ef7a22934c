import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import { ColdStartError, ColdStartInput, precompileChild, runColdStart } from "../../tools/offline/coldstart";
import { REPO_ROOT } from "../../tools/offline/engine";
import { languageHostEnv, readNodejsRuntime, startMode } from "../../tools/offline/startup";
import { readStackConfig } from "../../tools/offline/stack-config";
import { evaluateStack } from "../harness";

function tempProject(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "iklimco-bench-"));
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
}

/** The environment of the process that runs the tests, without any Pulumi or ts-node setting. */
function cleanEnv(): NodeJS.ProcessEnv {
    const env = { ...process.env };
    for (const k of Object.keys(env)) if (k.startsWith("PULUMI_NODEJS_") || k.startsWith("TS_NODE_")) delete env[k];
    return env;
}

describe("bench start-up: Pulumi.yaml runtime settings as the nodejs language host reads them", () => {
    const dirs: string[] = [];
    const project = (files: Record<string, string>) => {
        const d = tempProject(files);
        dirs.push(d);
        return d;
    };
    after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

    it("defaults typescript to true, and reads tsconfig, nodeargs and main", () => {
        expect(readNodejsRuntime(project({ "Pulumi.yaml": "name: x\nruntime: nodejs\n" }))).to.deep.equal({ typescript: true, tsconfig: undefined, nodeargs: [], main: "." });
        const d = project({ "Pulumi.yaml": "name: x\nruntime:\n  name: nodejs\n  options:\n    typescript: false\n    tsconfig: tsconfig.build.json\n    nodeargs: --max-old-space-size=4096  --enable-source-maps\nmain: bin/index.js\n" });
        expect(readNodejsRuntime(d)).to.deep.equal({ typescript: false, tsconfig: "tsconfig.build.json", nodeargs: ["--max-old-space-size=4096", "--enable-source-maps"], main: "bin/index.js" });
        expect(languageHostEnv(readNodejsRuntime(d))).to.deep.equal({ PULUMI_NODEJS_TSCONFIG_PATH: "tsconfig.build.json" });
    });

    it("refuses what the language host refuses, and other runtimes", () => {
        expect(() => readNodejsRuntime(project({ "Pulumi.yaml": "name: x\nruntime:\n  name: nodejs\n  options:\n    typescript: \"yes\"\n" }))).to.throw(/typescript must be a boolean/);
        expect(() => readNodejsRuntime(project({ "Pulumi.yaml": "name: x\nruntime: python\n" }))).to.throw(/expected nodejs/);
    });

    it("decides the start mode with run.js's precedence: env flag, then the tsconfig's own noCheck, else type-check", () => {
        const d = project({
            "tsconfig.json": JSON.stringify({ compilerOptions: { strict: true } }),
            "tsconfig.fast.json": JSON.stringify({ extends: "./tsconfig.json", compilerOptions: { noCheck: true } }),
            "tsconfig.base-nocheck.json": JSON.stringify({ extends: "./tsconfig.fast.json", compilerOptions: {} }),
        });
        expect(startMode(d, {})).to.equal("javascript");
        expect(startMode(d, { PULUMI_NODEJS_TYPESCRIPT: "true" })).to.equal("type-check");
        expect(startMode(d, { PULUMI_NODEJS_TYPESCRIPT: "true", PULUMI_NODEJS_TRANSPILE_ONLY: "true" })).to.equal("transpile-only");
        expect(startMode(d, { PULUMI_NODEJS_TYPESCRIPT: "true", PULUMI_NODEJS_TSCONFIG_PATH: "tsconfig.fast.json" })).to.equal("transpile-only");
        // The flag wins over noCheck for ts-node's mode, but noCheck still silences the checker: no type-check.
        expect(startMode(d, { PULUMI_NODEJS_TYPESCRIPT: "true", PULUMI_NODEJS_TSCONFIG_PATH: "tsconfig.fast.json", PULUMI_NODEJS_TRANSPILE_ONLY: "false" })).to.equal("transpile-only");
        // noCheck inherited through extends: Pulumi does not see it, the checker does.
        expect(startMode(d, { PULUMI_NODEJS_TYPESCRIPT: "true", PULUMI_NODEJS_TSCONFIG_PATH: "tsconfig.base-nocheck.json" })).to.equal("transpile-only");
    });

    it("this project starts transpile-only under Pulumi, while npm test type-checks strictly with tsconfig.json", () => {
        const rt = readNodejsRuntime(REPO_ROOT);
        expect(rt.typescript).to.equal(true);
        expect(startMode(REPO_ROOT, languageHostEnv(rt))).to.equal("transpile-only");
        const parsed = ts.parseJsonConfigFileContent(ts.readConfigFile(path.join(REPO_ROOT, "tsconfig.json"), ts.sys.readFile).config, ts.sys, REPO_ROOT);
        expect(parsed.options.noCheck, "tsconfig.json must not set noCheck: tsc --noEmit uses it").to.not.equal(true);
        expect(parsed.options.strict).to.equal(true);
        // What a file-by-file transpile gets wrong (const enums across files, type re-exports), tsc rejects.
        expect(parsed.options.isolatedModules).to.equal(true);
        const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));
        expect(pkg.scripts.test).to.match(/^tsc --noEmit -p \. && /);
        // The module settings Pulumi would otherwise force to nodenext are restated in the Pulumi tsconfig.
        const own = ts.readConfigFile(path.join(REPO_ROOT, rt.tsconfig!), ts.sys.readFile).config.compilerOptions;
        expect(own).to.include({ noCheck: true, module: "commonjs", moduleResolution: "node" });
    });
});

describe("bench start-up: cold starts in a fresh node process", () => {
    const work = path.join(REPO_ROOT, ".cache", "bench-test");
    let child: string;
    const cfg = readStackConfig("prod");
    const envFor = (program: string, extra: Record<string, string>): NodeJS.ProcessEnv => {
        const input: ColdStartInput = { root: REPO_ROOT, stack: "prod", config: cfg.config, secretKeys: cfg.secretKeys, program };
        return { ...cleanEnv(), ...extra, IKLIMCO_BENCH_INPUT: JSON.stringify(input) };
    };
    const configuredEnv = languageHostEnv(readNodejsRuntime(REPO_ROOT));

    before(() => {
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
