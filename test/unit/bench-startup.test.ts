import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import { REPO_ROOT } from "../../tools/offline/engine";
import { languageHostEnv, readNodejsRuntime, startMode, withoutStartSettings } from "../../tools/offline/startup";

function tempProject(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "iklimco-bench-"));
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
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

    it("starts from an environment without the language host's or ts-node's settings", () => {
        const env = { PATH: "/usr/bin", PULUMI_NODEJS_TYPESCRIPT: "true", PULUMI_NODEJS_TRANSPILE_ONLY: "true", TS_NODE_SWC: "true", PULUMI_HOME: "/p" };
        expect(withoutStartSettings(env)).to.deep.equal({ PATH: "/usr/bin", PULUMI_HOME: "/p" });
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

    it("this project starts bin/index.js as plain JavaScript, built by a strictly type-checked `npm run build` that every deploying workflow runs first", () => {
        const rt = readNodejsRuntime(REPO_ROOT);
        expect(rt.typescript).to.equal(false);
        expect(startMode(REPO_ROOT, languageHostEnv(rt))).to.equal("javascript");
        const build = ts.parseJsonConfigFileContent(ts.readConfigFile(path.join(REPO_ROOT, "tsconfig.build.json"), ts.sys.readFile).config, ts.sys, REPO_ROOT);
        expect(build.options.noCheck, "the build must type-check").to.not.equal(true);
        expect(build.options.strict).to.equal(true);
        expect(build.options.noEmitOnError, "noEmitOnError must stay off only because the build's exit code stops the workflow").to.not.equal(true);
        // Pulumi.yaml's main is the build's output of index.ts.
        expect(path.resolve(REPO_ROOT, rt.main)).to.equal(path.join(build.options.outDir!, "index.js"));
        expect(build.fileNames.map((f) => path.relative(REPO_ROOT, f))).to.include("index.ts");
        const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));
        expect(pkg.scripts.build).to.match(/^tsc -p tsconfig\.build\.json && /);
        expect(pkg.scripts.test).to.match(/^tsc --noEmit -p \. && /);
        // Every workflow that starts the program runs the build first, in a step of its own (bash -e: it stops there).
        for (const wf of ["deploy.yml", "preview.yml"]) {
            const text = fs.readFileSync(path.join(REPO_ROOT, ".gitea", "workflows", wf), "utf8");
            const buildAt = text.indexOf("run: npm run build\n");
            expect(buildAt, `${wf} runs npm run build`).to.be.greaterThan(-1);
            const starts = [...text.matchAll(/^\s*(?:run:\s*)?pulumi (up|preview) /gm)];
            expect(starts.length, `${wf} starts the program`).to.be.greaterThan(0);
            for (const m of starts) expect(m.index!, `${wf}: pulumi ${m[1]} after the build`).to.be.greaterThan(buildAt);
        }
        const tsconfig = ts.parseJsonConfigFileContent(ts.readConfigFile(path.join(REPO_ROOT, "tsconfig.json"), ts.sys.readFile).config, ts.sys, REPO_ROOT);
        expect(tsconfig.options.noCheck, "tsconfig.json must not set noCheck: tsc --noEmit uses it").to.not.equal(true);
        expect(tsconfig.options.strict).to.equal(true);
    });
});
