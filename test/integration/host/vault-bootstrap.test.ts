// Bootstrap scripts run for real (busybox sh + wget, as in the Vault image) against a real Vault-API server
// (OpenBao over TLS with Raft storage, test/support/openbao.ts): initialisation happens once with one key share,
// the answer's key really unseals the server, a second run neither re-initialises nor rotates, and the readiness
// gate waits for every member of a two-member Raft cluster. Also the program's reading of the init answer, and
// the root token's retirement (the program's own AppRole proven by a real login, then the root token revoked).
// The init answer's durability through the Swarm (the escrow) is in test/vault-init-escrow.test.ts.
import { expect } from "chai";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { initCredentials } from "../../../components/vault/bootstrap";
import { adminPolicyHcl } from "../../../components/vault/policies";
import { retireRootToken } from "../../../components/vault/retire-root";
import { BUSYBOX, busyboxPath } from "../../support/busybox-env";
import { BUSYBOX_WGET_TLS, OpenBaoServer, openbaoAvailable } from "../../support/openbao";
import { freePort } from "../../support/ports";

const DIR = path.join(__dirname, "..", "..", "..", "components", "vault");

function runScript(script: string, env: Record<string, string>, bin: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        const child = spawn(BUSYBOX, ["sh", path.join(DIR, script)], {
            // As vault-bootstrap.sh runs them: the placeholder certificate is not checked (busybox's TLS cannot anyway).
            env: { PATH: bin, HTTP_TIMEOUT: "5", WGET_TLS_OPTS: "--no-check-certificate", ...env },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
        child.on("exit", (code) => {
            clearTimeout(timer);
            resolve({ code, stdout, stderr });
        });
    });
}

