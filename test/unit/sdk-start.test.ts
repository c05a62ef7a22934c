// sdk-start.ts in fresh node processes: what the SDK loads and how it formats stacks, with and without it.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import { REPO_ROOT } from "../../tools/offline/engine";

/**
 * sdk-start.ts as plain JavaScript, in the repository so it resolves the project's packages: the fresh processes
 * run no TypeScript loader, which would load TypeScript and install source-map-support before the script starts.
 */
const WORK = path.join(REPO_ROOT, ".cache", "sdk-start-test");
const SDK_START = path.join(WORK, "sdk-start.js");

before(() => {
    fs.mkdirSync(WORK, { recursive: true });
    const source = fs.readFileSync(path.join(REPO_ROOT, "sdk-start.ts"), "utf8");
    fs.writeFileSync(SDK_START, ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText);
});
after(() => fs.rmSync(WORK, { recursive: true, force: true }));

/** Runs `script` (JavaScript) in a fresh node process from the repository; returns the JSON it prints last. */
function inFreshProcess(script: string): Record<string, unknown> {
    const r = spawnSync(process.execPath, ["-e", script], { cwd: REPO_ROOT, encoding: "utf8", timeout: 60_000 });
    if (r.status !== 0) throw new Error(`fresh process failed (exit ${r.status}):\n${r.stderr}`);
    return JSON.parse(r.stdout.trim().split("\n").pop() ?? "null");
}

/** Script text: whether the serialiser's dependencies are stand-ins, loaded, or not there at all. */
const STATE = `
const util = require("util");
const sdk = require("path").dirname(require.resolve("@pulumi/pulumi/package.json"));
const files = { typescript: require.resolve("typescript", { paths: [sdk] }), arborist: require.resolve("@npmcli/arborist", { paths: [sdk + "/runtime/closure"] }) };
const state = () => Object.fromEntries(Object.entries(files).map(([k, f]) => [k, !require.cache[f] ? "absent" : util.types.isProxy(require.cache[f].exports) ? "deferred" : "loaded"]));
`;

describe("sdk-start: the SDK's closure serialiser loads its dependencies when first used", () => {
    it("the SDK's index loads without TypeScript and @npmcli/arborist; without sdk-start it loads both", () => {
        const without = inFreshProcess(`${STATE} require("@pulumi/pulumi"); console.log(JSON.stringify(state()));`);
        expect(without).to.deep.equal({ typescript: "loaded", arborist: "loaded" });
        const withIt = inFreshProcess(`${STATE} require(${JSON.stringify(SDK_START)}); require("@pulumi/pulumi"); console.log(JSON.stringify(state()));`);
        expect(withIt).to.deep.equal({ typescript: "deferred", arborist: "deferred" });
    });

    it("serialises a function and computes code paths exactly as without it, loading the real modules then", () => {
        const work = `
const pulumi = require("@pulumi/pulumi");
const before = state();
let n = 41;
Promise.all([pulumi.runtime.serializeFunction(() => n + 1), pulumi.runtime.computeCodePaths()]).then(([fn, paths]) =>
    console.log(JSON.stringify({ before, after: state(), text: fn.text, paths: [...paths.keys()].sort() })));`;
        const without = inFreshProcess(`${STATE} ${work}`);
        const withIt = inFreshProcess(`${STATE} require(${JSON.stringify(SDK_START)}); ${work}`);
        expect(withIt.before).to.deep.equal({ typescript: "deferred", arborist: "deferred" });
        expect(withIt.after).to.deep.equal({ typescript: "loaded", arborist: "loaded" });
        expect(withIt.text).to.be.a("string").and.to.include("n + 1");
        expect(withIt.text).to.equal(without.text);
        expect(withIt.paths).to.deep.equal(without.paths);
    });

    it("leaves a module that is already loaded as it is", () => {
        const r = inFreshProcess(`
const typescript = require.resolve("typescript");
const real = require(typescript);
const { deferModule } = require(${JSON.stringify(SDK_START)});
console.log(JSON.stringify({ deferred: deferModule(typescript), same: require(typescript) === real }));`);
        expect(r).to.deep.equal({ deferred: false, same: true });
    });
});

