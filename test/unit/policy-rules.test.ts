// Each rule with a compliant and a violating resource, run through the validation args the analyzer builds
// (policies/lib/run.ts), including notApplicable for resources a rule does not cover. Compliant services are
// the ones the real service builder produces (test/fixtures/builder-program.ts under the offline engine).
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { PolicyResource } from "@pulumi/policy";
import { POLICIES } from "../../policies/all";
import { parseImageRef } from "../../policies/lib/images";
import { approleRoleBounded } from "../../policies/rules/approle-role-bounded";
import { dnsRecordEdgeOnly } from "../../policies/rules/dns-record-edge-only";
import { dnsRecordTtl } from "../../policies/rules/dns-record-ttl";
import { explicitProvider } from "../../policies/rules/explicit-provider";
import { imagePinnedByDigest } from "../../policies/rules/image-pinned-by-digest";
import { imageTagNotLatest } from "../../policies/rules/image-tag-not-latest";
import { noDockerSocketMount } from "../../policies/rules/no-docker-socket-mount";
import { noLiteralCredentialsInEnv } from "../../policies/rules/no-literal-credentials-in-env";
import { overlayNetworkEncrypted } from "../../policies/rules/overlay-network-encrypted";
import { secretFileMode } from "../../policies/rules/secret-file-mode";
import { serviceHealthCheck } from "../../policies/rules/service-health-check";
import { serviceResourceLimits } from "../../policies/rules/service-resource-limits";
import { serviceRestartPolicy } from "../../policies/rules/service-restart-policy";
import { serviceUpdateRollback } from "../../policies/rules/service-update-rollback";
import { statefulStopFirst } from "../../policies/rules/stateful-stop-first";
import { statefulSurvivesNodeLoss } from "../../policies/rules/stateful-survives-node-loss";
import { vaultAuditDevice } from "../../policies/rules/vault-audit-device";
import { vaultAuthMethods } from "../../policies/rules/vault-auth-methods";
import { vaultDedicatedNodes } from "../../policies/rules/vault-dedicated-nodes";
import { vaultKvVersioned } from "../../policies/rules/vault-kv-versioned";
import { vaultListenerTls } from "../../policies/rules/vault-listener-tls";
import { vaultPolicyLeastPrivilege } from "../../policies/rules/vault-policy-least-privilege";
import { vaultUnprivileged } from "../../policies/rules/vault-unprivileged-user";
import { NotApplicableError, PlannedResource, resourceArgs, stackArgs } from "../../policies/lib/run";
import { Evaluation, FIXTURES, NETWORK, SERVICE, evaluateStack, named } from "../harness";
import { EXPLICIT_VAULT, check, checkStack, clone, planned, resource } from "../support/policy";

/* eslint-disable @typescript-eslint/no-explicit-any */
const DYNAMIC = "pulumi-nodejs:dynamic:Resource";
const VAULT_POLICY = "vault:index/policy:Policy";
const APPROLE = "vault:appRole/authBackendRole:AuthBackendRole";

function member(base: PlannedResource, component: string, n: number, node: string | undefined, replicas = 1): PlannedResource {
    const r = clone(base);
    r.name = `${component}-${n}`;
    r.urn = `${base.urn}-${component}-${n}`;
    r.props.name = `iklimco_${component}-${n}`;
    r.props.labels = r.props.labels.map((l: any) => (l.label === "com.iklimco.component" ? { ...l, value: component } : l));
    r.props.mode = { replicated: { replicas } };
    r.props.taskSpec.placement.constraints = node ? [`node.hostname == ${node}`, `node.labels.${component} == true`] : [`node.labels.${component} == true`];
    return r;
}

const goDaddyRecord = (props: Record<string, any>) => resource(DYNAMIC, `dns-${props.name}`, { __provider: "exports.handler = ...", domain: "iklim.co", type: "A", name: "api", values: ["203.0.113.21"], ttl: 600, ...props }, null);

