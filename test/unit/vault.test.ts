// The Vault component in the real program, evaluated under the offline engine (Pulumi mocks): members,
// TLS wiring, secrecy of every credential, per-service policies (parsed by a real HCL parser), AppRole
// settings, and the order bootstrap -> members -> readiness -> Vault as code.
import { expect } from "chai";
// hcl2-parser is HashiCorp's HCL v2 parser (github.com/hashicorp/hcl) compiled to JavaScript.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const hcl: { parseToObject: (text: string) => [unknown, unknown] } = require("hcl2-parser");
import * as path from "path";
import { Evaluation, FIXTURES, RecordedResource, SECRET, SERVICE, comesAfter, evaluateStack, input, named, ofType } from "../harness";
import { parseRawValue } from "../../components/config";
import { readStackConfig } from "../../tools/offline/stack-config";
import { VaultServerConfig } from "../../components/vault/server-config";

const POLICY = "vault:index/policy:Policy";
const ROLE = "vault:appRole/authBackendRole:AuthBackendRole";
const SECRET_ID = "vault:appRole/authBackendRoleSecretId:AuthBackendRoleSecretId";
const COMMAND = "command:remote:Command";
const RETIRE = "pulumi-nodejs:dynamic/iklimco:RootTokenRetirement";

function parseHcl(text: string): Record<string, unknown> {
    const [obj, err] = hcl.parseToObject(text);
    if (!obj) throw new Error(`HCL does not parse: ${JSON.stringify(err)}\n${text}`);
    return obj as Record<string, unknown>;
}

/** A member's server config, as the entrypoint writes it to vault.json: JSON, parsed by the standard library. */
function serverConfigOf(s: RecordedResource): VaultServerConfig {
    return JSON.parse(input(s, "taskSpec.containerSpec.env.VAULT_CONFIG_JSON") as string) as VaultServerConfig;
}

function vaultServices(ev: Evaluation): RecordedResource[] {
    return ofType(ev, SERVICE)
        .filter((s) => (input(s, "labels") as { label: string; value: string }[]).some((l) => l.label === "com.iklimco.component" && l.value === "vault"))
        .sort((a, b) => (input(a, "name") < input(b, "name") ? -1 : 1));
}

/** The environment a manager script exports (its stdin starts with `export K='v'` lines). */
function scriptEnv(r: RecordedResource): Record<string, string> {
    const env: Record<string, string> = {};
    const stdin = input(r, "stdin") as string;
    const re = /^export ([A-Z_][A-Z0-9_]*)='((?:[^']|'\\'')*)'$/gm;
    for (let m = re.exec(stdin); m; m = re.exec(stdin)) env[m[1]] = m[2].replace(/'\\''/g, "'");
    return env;
}

