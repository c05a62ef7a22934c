// The GoDaddyRecord dynamic provider's methods against a contract fake of the GoDaddy DNS API on loopback
// (test/support/godaddy-fake.ts): the documented endpoints and error shapes, not GoDaddy itself.
import { expect } from "chai";
import * as Module from "module";
import * as pulumi from "@pulumi/pulumi";
import { GoDaddyApiError, GoDaddyRecordProvider, ProviderOptions, RecordSetArgs, RecordSetState } from "../../components/dns/godaddy";
import { GoDaddyContractFake } from "../support/godaddy-fake";

// The dynamic-provider host's own config wrapper, fed the stack config the way the engine sends it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Config: HostConfig } = require("@pulumi/pulumi/cmd/dynamic-provider/config");

const KEY = "contract-fake-key-3b9d21";
const SECRET = "contract-fake-secret-c07e55";
const DOMAIN = "iklim.co";
const FAST: ProviderOptions = { requestTimeoutMs: 2000, maxAttempts: 4, maxRetryWaitMs: 20 };

function stackConfig(baseUrl: string, key = KEY, secret = SECRET): Record<string, string> {
    return {
        "iklimco:godaddyKey": key,
        "iklimco:godaddySecret": secret,
        "iklimco:dns": JSON.stringify({ provider: "godaddy", ttl: 600, records: ["api"], apiBaseUrl: baseUrl }),
        "iklimco:domain": DOMAIN,
    };
}

async function configured(baseUrl: string, opts: ProviderOptions = FAST, key = KEY, secret = SECRET): Promise<GoDaddyRecordProvider> {
    const p = new GoDaddyRecordProvider(opts);
    await p.configure({ config: new HostConfig(stackConfig(baseUrl, key, secret), "iklimco-platform") });
    return p;
}

const api = (values: string[], ttl = 600, name = "api"): RecordSetArgs => ({ domain: DOMAIN, type: "A", name, values, ttl });

async function rejectsWith(p: Promise<unknown>): Promise<GoDaddyApiError> {
    try {
        await p;
    } catch (err) {
        expect(err).to.be.instanceOf(Error);
        return err as GoDaddyApiError;
    }
    throw new Error("expected the call to fail");
}

