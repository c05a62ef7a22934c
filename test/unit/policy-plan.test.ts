// The policy pack over whole planned stacks, through the function `npm run plan` runs (planOf, behind runPlan): the real
// prod program passes every mandatory rule; a stand-in for the full platform (test/fixtures/
// prod-platform-program.ts) passes too, with every mandatory rule applicable to something; and each deliberately broken variant fails with the right rule named.
import { expect } from "chai";
import * as path from "path";
import * as fs from "fs";
import * as YAML from "yaml";
import { POLICIES } from "../../policies/all";
import { PlanRun } from "../../tools/offline/run-plan";
import { plannedResources } from "../../tools/offline/policy";
import { FIXTURES, planStack } from "../harness";

const ROOT = path.resolve(__dirname, "..", "..");
// The full platform is the real index.ts (undefined = the program itself) for the whole-stack tests and the two
// config variants (:latest image, one Patroni member). The three variants that config already refuses (a TTL
// of 60, a literal env password, a wildcard Vault policy) use the stand-in fixture's `test:` knobs.
const PLATFORM = path.join(FIXTURES, "prod-platform-program.ts");
const FULL_PLATFORM: string | undefined = undefined;
const prodConfig = () => YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8")).config;
const mandatoryRules = (r: PlanRun) => [...new Set(r.plan.policy.violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => v.policy))].sort();

