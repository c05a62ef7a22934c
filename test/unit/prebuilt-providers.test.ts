import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import { builtinModules } from "module";
import { prebuiltPath, readPrebuilt, serializeProvider } from "../../components/prebuilt-dynamic-resource";
import { sha256 } from "../../components/swarm/manager-script";
import { DYNAMIC_PROVIDERS } from "../../tools/serialize-providers";
import { evaluateStack } from "../harness";

describe("dynamic providers serialised at build time", () => {
    it("every dynamic resource of the prod stack sends the code of a provider the build serialises", async function () {
        this.timeout(60_000);
        const ev = await evaluateStack("prod");
        const dynamic = ev.resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic"));
        expect(dynamic.map((r) => r.type)).to.include.members(["pulumi-nodejs:dynamic/godaddy:GoDaddyRecord", "pulumi-nodejs:dynamic/iklimco:RootTokenRetirement"]);
        const built = new Set(await Promise.all(DYNAMIC_PROVIDERS.map((p) => serializeProvider(p()))));
        for (const r of dynamic) expect(built.has(String(r.plainInputs.__provider)), `${r.name}: its provider is not in DYNAMIC_PROVIDERS (tools/serialize-providers.ts)`).to.equal(true);
    });

    it("a provider module imports nothing at run time but Node's built-ins and the resource base, so its hash covers what the closure captures", () => {
        const allowed = new Set(["@pulumi/pulumi", "../prebuilt-dynamic-resource"]);
        for (const provider of DYNAMIC_PROVIDERS) {
            const file = provider().file;
            const src = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.ES2022);
            const runtimeImports = src.statements
                .filter(ts.isImportDeclaration)
                .filter((d) => !d.importClause?.isTypeOnly)
                .map((d) => (d.moduleSpecifier as ts.StringLiteral).text);
            const foreign = runtimeImports.filter((m) => !allowed.has(m) && !builtinModules.includes(m.replace(/^node:/, "")));
            expect(foreign, `${path.basename(file)} imports at run time`).to.deep.equal([]);
        }
    });

    describe("the prebuilt text is used only for the module it was built from", () => {
        let dir: string;
        let moduleFile: string;
        beforeEach(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "iklimco-prebuilt-"));
            moduleFile = path.join(dir, "provider.js");
            fs.writeFileSync(moduleFile, "exports.x = 1;\n");
        });
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

        it("sits beside the module as <name>.provider.json", () => {
            expect(prebuiltPath(moduleFile)).to.equal(path.join(dir, "provider.provider.json"));
            expect(prebuiltPath("/x/godaddy.ts")).to.equal("/x/godaddy.provider.json");
        });

        it("is read when the module's hash matches", () => {
            fs.writeFileSync(prebuiltPath(moduleFile), JSON.stringify({ moduleSha256: sha256(fs.readFileSync(moduleFile)), text: "exports.handler = 1;" }));
            expect(readPrebuilt(moduleFile)).to.equal("exports.handler = 1;");
        });

        it("is ignored once the module changed after the build, and when there is none", () => {
            expect(readPrebuilt(moduleFile)).to.equal(undefined);
            fs.writeFileSync(prebuiltPath(moduleFile), JSON.stringify({ moduleSha256: sha256(fs.readFileSync(moduleFile)), text: "exports.handler = 1;" }));
            fs.writeFileSync(moduleFile, "exports.x = 2;\n");
            expect(readPrebuilt(moduleFile)).to.equal(undefined);
        });
    });
});