describe("policy rules: compliant and violating resources through the analyzer's validation args", function () {
    this.timeout(120000);
    let ev: Evaluation;
    let web: PlannedResource; // stateless, from the service builder
    let db: PlannedResource; // stateful, from the service builder
    let net: PlannedResource;
    before(async () => {
        ev = await evaluateStack("prod", { program: path.join(FIXTURES, "builder-program.ts"), secrets: { "test:secretValue": "s3cret-value" } });
        web = planned(ev, named(ev, "fixture-web"));
        db = planned(ev, named(ev, "fixture-db"));
        net = planned(ev, ev.resources.find((r) => r.type === NETWORK)!);
    });

    it("builds validation args in the SDK's shape: stackTags, opts, provider, and a notApplicable() that throws", () => {
        const args = resourceArgs(web, {}, "x");
        expect(args.stackTags).to.be.instanceOf(Map);
        expect(args.opts).to.include.keys(["protect", "ignoreChanges", "aliases", "customTimeouts", "additionalSecretOutputs"]);
        expect(args.provider?.type).to.equal("pulumi:providers:docker");
        expect(() => args.notApplicable("because")).to.throw(NotApplicableError);
        const s = stackArgs([web, db], {}, "x");
        expect(s.resources).to.have.length(2);
        expect(() => s.notApplicable()).to.throw(NotApplicableError);
    });

    it("every policy has a name, an operator-readable description and an enforcement level, and names are unique", () => {
        const names = POLICIES.map((p) => p.name);
        expect(new Set(names).size).to.equal(names.length);
        for (const p of POLICIES) {
            expect(p.name).to.match(/^[a-z0-9-]+$/);
            expect(p.description.length, p.name).to.be.greaterThan(30);
            expect(["advisory", "mandatory"]).to.include(p.enforcementLevel);
        }
    });

    it("each rule is its own module named after it, and only policies/index.ts constructs the PolicyPack", async () => {
        const dir = path.join(__dirname, "..", "..", "policies", "rules");
        const files = fs.readdirSync(dir).filter((f) => f.endsWith(".ts")).sort();
        expect(files.map((f) => f.slice(0, -3))).to.deep.equal(POLICIES.map((p) => p.name).sort());
        for (const f of files) {
            const mod: Record<string, unknown> = await import(path.join(dir, f));
            const exported = Object.values(mod).filter((v: any) => v && typeof v === "object" && typeof v.name === "string" && ("validateResource" in v || "validateStack" in v));
            expect(exported.map((p: any) => p.name), f).to.deep.equal([f.slice(0, -3)]);
        }
        const sources = (d: string): string[] =>
            fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(d, e.name)) : e.name.endsWith(".ts") ? [path.join(d, e.name)] : []));
        const constructing = sources(path.join(__dirname, "..", "..", "policies")).filter((f) => /new PolicyPack\(/.test(fs.readFileSync(f, "utf8")));
        expect(constructing.map((f) => path.relative(path.join(__dirname, "..", ".."), f))).to.deep.equal(["policies/index.ts"]);
    });

    describe("image-tag-not-latest / image-pinned-by-digest", () => {
        it("parses references with registry ports, tags and digests", () => {
            expect(parseImageRef("harbor.iklim.co:5000/iklimco/etcd")).to.deep.equal({ repository: "harbor.iklim.co:5000/iklimco/etcd", tag: undefined, digest: undefined });
            expect(parseImageRef("h/etcd:3.5@sha256:ab")).to.deep.equal({ repository: "h/etcd", tag: "3.5", digest: "sha256:ab" });
        });
        it("passes a version tag, flags :latest and untagged, skips resources without an image", async () => {
            expect((await check(imageTagNotLatest, web)).violations).to.deep.equal([]);
            const latest = clone(web);
            latest.props.taskSpec.containerSpec.image = "harbor.iklim.co/iklimco/web:latest";
            expect((await check(imageTagNotLatest, latest)).violations[0].message).to.match(/:latest/);
            const untagged = clone(web);
            untagged.props.taskSpec.containerSpec.image = "harbor.iklim.co:5000/iklimco/web";
            expect((await check(imageTagNotLatest, untagged)).violations[0].message).to.match(/no tag/);
            const remote = resource("docker:index/remoteImage:RemoteImage", "img", { name: "harbor.iklim.co/iklimco/web" });
            expect((await check(imageTagNotLatest, remote)).violations).to.have.length(1);
            expect((await check(imageTagNotLatest, net)).skipped).to.equal(true);
        });
        it("advises a digest when only a tag pins the image", async () => {
            expect((await check(imagePinnedByDigest, web)).violations[0].message).to.match(/pinned by tag only/);
            const pinned = clone(web);
            pinned.props.taskSpec.containerSpec.image = `harbor.iklim.co/iklimco/web:1.0.0@sha256:${"a".repeat(64)}`;
            expect((await check(imagePinnedByDigest, pinned)).violations).to.deep.equal([]);
            expect((await check(imagePinnedByDigest, net)).skipped).to.equal(true);
        });
    });

    describe("no-literal-credentials-in-env", () => {
        it("passes *_FILE references and plain settings, flags literal credentials without echoing them", async () => {
            const ok = clone(web);
            ok.props.taskSpec.containerSpec.env = {
                LOG_LEVEL: "info",
                POSTGRES_PASSWORD_FILE: "/run/secrets/postgres_password",
                GF_SECURITY_ADMIN_PASSWORD__FILE: "/run/secrets/grafana_admin_password",
                VAULT_ADDR: "https://vault:8200",
                KEY_PATH: "/x",
                ETCD_INITIAL_CLUSTER_TOKEN: "iklimco-etcd",
            };
            expect((await check(noLiteralCredentialsInEnv, ok)).violations).to.deep.equal([]);
            const bad = clone(web);
            bad.props.taskSpec.containerSpec.env = { POSTGRES_PASSWORD: "hunter2", VAULT_TOKEN: "s.abc", RABBITMQ_ERLANG_COOKIE: "c00kie", APISIX_ADMIN_KEY: "k" };
            const res = await check(noLiteralCredentialsInEnv, bad);
            expect(res.violations.map((v) => v.message.split(" ")[0])).to.deep.equal(["APISIX_ADMIN_KEY", "POSTGRES_PASSWORD", "RABBITMQ_ERLANG_COOKIE", "VAULT_TOKEN"]);
            for (const v of res.violations) expect(v.message).to.not.match(/hunter2|s\.abc|c00kie/);
            const fileValue = clone(web);
            fileValue.props.taskSpec.containerSpec.env = { DB_PASSWORD_FILE: "hunter2" };
            expect((await check(noLiteralCredentialsInEnv, fileValue)).violations).to.have.length(1);
        });
        it("reads a container's K=V env and skips other types", async () => {
            const c = resource("docker:index/container:Container", "job", { image: "x:1", envs: ["MONGO_INITDB_ROOT_PASSWORD=pw", "TZ=UTC"] });
            expect((await check(noLiteralCredentialsInEnv, c)).violations).to.have.length(1);
            expect((await check(noLiteralCredentialsInEnv, net)).skipped).to.equal(true);
        });
    });

    const serviceRules: { rule: any; name: string; breakIt: (p: any) => void; message: RegExp }[] = [
        { rule: serviceHealthCheck, name: "service-health-check", breakIt: (p) => delete p.taskSpec.containerSpec.healthcheck, message: /no health check/ },
        { rule: serviceHealthCheck, name: "service-health-check (NONE)", breakIt: (p) => (p.taskSpec.containerSpec.healthcheck.tests = ["NONE"]), message: /disables/ },
        { rule: serviceResourceLimits, name: "service-resource-limits", breakIt: (p) => delete p.taskSpec.resources.limits.memoryBytes, message: /no memory limit/ },
        { rule: serviceResourceLimits, name: "service-resource-limits (cpu)", breakIt: (p) => delete p.taskSpec.resources, message: /no CPU limit/ },
        { rule: serviceRestartPolicy, name: "service-restart-policy", breakIt: (p) => (p.taskSpec.restartPolicy.condition = "none"), message: /stay down/ },
        { rule: serviceRestartPolicy, name: "service-restart-policy (absent)", breakIt: (p) => delete p.taskSpec.restartPolicy, message: /no restart policy/ },
        { rule: serviceUpdateRollback, name: "service-update-rollback", breakIt: (p) => (p.updateConfig.failureAction = "pause"), message: /not rollback/ },
        { rule: serviceUpdateRollback, name: "service-update-rollback (no rollback config)", breakIt: (p) => delete p.rollbackConfig, message: /no rollback config/ },
        { rule: secretFileMode, name: "secret-file-mode", breakIt: (p) => (p.taskSpec.containerSpec.secrets[0].fileMode = 0o444), message: /readable by every user/ },
        {
            rule: noDockerSocketMount,
            name: "no-docker-socket-mount",
            breakIt: (p) => (p.taskSpec.containerSpec.mounts = [{ type: "bind", source: "/var/run/docker.sock", target: "/var/run/docker.sock" }]),
            message: /Docker socket/,
        },
    ];
    for (const c of serviceRules) {
        it(`${c.name}: the builder's service passes, a broken one fails, a network is skipped`, async () => {
            expect((await check(c.rule, db)).violations, "builder service").to.deep.equal([]);
            const broken = clone(db);
            c.breakIt(broken.props);
            const res = await check(c.rule, broken);
            expect(res.violations.map((v) => v.message).join("; ")).to.match(c.message);
            expect((await check(c.rule, net)).skipped).to.equal(true);
        });
    }

    it("stateful-stop-first: stateful members update stop-first; stateless services are skipped", async () => {
        expect((await check(statefulStopFirst, db)).violations).to.deep.equal([]);
        expect((await check(statefulStopFirst, web)).skipped).to.equal(true);
        const startFirst = clone(db);
        startFirst.props.updateConfig.order = "start-first";
        expect((await check(statefulStopFirst, startFirst)).violations[0].message).to.match(/update order is start-first/);
        const mislabelled = member(web, "patroni", 1, "iklimco-1");
        const res = await check(statefulStopFirst, mislabelled);
        expect(res.violations.map((v) => v.message).join("; ")).to.match(/patroni is stateful but .*stateful=false/);
    });

    describe("stateful-survives-node-loss (stack)", () => {
        it("passes three members pinned to three nodes, one replica each", async () => {
            const ms = ["iklimco-1", "iklimco-2", "iklimco-3"].map((n, i) => member(db, "patroni", i + 1, n));
            expect((await checkStack(statefulSurvivesNodeLoss, [...ms, web, net])).violations).to.deep.equal([]);
        });
        it("passes one service spread one replica per node", async () => {
            const spread = member(db, "rabbitmq", 1, undefined, 3);
            spread.props.taskSpec.placement.maxReplicas = 1;
            expect((await checkStack(statefulSurvivesNodeLoss, [spread])).violations).to.deep.equal([]);
        });
        it("fails one member, two members on one node, and unpinned members, naming the component", async () => {
            const one = await checkStack(statefulSurvivesNodeLoss, [member(db, "patroni", 1, "iklimco-1")]);
            expect(one.violations.map((v) => v.message).join("; ")).to.match(/patroni has 1 member\(s\) on 1 distinct node/);
            const shared = await checkStack(statefulSurvivesNodeLoss, [member(db, "etcd", 1, "n1"), member(db, "etcd", 2, "n1"), member(db, "etcd", 3, "n2")]);
            expect(shared.violations.map((v) => v.message).join("; ")).to.match(/already holds another etcd member/);
            const unpinned = await checkStack(statefulSurvivesNodeLoss, [1, 2, 3].map((n) => member(db, "mongodb", n, undefined)));
            expect(unpinned.violations.map((v) => v.message).join("; ")).to.match(/not pinned/);
            const fat = await checkStack(statefulSurvivesNodeLoss, [member(db, "vault", 1, "n1", 3)]);
            expect(fat.violations.map((v) => v.message).join("; ")).to.match(/3 replicas pinned to one node/);
        });
        it("honours minMembers from the policy config, and is not applicable without stateful services", async () => {
            const two = ["a", "b"].map((n, i) => member(db, "etcd", i + 1, n));
            expect((await checkStack(statefulSurvivesNodeLoss, two)).violations).to.have.length(1);
            expect((await checkStack(statefulSurvivesNodeLoss, two, { "stateful-survives-node-loss": { minMembers: 2 } })).violations).to.deep.equal([]);
            expect((await checkStack(statefulSurvivesNodeLoss, [web])).skipped).to.equal(true);
            // SWAG is stateful (its config volume) but one instance by design: no quorum to keep.
            expect((await checkStack(statefulSurvivesNodeLoss, [member(db, "swag", 1, "iklimco-edge-1")])).skipped).to.equal(true);
            expect((await checkStack(statefulSurvivesNodeLoss, [member(db, "swag", 1, "e1")], { "stateful-survives-node-loss": { components: ["swag"] } })).violations).to.have.length(1);
            expect((await checkStack(statefulSurvivesNodeLoss, [net])).skipped).to.equal(true);
        });
    });

    describe("Vault", () => {
        const vaultService = () => {
            const v = member(db, "vault", 1, "iklimco-1");
            v.props.taskSpec.containerSpec.env = { VAULT_ADDR: "https://127.0.0.1:8200", VAULT_API_ADDR: "https://vault-1:8200" };
            v.props.taskSpec.containerSpec.mounts = [{ type: "bind", source: "/opt/iklimco/ssl", target: "/vault/certs", readOnly: true }];
            return v;
        };
        it("vault-listener-tls: https with a mounted certificate passes; tls_disable, http and dev mode fail; others skipped", async () => {
            expect((await check(vaultListenerTls, vaultService())).violations).to.deep.equal([]);
            const plain = vaultService();
            plain.props.taskSpec.containerSpec.env.VAULT_LOCAL_CONFIG = 'listener "tcp" { address = "0.0.0.0:8200"\n tls_disable = 1 }';
            plain.props.taskSpec.containerSpec.env.VAULT_ADDR = "http://127.0.0.1:8200";
            const msgs = (await check(vaultListenerTls, plain)).violations.map((v) => v.message).join("; ");
            expect(msgs).to.match(/tls_disable/).and.match(/VAULT_ADDR is plain http/);
            const dev = vaultService();
            dev.props.taskSpec.containerSpec.args = ["server", "-dev"];
            dev.props.taskSpec.containerSpec.mounts = [];
            const devMsgs = (await check(vaultListenerTls, dev)).violations.map((v) => v.message).join("; ");
            expect(devMsgs).to.match(/dev mode/).and.match(/no TLS certificate/);
            const cfg = resource("docker:index/serviceConfig:ServiceConfig", "vault-hcl", { name: "vault_hcl", data: Buffer.from('listener "tcp" { tls_disable = "true" }').toString("base64") });
            expect((await check(vaultListenerTls, cfg)).violations.length).to.be.greaterThan(0);
            const goodCfg = resource("docker:index/serviceConfig:ServiceConfig", "vault-hcl", {
                name: "vault_hcl",
                data: Buffer.from('listener "tcp" { tls_cert_file = "/vault/certs/fullchain.pem" }').toString("base64"),
            });
            expect((await check(vaultListenerTls, goodCfg)).violations).to.deep.equal([]);
            expect((await check(vaultListenerTls, web)).skipped).to.equal(true);
        });
        it("vault-audit-device (stack): required once Vault is deployed or configured", async () => {
            const pol = resource(VAULT_POLICY, "p", { name: "svc", policy: 'path "secret/data/svc/*" { capabilities = ["read"] }' }, EXPLICIT_VAULT);
            const audit = resource("vault:index/audit:Audit", "audit", { type: "file", options: { file_path: "stdout" } }, EXPLICIT_VAULT);
            expect((await checkStack(vaultAuditDevice, [vaultService(), pol, audit])).violations).to.deep.equal([]);
            expect((await checkStack(vaultAuditDevice, [vaultService(), pol])).violations[0].message).to.match(/no audit device/);
            expect((await checkStack(vaultAuditDevice, [web, net])).skipped).to.equal(true);
        });
        it("vault-policy-least-privilege: own paths pass; root wildcard and sudo outside bootstrap fail", async () => {
            const own = resource(VAULT_POLICY, "p", { name: "auth-service", policy: 'path "secret/data/auth/*" {\n  capabilities = ["read", "list"]\n}' }, EXPLICIT_VAULT);
            expect((await check(vaultPolicyLeastPrivilege, own)).violations).to.deep.equal([]);
            const wild = resource(VAULT_POLICY, "p", { name: "auth-service", policy: 'path "*" { capabilities = ["read"] }' }, EXPLICIT_VAULT);
            expect((await check(vaultPolicyLeastPrivilege, wild)).violations[0].message).to.match(/wildcard at the root/);
            const sudo = resource(VAULT_POLICY, "p", { name: "ops", policy: 'path "sys/mounts/*" { capabilities = ["create", "sudo"] }' }, EXPLICIT_VAULT);
            expect((await check(vaultPolicyLeastPrivilege, sudo)).violations[0].message).to.match(/sudo outside the bootstrap/);
            const boot = resource(VAULT_POLICY, "p", { name: "bootstrap", policy: 'path "sys/mounts/*" { capabilities = ["create", "sudo"] }' }, EXPLICIT_VAULT);
            expect((await check(vaultPolicyLeastPrivilege, boot)).violations).to.deep.equal([]);
            const prefixed = resource(VAULT_POLICY, "p", { name: "iklimco-bootstrap", policy: 'path "sys/mounts/*" { capabilities = ["sudo"] }' }, EXPLICIT_VAULT);
            expect((await check(vaultPolicyLeastPrivilege, prefixed)).violations).to.deep.equal([]);
            expect((await check(vaultPolicyLeastPrivilege, prefixed, { "vault-policy-least-privilege": { bootstrapPolicies: ["admin"] } })).violations).to.have.length(1);
            const json = resource(VAULT_POLICY, "p", { name: "x", policy: JSON.stringify({ path: { "+/data/*": { capabilities: ["read"] } } }) }, EXPLICIT_VAULT);
            expect((await check(vaultPolicyLeastPrivilege, json)).violations).to.have.length(1);
            expect((await check(vaultPolicyLeastPrivilege, web)).skipped).to.equal(true);
        });
        it("approle-role-bounded: bounded TTLs with CIDR binding pass; unbounded or open roles fail", async () => {
            const good = { roleName: "auth-service", tokenTtl: 3600, tokenMaxTtl: 14400, secretIdTtl: 2592000, secretIdBoundCidrs: ["10.20.0.0/16"], tokenBoundCidrs: ["10.20.0.0/16"], tokenPolicies: ["auth-service"] };
            expect((await check(approleRoleBounded, resource(APPROLE, "r", good, EXPLICIT_VAULT))).violations).to.deep.equal([]);
            const open = { ...good, secretIdTtl: 0, tokenMaxTtl: undefined, secretIdBoundCidrs: ["0.0.0.0/0"], tokenBoundCidrs: [], tokenPolicies: ["root"] };
            const msgs = (await check(approleRoleBounded, resource(APPROLE, "r", open, EXPLICIT_VAULT))).violations.map((v) => v.message).join("; ");
            expect(msgs).to.match(/secret_id_ttl is not set/).and.match(/token_max_ttl is not set/).and.match(/open range/).and.match(/token_bound_cidrs is empty/).and.match(/root policy/);
            const long = { ...good, tokenTtl: 7 * 86400 };
            expect((await check(approleRoleBounded, resource(APPROLE, "r", long, EXPLICIT_VAULT))).violations.map((v) => v.message).join("; ")).to.match(/token_ttl is 604800s, above/);
            expect((await check(approleRoleBounded, web)).skipped).to.equal(true);
        });
        it("hardening (advisory): unprivileged user, vault-labelled nodes, KV v2, few auth methods", async () => {
            const root = vaultService();
            root.props.taskSpec.containerSpec.user = "root";
            expect((await check(vaultUnprivileged, root)).violations).to.have.length(1);
            expect((await check(vaultUnprivileged, vaultService())).violations).to.deep.equal([]);
            expect((await check(vaultDedicatedNodes, vaultService())).violations).to.deep.equal([]);
            const anywhere = vaultService();
            anywhere.props.taskSpec.placement.constraints = ["node.hostname == iklimco-1"];
            expect((await check(vaultDedicatedNodes, anywhere)).violations).to.have.length(1);
            const kv1 = resource("vault:index/mount:Mount", "kv", { path: "secret", type: "kv", options: { version: "1" } }, EXPLICIT_VAULT);
            const kv2 = resource("vault:index/mount:Mount", "kv", { path: "secret", type: "kv", options: { version: "2" } }, EXPLICIT_VAULT);
            expect((await check(vaultKvVersioned, kv1)).violations).to.have.length(1);
            expect((await check(vaultKvVersioned, kv2)).violations).to.deep.equal([]);
            const approle = resource("vault:index/authBackend:AuthBackend", "approle", { type: "approle", tune: { maxLeaseTtl: "24h" } }, EXPLICIT_VAULT);
            const userpass = resource("vault:index/authBackend:AuthBackend", "userpass", { type: "userpass" }, EXPLICIT_VAULT);
            expect((await check(vaultAuthMethods, approle)).violations).to.deep.equal([]);
            expect((await check(vaultAuthMethods, userpass)).violations).to.have.length(2);
            for (const rule of [vaultUnprivileged, vaultDedicatedNodes, vaultKvVersioned, vaultAuthMethods]) expect((await check(rule, net)).skipped, rule.name).to.equal(true);
        });
    });

    describe("DNS records (GoDaddyRecord, recognised by its inputs on the dynamic resource type)", () => {
        const edge = { "dns-record-edge-only": { edgeIps: ["203.0.113.21"] } };
        it("dns-record-ttl: 600 passes, 60 fails, other dynamic resources are skipped", async () => {
            expect((await check(dnsRecordTtl, goDaddyRecord({})))).to.deep.include({ skipped: false, violations: [] });
            expect((await check(dnsRecordTtl, goDaddyRecord({ ttl: 60 }))).violations[0].message).to.match(/TTL 60, below 600/);
            expect((await check(dnsRecordTtl, resource(DYNAMIC, "other", { foo: 1 }, null))).skipped).to.equal(true);
            // The DNS component names its type: pulumi-nodejs:dynamic/godaddy:GoDaddyRecord.
            const named = { ...goDaddyRecord({ ttl: 60 }), type: "pulumi-nodejs:dynamic/godaddy:GoDaddyRecord" };
            expect((await check(dnsRecordTtl, named)).violations[0].message).to.match(/TTL 60/);
            expect((await check(dnsRecordTtl, web)).skipped).to.equal(true);
        });
        it("dns-record-edge-only: edge addresses pass, others fail, a missing config fails, CNAMEs are skipped", async () => {
            expect((await check(dnsRecordEdgeOnly, goDaddyRecord({}), edge)).violations).to.deep.equal([]);
            expect((await check(dnsRecordEdgeOnly, goDaddyRecord({ values: ["203.0.113.11"] }), edge)).violations[0].message).to.match(/not an edge node/);
            expect((await check(dnsRecordEdgeOnly, goDaddyRecord({}))).violations[0].message).to.match(/edgeIps/);
            expect((await check(dnsRecordEdgeOnly, goDaddyRecord({ type: "CNAME", values: ["iklim.co"] }), edge)).skipped).to.equal(true);
        });
    });

    it("overlay-network-encrypted: the foundation's network passes; an unencrypted overlay fails; bridges are skipped", async () => {
        expect((await check(overlayNetworkEncrypted, net)).violations).to.deep.equal([]);
        const plain = clone(net);
        plain.props.options = {};
        expect((await check(overlayNetworkEncrypted, plain)).violations[0].message).to.match(/not encrypted/);
        const bridge = clone(net);
        bridge.props.driver = "bridge";
        expect((await check(overlayNetworkEncrypted, bridge)).skipped).to.equal(true);
        expect((await check(overlayNetworkEncrypted, web)).skipped).to.equal(true);
    });

    it("explicit-provider: every recorded Docker resource has the explicit provider; none or a default one fails", async () => {
        const dockerRecords = ev.resources.filter((r) => r.custom && r.type.startsWith("docker:"));
        expect(dockerRecords.length).to.be.greaterThan(3);
        for (const r of dockerRecords) expect((await check(explicitProvider, planned(ev, r))).violations, r.name).to.deep.equal([]);
        const none = clone(web);
        delete none.provider;
        expect((await check(explicitProvider, none)).violations[0].message).to.match(/without an explicit provider/);
        const dflt = clone(web);
        dflt.provider = { ...web.provider!, name: "default_5_2_0" };
        expect((await check(explicitProvider, dflt)).violations[0].message).to.match(/default provider/);
        expect((await check(explicitProvider, goDaddyRecord({}))).skipped).to.equal(true);
    });

    it("a stack resource's links (parent, dependencies) resolve to resources, as the analyzer links them", () => {
        const all = ev.resources.map((r) => planned(ev, r));
        const args = stackArgs(all);
        const svc = args.resources.find((r: PolicyResource) => r.type === SERVICE && r.name === "fixture-db")!;
        const secret = args.resources.find((r: PolicyResource) => r.type === "docker:index/secret:Secret")!;
        expect(secret.parent?.type).to.equal("iklimco:swarm:VersionedSecret");
        expect(svc.dependencies.some((d) => d.type === "docker:index/secret:Secret")).to.equal(true);
    });
});