describe("vault bootstrap: real scripts against a real server (OpenBao)", function () {
    this.timeout(120_000);
    let bin: string;
    const servers: OpenBaoServer[] = [];
    before(() => {
        expect(openbaoAvailable(), "bao is installed by tools/test-all.sh").to.equal(true);
        bin = busyboxPath();
    });
    after(() => fs.rmSync(bin, { recursive: true, force: true }));
    afterEach(async () => {
        while (servers.length) await servers.pop()!.destroy();
    });
    const server = async (opts: ConstructorParameters<typeof OpenBaoServer>[0] = {}) => {
        const s = new OpenBaoServer({ env: BUSYBOX_WGET_TLS, ...opts });
        servers.push(s);
        await s.start();
        return s;
    };

    it("initialises an uninitialised Vault once, with one key share, and hands over a key that unseals it and a root token, on stdout only (OpenBao)", async () => {
        const s = await server();
        const r = await runScript("vault-init.sh", { VAULT_ADDR: s.address }, bin);
        expect(r.code, r.stderr).to.equal(0);
        const creds = initCredentials(r.stdout, {});
        expect(creds.initialisedNow).to.equal(true);
        const status = await s.api("GET", "/v1/sys/seal-status");
        expect(status.body).to.include({ initialized: true, sealed: true, t: 1, n: 1 });
        await s.unseal(creds.unsealKey);
        await s.waitHealthy(30_000, true);
        const self = await s.api("GET", "/v1/auth/token/lookup-self", undefined, creds.rootToken);
        expect(self.status, self.text).to.equal(200);
        expect(self.body.data.policies).to.deep.equal(["root"]);
        expect(r.stderr).to.not.include(creds.unsealKey).and.to.not.include(creds.rootToken);
    });

    it("is idempotent: a second run neither re-initialises nor rotates the key (OpenBao)", async () => {
        const s = await server();
        const first = await runScript("vault-init.sh", { VAULT_ADDR: s.address }, bin);
        expect(first.code, first.stderr).to.equal(0);
        const creds = initCredentials(first.stdout, {});
        const second = await runScript("vault-init.sh", { VAULT_ADDR: s.address }, bin);
        expect(second.code, second.stderr).to.equal(0);
        expect(JSON.parse(second.stdout)).to.deep.equal({ initialized: true });
        expect(second.stderr).to.include("already initialised");
        // Same keyring: the first answer's key still unseals, its root token still works.
        await s.unseal(creds.unsealKey);
        await s.waitHealthy(30_000, true);
        expect((await s.api("GET", "/v1/auth/token/lookup-self", undefined, creds.rootToken)).status).to.equal(200);
        // The program keeps the key it recorded the first time; the second answer carries none and changes nothing.
        expect(() => initCredentials(second.stdout, {})).to.throw(/already initialised.*vaultUnsealKey/s);
        const adopted = initCredentials(second.stdout, { unsealKey: "adopted-key", token: "adopted-token" });
        expect(adopted).to.deep.equal({ unsealKey: "adopted-key", rootToken: "adopted-token", initialisedNow: false });
    });

    it("a client-side timeout on the init request is a failure, never 'initialised by someone else' (the key would be lost) (OpenBao)", async () => {
        // INIT_TIMEOUT=1: the real server needs longer than that to initialise (6-9 s here), so the answer is dropped;
        // the script then waits for the initialisation it started to settle before it judges.
        const s = await server();
        const r = await runScript("vault-init.sh", { VAULT_ADDR: s.address, INIT_TIMEOUT: "1" }, bin);
        expect(r.code).to.equal(1);
        expect(r.stdout).to.equal("");
        expect(r.stderr).to.match(/FAILED: .* is initialised, but the initialisation request returned no answer/);
        expect((await s.api("GET", "/v1/sys/init")).body.initialized).to.equal(true);
    });

    it("refuses to initialise when the caller holds an escrowed answer (ALLOW_INIT=no), and initialises nothing (OpenBao)", async () => {
        const s = await server();
        const r = await runScript("vault-init.sh", { VAULT_ADDR: s.address, ALLOW_INIT: "no" }, bin);
        expect(r.code).to.equal(3);
        expect(r.stdout).to.equal("");
        expect(r.stderr).to.include("is NOT initialised, but an answer of an earlier initialisation is escrowed");
        expect((await s.api("GET", "/v1/sys/init")).body.initialized).to.equal(false);
    });

    it("waits for a Vault that is slow to start, and gives up after its bound with a clear error (OpenBao)", async () => {
        const port = await freePort();
        const pending = runScript("vault-init.sh", { VAULT_ADDR: `https://127.0.0.1:${port}`, WAIT_SECONDS: "40" }, bin);
        await new Promise((r) => setTimeout(r, 2500));
        const s = await server({ apiPort: port });
        const r = await pending;
        expect(r.code, r.stderr).to.equal(0);
        expect(initCredentials(r.stdout, {}).initialisedNow).to.equal(true);
        expect((await s.api("GET", "/v1/sys/init")).body.initialized).to.equal(true);

        const nobody = await freePort();
        const t = await runScript("vault-init.sh", { VAULT_ADDR: `https://127.0.0.1:${nobody}`, WAIT_SECONDS: "2" }, bin);
        expect(t.code).to.equal(1);
        expect(t.stderr).to.match(/timed out after 2s waiting for https:\/\/127\.0\.0\.1:\d+\/v1\/sys\/init/);
        expect(t.stdout).to.equal("");
    });

    it("the readiness gate waits until every Raft member is unsealed, and times out naming the member (OpenBao)", async () => {
        const a = await server({ nodeId: "vault-1" });
        const { unsealKey } = await a.initAndUnseal();
        const b = await server({ nodeId: "vault-2", ca: a.ca, retryJoin: [a.address] });
        const members = `${a.address} ${b.address}`;
        const pending = runScript("vault-ready.sh", { MEMBERS: members, WAIT_SECONDS: "60" }, bin);
        await new Promise((r) => setTimeout(r, 3000));
        expect((await b.api("GET", "/v1/sys/seal-status")).body.sealed, "vault-2 is still sealed while the gate waits").to.equal(true);
        await b.unseal(unsealKey);
        const r = await pending;
        expect(r.code, r.stderr).to.equal(0);
        expect(r.stderr).to.include("every member is ready");

        await b.stop();
        await b.start(); // back sealed, as after a restart
        const t = await runScript("vault-ready.sh", { MEMBERS: members, WAIT_SECONDS: "3" }, bin);
        expect(t.code).to.equal(1);
        expect(t.stderr).to.include(`waiting for ${b.address} to be initialised and unsealed`);
    });

    describe("root token retirement (OpenBao)", () => {
        const inputs = (address: string, rootToken: string, role: Record<string, unknown> = {}) => ({
            address,
            rootToken,
            // The test CA is not in Node's store and retireRootToken takes no CA (production checks the public certificate).
            skipTlsVerify: true,
            policyName: "iklimco-bootstrap",
            policyHcl: adminPolicyHcl("secret", "approle"),
            loginMount: "pulumi",
            loginRole: "pulumi",
            role: { token_policies: ["iklimco-bootstrap"], token_ttl: "20m", token_max_ttl: "20m", token_type: "service", secret_id_ttl: "0", secret_id_num_uses: 0, ...role },
        });

        it("writes the program's policy and AppRole, proves a real login, then revokes the root token (OpenBao)", async () => {
            const s = await server();
            const { rootToken } = await s.initAndUnseal();
            const creds = await retireRootToken(inputs(s.address, rootToken));
            expect((await s.api("GET", "/v1/auth/token/lookup-self", undefined, rootToken)).status, "the root token is revoked").to.equal(403);
            const login = await s.api("POST", "/v1/auth/pulumi/login", { role_id: creds.roleId, secret_id: creds.secretId });
            expect(login.status, login.text).to.equal(200);
            expect(login.body.auth.policies).to.include("iklimco-bootstrap");
            expect(login.body.auth.lease_duration).to.equal(1200);
            const token = login.body.auth.client_token as string;
            // The policy the server stored is the program's, and it lets the program do its job: write a policy, read mounts.
            const policy = await s.api("GET", "/v1/sys/policies/acl/iklimco-bootstrap", undefined, token);
            expect(policy.status, policy.text).to.equal(200);
            expect(policy.body.data.policy).to.equal(adminPolicyHcl("secret", "approle"));
            expect((await s.api("PUT", "/v1/sys/policies/acl/probe", { policy: 'path "secret/data/x" { capabilities = ["read"] }' }, token)).status).to.equal(204);
            expect((await s.api("GET", "/v1/sys/auth", undefined, token)).status).to.equal(200);
            // ...and no more than its job: no root token minting (OpenBao answers 400 "child policies must be subset").
            const mint = await s.api("POST", "/v1/auth/token/create", { policies: ["root"] }, token);
            expect(mint.status, mint.text).to.be.oneOf([400, 403]);
            expect(mint.body.auth, "no token was made").to.equal(undefined);
        });

        it("a second run changes nothing and says how to go on (OpenBao)", async () => {
            const s = await server();
            const { rootToken } = await s.initAndUnseal();
            const creds = await retireRootToken(inputs(s.address, rootToken));
            let error: Error | undefined;
            await retireRootToken(inputs(s.address, rootToken)).catch((e: Error) => (error = e));
            expect(error?.message).to.match(/already retired.*iklimco:vaultToken/s);
            const login = await s.api("POST", "/v1/auth/pulumi/login", { role_id: creds.roleId, secret_id: creds.secretId });
            expect(login.status, "the first run's credentials still work").to.equal(200);
        });

        it("keeps the root token when the new credentials do not log in (a role bound to another network) (OpenBao)", async () => {
            const s = await server();
            const { rootToken } = await s.initAndUnseal();
            let error: Error | undefined;
            await retireRootToken(inputs(s.address, rootToken, { secret_id_bound_cidrs: ["10.250.0.0/16"] })).catch((e: Error) => (error = e));
            expect(error?.message).to.include("the root token is kept");
            expect((await s.api("GET", "/v1/auth/token/lookup-self", undefined, rootToken)).status).to.equal(200);
        });
    });
});