describe("vault component (offline engine, prod stack)", function () {
    this.timeout(60_000);
    let ev: Evaluation;
    before(async () => {
        ev = await evaluateStack("prod");
    });

    it("declares three Raft members, one per vault node in config order, each pinned with its own volume, node id and retry_join to the others", () => {
        const svcs = vaultServices(ev);
        expect(svcs.map((s) => input(s, "name"))).to.deep.equal(["iklimco_vault-1", "iklimco_vault-2", "iklimco_vault-3"]);
        const nodes = ["iklimco-1", "iklimco-2", "iklimco-3"];
        svcs.forEach((s, i) => {
            const n = i + 1;
            expect(input(s, "taskSpec.placement.constraints")).to.include(`node.hostname == ${nodes[i]}`).and.to.include("node.labels.vault == true");
            const mounts = input(s, "taskSpec.containerSpec.mounts") as { type: string; source: string; target: string }[];
            expect(mounts.find((m) => m.target === "/vault/data")).to.include({ type: "volume", source: `iklimco_vault-${n}-data` });
            const raft = serverConfigOf(s).storage.raft;
            expect(raft.node_id).to.equal(`vault-${n}`);
            expect(raft.path).to.equal("/vault/data");
            const others = [1, 2, 3].filter((x) => x !== n).map((x) => `https://vault-${x}:8200`);
            expect(raft.retry_join!.map((j) => j.leader_api_addr)).to.deep.equal(others);
            expect(raft.retry_join!.every((j) => j.leader_tls_servername === "vault.iklim.co")).to.equal(true);
            expect(input(s, "updateConfig.order")).to.equal("stop-first");
            expect(input(s, "updateConfig.parallelism")).to.equal(1);
            expect(input(s, "taskSpec.containerSpec.healthcheck.tests").join(" ")).to.include("/v1/sys/health?standbyok=true");
            expect(input(s, "endpointSpec.ports")).to.deep.equal([{ protocol: "tcp", publishMode: "host", publishedPort: 8200, targetPort: 8200 }]);
            const aliases = input(s, "taskSpec.networksAdvanceds")[0].aliases;
            expect(aliases).to.include(`vault-${n}`);
        });
        const volumes = svcs.map((s) => (input(s, "taskSpec.containerSpec.mounts") as { target: string; source: string }[]).find((m) => m.target === "/vault/data")!.source);
        expect(new Set(volumes).size).to.equal(3);
    });

    it("wires TLS from the node's /opt/iklimco/ssl to /vault/certs, with the certificate names the cert-reloader publishes", () => {
        for (const s of vaultServices(ev)) {
            const mounts = input(s, "taskSpec.containerSpec.mounts") as { type: string; source: string; target: string; readOnly: boolean }[];
            expect(mounts).to.deep.include({ type: "bind", source: "/opt/iklimco/ssl", target: "/vault/certs", readOnly: true });
            // One listener, TLS only (the entrypoint and the health check use it over loopback).
            const listener = serverConfigOf(s).listener;
            expect(Object.keys(listener)).to.deep.equal(["tcp"]);
            const pub = listener.tcp;
            expect(pub.address).to.equal("0.0.0.0:8200");
            expect(pub.tls_cert_file).to.match(/\/STAR\.iklim\.co\.full\.crt$/);
            expect(pub.tls_key_file).to.match(/\/STAR\.iklim\.co_key\.pem$/);
            expect(pub, "no tls_disable").to.not.have.property("tls_disable");
            expect(input(s, "taskSpec.containerSpec.healthcheck.tests")).to.deep.equal(["CMD", "wget", "-q", "--no-check-certificate", "-O", "/dev/null", "https://127.0.0.1:8200/v1/sys/health?standbyok=true&sealedcode=200"]);
        }
        // Step 10 runs on each Vault node, on that node's ssl directory.
        const jobs = ofType(ev, COMMAND).filter((c) => c.steps.includes(10));
        expect(jobs.map((j) => scriptEnv(j).NODE).sort()).to.deep.equal(["iklimco-1", "iklimco-2", "iklimco-3"]);
        for (const j of jobs) expect(scriptEnv(j).JOB_ENV).to.include("SSL_DIR=/host/opt/iklimco/ssl").and.to.include("CERT_NAME=vault.iklim.co");
    });

    it("escrows the init answer under a random key made before the init command, and the readiness run removes the escrow", () => {
        const init = ofType(ev, COMMAND).find((c) => c.name === "iklimco-vault-init-command")!;
        const ready = ofType(ev, COMMAND).find((c) => c.name === "iklimco-vault-ready-command")!;
        const key = ev.resources.find((r) => r.type === "random:index/randomPassword:RandomPassword" && r.name.endsWith("-init-escrow-key"))!;
        expect(key, "the escrow key resource").to.not.equal(undefined);
        expect(comesAfter(ev, init, key), "the key is in the state before Vault is initialised").to.equal(true);
        const env = scriptEnv(init);
        // The mock's RandomPassword result for that resource (tools/offline/mocks.ts): the key comes from it.
        expect(env.ESCROW_KEY).to.match(new RegExp(`^mock-${key.name}-`));
        expect(init.secretInputs, "the key travels only in the secret stdin").to.include("stdin");
        expect(env.ESCROW_NAME).to.equal("iklimco_vault_init_escrow");
        expect(scriptEnv(ready).ESCROW_NAME).to.equal(env.ESCROW_NAME);
        expect(JSON.stringify(init.inputs), "nowhere in plain inputs").to.not.include(env.ESCROW_KEY);
    });

    it("never has a credential as a plain value: unseal key, root token, role ids and secret ids are secrets everywhere", () => {
        const init = ofType(ev, COMMAND).find((c) => c.name === "iklimco-vault-init-command")!;
        const initAnswer = JSON.parse(
            // the mock's init answer (tools/offline/mocks.ts)
            JSON.stringify({ keys_base64: [Buffer.from(`mock-key-${init.name}`).toString("base64")], root_token: `hvs.mock-root-${init.name}` }),
        );
        const credentials = [initAnswer.keys_base64[0], initAnswer.root_token, ...ofType(ev, ROLE).map((r) => `mock-role-id-${r.name}`), ...ofType(ev, SECRET_ID).map((r) => `mock-secret-id-${r.name}`), ...ofType(ev, RETIRE).flatMap((r) => [`mock-pulumi-role-id-${r.name}`, `mock-pulumi-secret-id-${r.name}`])];
        // init answer (2), per microservice role id + secret id (4 + 4), the backup's AppRole (1 + 1), the retirement (2).
        expect(credentials.length).to.equal(2 + 4 + 4 + 1 + 1 + 2);
        const everything = JSON.stringify(ev.resources.map((r) => r.inputs)) + JSON.stringify(ev.outputs);
        for (const c of credentials) expect(everything, "a credential shows in plain inputs or outputs").to.not.include(c);
        // ... but they do reach their Swarm secrets (as secret data) and the provider (as a secret token).
        const unsealSecret = ofType(ev, SECRET).find((s) => (input(s, "labels") as { value: string }[]).some((l) => l.value === "vault_unseal_key"))!;
        expect(unsealSecret.secretInputs).to.include("data");
        expect(Buffer.from(input(unsealSecret, "data"), "base64").toString()).to.equal(initAnswer.keys_base64[0]);
        // The root token reaches only the retirement (as a secret); the provider logs in with the program's AppRole.
        const retire = ev.resources.find((r) => r.type === RETIRE)!;
        expect(retire.secretInputs).to.include("rootToken");
        expect(input(retire, "rootToken")).to.equal(initAnswer.root_token);
        const provider = ev.resources.find((r) => r.type === "pulumi:providers:vault")!;
        expect(provider.secretInputs).to.include("authLogin");
        expect(input(provider, "token")).to.equal(undefined);
        // Provider config reaches the engine as JSON text.
        expect(JSON.parse(input(provider, "authLogin"))).to.deep.equal({
            path: "auth/pulumi/login",
            parameters: { role_id: `mock-pulumi-role-id-${retire.name}`, secret_id: `mock-pulumi-secret-id-${retire.name}` },
        });
        for (const svc of ["auth-service", "user-service", "station-service", "notification-service"]) {
            for (const kind of ["role_id", "secret_id"]) {
                const s = ofType(ev, SECRET).find((x) => (input(x, "labels") as { value: string }[]).some((l) => l.value === `${svc}_vault_${kind}`));
                expect(s, `${svc}_vault_${kind}`).to.not.equal(undefined);
                expect(s!.secretInputs).to.include("data");
                expect(Buffer.from(input(s!, "data"), "base64").toString()).to.match(new RegExp(`^mock-${kind.replace("_", "-")}-`));
            }
        }
        // The members mount the key as a file, never as an environment value.
        for (const s of vaultServices(ev)) {
            expect(input(s, "taskSpec.containerSpec.secrets")[0].fileName).to.equal("/run/secrets/vault_unseal_key");
            expect(JSON.stringify(input(s, "taskSpec.containerSpec.env"))).to.not.include(initAnswer.keys_base64[0]);
        }
    });

    it("gives each microservice a policy on exactly its own KV paths, read-only unless configured to write, valid HCL", () => {
        const policies = ofType(ev, POLICY).filter((p) => (input(p, "name") as string).startsWith("svc-"));
        expect(policies.map((p) => input(p, "name")).sort()).to.deep.equal(["svc-auth-service", "svc-notification-service", "svc-station-service", "svc-user-service"]);
        for (const p of policies) {
            const svc = (input(p, "name") as string).slice(4);
            const parsed = parseHcl(input(p, "policy")) as { path: Record<string, { capabilities: string[] }[]> };
            const rules = Object.entries(parsed.path).map(([path, body]) => ({ path, caps: body[0].capabilities }));
            expect(rules.length).to.be.greaterThan(0);
            for (const r of rules) expect(r.path).to.match(new RegExp(`^secret/(data|metadata)/${svc}(/|$)`));
            const data = rules.filter((r) => r.path.startsWith("secret/data/"));
            if (svc === "notification-service") {
                for (const r of data) expect(r.caps).to.include.members(["create", "read", "update"]);
            } else {
                for (const r of data) expect(r.caps).to.deep.equal(["read"]);
            }
        }
        const auth = parseHcl(input(policies.find((p) => input(p, "name") === "svc-auth-service")!, "policy")) as { path: Record<string, unknown> };
        expect(Object.keys(auth.path).sort()).to.deep.equal(
            ["secret/data/auth-service/auth", "secret/data/auth-service/auth/*", "secret/metadata/auth-service/auth", "secret/metadata/auth-service/auth/*"].sort(),
        );
        const admin = ofType(ev, POLICY).find((p) => input(p, "name") === "iklimco-bootstrap")!;
        expect(() => parseHcl(input(admin, "policy"))).to.not.throw();
    });

    it("the HCL check can fail: a broken policy does not parse", () => {
        expect(() => parseHcl('path "secret/data/x" {\n  capabilities = ["read"\n}\n')).to.throw(/does not parse/);
    });

    it("binds each AppRole role to its policy, the configured TTLs and the overlay subnet", () => {
        // The microservices' roles (the backup's own role is tested with its component).
        const roles = ofType(ev, ROLE).filter((r) => r.urn.includes("iklimco:vault:Access"));
        expect(roles.map((r) => input(r, "roleName")).sort()).to.deep.equal(["auth-service", "notification-service", "station-service", "user-service"]);
        for (const r of roles) {
            expect(input(r, "tokenPolicies")).to.deep.equal([`svc-${input(r, "roleName")}`]);
            // Pulumi.prod.yaml: approleDefaults 1h / 4h / 720h / 0
            expect(input(r, "tokenTtl")).to.equal(3600);
            expect(input(r, "tokenMaxTtl")).to.equal(4 * 3600);
            expect(input(r, "secretIdTtl")).to.equal(720 * 3600);
            expect(input(r, "secretIdNumUses")).to.equal(0);
            expect(input(r, "tokenBoundCidrs")).to.deep.equal(["10.20.0.0/16"]);
            expect(input(r, "secretIdBoundCidrs")).to.deep.equal(["10.20.0.0/16"]);
            expect(input(r, "bindSecretId")).to.equal(true);
        }
        for (const s of ofType(ev, SECRET_ID)) expect(input(s, "cidrLists")).to.deep.equal(["10.20.0.0/16"]);
        const kv = ev.resources.find((r) => r.type === "vault:index/mount:Mount")!;
        expect(input(kv, "options")).to.deep.equal({ version: "2" });
        expect(input(ev.resources.find((r) => r.type === "vault:index/authBackend:AuthBackend")!, "type")).to.equal("approle");
        expect(ev.resources.filter((r) => r.type === "vault:index/audit:Audit")).to.have.length(1);
    });

    it("starts each member after the step-10 placeholder job of its own node (vault-2, vault-3 included)", () => {
        const svcs = vaultServices(ev);
        expect(svcs).to.have.length(3);
        svcs.forEach((member, i) => {
            const n = i + 1;
            const node = (input(member, "taskSpec.placement.constraints") as string[]).find((c) => c.startsWith("node.hostname == "))!.split(" == ")[1];
            const job = ofType(ev, COMMAND).find((c) => c.name.endsWith(`-tls-vault-${n}`))!;
            // The job is the one that writes the certificate on that very node.
            expect(scriptEnv(job).NODE, `tls job of vault-${n}`).to.equal(node);
            expect(comesAfter(ev, member, job), `vault-${n} after the step-10 job on ${node}`).to.equal(true);
            // Directly, not only through the previous member: its own node's certificate is what it reads.
            expect(member.dependencies, `vault-${n}`).to.include(job.urn);
        });
    });

    it("orders: members after init, one member at a time, readiness after the members, Vault as code after readiness; step 16 after step 14", () => {
        const init = ofType(ev, COMMAND).find((c) => c.name === "iklimco-vault-init-command")!;
        const ready = ofType(ev, COMMAND).find((c) => c.name === "iklimco-vault-ready-command")!;
        const tls1 = ofType(ev, COMMAND).find((c) => c.name.endsWith("-tls-vault-1"))!;
        const [v1, v2, v3] = vaultServices(ev);
        const provider = ev.resources.find((r) => r.type === "pulumi:providers:vault")!;
        expect(comesAfter(ev, init, tls1), "init after the step-10 certificate").to.equal(true);
        expect(comesAfter(ev, v1, init), "members after init (they mount its key)").to.equal(true);
        expect(comesAfter(ev, v2, v1) && comesAfter(ev, v3, v2), "one member at a time").to.equal(true);
        expect(comesAfter(ev, ready, v3), "readiness after the members converged").to.equal(true);
        expect(comesAfter(ev, provider, ready) && comesAfter(ev, provider, init), "provider after bootstrap and readiness").to.equal(true);
        const retire = ev.resources.find((r) => r.type === RETIRE)!;
        expect(comesAfter(ev, retire, ready) && comesAfter(ev, retire, init), "the root token is retired after readiness").to.equal(true);
        expect(comesAfter(ev, provider, retire), "the provider logs in with what the retirement made").to.equal(true);
        // Step 14's Vault part (its RabbitMQ part, the init job, is unrelated to Vault).
        const step14 = ev.resources.filter((r) => r.custom && r.steps.includes(14) && r.urn.includes("iklimco:vault:"));
        const step16 = ev.resources.filter((r) => r.custom && r.steps.includes(16) && r.type.startsWith("vault:"));
        expect(step16.length).to.be.greaterThan(10);
        for (const later of step16) for (const earlier of step14) expect(comesAfter(ev, later, earlier), `${later.name} after ${earlier.name}`).to.equal(true);
        // And nothing of the members waits for step 16: no cycle back.
        for (const s of [v1, v2, v3, init]) expect(comesAfter(ev, s, provider)).to.equal(false);
    });

    it("renders each member's server config as JSON with exactly the keys it sets, the same text on every evaluation, and gives the bootstrap vault-1's config", async () => {
        const again = await evaluateStack("prod");
        const texts = vaultServices(ev).map((s) => input(s, "taskSpec.containerSpec.env.VAULT_CONFIG_JSON") as string);
        expect(vaultServices(again).map((s) => input(s, "taskSpec.containerSpec.env.VAULT_CONFIG_JSON"))).to.deep.equal(texts);
        for (const [i, s] of vaultServices(ev).entries()) {
            const conf = serverConfigOf(s);
            // The text is the standard library's rendering of the object, nothing hand-formatted.
            expect(texts[i]).to.equal(`${JSON.stringify(conf, null, 2)}\n`);
            expect(Object.keys(conf)).to.deep.equal(["ui", "disable_mlock", "cluster_name", "api_addr", "cluster_addr", "storage", "listener"]);
            expect(conf).to.include({ ui: true, disable_mlock: true, cluster_name: "iklimco-vault", api_addr: `https://vault-${i + 1}:8200`, cluster_addr: `https://vault-${i + 1}:8201` });
            expect(Object.keys(conf.storage)).to.deep.equal(["raft"]);
            expect(Object.keys(conf.storage.raft)).to.deep.equal(["path", "node_id", "retry_join"]);
            for (const j of conf.storage.raft.retry_join!) expect(j).to.deep.equal({ leader_api_addr: j.leader_api_addr, leader_tls_servername: "vault.iklim.co", leader_ca_cert_file: "/vault/tls/STAR.iklim.co.full.crt" });
            expect(conf.listener.tcp).to.deep.equal({
                address: "0.0.0.0:8200",
                cluster_address: "0.0.0.0:8201",
                tls_cert_file: "/vault/tls/STAR.iklim.co.full.crt",
                tls_key_file: "/vault/tls/STAR.iklim.co_key.pem",
                tls_min_version: "tls12",
            });
        }
        const init = ofType(ev, COMMAND).find((c) => c.name === "iklimco-vault-init-command")!;
        expect(scriptEnv(init).SERVER_CONFIG_JSON, "the transient bootstrap server runs vault-1's config").to.equal(texts[0]);
    });

    it("uses every Docker resource with the explicit provider and every Vault resource with the explicit Vault provider", () => {
        const provider = ev.resources.find((r) => r.type === "pulumi:providers:vault")!;
        for (const r of ev.resources.filter((x) => x.type.startsWith("vault:"))) expect(r.provider, r.name).to.equal(provider.urn);
        const dockerProvider = ev.resources.find((r) => r.type === "pulumi:providers:docker")!;
        const underVault = (r: RecordedResource): boolean => {
            const parent = r.parent ? ev.byUrn.get(r.parent) : undefined;
            return !!parent && (parent.type.startsWith("iklimco:vault:") || underVault(parent));
        };
        const mine = ev.resources.filter((x) => x.type.startsWith("docker:") && underVault(x));
        expect(mine.length).to.be.greaterThan(5);
        for (const r of mine) expect(r.provider, r.name).to.equal(dockerProvider.urn);
    });
});

