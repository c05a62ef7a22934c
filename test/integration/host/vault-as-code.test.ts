// Vault as code against a real Vault-API server (OpenBao): the program is evaluated under the offline engine,
// the planned inputs of every `@pulumi/vault` resource are applied through the HTTP calls the Vault provider
// makes (test/support/vault-provider-api.ts), with the token the provider would hold (the program's own
// AppRole, made by the root-token retirement, then a 20-minute child token), and the intent is proven by
// calling the server as each microservice would.
//
// The overlay subnet is the only config override: 127.20.0.0/16 stands for it, so a client socket bound to
// 127.20.0.9 is "on the overlay" and one bound to 127.0.0.1 or 127.21.0.9 is not (Vault checks bound CIDRs
// against the client's address). Nothing in the program is weakened.
import { expect } from "chai";
import { evaluateStack, named, ofType } from "../../harness";
import { ApiResponse, OpenBaoServer, openbaoAvailable } from "../../support/openbao";
import { AppliedPlan, applyPlannedVaultResources } from "../../support/vault-provider-api";
import { retireRootToken, RetireRootInputs } from "../../../components/vault/retire-root";
import { readStackConfig } from "../../../tools/offline/stack-config";

const OVERLAY = "127.20.0.0/16";
const INSIDE = "127.20.0.9";
const OUTSIDES = ["127.0.0.1", "127.21.0.9"];

interface Microservice {
    name: string;
    vault: { paths: string[]; write?: boolean };
}

/** One line of the file audit device (JSON per request and per response). */
interface AuditEntry {
    type: "request" | "response";
    error?: string;
    request?: { path?: string; remote_address?: string; operation?: string };
    auth?: { policies?: string[] };
    response?: { data?: { error?: string }; auth?: unknown };
}

