// The built program (bin/index.js) run through Pulumi's own entry, `@pulumi/pulumi/cmd/run`, as the nodejs
// language host starts it for `pulumi preview`, against a gRPC stand-in for the engine (tools/offline/grpc-engine.ts).
import { expect } from "chai";
import { assertBuilt } from "../../../tools/offline/built";
import { CmdRunResult, runThroughCmdRun } from "../../../tools/offline/grpc-engine";
import { REPO_ROOT } from "../../../tools/offline/engine";
import { languageHostEnv, readNodejsRuntime, withoutStartSettings } from "../../../tools/offline/startup";
import { projectName, readStackConfig } from "../../../tools/offline/stack-config";
import { evaluateStack } from "../../harness";

function run(config: Record<string, string>, secretKeys: string[]): Promise<CmdRunResult> {
    const rt = readNodejsRuntime(REPO_ROOT);
    return runThroughCmdRun({ root: REPO_ROOT, project: projectName(), stack: "prod", config, secretKeys, main: rt.main, nodeargs: rt.nodeargs, env: { ...withoutStartSettings(process.env), ...languageHostEnv(rt) } });
}

const named = (type: string, name: string) => `${type}::${name}`;
const nameOf = (urn?: string) => (urn ? urn.split("::").pop() : undefined);

describe("the program through Pulumi's own entry (cmd/run), against a gRPC stand-in for the engine", () => {
    before(() => assertBuilt());

    it("registers what the offline engine records of platform.ts, under the same parents, and exports the same outputs", async () => {
        const cfg = readStackConfig("prod");
        const through = await run(cfg.config, cfg.secretKeys);
        expect(through.code, through.stderr).to.equal(0);
        expect(through.warnings).to.deep.equal([]);
        expect(through.seconds).to.be.greaterThan(0);

        const offline = await evaluateStack("prod");
        const registered = through.registrations.filter((r) => r.type !== "pulumi:pulumi:Stack");
        expect(registered.map((r) => named(r.type, r.name)).sort()).to.deep.equal(offline.resources.map((r) => named(r.type, r.name)).sort());
        const parentOf = new Map(offline.resources.map((r) => [named(r.type, r.name), nameOf(r.parent)] as const));
        const stackName = `${projectName()}-prod`;
        for (const r of registered) {
            const parent = nameOf(r.parent);
            expect(parent === stackName ? undefined : parent, named(r.type, r.name)).to.equal(parentOf.get(named(r.type, r.name)));
        }
        expect(through.stackOutputs).to.deep.equal(Object.keys(offline.outputs).sort());
    });

    it("stops on a config error before any resource, and the error names the key", async () => {
        const cfg = readStackConfig("prod");
        const through = await run({ ...cfg.config, "iklimco:domain": "42" }, cfg.secretKeys);
        expect(through.code).to.not.equal(0);
        expect(through.registrations.filter((r) => r.type !== "pulumi:pulumi:Stack")).to.deep.equal([]);
        expect(through.warnings.join("\n")).to.match(/iklimco:domain/).and.to.match(/iklim\.co/);
    });
});
