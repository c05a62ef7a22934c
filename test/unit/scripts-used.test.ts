// Every shell script under components/ and tools/ is used: a TypeScript module of the program or its tools
// reads it (by its file name, or through composedScript for the certificate scripts), a used script loads it
// as a library (components/shell/lib.sh, the certificate scripts' common.sh), or it is one of the few entry
// points people and CI run, each checked to be referenced where it is run from.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { scriptLibraries } from "../../components/shell";
import { shellScripts } from "../support/scripts";

const ROOT = path.join(__dirname, "..", "..");

/** Scripts run by people or CI rather than read by a module: where each is run from. */
const ENTRY_POINTS: Record<string, string> = {
    "tools/test-all.sh": ".ci/run", // CI's one command
    "tools/test-integration.sh": "package.json", // npm run test:integration
    "tools/adoption/retire-legacy-secrets.sh": "docs/runbook.md", // an operator command of the adoption
    "components/backup/vault-restore.sh": "docs/runbook.md", // an operator command: restore a snapshot
};

/** The TypeScript modules that ship or run scripts: the program, its components, policies and tools. */
function moduleSources(): string {
    const files = ["components", "tools", "policies", "microservice"]
        .flatMap((d) => fs.readdirSync(path.join(ROOT, d), { recursive: true, encoding: "utf8" }).map((f) => path.join(d, f)))
        .filter((f) => f.endsWith(".ts") && !f.includes("node_modules"));
    return ["index.ts", "platform.ts", ...files].map((f) => fs.readFileSync(path.join(ROOT, f), "utf8")).join("\n");
}

/** Does the source read the script: its file name as a string, or composedScript("<name>")? */
export function reads(source: string, script: string): boolean {
    const base = path.basename(script);
    const quoted = (s: string) => [`"${s}"`, `'${s}'`, `\`${s}\``, `/${s}"`, `/${s}'`, `/${s}\``, `/${s} `];
    return quoted(base).some((q) => source.includes(q)) || source.includes(`composedScript("${base.replace(/\.sh$/, "")}")`);
}

describe("shipped shell scripts are all used", () => {
    it("recognises a read and a script nobody reads", () => {
        expect(reads('fs.readFileSync(path.join(__dirname, "swag-files.sh"))', "components/infra-db/swag-files.sh")).to.equal(true);
        expect(reads('const s = composedScript("reloader");', "components/certs/scripts/reloader.sh")).to.equal(true);
        expect(reads('readScript("oneshot.sh.bak")', "components/init/scripts/oneshot.sh")).to.equal(false);
        expect(reads("// mentions old.sh in a comment only", "components/x/old.sh")).to.equal(false);
    });

    it("every script under components/ and tools/ is read by a TypeScript module, loaded by a used script as a library, or is an entry point run from where it says", () => {
        const source = moduleSources();
        const scripts = shellScripts(ROOT).filter((f) => f.startsWith("components/") || f.startsWith("tools/"));
        expect(scripts.length).to.be.greaterThan(20);
        const used = scripts.filter((f) => ENTRY_POINTS[f] || reads(source, f));
        const loaded = new Set(used.flatMap((f) => scriptLibraries(path.join(ROOT, f))));
        expect([...loaded]).to.include.members(["components/shell/lib.sh", "components/certs/scripts/common.sh"]);
        const unused = scripts.filter((f) => !used.includes(f) && !loaded.has(f));
        expect(unused, "delete the script, or ship it from the component that needs it").to.deep.equal([]);
        for (const [script, from] of Object.entries(ENTRY_POINTS)) {
            expect(fs.readFileSync(path.join(ROOT, from), "utf8"), `${from} runs ${script}`).to.include(script);
        }
    });
});
