import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT, evaluateProgram } from "../../../tools/offline/engine";
import { readStackConfig } from "../../../tools/offline/stack-config";

// Runs on the compiled program `npm run build` left in bin/ (the integration suite runs after the build).
describe("npm run build serialises every dynamic provider of the compiled program", () => {
    const bin = path.join(REPO_ROOT, "bin");

    it("each compiled provider module has a prebuilt text that is exactly what serialising it now gives", async function () {
        this.timeout(60_000);
        const base: typeof import("../../../components/prebuilt-dynamic-resource") = await import(path.join(bin, "components", "prebuilt-dynamic-resource.js"));
        const tool: typeof import("../../../tools/serialize-providers") = await import(path.join(bin, "tools", "serialize-providers.js"));
        expect(tool.DYNAMIC_PROVIDERS.length).to.be.greaterThan(0);
        for (const provider of tool.DYNAMIC_PROVIDERS) {
            const source = provider();
            expect(source.file.startsWith(bin + path.sep), source.file).to.equal(true);
            const prebuilt = base.readPrebuilt(source.file);
            expect(prebuilt, `${source.file}: no prebuilt text for this build (run npm run build)`).to.be.a("string");
            expect(prebuilt).to.equal(await base.serializeProvider(source));
        }
    });

    it("the bundled program requires the provider modules from bin/ and its dynamic resources send their prebuilt texts", async function () {
        this.timeout(60_000);
        const base: typeof import("../../../components/prebuilt-dynamic-resource") = await import(path.join(bin, "components", "prebuilt-dynamic-resource.js"));
        const tool: typeof import("../../../tools/serialize-providers") = await import(path.join(bin, "tools", "serialize-providers.js"));
        const files = tool.DYNAMIC_PROVIDERS.map((p) => p().file);
        // Not inlined: a bundled copy of a provider module would have no prebuilt text and be serialised at run time.
        for (const bundle of ["index.js", "platform.js"]) {
            const text = fs.readFileSync(path.join(bin, bundle), "utf8");
            for (const f of files) expect(text, `${bundle} requires ${f}`).to.include(`require("./${path.relative(bin, f).split(path.sep).join("/")}")`);
        }
        const texts = new Set(files.map((f) => base.readPrebuilt(f)));
        const cfg = readStackConfig("prod");
        const ev = await evaluateProgram({ stack: "prod", config: cfg.config, secretKeys: cfg.secretKeys, program: path.join(bin, "platform.js") });
        const dynamic = ev.resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"));
        expect(dynamic.length).to.be.greaterThan(0);
        for (const r of dynamic) expect(texts.has(String(r.plainInputs.__provider)), `${r.name} sends a prebuilt text`).to.equal(true);
    });
});