describe("sdk-start: the SDK's bookkeeping stacks skip source maps, every other stack keeps them", () => {
    const dirs: string[] = [];
    after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

    /** A module whose source map points its one function at `original.ts`, line 10. */
    function mappedModule(): string {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "iklimco-sdk-start-"));
        dirs.push(dir);
        const map = { version: 3, file: "mapped.js", sources: ["original.ts"], names: [], mappings: "AASA;AACA" };
        const file = path.join(dir, "mapped.js");
        fs.writeFileSync(file, `exports.fail = () => new Error("boom");\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString("base64")}\n`);
        return file;
    }

    const stacks = (mapped: string, sdkStart: boolean) => `
require(require.resolve("source-map-support/register", { paths: [require("path").dirname(require.resolve("@pulumi/pulumi/package.json"))] }));
${sdkStart ? `require(${JSON.stringify(SDK_START)});` : ""}
const pulumi = require("@pulumi/pulumi");
const { debuggablePromise } = require("@pulumi/pulumi/runtime/debuggable");
const tracked = Promise.resolve(1);
debuggablePromise(tracked, "a tracked promise");
const sites = pulumi.Resource.callsites();
console.log(JSON.stringify({ program: require(${JSON.stringify(mapped)}).fail().stack, tracked: tracked._debugStackTrace, callsite: sites[1] }));`;

    it("maps the program's stacks, and not the SDK's tracked-promise stacks, which source-map-support maps to the SDK's .ts sources", () => {
        const mapped = mappedModule();
        const without = inFreshProcess(stacks(mapped, false));
        const withIt = inFreshProcess(stacks(mapped, true));
        for (const r of [without, withIt]) expect(r.program).to.match(/original\.ts:10:/, "the program's error is source-mapped");
        expect(without.tracked).to.match(/debuggable\.ts:\d+/);
        expect(withIt.tracked).to.match(/debuggable\.js:\d+:\d+/).and.not.match(/debuggable\.ts/);
        // The first frame outside Resource.callsites is where it was called: the same position either way here, where
        // the caller (the -e script) has no source map.
        expect(withIt.callsite).to.deep.equal(without.callsite);
    });

    it("without source-map-support, every stack reads exactly as without it", () => {
        const mapped = mappedModule();
        const plain = (sdkStart: boolean) => stacks(mapped, sdkStart).replace(/^require\(require\.resolve\("source-map-support.*$/m, "");
        const without = inFreshProcess(plain(false));
        const withIt = inFreshProcess(plain(true));
        expect(withIt.program).to.match(/mapped\.js:1:/);
        expect(withIt).to.deep.equal(without);
    });

    it("wraps the installed formatter once, however often it runs (a bundle and the sources in one process)", () => {
        const r = inFreshProcess(`
const sdk = require("path").dirname(require.resolve("@pulumi/pulumi/package.json"));
const once = Error.prepareStackTrace;
const { formatBookkeepingStacksPlainly } = require(${JSON.stringify(SDK_START)});
const first = Error.prepareStackTrace;
formatBookkeepingStacksPlainly(sdk);
console.log(JSON.stringify({ wrapped: first !== once, again: Error.prepareStackTrace === first }));`);
        expect(r).to.deep.equal({ wrapped: true, again: true });
    });

    it("formats a stack as V8 does when no formatter is set", () => {
        const r = inFreshProcess(`
const { v8Stack } = require(${JSON.stringify(SDK_START)});
let frames = [];
Error.prepareStackTrace = (_e, f) => ((frames = f), "");
const captured = new TypeError("bad input"); void captured.stack;
Error.prepareStackTrace = undefined;
const plain = new TypeError("bad input");
console.log(JSON.stringify({ ours: v8Stack(captured, frames).split("\\n"), v8: plain.stack.split("\\n") }));`);
        const ours = r.ours as string[];
        const v8 = r.v8 as string[];
        expect(ours[0]).to.equal("TypeError: bad input");
        expect(v8[0]).to.equal("TypeError: bad input");
        // The same frames but the first: each error was made on a line of its own.
        expect(ours.length).to.be.greaterThan(2);
        expect(ours.slice(2)).to.deep.equal(v8.slice(2));
    });
});
