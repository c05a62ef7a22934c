// Every name under the stack's domain that the program and its workflows use is declared
// by the DNS component (a public record) or said by config not to be public, with how it is reached instead;
// the platform's `dnsNames` output (and so the plan) says which. Vault's name included: with
// vault.runnerAccess public the DNS component points it at the Vault nodes before Vault as code needs it;
// with private, config gives the address the runner connects to and the certificate is checked for the name.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { validateSettings } from "../../components/config";
import { GODADDY_RECORD_TYPE } from "../../components/dns";
import { POLICIES } from "../../policies/all";
import { runPolicies } from "../../policies/lib/run";
import { buildPlan, renderPlanText } from "../../tools/offline/plan";
import { plannedResources, policyConfigFromStack } from "../../tools/offline/policy";
import { readStackConfig } from "../../tools/offline/stack-config";
import { Evaluation, SERVICE, comesAfter, evaluateStack, input, ofType } from "../harness";

const ROOT = path.join(__dirname, "..", "..");

/** Host names under `domain` (at least one label below it) in a text. */
function namesUnder(domain: string, text: string): string[] {
    const re = new RegExp(`(?<![A-Za-z0-9.-])((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\\.)+${domain.replace(/\./g, "\\.")})(?![A-Za-z0-9-])`, "g");
    return [...text.matchAll(re)].map((m) => m[1]);
}

/** Every name under the domain the evaluated program uses (inputs, outputs) and the workflows name. */
function namesUsed(ev: Evaluation, domain: string): Set<string> {
    const texts = [JSON.stringify(ev.resources.map((r) => r.plainInputs)), JSON.stringify(ev.outputs)];
    for (const dir of [".gitea/workflows", ".gitea/scripts"]) for (const f of fs.readdirSync(path.join(ROOT, dir))) texts.push(fs.readFileSync(path.join(ROOT, dir, f), "utf8"));
    return new Set(texts.flatMap((t) => namesUnder(domain, t)));
}

type Names = { public: Record<string, string[]>; notPublic: Record<string, string> };

