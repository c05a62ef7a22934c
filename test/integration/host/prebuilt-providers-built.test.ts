import { expect } from "chai";
import * as path from "path";
import { REPO_ROOT } from "../../../tools/offline/engine";

// Runs on the compiled program `npm run build` left in bin/ (the integration suite runs after the build).
describe("npm run build serialises every dynamic provider of the compiled program", () => {
    it("each compiled provider module has a prebuilt text that is exactly what serialising it now gives", async function () {
        this.timeout(60_000);
        const base: typeof import("../../../components/prebuilt-dynamic-resource") = await import(path.join(REPO_ROOT, "bin", "components", "prebuilt-dynamic-resource.js"));
        const tool: typeof import("../../../tools/serialize-providers") = await import(path.join(REPO_ROOT, "bin", "tools", "serialize-providers.js"));
        expect(tool.DYNAMIC_PROVIDERS.length).to.be.greaterThan(0);
        for (const provider of tool.DYNAMIC_PROVIDERS) {
            const source = provider();
            expect(source.file.startsWith(path.join(REPO_ROOT, "bin") + path.sep), source.file).to.equal(true);
            const prebuilt = base.readPrebuilt(source.file);
            expect(prebuilt, `${source.file}: no prebuilt text for this build (run npm run build)`).to.be.a("string");
            expect(prebuilt).to.equal(await base.serializeProvider(source));
        }
    });
});