describe("GoDaddyRecord provider against the GoDaddy contract fake (loopback)", () => {
    let fake: GoDaddyContractFake;
    let provider: GoDaddyRecordProvider;
    /** Everything the provider returned as state in a test: checked for credentials after each. */
    let returned: unknown[];

    beforeEach(async () => {
        fake = new GoDaddyContractFake(KEY, SECRET);
        await fake.start();
        fake.addDomain(DOMAIN, [
            { type: "MX", name: "@", data: "mail.iklim.co", ttl: 3600 },
            { type: "A", name: "www", data: "198.51.100.7", ttl: 3600 },
            { type: "TXT", name: "api", data: "v=verification", ttl: 600 },
        ]);
        provider = await configured(fake.baseUrl);
        returned = [];
    });

    afterEach(async () => {
        await fake.stop();
        const text = JSON.stringify(returned);
        expect(text).to.not.include(KEY);
        expect(text).to.not.include(SECRET);
    });

    const track = <T>(x: T): T => {
        returned.push(x);
        return x;
    };

    it("check validates name, type, addresses and TTL and normalises the values", async () => {
        const bad = await provider.check(api([]), { domain: "iklim", type: "MX" as "A", name: "bad name", values: ["2001:db8::1", "300.1.1.1"], ttl: 300 });
        const props = (bad.failures ?? []).map((f) => f.property).sort();
        expect(props).to.deep.equal(["domain", "name", "ttl", "type"]);
        const wrongFamily = await provider.check(api([]), api(["2001:db8::1"]));
        expect(wrongFamily.failures?.[0]).to.deep.include({ property: "values[0]" });
        expect(wrongFamily.failures?.[0].reason).to.match(/IPv4/);
        const lowTtl = await provider.check(api([]), api(["203.0.113.21"], 300));
        expect(lowTtl.failures?.[0].property).to.equal("ttl");
        expect(lowTtl.failures?.[0].reason).to.match(/600/);
        const ok = await provider.check(api([]), { domain: "IKLIM.CO", type: "A", name: "Api", values: ["203.0.113.22", "203.0.113.21", "203.0.113.22"], ttl: 600 });
        expect(ok.failures).to.equal(undefined);
        expect(ok.inputs).to.deep.equal(api(["203.0.113.21", "203.0.113.22"]));
        const v6 = await provider.check(api([]), { domain: DOMAIN, type: "AAAA", name: "api", values: ["2001:DB8:0:0::1"], ttl: 600 });
        expect(v6.inputs?.values).to.deep.equal(["2001:db8::1"]);
    });

    it("create PUTs the record set with the sso-key header and returns state without credentials", async () => {
        const res = track(await provider.create(api(["203.0.113.21"])));
        expect(res.id).to.equal("iklim.co/A/api");
        expect(res.outs).to.deep.equal({ domain: DOMAIN, type: "A", name: "api", values: ["203.0.113.21"], ttl: 600, fqdn: "api.iklim.co" });
        expect(fake.zone(DOMAIN).filter((r) => r.type === "A" && r.name === "api")).to.deep.equal([{ type: "A", name: "api", data: "203.0.113.21", ttl: 600 }]);
        const put = fake.requests.find((r) => r.method === "PUT")!;
        expect(put.path).to.equal("/v1/domains/iklim.co/records/A/api");
        expect(put.authorization).to.equal(`sso-key ${KEY}:${SECRET}`);
        expect(put.body).to.deep.equal([{ data: "203.0.113.21", ttl: 600 }]);
    });

    it("read after an out-of-band change reports the live values, so the drift shows in the next diff", async () => {
        const created = track(await provider.create(api(["203.0.113.21"])));
        fake.setOutOfBand(DOMAIN, "A", "api", [{ data: "192.0.2.99", ttl: 3600 }]);
        const read = track(await provider.read(created.id, created.outs));
        expect(read.id).to.equal(created.id);
        expect(read.props?.values).to.deep.equal(["192.0.2.99"]);
        expect(read.props?.ttl).to.equal(3600);
        const drift = await provider.diff(created.id, read.props!, api(["203.0.113.21"]));
        expect(drift).to.deep.equal({ changes: true, replaces: [] });
        // Removed out of band: read says it is gone (refresh drops it, the next up creates it again).
        fake.setOutOfBand(DOMAIN, "A", "api", []);
        expect(await provider.read(created.id, created.outs)).to.deep.equal({});
        // A read by id alone (import) works too.
        await provider.create(api(["203.0.113.21"]));
        const byId = track(await provider.read("iklim.co/A/api"));
        expect(byId.props).to.deep.include({ name: "api", values: ["203.0.113.21"], ttl: 600 });
    });

    it("updates values and TTL in place", async () => {
        const created = track(await provider.create(api(["203.0.113.21"])));
        const olds = created.outs as RecordSetState;
        expect(await provider.diff(created.id, olds, api(["203.0.113.21", "203.0.113.22"]))).to.deep.equal({ changes: true, replaces: [] });
        const u1 = track(await provider.update(created.id, olds, api(["203.0.113.21", "203.0.113.22"])));
        expect(u1.outs?.values).to.deep.equal(["203.0.113.21", "203.0.113.22"]);
        expect(fake.zone(DOMAIN).filter((r) => r.type === "A" && r.name === "api").map((r) => r.data).sort()).to.deep.equal(["203.0.113.21", "203.0.113.22"]);

        expect(await provider.diff(created.id, u1.outs as RecordSetState, api(["203.0.113.21", "203.0.113.22"], 1800))).to.deep.equal({ changes: true, replaces: [] });
        const u2 = track(await provider.update(created.id, u1.outs as RecordSetState, api(["203.0.113.21", "203.0.113.22"], 1800)));
        expect(u2.outs?.ttl).to.equal(1800);
        expect(fake.zone(DOMAIN).filter((r) => r.type === "A" && r.name === "api").map((r) => r.ttl)).to.deep.equal([1800, 1800]);
        // Same values in another order: no change.
        expect(await provider.diff(created.id, u2.outs as RecordSetState, api(["203.0.113.22", "203.0.113.21"], 1800))).to.deep.equal({ changes: false, replaces: [] });
    });

    it("a rename is a replacement: the new record set is created, then the old one deleted", async () => {
        const old = track(await provider.create(api(["203.0.113.21"])));
        const diff = await provider.diff(old.id, old.outs as RecordSetState, api(["203.0.113.21"], 600, "gateway"));
        expect(diff.replaces).to.deep.equal(["name"]);
        expect(diff.changes).to.equal(true);
        expect(diff.deleteBeforeReplace).to.equal(undefined);
        const replacement = track(await provider.create(api(["203.0.113.21"], 600, "gateway")));
        await provider.delete(old.id, old.outs as RecordSetState);
        const a = fake.zone(DOMAIN).filter((r) => r.type === "A");
        expect(a.map((r) => r.name).sort()).to.deep.equal(["gateway", "www"]);
        expect(replacement.id).to.equal("iklim.co/A/gateway");
        expect((await provider.diff(old.id, old.outs as RecordSetState, { ...api(["203.0.113.21"]), domain: "iklim.net" })).replaces).to.deep.equal(["domain"]);
    });

    it("delete removes only its own record set, leaves siblings, and is done if it is already gone", async () => {
        const created = track(await provider.create(api(["203.0.113.21"])));
        await provider.delete(created.id, created.outs as RecordSetState);
        const zone = fake.zone(DOMAIN);
        expect(zone).to.deep.equal([
            { type: "MX", name: "@", data: "mail.iklim.co", ttl: 3600 },
            { type: "A", name: "www", data: "198.51.100.7", ttl: 3600 },
            { type: "TXT", name: "api", data: "v=verification", ttl: 600 },
        ]);
        expect(fake.requests.filter((r) => r.method === "DELETE").map((r) => r.path)).to.deep.equal(["/v1/domains/iklim.co/records/A/api"]);
        await provider.delete(created.id, created.outs as RecordSetState); // 404 on the record, domain exists: success
        expect(fake.zone(DOMAIN)).to.deep.equal(zone);
    });

    it("create adopts a record set that already has exactly the declared values, and refuses one that differs", async () => {
        fake.setOutOfBand(DOMAIN, "A", "api", [{ data: "203.0.113.21", ttl: 600 }]);
        const adopted = track(await provider.create(api(["203.0.113.21"])));
        expect(adopted.id).to.equal("iklim.co/A/api");
        expect(fake.requests.filter((r) => r.method === "PUT")).to.have.length(0);

        fake.setOutOfBand(DOMAIN, "A", "grafana", [{ data: "192.0.2.50", ttl: 600 }]);
        const err = await rejectsWith(provider.create(api(["203.0.113.21"], 600, "grafana")));
        expect(err.message).to.match(/already has A records for grafana\.iklim\.co: 192\.0\.2\.50/);
        expect(err.message).to.match(/import/);
        expect(err.message).to.match(/iklim\.co\/A\/grafana/);
        expect(err.message).to.match(/remove them in GoDaddy/);
        expect(fake.zone(DOMAIN).filter((r) => r.name === "grafana").map((r) => r.data)).to.deep.equal(["192.0.2.50"]);
        expect(fake.requests.filter((r) => r.method === "PUT")).to.have.length(0);
        // Same values, another TTL: not identical, so not adopted either.
        fake.setOutOfBand(DOMAIN, "A", "apigw", [{ data: "203.0.113.21", ttl: 3600 }]);
        await rejectsWith(provider.create(api(["203.0.113.21"], 600, "apigw")));
    });

    it("waits and retries on 429 within its bound, then succeeds", async () => {
        fake.failNext(2, { status: 429, body: { code: "TOO_MANY_REQUESTS", message: "Too many requests received within interval", retryAfterSec: 1 } });
        track(await provider.create(api(["203.0.113.21"])));
        expect(fake.requests.map((r) => r.method)).to.deep.equal(["GET", "GET", "GET", "PUT"]);
        expect(fake.zone(DOMAIN).some((r) => r.type === "A" && r.name === "api")).to.equal(true);
    });

    it("gives up on 429 after its attempts, saying so", async () => {
        fake.failNext(10, { status: 429, body: { code: "TOO_MANY_REQUESTS", message: "Too many requests", retryAfterSec: 60 } });
        const err = await rejectsWith(provider.create(api(["203.0.113.21"])));
        expect(err.kind).to.equal("rate-limited");
        expect(err.message).to.match(/429 Too Many Requests .* gave up after 4 attempts/);
        expect(fake.requests).to.have.length(4);
    });

    it("reports 401 and 403 as a credentials problem, naming the config keys and never the secret", async () => {
        const wrong = await configured(fake.baseUrl, FAST, KEY, "not-the-secret-91ab");
        const err = await rejectsWith(wrong.create(api(["203.0.113.21"])));
        expect(err.kind).to.equal("credentials");
        expect(err.status).to.equal(401);
        expect(err.message).to.match(/refused the credentials \(HTTP 401, UNABLE_TO_AUTHENTICATE/);
        expect(err.message).to.include("iklimco:godaddyKey").and.include("iklimco:godaddySecret");
        expect(err.message).to.not.include("not-the-secret-91ab");
        expect(err.message).to.not.include(KEY);

        fake.failNext(1, { status: 403, body: { code: "ACCESS_DENIED", message: "Authenticated user is not allowed access" } });
        const denied = await rejectsWith(provider.read("iklim.co/A/api"));
        expect(denied.kind).to.equal("credentials");
        expect(denied.message).to.include("Authenticated user is not allowed access");

        const none = new GoDaddyRecordProvider(FAST);
        await none.configure({ config: new HostConfig({ "iklimco:dns": JSON.stringify({ apiBaseUrl: fake.baseUrl }) }, "iklimco-platform") });
        const missing = await rejectsWith(none.create(api(["203.0.113.21"])));
        expect(missing.kind).to.equal("credentials");
        expect(missing.message).to.include("pulumi config set --secret iklimco:godaddyKey");
    });

    it("reports a 404 on the domain as a wrong domain", async () => {
        const err = await rejectsWith(provider.create({ ...api(["203.0.113.21"]), domain: "iklim.example" }));
        expect(err.kind).to.equal("wrong-domain");
        expect(err.message).to.match(/does not know the domain iklim\.example .*UNKNOWN_DOMAIN.*iklimco:domain/);
        const del = await rejectsWith(provider.delete("iklim.example/A/api", { ...api(["203.0.113.21"]), domain: "iklim.example", fqdn: "api.iklim.example" }));
        expect(del.kind).to.equal("wrong-domain");
    });

    it("passes GoDaddy's own 422 message on", async () => {
        // check() would refuse a TTL of 300 first; calling create directly shows what GoDaddy says to a bad body.
        const err = await rejectsWith(provider.create(api(["203.0.113.21"], 300)));
        expect(err.kind).to.equal("rejected");
        expect(err.message).to.equal("GoDaddy rejected PUT api.iklim.co (HTTP 422): Request body doesn't fulfill schema, see details in `fields` [records[0].ttl: must be at least 600]");
    });

    it("times out cleanly when GoDaddy does not answer", async () => {
        const slow = await configured(fake.baseUrl, { ...FAST, requestTimeoutMs: 300 });
        fake.failNext(1, { status: 200, body: [], delayMs: 30_000 });
        const started = Date.now();
        const err = await rejectsWith(slow.create(api(["203.0.113.21"])));
        expect(err.kind).to.equal("timeout");
        expect(err.message).to.match(/did not answer GET http:\/\/127\.0\.0\.1:\d+\/v1\/domains\/iklim\.co\/records\/A\/api within 0\.3 s/);
        expect(Date.now() - started).to.be.lessThan(10_000); // bounded by the request timeout, not the fake's delay
        expect(fake.zone(DOMAIN).some((r) => r.type === "A" && r.name === "api")).to.equal(false);
    });

    it("the provider as Pulumi serialises it holds no credential and works once configured (as in the engine)", async () => {
        const original = new GoDaddyRecordProvider(FAST);
        const sf = await pulumi.runtime.serializeFunction(() => original, { allowSecrets: true });
        expect(sf.containsSecrets).to.equal(false);
        expect(sf.text).to.not.include(KEY);
        expect(sf.text).to.not.include(SECRET);
        // Load it the way the dynamic-provider host does (module from string, then handler()).
        const m = new Module.Module("godaddy-provider-under-test");
        (m as unknown as { _compile(code: string, filename: string): void })._compile(sf.text, "godaddy-provider-under-test.js");
        const engineSide = (m.exports as { handler(): GoDaddyRecordProvider }).handler();
        await engineSide.configure({ config: new HostConfig(stackConfig(fake.baseUrl), "iklimco-platform") });
        const res = track(await engineSide.create(api(["203.0.113.21"])));
        expect(res.id).to.equal("iklim.co/A/api");
        const err = await rejectsWith(engineSide.create({ ...api(["203.0.113.21"]), domain: "iklim.example" }));
        expect(err.message).to.match(/does not know the domain/);
    });
});
