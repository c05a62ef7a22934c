// Bootstrap scripts run for real (busybox sh + wget, as in the Vault image) against a contract fake of Vault's
// HTTP API on loopback: initialisation happens once, a second run neither re-initialises nor rotates, and the
// readiness gate waits for every member to be unsealed. Also the program's reading of the init answer.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { initCredentials } from "../../components/vault/bootstrap";
import { adminPolicyHcl } from "../../components/vault/hcl";
import { retireRootToken } from "../../components/vault/retire-root";
import { BUSYBOX, busyboxPath } from "../support/busybox-env";
import { FakeVault, freePort } from "../support/fake-vault";
import { ProcessRun, runProcess } from "../support/process";

const DIR = path.join(__dirname, "..", "..", "components", "vault");

function runScript(script: string, env: Record<string, string>, bin: string): Promise<ProcessRun> {
    return runProcess(BUSYBOX, ["sh", path.join(DIR, script)], { env: { PATH: bin, HTTP_TIMEOUT: "3", ...env }, timeoutMs: 30_000 });
}

describe("vault bootstrap (real scripts, contract fake of Vault's HTTP API)", function () {
    this.timeout(60_000);
    let bin: string;
    const fakes: FakeVault[] = [];
    before(() => (bin = busyboxPath()));
    after(() => fs.rmSync(bin, { recursive: true, force: true }));
    afterEach(async () => {
        while (fakes.length) await fakes.pop()!.close();
    });
    const fake = (state: ConstructorParameters<typeof FakeVault>[0]) => {
        const f = new FakeVault(state);
        fakes.push(f);
        return f;
    };

    it("initialises an uninitialised Vault once, with one key share, and hands key and token over on stdout only", async () => {
        const f = fake({ initialized: false, sealed: true });
        const port = await f.listen();
        const r = await runScript("vault-init.sh", { VAULT_ADDR: `http://127.0.0.1:${port}` }, bin);
        expect(r.code, r.stderr).to.equal(0);
        expect(f.initCount).to.equal(1);
        expect(JSON.parse(f.requests.find((q) => q.method !== "GET" && q.path === "/v1/sys/init")!.body)).to.deep.equal({ secret_shares: 1, secret_threshold: 1 });
        const creds = initCredentials(r.stdout, {});
        expect(creds.unsealKey).to.equal(f.state.unsealKey);
        expect(creds.rootToken).to.equal(f.state.rootToken);
        expect(creds.initialisedNow).to.equal(true);
        expect(r.stderr).to.not.include(f.state.unsealKey!).and.to.not.include(f.state.rootToken!);
    });

    it("is idempotent: a second run neither re-initialises nor rotates the key", async () => {
        const f = fake({ initialized: false, sealed: true });
        const port = await f.listen();
        const first = await runScript("vault-init.sh", { VAULT_ADDR: `http://127.0.0.1:${port}` }, bin);
        expect(first.code).to.equal(0);
        const keyAfterFirst = f.state.unsealKey;
        const tokenAfterFirst = f.state.rootToken;
        const second = await runScript("vault-init.sh", { VAULT_ADDR: `http://127.0.0.1:${port}` }, bin);
        expect(second.code, second.stderr).to.equal(0);
        expect(JSON.parse(second.stdout)).to.deep.equal({ initialized: true });
        expect(second.stderr).to.include("already initialised");
        expect(f.initCount, "initialised exactly once").to.equal(1);
        expect(f.count("PUT", "/v1/sys/init") + f.count("POST", "/v1/sys/init")).to.equal(1);
        expect(f.state.unsealKey).to.equal(keyAfterFirst);
        expect(f.state.rootToken).to.equal(tokenAfterFirst);
        // The program keeps the key it recorded the first time; the second answer carries none and changes nothing.
        expect(() => initCredentials(second.stdout, {})).to.throw(/already initialised.*vaultUnsealKey/s);
        const adopted = initCredentials(second.stdout, { unsealKey: "adopted-key", token: "adopted-token" });
        expect(adopted).to.deep.equal({ unsealKey: "adopted-key", rootToken: "adopted-token", initialisedNow: false });
    });

    it("waits for a Vault that is slow to start, and gives up after its bound with a clear error", async () => {
        const port = await freePort();
        const pending = runScript("vault-init.sh", { VAULT_ADDR: `http://127.0.0.1:${port}`, WAIT_SECONDS: "20" }, bin);
        await new Promise((r) => setTimeout(r, 2500));
        const f = fake({ initialized: false, sealed: true });
        await f.listen(port);
        const r = await pending;
        expect(r.code, r.stderr).to.equal(0);
        expect(f.initCount).to.equal(1);

        const nobody = await freePort();
        const t = await runScript("vault-init.sh", { VAULT_ADDR: `http://127.0.0.1:${nobody}`, WAIT_SECONDS: "2" }, bin);
        expect(t.code).to.equal(1);
        expect(t.stderr).to.match(/timed out after 2s waiting for http:\/\/127\.0\.0\.1:\d+\/v1\/sys\/init/);
        expect(t.stdout).to.equal("");
    });

    it("the readiness gate waits until every member is unsealed, and times out naming the member", async () => {
        const a = fake({ initialized: true, sealed: false, unsealKey: "k" });
        const b = fake({ initialized: true, sealed: true, unsealKey: "k" });
        const members = `http://127.0.0.1:${await a.listen()} http://127.0.0.1:${await b.listen()}`;
        const pending = runScript("vault-ready.sh", { MEMBERS: members, WAIT_SECONDS: "20" }, bin);
        await new Promise((r) => setTimeout(r, 2500));
        expect(b.count("GET", "/v1/sys/health")).to.be.greaterThan(0);
        b.state.sealed = false;
        const r = await pending;
        expect(r.code, r.stderr).to.equal(0);
        expect(r.stderr).to.include("every member is ready");

        b.state.sealed = true;
        const t = await runScript("vault-ready.sh", { MEMBERS: members, WAIT_SECONDS: "3" }, bin);
        expect(t.code).to.equal(1);
        expect(t.stderr).to.include(`waiting for ${members.split(" ")[1]} to be initialised and unsealed`);
    });

    describe("root token retirement (contract fake)", () => {
        const inputs = (port: number, rootToken: string) => ({
            address: `http://127.0.0.1:${port}`,
            rootToken,
            skipTlsVerify: false,
            policyName: "iklimco-bootstrap",
            policyHcl: adminPolicyHcl("secret", "approle"),
            loginMount: "pulumi",
            loginRole: "pulumi",
            role: { token_policies: ["iklimco-bootstrap"], token_ttl: "20m", token_max_ttl: "20m" },
        });
        const login = async (port: number, roleId: string, secretId: string) => {
            const r = await fetch(`http://127.0.0.1:${port}/v1/auth/pulumi/login`, { method: "POST", body: JSON.stringify({ role_id: roleId, secret_id: secretId }) });
            return r.status;
        };

        it("writes the program's policy and AppRole, proves the login, then revokes the root token", async () => {
            const f = fake({ initialized: true, sealed: false, unsealKey: "k", rootToken: "hvs.root-for-test" });
            const port = await f.listen();
            const creds = await retireRootToken(inputs(port, "hvs.root-for-test"));
            expect(f.policies.get("iklimco-bootstrap")).to.include('path "sys/policies/acl/*"');
            expect(f.authMounts.get("pulumi")).to.equal("approle");
            expect(f.roles.get("pulumi/pulumi")!.body.token_policies).to.deep.equal(["iklimco-bootstrap"]);
            expect(f.tokens.has("hvs.root-for-test"), "the root token is revoked").to.equal(false);
            expect(await login(port, creds.roleId, creds.secretId)).to.equal(200);
            // The login that proved the credentials came before the revocation.
            const order = f.requests.map((r) => r.path);
            expect(order.indexOf("/v1/auth/pulumi/login")).to.be.lessThan(order.indexOf("/v1/auth/token/revoke-self"));
        });

        it("a second run changes nothing and says how to go on", async () => {
            const f = fake({ initialized: true, sealed: false, unsealKey: "k", rootToken: "hvs.root-for-test" });
            const port = await f.listen();
            await retireRootToken(inputs(port, "hvs.root-for-test"));
            const writes = f.requests.filter((r) => r.method !== "GET").length;
            let error: Error | undefined;
            await retireRootToken(inputs(port, "hvs.root-for-test")).catch((e: Error) => (error = e));
            expect(error?.message).to.match(/already retired.*iklimco:vaultToken/s);
            expect(f.requests.filter((r) => r.method !== "GET").length, "no write on the second run").to.equal(writes);
        });

        it("keeps the root token when the new credentials do not log in", async () => {
            const f = fake({ initialized: true, sealed: false, unsealKey: "k", rootToken: "hvs.root-for-test" });
            f.breakLogin = true;
            const port = await f.listen();
            let error: Error | undefined;
            await retireRootToken(inputs(port, "hvs.root-for-test")).catch((e: Error) => (error = e));
            expect(error?.message).to.include("the root token is kept");
            expect(f.tokens.has("hvs.root-for-test")).to.equal(true);
            expect(f.count("POST", "/v1/auth/token/revoke-self")).to.equal(0);
        });
    });
});