describe("Vault as code on a real server (OpenBao): the planned policies, AppRoles, mounts and audit device", function () {
    this.timeout(180_000);
    let server: OpenBaoServer;
    let applied: AppliedPlan;
    let seeder: string;
    /** The provider's token (the program's AppRole, then a child token). */
    let admin: string;
    let microservices: Microservice[];
    const tokens: Record<string, string> = {};
    let kvMount: string;

    before(async function () {
        expect(openbaoAvailable(), "bao is installed by tools/test-all.sh").to.equal(true);
        const overrides = { "iklimco:network": { name: "iklimco-net", subnet: OVERLAY, encrypted: true } };
        const ev = await evaluateStack("prod", { overrides });
        const cfg = readStackConfig("prod", overrides).config;
        microservices = JSON.parse(cfg["iklimco:microservices"]) as Microservice[];
        kvMount = (JSON.parse(cfg["iklimco:vault"]) as { kvMount: string }).kvMount;
        // The override reached the plan: every role is bound to the stand-in overlay.
        const roles = ofType(ev, "vault:appRole/authBackendRole:AuthBackendRole");
        expect(roles.length).to.be.greaterThan(microservices.length - 1);
        for (const r of roles) expect(r.plainInputs.tokenBoundCidrs, r.name).to.deep.equal([OVERLAY]);

        // OpenBao refuses to create an audit device through the API unless its config allows it (HashiCorp
        // Vault always allows it): the one server-config difference this test needs, see docs/vault-openbao.md.
        server = new OpenBaoServer({ nodeId: "vault-as-code", extraConfig: { unsafe_allow_api_audit_creation: true } });
        await server.start();
        const { rootToken } = await server.initAndUnseal();

        // A test-only writer for the seed data (the program itself never writes secrets), made while root exists.
        expect((await server.api("PUT", "/v1/sys/policies/acl/test-seeder", { policy: `path "${kvMount}/data/*" {\n  capabilities = ["create", "update", "read"]\n}\n` }, rootToken)).status).to.equal(204);
        seeder = (await server.api("POST", "/v1/auth/token/create", { policies: ["test-seeder"], no_parent: true, ttl: "1h" }, rootToken)).body.auth.client_token;

        // The program's path: retire the root token for its own AppRole (the planned inputs; only the address is
        // this server's, and TLS is not checked because the test CA is not in Node's trust store).
        const retire = named(ev, "iklimco-vault-config-retire-root").plainInputs as unknown as RetireRootInputs;
        const creds = await retireRootToken({ ...retire, address: server.address, rootToken, skipTlsVerify: true });
        expect((await server.api("GET", "/v1/auth/token/lookup-self", undefined, rootToken)).status, "the root token is revoked").to.equal(403);
        const login = await server.api("POST", `/v1/auth/${retire.loginMount}/login`, { role_id: creds.roleId, secret_id: creds.secretId });
        expect(login.status, login.text).to.equal(200);
        // The provider's own child token (maxLeaseTtlSeconds: 1200).
        const child = await server.api("POST", "/v1/auth/token/create", { ttl: "1200s" }, login.body.auth.client_token);
        expect(child.status, child.text).to.equal(200);
        expect(child.body.auth.policies).to.include("iklimco-bootstrap");

        admin = child.body.auth.client_token;
        applied = await applyPlannedVaultResources(server, admin, ev.resources);

        for (const svc of microservices) {
            for (const p of pathsOf(svc)) {
                for (const at of [p, `${p}/nested`]) {
                    const w = await server.retry(() => server.api("POST", `/v1/${kvMount}/data/${at}`, { data: { value: `seed:${at}` } }, seeder));
                    expect(w.status, w.text).to.equal(200);
                }
            }
            expect((await server.api("POST", `/v1/${kvMount}/data/${svc.name}/not-configured`, { data: { value: "x" } }, seeder)).status).to.equal(200);
        }
    });

    after(async () => {
        await server?.destroy();
    });

    /** The KV paths config gives a service (under its own prefix; the whole prefix when none). */
    function pathsOf(svc: Microservice): string[] {
        return svc.vault.paths.length ? svc.vault.paths.map((p) => `${svc.name}/${p.replace(/\/+$/, "")}`) : [svc.name];
    }

    async function loginFrom(from: string, role: string): Promise<ApiResponse> {
        const r = applied.roles[role];
        return server.api("POST", `/v1/auth/${r.backend}/login`, { role_id: r.roleId, secret_id: r.secretId }, undefined, from);
    }

    it("applies every planned vault:* resource; the server accepts each setting (OpenBao)", async () => {
        // What the server stored is what config says (Pulumi.prod.yaml: 1h / 4h / 720h / 0 uses).
        const tune = await server.api("GET", "/v1/sys/auth/approle/tune", undefined, admin);
        expect(tune.status, tune.text).to.equal(200);
        expect([tune.body.data.default_lease_ttl, tune.body.data.max_lease_ttl]).to.deep.equal([3600, 14400]);
        for (const svc of microservices) {
            const role = await server.api("GET", `/v1/auth/approle/role/${svc.name}`, undefined, admin);
            expect(role.status, role.text).to.equal(200);
            expect(role.body.data).to.deep.include({ token_ttl: 3600, token_max_ttl: 14400, secret_id_ttl: 720 * 3600, secret_id_num_uses: 0, bind_secret_id: true, token_type: "service" });
            expect(role.body.data.token_bound_cidrs).to.deep.equal([OVERLAY]);
            expect(role.body.data.secret_id_bound_cidrs).to.deep.equal([OVERLAY]);
            expect(role.body.data.token_policies).to.deep.equal([`svc-${svc.name}`]);
        }
        expect(Object.keys(applied.roles).sort()).to.deep.equal([...microservices.map((s) => s.name), "vault-backup"].sort());
        for (const [name, r] of Object.entries(applied.roles)) {
            expect(r.roleId, name).to.match(/^[0-9a-f-]{36}$/);
            expect(r.secretId, name).to.match(/^[0-9a-f-]{36}$/);
        }
        expect(applied.calls).to.include.members(["POST /v1/sys/auth/approle", `POST /v1/sys/mounts/${kvMount}`, "PUT /v1/sys/audit/stdout"]);
    });

    it("each microservice's AppRole logs in from the overlay subnet and is refused from elsewhere (OpenBao)", async () => {
        for (const svc of microservices) {
            for (const from of OUTSIDES) {
                const r = await loginFrom(from, svc.name);
                expect(r.status, `${svc.name} from ${from}: ${r.text}`).to.be.oneOf([400, 403]);
                expect(r.body?.auth, `${svc.name} from ${from}`).to.equal(undefined);
            }
            const ok = await loginFrom(INSIDE, svc.name);
            expect(ok.status, `${svc.name} from ${INSIDE}: ${ok.text}`).to.equal(200);
            expect(ok.body.auth.policies).to.include(`svc-${svc.name}`);
            expect(ok.body.auth.lease_duration, "token_ttl 1h from config").to.equal(3600);
            tokens[svc.name] = ok.body.auth.client_token;
            // The token itself is bound too: taken off the overlay, it opens nothing.
            const own = `/v1/${kvMount}/data/${pathsOf(svc)[0]}`;
            for (const from of OUTSIDES) {
                const r = await server.api("GET", own, undefined, tokens[svc.name], from);
                expect(r.status, `${svc.name}'s token used from ${from}`).to.equal(403);
            }
        }
    });

    it("each service reads its own KV paths, writes only where config says write, and is denied other services' paths and everything else (OpenBao)", async () => {
        for (const svc of microservices) {
            const token = tokens[svc.name];
            expect(token, `${svc.name} logged in`).to.be.a("string");
            const get = (p: string) => server.api("GET", p, undefined, token, INSIDE);
            for (const p of pathsOf(svc)) {
                for (const at of [p, `${p}/nested`]) {
                    const r = await get(`/v1/${kvMount}/data/${at}`);
                    expect(r.status, `${svc.name} reads ${at}: ${r.text}`).to.equal(200);
                    expect(r.body.data.data.value).to.equal(`seed:${at}`);
                }
                expect((await server.api("LIST", `/v1/${kvMount}/metadata/${p}`, undefined, token, INSIDE)).status, `${svc.name} lists ${p}`).to.be.oneOf([200, 404]);
                const w = await server.api("POST", `/v1/${kvMount}/data/${p}/written`, { data: { value: "w" } }, token, INSIDE);
                if (svc.vault.write) {
                    expect(w.status, `${svc.name} (write: true) writes ${p}: ${w.text}`).to.equal(200);
                    expect((await get(`/v1/${kvMount}/data/${p}/written`)).body.data.data.value).to.equal("w");
                    expect((await server.api("DELETE", `/v1/${kvMount}/data/${p}/written`, undefined, token, INSIDE)).status).to.equal(204);
                } else {
                    expect(w.status, `${svc.name} (read-only) writes ${p}`).to.equal(403);
                }
            }
            if (svc.vault.paths.length) {
                expect((await get(`/v1/${kvMount}/data/${svc.name}/not-configured`)).status, `${svc.name}: a path under its prefix that config does not list`).to.equal(403);
            }
            for (const other of microservices.filter((o) => o.name !== svc.name)) {
                for (const p of pathsOf(other)) {
                    expect((await get(`/v1/${kvMount}/data/${p}`)).status, `${svc.name} reads ${other.name}'s ${p}`).to.equal(403);
                    expect((await server.api("POST", `/v1/${kvMount}/data/${p}`, { data: { value: "x" } }, token, INSIDE)).status, `${svc.name} writes ${other.name}'s ${p}`).to.equal(403);
                }
            }
            for (const [method, p] of [
                ["GET", "/v1/sys/mounts"],
                ["LIST", "/v1/sys/policies/acl"],
                ["GET", `/v1/sys/policies/acl/svc-${svc.name}`],
                ["LIST", "/v1/auth/approle/role"],
                ["GET", `/v1/auth/approle/role/${svc.name}/role-id`],
                ["POST", `/v1/auth/approle/role/${svc.name}/secret-id`],
                ["LIST", `/v1/${kvMount}/metadata`],
                ["GET", "/v1/sys/storage/raft/snapshot"],
                ["GET", "/v1/sys/audit"],
                ["POST", "/v1/auth/token/create"],
            ]) {
                const r = await server.api(method, p, method === "POST" ? {} : undefined, token, INSIDE);
                expect(r.status, `${svc.name}: ${method} ${p}`).to.equal(403);
            }
        }
    });

    it("the backup's AppRole reads a Raft snapshot from the overlay and nothing else (OpenBao)", async () => {
        for (const from of OUTSIDES) expect((await loginFrom(from, "vault-backup")).status, `vault-backup from ${from}`).to.be.oneOf([400, 403]);
        const login = await loginFrom(INSIDE, "vault-backup");
        expect(login.status, login.text).to.equal(200);
        const token = login.body.auth.client_token;
        const snap = await server.api("GET", "/v1/sys/storage/raft/snapshot", undefined, token, INSIDE);
        expect(snap.status).to.equal(200);
        expect(snap.text.length, "a snapshot has content").to.be.greaterThan(100);
        expect((await server.api("GET", `/v1/${kvMount}/data/${pathsOf(microservices[0])[0]}`, undefined, token, INSIDE)).status).to.equal(403);
        expect((await server.api("POST", "/v1/sys/storage/raft/snapshot", {}, token, INSIDE)).status, "no restore").to.equal(403);
    });

    it("the planned audit device records those requests: logins with the client's address, reads, and denials (OpenBao)", async () => {
        const entries: AuditEntry[] = server
            .output()
            .split("\n")
            .filter((l) => l.startsWith("{"))
            .map((l) => {
                try {
                    return JSON.parse(l) as AuditEntry;
                } catch {
                    return undefined;
                }
            })
            .filter((e): e is AuditEntry => !!e && (e.type === "request" || e.type === "response"));
        expect(entries.length, "the audit device wrote to the server's stdout").to.be.greaterThan(50);
        for (const svc of microservices) {
            const own = `${kvMount}/data/${pathsOf(svc)[0]}`;
            const logins = entries.filter((e) => e.type === "response" && e.request?.path === "auth/approle/login" && e.auth?.policies?.includes(`svc-${svc.name}`));
            expect(logins.map((e) => e.request?.remote_address), `${svc.name}'s login audited with its address`).to.include(INSIDE);
            expect(entries.some((e) => e.type === "response" && e.request?.path === own && !e.error && e.auth?.policies?.includes(`svc-${svc.name}`)), `${svc.name}'s read of ${own} audited`).to.equal(true);
            const other = microservices.find((o) => o.name !== svc.name)!;
            const denied = entries.filter((e) => e.request?.path === `${kvMount}/data/${pathsOf(other)[0]}` && /permission denied/.test(e.error ?? "") && e.auth?.policies?.includes(`svc-${svc.name}`));
            expect(denied.length, `${svc.name}'s denied read of ${other.name}'s path audited`).to.be.greaterThan(0);
        }
        // A refused login is a response with an error in its (HMAC'd) data and no token; one per outside
        // address per role (the four services and the backup).
        const refused = entries.filter((e) => e.type === "response" && e.request?.path === "auth/approle/login" && e.response?.data?.error && !e.response?.auth);
        for (const from of OUTSIDES) {
            expect(refused.filter((e) => e.request?.remote_address === from).length, `logins from ${from} audited as refused`).to.equal(microservices.length + 1);
        }
        expect(refused.filter((e) => e.request?.remote_address === INSIDE), "no login from the overlay refused").to.deep.equal([]);
    });
});
