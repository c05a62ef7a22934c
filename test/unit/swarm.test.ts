import { expect } from "chai";
import * as path from "path";
import { HOUSE_DEFAULTS } from "../../components/swarm";
import { FIXTURES, NETWORK, SECRET, SERVICE, comesAfter, evaluateStack, input, named, ofType } from "../harness";

const builderProgram = path.join(FIXTURES, "builder-program.ts");
const evalFixture = (secretValue: string) => evaluateStack("prod", { program: builderProgram, secrets: { "test:secretValue": secretValue } });

describe("swarm primitives", () => {
    it("declares iklimco-net as an attachable, encrypted overlay with the configured subnet", async () => {
        const ev = await evaluateStack("prod");
        const [net] = ofType(ev, NETWORK);
        expect(input(net, "name")).to.equal("iklimco-net");
        expect(input(net, "driver")).to.equal("overlay");
        expect(input(net, "attachable")).to.equal(true);
        expect(input(net, "options")).to.deep.equal({ encrypted: "true" });
        expect(input(net, "ipamConfigs")).to.deep.equal([{ subnet: "10.20.0.0/16" }]);
    });

    it("keeps a generated secret a Pulumi secret from random value to Swarm secret (step 11)", async () => {
        const ev = await evaluateStack("prod");
        const cookie = ofType(ev, SECRET).find((s) => input(s, "name").startsWith("rabbitmq_erlang_cookie_"))!;
        expect(cookie.secretInputs).to.deep.equal(["data"]);
        expect(cookie.inputs.data).to.equal("[secret]");
        const value = Buffer.from(input(cookie, "data"), "base64").toString();
        const random = named(ev, "iklimco-infra-secrets-rabbitmq-erlang-cookie-value");
        expect(comesAfter(ev, cookie, random)).to.equal(true);
        // The value appears nowhere in what a plan shows; the name carries only an 8-hex hash.
        expect(JSON.stringify(ev.resources.map((r) => r.inputs))).to.not.include(value);
        expect(JSON.stringify(ev.outputs)).to.not.include(value);
        expect(input(cookie, "name")).to.match(/^rabbitmq_erlang_cookie_[0-9a-f]{8}$/);
    });

    it("rotating a secret's value changes its Swarm name and nothing else about the service's mount", async () => {
        const before = await evalFixture("first-password");
        const after = await evalFixture("second-password");
        const mount = (ev: typeof before) => input(named(ev, "fixture-db"), "taskSpec.containerSpec.secrets")[0];
        const a = mount(before);
        const b = mount(after);
        expect(a.secretName).to.not.equal(b.secretName);
        expect(a.secretName).to.match(/^fixture_db_password_[0-9a-f]{8}$/);
        const { secretName: _a, secretId: _ai, ...restA } = a;
        const { secretName: _b, secretId: _bi, ...restB } = b;
        expect(restA).to.deep.equal(restB);
        expect(restA.fileName).to.equal("/run/secrets/fixture_db_password");
        // The Pulumi resource keeps its logical name, so a rotation is a replacement of the same resource.
        const secretNames = (ev: typeof before) => ofType(ev, SECRET).map((s) => s.name).sort();
        expect(secretNames(before)).to.deep.equal(secretNames(after));
        // Everything else about the service is the same.
        const other = (ev: typeof before) => {
            const s = JSON.parse(JSON.stringify(named(ev, "fixture-db").plainInputs));
            delete s.taskSpec.containerSpec.secrets;
            return s;
        };
        expect(other(before)).to.deep.equal(other(after));
    });

    it("gives every Docker resource the explicit provider", async () => {
        for (const ev of [await evaluateStack("prod"), await evalFixture("x")]) {
            const provider = ofType(ev, "pulumi:providers:docker");
            expect(provider).to.have.length(1);
            const dockerResources = ev.resources.filter((r) => r.type.startsWith("docker:"));
            expect(dockerResources.length).to.be.greaterThan(1);
            for (const r of dockerResources) expect(r.provider, r.name).to.equal(provider[0].urn);
        }
    });

    it("builds every service with the house defaults, stateful stop-first and stateless start-first", async () => {
        const ev = await evalFixture("x");
        const services = ofType(ev, SERVICE);
        expect(services.map((s) => s.name).sort()).to.deep.equal(["fixture-db", "fixture-web"]);
        const net = ofType(ev, NETWORK)[0];
        for (const s of services) {
            const order = s.name === "fixture-db" ? "stop-first" : "start-first";
            expect(input(s, "name")).to.equal(`iklimco_${s.name}`);
            expect(input(s, "updateConfig")).to.deep.include({ order, failureAction: "rollback", parallelism: 1 });
            expect(input(s, "rollbackConfig")).to.deep.include({ order });
            expect(input(s, "taskSpec.restartPolicy")).to.deep.equal({ ...HOUSE_DEFAULTS.restartPolicy });
            expect(input(s, "taskSpec.containerSpec.healthcheck.tests")).to.have.length.greaterThan(0);
            expect(input(s, "taskSpec.resources.limits.memoryBytes")).to.be.greaterThan(0);
            expect(input(s, "taskSpec.resources.limits.nanoCpus")).to.be.greaterThan(0);
            expect(input(s, "taskSpec.networksAdvanceds")).to.deep.equal([{ name: `${net.name}-id`, aliases: [s.name] }]);
            expect(input(s, "labels")).to.deep.include({ label: "com.docker.stack.namespace", value: "iklimco" });
            expect(input(s, "labels")).to.deep.include({ label: "com.iklimco.stateful", value: String(s.name === "fixture-db") });
            expect(input(s, "labels")).to.deep.include({ label: "com.iklimco.component", value: s.name === "fixture-db" ? "postgres" : "web" });
            expect(input(s, "taskSpec.placement.constraints")).to.have.length.greaterThan(0);
            expect(input(s, "convergeConfig")).to.deep.equal({ ...HOUSE_DEFAULTS.converge });
            expect(comesAfter(ev, s, net)).to.equal(true);
        }
        const db = named(ev, "fixture-db");
        expect(input(db, "taskSpec.containerSpec.secrets")[0]).to.deep.include({ fileMode: 0o400, fileUid: "0", fileGid: "0" });
        expect(input(db, "taskSpec.placement.constraints")).to.deep.equal(["node.hostname == iklimco-1", "node.labels.db == true"]);
    });

    it("evaluates twice with the same config to identical inputs", async () => {
        const a = await evaluateStack("prod");
        const b = await evaluateStack("prod", { fresh: true });
        expect(a.resources.map((r) => r.urn)).to.deep.equal(b.resources.map((r) => r.urn));
        const differing = a.resources.filter((r, i) => JSON.stringify(r.plainInputs) !== JSON.stringify(b.resources[i].plainInputs));
        expect(differing.map((r) => r.name)).to.deep.equal([]);
    });
});
