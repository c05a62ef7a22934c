import { expect } from "chai";
import { spawnSync } from "child_process";
import * as path from "path";
import { placeholderFor } from "../../tools/offline/stack-config";
import { planStack } from "../harness";

const ROOT = path.resolve(__dirname, "..", "..");
function plan(...args: string[]) {
    const r = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", "tools/plan.ts", ...args], { cwd: ROOT, encoding: "utf8" });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("offline plan (npm run plan)", () => {
    let prod: ReturnType<typeof plan>;
    before(() => {
        prod = plan("--stack", "prod", "--json");
    });

    it("prints one JSON document in the documented shape for the prod stack", () => {
        expect(prod.code, prod.stderr).to.equal(0);
        const doc = JSON.parse(prod.stdout);
        expect(doc.stack).to.equal("prod");
        expect(doc.resources.length).to.be.greaterThan(3);
        for (const r of doc.resources) {
            expect(r).to.have.keys(["urn", "type", "name", "parent", "dependsOn", "step", "inputs", "secretInputs"]);
            expect(r.dependsOn).to.be.an("array");
            for (const d of r.dependsOn) expect(doc.resources.map((x: { urn: string }) => x.urn)).to.include(d);
        }
        expect(doc.steps.map((s: { number: number }) => s.number)).to.deep.equal([...Array(24).keys()].map((i) => i + 1));
        for (const s of doc.steps) expect(s).to.include.keys(["number", "title", "resources", "note"]);
        const step11 = doc.steps.find((s: { number: number }) => s.number === 11);
        expect(step11.resources.some((u: string) => u.includes("rabbitmq-erlang-cookie"))).to.equal(true);
    });

    it("shows secrets as [secret] and contains no secret value", () => {
        const doc = JSON.parse(prod.stdout);
        const provider = doc.resources.find((r: { type: string }) => r.type === "pulumi:providers:docker");
        expect(provider.inputs.registryAuth).to.equal("[secret]");
        expect(provider.secretInputs).to.include("registryAuth");
        expect(prod.stdout).to.not.include(placeholderFor("iklimco:harborPassword"));
        expect(prod.stdout).to.not.include("offline-placeholder");
        expect(prod.stdout).to.not.include("mock-iklimco-infra-secrets");
        const missing = doc.secrets.filter((s: { state: string }) => s.state === "missing").map((s: { key: string }) => s.key);
        expect(missing).to.have.members(["iklimco:sshPrivateKey", "iklimco:harborPassword", "iklimco:godaddyKey", "iklimco:godaddySecret"]);
    });

    it("works for the local stack, in text for people", async () => {
        // The command's own run is above (prod); this is the same function over the cached local evaluation.
        const local = await planStack({ stack: "local" });
        expect(local.code, local.stderr).to.equal(0);
        expect(local.stdout).to.match(/Offline plan of stack "local"/);
        expect(local.stdout).to.match(/wave 1:/);
        expect(local.stdout).to.match(/12\. Deploy Swarm Stacks/);
    });

    it("exits non-zero with the validation report on a bad config, and names an unknown stack", () => {
        const unknown = plan("--stack", "nope");
        expect(unknown.code).to.equal(2);
        expect(unknown.stderr).to.match(/Pulumi\.nope\.yaml: expected a stack file \(this project has Pulumi\.local\.yaml, Pulumi\.prod\.yaml\); found no such file/);
    });
});
