// The DNS component under the offline engine (Pulumi mocks): the records, their values, their order after
// SWAG, and that the GoDaddy credentials appear nowhere in the graph.
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { GODADDY_RECORD_TYPE } from "../../components/dns";
import { buildPlan } from "../../tools/offline/plan";
import { FIXTURES, SERVICE, comesAfter, evaluateStack, input, named, ofType } from "../harness";

const program = path.join(FIXTURES, "dns-program.ts");
const KEY = "graph-test-godaddy-key-5e1f0a";
const SECRET = "graph-test-godaddy-secret-d2c94b";
const withCreds = { "iklimco:godaddyKey": KEY, "iklimco:godaddySecret": SECRET };

describe("DNS records (step 23) under mocks", () => {
    it("declares one A record per dns.records name at the edge node's public IP, with the configured TTL", async () => {
        const ev = await evaluateStack("prod", { program, secrets: withCreds });
        const records = ofType(ev, GODADDY_RECORD_TYPE);
        expect(GODADDY_RECORD_TYPE).to.equal("pulumi-nodejs:dynamic/godaddy:GoDaddyRecord");
        expect(records.map((r) => r.name).sort()).to.deep.equal(["iklimco-dns-api", "iklimco-dns-apigw", "iklimco-dns-grafana", "iklimco-dns-rabbitmq"]);
        for (const r of records) {
            expect(input(r, "domain")).to.equal("iklim.co");
            expect(input(r, "type")).to.equal("A");
            expect(input(r, "values")).to.deep.equal(["203.0.113.21"]); // iklimco-edge-1, the only edge node
            expect(input(r, "ttl")).to.equal(600);
            expect(r.steps).to.deep.equal([23]);
            expect(r.parent).to.match(/iklimco:dns:Records::iklimco-dns$/);
        }
        expect(records.map((r) => input(r, "name")).sort()).to.deep.equal(["api", "apigw", "grafana", "rabbitmq"]);
        expect(ev.outputs.dnsHostnames).to.deep.equal(["api.iklim.co", "apigw.iklim.co", "grafana.iklim.co", "rabbitmq.iklim.co"]);
    });

    it("every record comes after the SWAG service, through an ordering edge with a reason", async () => {
        const ev = await evaluateStack("prod", { program, secrets: withCreds });
        const swag = ofType(ev, SERVICE).find((s) => s.name === "fixture-swag")!;
        const records = ofType(ev, GODADDY_RECORD_TYPE);
        expect(records).to.have.length(4);
        for (const r of records) {
            expect(comesAfter(ev, r, swag), r.name).to.equal(true);
            expect(r.explicitDependsOn).to.include(swag.urn);
        }
        const reasons = ev.reasons.filter((x) => x.dependent.startsWith("iklimco-dns-"));
        expect(reasons.map((x) => x.dependent).sort()).to.deep.equal(records.map((r) => r.name).sort());
        for (const x of reasons) expect(x.why).to.match(/SWAG/);
        // And SWAG does not wait for DNS.
        expect(comesAfter(ev, swag, records[0])).to.equal(false);
    });

    it("points at every edge node (sorted), and follows dns.records and dns.ttl", async () => {
        const nodes = [
            { name: "m1", role: "manager", publicIp: "203.0.113.11", labels: ["etcd", "db", "vault", "mq", "gateway", "monitoring"] },
            { name: "edge-b", role: "worker", publicIp: "203.0.113.32", labels: ["edge"] },
            { name: "edge-a", role: "worker", publicIp: "203.0.113.31", labels: ["edge", "apps"] },
        ];
        const ev = await evaluateStack("prod", {
            program,
            secrets: withCreds,
            overrides: { "iklimco:nodes": nodes, "iklimco:dns": { provider: "godaddy", ttl: 1800, records: ["grafana", "api"] } },
        });
        const records = ofType(ev, GODADDY_RECORD_TYPE);
        expect(records.map((r) => input(r, "name")).sort()).to.deep.equal(["api", "grafana"]);
        for (const r of records) {
            expect(input(r, "values")).to.deep.equal(["203.0.113.31", "203.0.113.32"]);
            expect(input(r, "ttl")).to.equal(1800);
        }
    });

    it("evaluates twice to identical record inputs, serialised provider included (no perpetual diff)", async () => {
        const a = ofType(await evaluateStack("prod", { program, secrets: withCreds }), GODADDY_RECORD_TYPE);
        const b = ofType(await evaluateStack("prod", { program, secrets: withCreds, fresh: true }), GODADDY_RECORD_TYPE);
        expect(a).to.have.length(4);
        expect(b.map((r) => r.plainInputs)).to.deep.equal(a.map((r) => r.plainInputs));
    });

    it("points only at the given addresses when told to (the node SWAG is pinned to)", async () => {
        const ev = await evaluateStack("prod", { program, secrets: withCreds, overrides: { "test:dnsAddresses": ["203.0.113.40", "203.0.113.39", "203.0.113.40"] } });
        const records = ofType(ev, GODADDY_RECORD_TYPE);
        expect(records).to.have.length(4);
        for (const r of records) expect(input(r, "values")).to.deep.equal(["203.0.113.39", "203.0.113.40"]);
    });

    it("creates no record with dns.provider none", async () => {
        const ev = await evaluateStack("local", { program });
        expect(ofType(ev, GODADDY_RECORD_TYPE)).to.have.length(0);
        expect(named(ev, "iklimco-dns").type).to.equal("iklimco:dns:Records");
        expect(ev.outputs.dnsHostnames).to.deep.equal([]);
    });

    it("refuses to build records without SWAG to come after, with an error that names the component", async () => {
        const ev = await evaluateStack("prod", { program, secrets: withCreds });
        const { DnsRecords } = ev.load<typeof import("../../components/dns")>("components/dns");
        const { validateSettings } = ev.load<typeof import("../../components/config")>("components/config");
        const yaml = await import("yaml");
        const fs = await import("fs");
        const doc = yaml.parse(fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.prod.yaml"), "utf8")).config;
        const values = Object.fromEntries(Object.entries(doc).filter(([k]) => k.startsWith("iklimco:")).map(([k, v]) => [k.slice(8), v]));
        const { settings } = validateSettings(values, new Set(["sshPrivateKey", "harborPassword", "godaddyKey", "godaddySecret"]));
        expect(settings, "prod settings validate").to.not.equal(undefined);
        let err: unknown;
        try {
            new DnsRecords("lonely-dns", { config: settings!, after: [] });
        } catch (e) {
            err = e;
        }
        expect(err).to.be.instanceOf(pulumi.ResourceError);
        expect((err as pulumi.ResourceError).message).to.match(/need the SWAG service in `after`/);
        expect((err as pulumi.ResourceError).resource).to.be.instanceOf(DnsRecords);
    });

    it("the GoDaddy key and secret appear in no resource input or output, and records carry no secret at all", async () => {
        const ev = await evaluateStack("prod", { program, secrets: withCreds });
        const records = ofType(ev, GODADDY_RECORD_TYPE);
        expect(records).to.have.length(4);
        for (const r of records) {
            // The whole input bag as the engine would store it, secrets revealed, __provider (the serialised
            // provider code) included: neither credential is there, and nothing is even marked secret.
            const everything = JSON.stringify(r.plainInputs);
            expect(everything).to.not.include(KEY);
            expect(everything).to.not.include(SECRET);
            expect(r.secretInputs).to.deep.equal([]);
            expect(Object.keys(r.plainInputs).sort()).to.deep.equal(["__provider", "domain", "name", "ttl", "type", "values"]);
            expect(String(r.plainInputs.__provider)).to.match(/exports\.handler/);
        }
        // Anywhere in the graph: never in plain form (a secret-marked use elsewhere would show as [secret]).
        const graph = JSON.stringify(ev.resources.map((r) => r.inputs));
        expect(graph).to.not.include(KEY);
        expect(graph).to.not.include(SECRET);
        const outputs = JSON.stringify(ev.outputs);
        expect(outputs).to.not.include(KEY);
        expect(outputs).to.not.include(SECRET);
        // Mock state is the inputs echoed back; the state the real provider returns is checked against the
        // contract fake (test/unit/dns-provider.test.ts).
    });

    it("the plan shows the records' inputs without the serialised provider", async () => {
        const ev = await evaluateStack("prod", { program, secrets: withCreds });
        const plan = buildPlan(ev, []);
        const records = plan.resources.filter((r) => r.type === GODADDY_RECORD_TYPE);
        expect(records).to.have.length(4);
        for (const r of records) {
            expect(r.inputs).to.not.have.property("__provider");
            expect(r.step).to.equal(23);
        }
        expect(JSON.stringify(plan)).to.not.include("exports.handler");
        expect(plan.steps.find((s) => s.number === 23)!.resources).to.have.length(5); // the component and its 4 records
    });
});
