// The runtime dependencies and the provider plugins they imply: every pin is documented (why that package,
// why that version) and every @pulumi/* provider version is one the provider really released.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { dependencyProblems, installedPlugin, parseDependencyDoc } from "../../tools/dependencies";

const ROOT = path.join(__dirname, "..", "..");
const DOC = fs.readFileSync(path.join(ROOT, "docs", "dependencies.md"), "utf8");
const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));

describe("dependencies: pinned, documented, and released", () => {
    it("every runtime dependency is pinned exactly, has its row, and every provider's plugin version was released", () => {
        expect(dependencyProblems(PKG.dependencies, DOC, (n) => installedPlugin(ROOT, n))).to.deep.equal([]);
    });

    it("the doc covers every provider SDK installed, with the plugin it implies", () => {
        const { rows } = parseDependencyDoc(DOC);
        const providers = Object.keys(PKG.dependencies).filter((n) => installedPlugin(ROOT, n));
        expect(providers.sort()).to.deep.equal(["@pulumi/command", "@pulumi/docker", "@pulumi/random", "@pulumi/vault"]);
        for (const p of providers) expect(rows.find((r) => r.name === p)?.plugin, p).to.match(/^[a-z]+ \d+\.\d+\.\d+$/);
    });

    it("fails for @pulumi/command 4.5.0 (published by mistake: no such plugin) and for an undocumented version", () => {
        const bad = { ...PKG.dependencies, "@pulumi/command": "4.5.0" };
        const plugin = (n: string) => (n === "@pulumi/command" ? { name: "command", version: "v4.5.0" } : installedPlugin(ROOT, n));
        const problems = dependencyProblems(bad, DOC, plugin);
        expect(problems.join("\n")).to.match(/@pulumi\/command@4\.5\.0 is a known-bad version/);
        expect(problems.join("\n")).to.match(/@pulumi\/command@4\.5\.0 is not among the released versions/);
        const unknown = dependencyProblems({ ...PKG.dependencies, "@pulumi/vault": "7.9.9" }, DOC, (n) => installedPlugin(ROOT, n));
        expect(unknown.join("\n")).to.match(/@pulumi\/vault@7\.9\.9 is not among the released versions/);
        expect(dependencyProblems({ ...PKG.dependencies, zod: "^4.6.7" }, DOC, (n) => installedPlugin(ROOT, n)).join("\n")).to.match(/not one exact version/);
    });
});
