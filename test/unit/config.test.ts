/* eslint-disable @typescript-eslint/no-explicit-any -- the cases change a parsed YAML document in any way */
import { expect } from "chai";
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { ConfigError, ConfigProblem, validateSettings } from "../../components/config";
import { evaluateStack } from "../harness";

// The prod stack file's settings as the program sees them (keys without the `iklimco:` namespace).
function prodValues(): Record<string, unknown> {
    const doc = YAML.parse(fs.readFileSync(`${__dirname}/../../Pulumi.prod.yaml`, "utf8"));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(doc.config)) if (k.startsWith("iklimco:")) out[k.slice("iklimco:".length)] = v;
    return out;
}
const PROD_SECRETS = new Set(["sshPrivateKey", "harborPassword", "godaddyKey", "godaddySecret"]);

function problemsOf(mutate: (v: any) => void, secrets: Set<string> = PROD_SECRETS): ConfigProblem[] {
    const v = prodValues();
    mutate(v);
    return validateSettings(v, secrets).problems;
}

describe("config: one schema, every problem at once", () => {
    it("accepts the prod and local stack files as committed", () => {
        expect(validateSettings(prodValues(), PROD_SECRETS).problems).to.deep.equal([]);
    });

    const cases: { what: string; mutate: (v: any) => void; key: string; expected?: RegExp; found?: RegExp }[] = [
        { what: "wrong type for the domain", mutate: (v) => (v.domain = 42), key: "iklimco:domain", expected: /domain name.*e\.g\. iklim\.co/, found: /42/ },
        { what: "missing node list", mutate: (v) => delete v.nodes, key: "iklimco:nodes", found: /not set/ },
        { what: "empty node list", mutate: (v) => (v.nodes = []), key: "iklimco:nodes", expected: /at least one node/ },
        { what: "duplicate node names", mutate: (v) => (v.nodes[1].name = v.nodes[0].name), key: "iklimco:nodes[1].name", expected: /unique node name/ },
        { what: "a bad IP", mutate: (v) => (v.nodes[2].publicIp = "203.0.113.300"), key: "iklimco:nodes[2].publicIp", expected: /IPv4 address, e\.g\. /, found: /203\.0\.113\.300/ },
        { what: "an unknown role", mutate: (v) => (v.nodes[0].role = "leader"), key: "iklimco:nodes[0].role", expected: /one of manager, worker/, found: /leader/ },
        { what: "an unknown label", mutate: (v) => (v.nodes[0].labels = ["etcd", "database"]), key: "iklimco:nodes[0].labels[1]", found: /database/ },
        { what: "replica count below 1", mutate: (v) => (v.replicas.apisix = 0), key: "iklimco:replicas.apisix", expected: /at least 1/, found: /0/ },
        { what: "an untagged image", mutate: (v) => (v.images.vault = "harbor.iklim.co/iklimco/vault"), key: "iklimco:images.vault", expected: /explicit tag or digest/ },
        { what: "a missing image", mutate: (v) => delete v.images.etcd, key: "iklimco:images.etcd", found: /not set/ },
        { what: "a DNS TTL under GoDaddy's minimum", mutate: (v) => (v.dns.ttl = 60), key: "iklimco:dns.ttl", expected: /600/ },
        { what: "a relative path", mutate: (v) => (v.paths.swagCertDir = "ssl"), key: "iklimco:paths.swagCertDir", expected: /absolute path/ },
        { what: "a bad subnet", mutate: (v) => (v.network.subnet = "10.20.0.0/33"), key: "iklimco:network.subnet", expected: /CIDR/ },
        { what: "no manager", mutate: (v) => v.nodes.forEach((n: any) => (n.role = "worker")), key: "iklimco:nodes", expected: /role: manager/ },
        { what: "no vault-labelled node", mutate: (v) => v.nodes.forEach((n: any) => (n.labels = n.labels.filter((l: string) => l !== "vault"))), key: "iklimco:nodes", expected: /labelled "vault"/ },
        { what: "a misspelt key", mutate: (v) => (v.domian = "iklim.co"), key: "iklimco:domian", found: /unknown key/ },
        { what: "a bad docker host", mutate: (v) => (v.docker.host = "203.0.113.11"), key: "iklimco:docker.host", expected: /ssh:\/\// },
        { what: "no manager host key for an ssh:// host", mutate: (v) => delete v.docker.hostKey, key: "iklimco:docker.hostKey", expected: /ssh-keyscan/ },
        { what: "a manager host key that is not a public key line", mutate: (v) => (v.docker.hostKey = "203.0.113.11 ssh-ed25519 AAAA"), key: "iklimco:docker.hostKey", expected: /SSH host public key/ },
        { what: "a duplicate microservice", mutate: (v) => v.microservices.push({ ...v.microservices[0] }), key: "iklimco:microservices[4].name", expected: /unique microservice/ },
    ];
    for (const c of cases) {
        it(`names the key for ${c.what}`, () => {
            const problems = problemsOf(c.mutate);
            const hit = problems.find((p) => p.key === c.key);
            expect(hit, `problems were: ${JSON.stringify(problems)}`).to.not.equal(undefined);
            if (c.expected) expect(hit!.expected).to.match(c.expected);
            if (c.found) expect(hit!.found).to.match(c.found);
        });
    }

    it("reports every problem at once, secrets included", () => {
        const problems = problemsOf((v) => {
            v.domain = 42;
            v.replicas.grafana = 0;
            v.nodes[0].publicIp = "nope";
        }, new Set());
        const keys = problems.map((p) => p.key);
        expect(keys).to.include.members(["iklimco:domain", "iklimco:replicas.grafana", "iklimco:nodes[0].publicIp", "iklimco:godaddyKey", "iklimco:harborPassword", "iklimco:sshPrivateKey"]);
    });

    it("gives the exact pulumi command that sets a missing secret", () => {
        const missing = problemsOf(() => undefined, new Set(["sshPrivateKey", "harborPassword", "godaddyKey"]));
        expect(missing).to.have.length(1);
        expect(missing[0].key).to.equal("iklimco:godaddySecret");
        expect(missing[0].fix).to.equal("pulumi config set --secret iklimco:godaddySecret '<secret>'");
    });

    it("requires secrets only where the settings use them (local: no ssh, no registry auth, no DNS)", () => {
        const doc = YAML.parse(fs.readFileSync(`${__dirname}/../../Pulumi.local.yaml`, "utf8"));
        const v: Record<string, unknown> = {};
        for (const [k, val] of Object.entries(doc.config)) if (k.startsWith("iklimco:")) v[k.slice(8)] = val;
        expect(validateSettings(v, new Set()).problems).to.deep.equal([]);
    });

    it("refuses a secret key set in plain text", () => {
        const problems = problemsOf((v) => (v.godaddyKey = "plain"), new Set(["sshPrivateKey", "harborPassword", "godaddySecret"]));
        expect(problems.map((p) => `${p.key}: ${p.found}`)).to.include("iklimco:godaddyKey: a plain-text value");
    });

    it("fails the program before any resource is registered", async () => {
        let error: unknown;
        try {
            await evaluateStack("prod", { overrides: { "iklimco:replicas": { apisix: 0, grafana: 1 }, "iklimco:domain": 7 } });
        } catch (e) {
            error = e;
        }
        expect(error).to.be.instanceOf(Error);
        expect((error as Error).name).to.equal("ConfigError");
        expect((error as ConfigError).problems.map((p) => p.key)).to.have.members(["iklimco:replicas.apisix", "iklimco:domain"]);
        expect((error as { resourcesRegistered?: number }).resourcesRegistered).to.equal(0);
        // Under `pulumi preview|up` a RunError is printed as its message alone, without source and stack trace.
        expect(pulumi.RunError.isInstance(error)).to.equal(true);
    });
});
