import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import { REPO_ROOT } from "../../tools/offline/engine";
import { languageHostEnv, readNodejsRuntime, startMode } from "../../tools/offline/startup";

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