describe("vault component (offline engine, overrides)", function () {
    this.timeout(60_000);

    it("applies per-service AppRole overrides over the defaults", async () => {
        const base = readStackConfig("prod");
        const services = parseRawValue(base.config["iklimco:microservices"]) as { name: string; approle?: Record<string, unknown> }[];
        services[0].approle = { tokenTtl: "10m", secretIdNumUses: 3 };
        const ev = await evaluateStack("prod", { overrides: { "iklimco:microservices": services } });
        const role = ofType(ev, ROLE).find((r) => input(r, "roleName") === services[0].name)!;
        expect(input(role, "tokenTtl")).to.equal(600);
        expect(input(role, "secretIdNumUses")).to.equal(3);
        expect(input(role, "tokenMaxTtl")).to.equal(4 * 3600);
        const other = ofType(ev, ROLE).find((r) => input(r, "roleName") === services[1].name)!;
        expect(input(other, "tokenTtl")).to.equal(3600);
    });

    it("with iklimco:vaultToken set, the provider uses that token (a secret) and nothing retires the root token", async () => {
        const ev = await evaluateStack("prod", { secrets: { "iklimco:vaultToken": "hvs.operator-token-for-test" } });
        expect(ev.resources.filter((r) => r.type === RETIRE)).to.have.length(0);
        const provider = ev.resources.find((r) => r.type === "pulumi:providers:vault")!;
        expect(provider.secretInputs).to.include("token");
        expect(input(provider, "token")).to.equal("hvs.operator-token-for-test");
        expect(JSON.stringify(ev.resources.map((r) => r.inputs))).to.not.include("hvs.operator-token-for-test");
    });

    it("with the certificate flow wired, the root-token retirement and the Vault provider wait for its verification", async () => {
        const ev = await evaluateStack("prod", { program: path.join(FIXTURES, "vault-tls-gate-program.ts") });
        const gate = named(ev, "fixture-certs-verify");
        const provider = ev.resources.find((r) => r.type === "pulumi:providers:vault")!;
        const retire = ev.resources.find((r) => r.type === RETIRE)!;
        expect(comesAfter(ev, provider, gate)).to.equal(true);
        expect(comesAfter(ev, retire, gate)).to.equal(true);
        for (const s of vaultServices(ev)) expect(comesAfter(ev, s, gate)).to.equal(false);
        expect(ev.reasons.find((r) => r.dependent.endsWith("-retire-root"))!.on).to.have.length(2);
    });

    it("exports microserviceSecrets as the microservice program reads it: each secret's id and versioned name", async () => {
        const ev = await evaluateStack("prod");
        const out = ev.outputs.microserviceSecrets as Record<string, { roleId: { id: string; name: string }; secretId: { id: string; name: string } }>;
        expect(Object.keys(out)).to.deep.equal(["auth-service", "notification-service", "station-service", "user-service"]);
        expect(out["auth-service"].roleId.name).to.match(/^auth-service_vault_role_id_[0-9a-f]{8}$/);
        expect(out["auth-service"].secretId.name).to.match(/^auth-service_vault_secret_id_[0-9a-f]{8}$/);
        const secret = ofType(ev, SECRET).find((s) => input(s, "name") === out["auth-service"].roleId.name)!;
        expect(out["auth-service"].roleId.id).to.equal(`${secret.name}-id`);
    });

    it("a single-node local stack has one member and no retry_join", async () => {
        const ev = await evaluateStack("local");
        const svcs = vaultServices(ev);
        expect(svcs.map((s) => input(s, "name"))).to.deep.equal(["iklimco_vault-1"]);
        expect(serverConfigOf(svcs[0]).storage.raft).to.not.have.property("retry_join");
        expect(named(ev, "iklimco-vault-config-access-provider")).to.not.equal(undefined);
    });
});