describe("every name the program uses has an owner", function () {
    this.timeout(120_000);

    it("prod: each name is a record the DNS component declares or is configured as not public; Vault's is a record at the Vault nodes", async () => {
        const ev = await evaluateStack("prod");
        const names = ev.outputs.dnsNames as Names;
        const used = namesUsed(ev, "iklim.co");
        expect([...used]).to.include.members(["vault.iklim.co", "harbor.iklim.co", "api.iklim.co"]);
        for (const n of used) expect(Object.keys(names.public).concat(Object.keys(names.notPublic)), `${n} is nobody's`).to.include(n);
        // The public ones are real records with those values.
        const records = ofType(ev, GODADDY_RECORD_TYPE);
        const declared = Object.fromEntries(records.map((r) => [`${input(r, "name")}.${input(r, "domain")}`, input(r, "values")]));
        expect(declared).to.deep.equal(names.public);
        expect(names.public["vault.iklim.co"]).to.deep.equal(["203.0.113.11", "203.0.113.12", "203.0.113.13"]);
        expect(names.notPublic).to.have.keys(["harbor.iklim.co"]);
        // Vault's record comes after the members, and Vault as code (the runner's provider) after the record.
        const vaultRecord = records.find((r) => input(r, "name") === "vault")!;
        for (const n of [1, 2, 3]) expect(comesAfter(ev, vaultRecord, ofType(ev, SERVICE).find((s) => s.inputs.name === `iklimco_vault-${n}`)!)).to.equal(true);
        const provider = ev.resources.find((r) => r.type === "pulumi:providers:vault")!;
        expect(input(provider, "address")).to.equal("https://vault.iklim.co:8200");
        expect(comesAfter(ev, provider, vaultRecord)).to.equal(true);
        // The policy pack accepts Vault's record at the Vault nodes (and only there).
        const run = await runPolicies(POLICIES, plannedResources(ev), policyConfigFromStack(readStackConfig("prod")));
        expect(run.violations.filter((v) => v.policy === "dns-record-edge-only")).to.deep.equal([]);
        const stray = await runPolicies(POLICIES, plannedResources(ev), { "dns-record-edge-only": { edgeIps: ["203.0.113.21"] } });
        expect(stray.violations.map((v) => v.message).join("\n")).to.match(/vault\.iklim\.co points at 203\.0\.113\.11/);
    });

    it("private: no public record for Vault; config says where the runner connects, the plan says so, TLS is checked for the name", async () => {
        const doc = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8")).config;
        const vault = { ...doc["iklimco:vault"], runnerAccess: "private", address: "https://10.0.0.11:8200" };
        const ev = await evaluateStack("prod", { overrides: { "iklimco:vault": vault } });
        const names = ev.outputs.dnsNames as Names;
        expect(ofType(ev, GODADDY_RECORD_TYPE).map((r) => input(r, "name"))).to.not.include("vault");
        expect(names.notPublic["vault.iklim.co"]).to.match(/vault\.runnerAccess: private: the runner connects to https:\/\/10\.0\.0\.11:8200 and checks the certificate for vault\.iklim\.co/);
        for (const n of namesUsed(ev, "iklim.co")) expect(Object.keys(names.public).concat(Object.keys(names.notPublic))).to.include(n);
        const provider = ev.resources.find((r) => r.type === "pulumi:providers:vault")!;
        expect(input(provider, "address")).to.equal("https://10.0.0.11:8200");
        expect(input(provider, "tlsServerName")).to.equal("vault.iklim.co");
        const plan = renderPlanText(buildPlan(ev, []));
        expect(plan).to.include("vault.runnerAccess: private: the runner connects to https://10.0.0.11:8200");
    });

    it("local: nothing is public, and every name it uses says how it is reached", async () => {
        const ev = await evaluateStack("local");
        const names = ev.outputs.dnsNames as Names;
        expect(names.public).to.deep.equal({});
        for (const n of namesUsed(ev, "iklim.local")) expect(Object.keys(names.notPublic), n).to.include(n);
        expect(names.notPublic["vault.iklim.local"]).to.include("https://127.0.0.1:8200");
    });

    it("config refuses a Vault name nobody can reach or the certificate does not cover, naming the key", () => {
        const doc = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8")).config;
        const values = (vault: Record<string, unknown>, dns?: Record<string, unknown>) => {
            const v: Record<string, unknown> = {};
            for (const [k, x] of Object.entries(doc)) if (k.startsWith("iklimco:")) v[k.slice(8)] = x;
            v.vault = { ...(v.vault as object), ...vault };
            if (dns) v.dns = { ...(v.dns as object), ...dns };
            return validateSettings(v, new Set(["sshPrivateKey", "harborPassword", "godaddyKey", "godaddySecret"])).problems.map((p) => `${p.key}: ${p.expected}`);
        };
        expect(values({})).to.deep.equal([]);
        expect(values({ runnerAccess: "private" })).to.deep.equal(["iklimco:vault.address: the address the deploy runner connects to when vault.runnerAccess is private, e.g. https://10.0.0.11:8200 over the VPN"]);
        // Every problem at once: without a DNS provider the certificate mode is refused too.
        expect(values({}, { provider: "none" })).to.include("iklimco:vault.runnerAccess: private (with vault.address) when dns.provider is none: no public name can be declared");
        expect(values({ hostname: "vault.ops.iklim.co" })[0]).to.match(/^iklimco:vault.hostname: a name one label below iklim.co/);
        expect(values({ address: "https://10.0.0.11:8200" })[0]).to.match(/^iklimco:vault.address: https:\/\/vault.iklim.co:<port>, the public name/);
        expect(values({}, { records: ["api", "vault"] })[0]).to.match(/^iklimco:dns.records\[1\]: a record other than vault/);
    });
});