describe("policy pack over the planned prod stack (offline plan)", function () {
    this.timeout(180000);

    it("the real prod program (index.ts) passes every mandatory rule, and the rules did apply to its resources", async () => {
        const run = await planStack({ stack: "prod" });
        expect(run.plan.policy.violations.filter((v) => v.enforcementLevel === "mandatory"), run.stderr).to.deep.equal([]);
        expect(run.code).to.equal(0);
        const custom = run.plan.resources.filter((r) => !r.type.startsWith("pulumi:providers:") && run.plan.waves.flat().includes(r.urn)).length;
        // The network and the Docker secret are checked: these rules were not "not applicable" to everything.
        for (const rule of ["overlay-network-encrypted", "explicit-provider"]) expect(run.plan.policy.notApplicable[rule] ?? 0, rule).to.be.lessThan(custom);
    });

    it("the stand-in full platform passes every mandatory rule, and each mandatory rule applied to at least one resource", async () => {
        const run = await planStack({ stack: "prod", program: FULL_PLATFORM });
        expect(mandatoryRules(run), run.stderr).to.deep.equal([]);
        expect(run.code).to.equal(0);
        const n = run.plan.resources.filter((r) => r.type !== "" && run.plan.waves.flat().includes(r.urn) && !r.type.startsWith("pulumi:providers:")).length;
        for (const p of POLICIES.filter((x) => x.enforcementLevel === "mandatory")) {
            const skipped = run.plan.policy.notApplicable[p.name] ?? 0;
            const isStack = "validateStack" in p;
            expect(isStack ? skipped : skipped < n, `${p.name} applied to nothing`).to.equal(isStack ? 0 : true);
        }
        expect(run.stdout).to.match(/Policies \(\d+ rules of policies\/\): 0 mandatory/);
    });

    it("the one-node local stack passes too: quorum and overlay encryption are reported as advisory there", async () => {
        const run = await planStack({ stack: "local", program: FULL_PLATFORM });
        expect(mandatoryRules(run), run.stderr).to.deep.equal([]);
        const advisory = new Set(run.plan.policy.violations.filter((v) => v.enforcementLevel === "advisory").map((v) => v.policy));
        expect(advisory.has("stateful-survives-node-loss") && advisory.has("overlay-network-encrypted")).to.equal(true);
    });

    const variants: { what: string; program: string | undefined; overrides: () => Record<string, unknown>; rules: string[]; message: RegExp }[] = [
        {
            what: "a :latest image (iklimco:images.patroni)",
            program: FULL_PLATFORM,
            overrides: () => ({ "iklimco:images": { ...prodConfig()["iklimco:images"], patroni: "harbor.iklim.co/iklimco/patroni:latest" } }),
            rules: ["image-tag-not-latest"],
            message: /patroni:latest uses the moving :latest tag/,
        },
        {
            what: "one Patroni member (only one node labelled db)",
            program: FULL_PLATFORM,
            overrides: () => ({
                "iklimco:nodes": prodConfig()["iklimco:nodes"].map((n: { name: string; labels: string[] }) => (n.name === "iklimco-1" ? n : { ...n, labels: n.labels.filter((l) => l !== "db") })),
            }),
            // MongoDB shares the db label, so it loses its quorum too.
            rules: ["stateful-survives-node-loss"],
            message: /patroni has 1 member\(s\) on 1 distinct node/,
        },
        {
            what: "a DNS TTL of 60 (a record declared with ttl 60 in code; config refuses iklimco:dns.ttl < 600 before any policy)",
            program: PLATFORM,
            overrides: () => ({ "test:dnsTtl": "60" }),
            rules: ["dns-record-ttl"],
            message: /TTL 60, below 600/,
        },
        {
            what: "a literal password in env (a microservice's deploy/prod.env with DB_PASSWORD=...)",
            program: PLATFORM,
            overrides: () => ({ "test:deployEnvExtra": "DB_PASSWORD=hunter2" }),
            rules: ["no-literal-credentials-in-env"],
            message: /DB_PASSWORD carries a literal value/,
        },
        {
            what: "a wildcard Vault policy",
            program: PLATFORM,
            overrides: () => ({ "test:vaultPolicy": 'path "*" {\n  capabilities = ["read", "list"]\n}\n' }),
            rules: ["vault-policy-least-privilege"],
            message: /path "\*" is a wildcard at the root/,
        },
    ];
    for (const v of variants) {
        it(`fails the offline plan on ${v.what}, naming ${v.rules.join(", ")}`, async () => {
            const run = await planStack({ stack: "prod", program: v.program, overrides: v.overrides() });
            expect(run.code).to.equal(1);
            expect(mandatoryRules(run)).to.deep.equal(v.rules);
            const lines = run.stdout.split("\n").filter((l) => l.includes("[mandatory]"));
            expect(lines.join("\n")).to.match(v.message);
            expect(lines.every((l) => new RegExp(`\\[mandatory\\] (${v.rules.join("|")}) `).test(l))).to.equal(true);
            expect(run.stderr).to.match(/mandatory policy violation\(s\): this plan must not be applied/);
            expect(run.stdout).to.not.include("hunter2");
        });
    }

    it("config already refuses a TTL of 60 in iklimco:dns.ttl: the plan stops with the key named before any policy runs", async () => {
        const dns = { ...prodConfig()["iklimco:dns"], ttl: 60 };
        let error: Error | undefined;
        await planStack({ stack: "prod", overrides: { "iklimco:dns": dns } }).catch((e: Error) => (error = e));
        expect(error?.name).to.equal("ConfigError");
        expect(error?.message).to.match(/iklimco:dns\.ttl: expected a whole number of seconds from 600 to 604800/);
    });

    it("the plan's text ends with the policy section, and exits 0 for the committed prod stack", async () => {
        const r = await planStack({ stack: "prod" });
        expect(r.code, r.stderr).to.equal(0);
        expect(r.stdout).to.match(/Policies \(\d+ rules of policies\/\): 0 mandatory/);
    });

    it("policy input is the recorded graph: custom resources with their explicit provider, no provider resources", async () => {
        const { evaluateStack } = await import("../harness");
        const ev = await evaluateStack("prod");
        const planned = plannedResources(ev);
        expect(planned.some((r) => r.type.startsWith("pulumi:providers:"))).to.equal(false);
        expect(planned.filter((r) => r.type.startsWith("docker:")).every((r) => r.provider?.type === "pulumi:providers:docker")).to.equal(true);
    });
});
