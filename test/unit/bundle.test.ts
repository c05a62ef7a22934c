import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { BUNDLED_ENTRIES, dirnameExpression, providerSources } from "../../tools/bundle";
import { REPO_ROOT } from "../../tools/offline/engine";

describe("the build's bundles (tools/bundle.ts)", () => {
    const bin = path.join(REPO_ROOT, "bin");

    it("a bundled module's __dirname is its own directory under bin/, seen from where its bundle is written", () => {
        expect(dirnameExpression(path.join(REPO_ROOT, "components", "infra-db", "patroni.ts"), path.join(bin, "platform.js"))).to.equal('require("path").join(__dirname, "components/infra-db")');
        expect(dirnameExpression(path.join(REPO_ROOT, "tools", "offline", "engine.ts"), path.join(bin, "tools", "plan.js"))).to.equal('require("path").join(__dirname, "offline")');
        expect(dirnameExpression(path.join(REPO_ROOT, "platform.ts"), path.join(bin, "platform.js"))).to.equal("__dirname");
    });

    it("keeps every dynamic provider's module out of the bundles, by its source file", () => {
        const sources = providerSources();
        expect(sources.map((s) => path.relative(REPO_ROOT, s))).to.include.members([path.join("components", "dns", "godaddy.ts"), path.join("components", "vault", "retire-root.ts")]);
        for (const s of sources) expect(fs.existsSync(s), s).to.equal(true);
    });

    it("bundles the program Pulumi starts, the module the engine evaluates for it, and the plan, as the last step of npm run build", () => {
        expect(BUNDLED_ENTRIES).to.include.members(["index.ts", "platform.ts", path.join("tools", "plan.ts")]);
        const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));
        expect(pkg.scripts.build).to.match(/&& node bin\/tools\/bundle\.js$/);
    });
});
