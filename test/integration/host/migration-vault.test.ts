// The Vault phase of the migration (docs/migration.md, "2. vault") against real OpenBao servers on loopback:
// a legacy single-service Vault holding KV secrets and AppRoles (the operators' layout: one key share), its Raft
// snapshot force-restored into a fresh three-member cluster (the program's vault-1..3), which then unseals only
// with the operators' key. A loop reads a secret throughout and reports the longest gap (the downtime).
import { expect } from "chai";
import { OpenBaoServer, openbaoAvailable } from "../../support/openbao";
import { HttpsVault, VaultEndpoint, approleLogin, checkSource, compareKv, inventory, sealStatus, seedFromSnapshot, takeSnapshot, unseal, waitActive } from "../../../tools/migration/vault";

function endpoint(s: OpenBaoServer): VaultEndpoint {
    return new HttpsVault(s.address, s.ca.caCert, "localhost");
}

/** Reads `path` every 50 ms from whatever `current()` names; records the longest run of failures. */
class ReadLoop {
    private stopped = false;
    private gapStart?: number;
    longestGapMs = 0;
    reads = 0;
    failures = 0;
    private done: Promise<void>;
    constructor(current: () => VaultEndpoint | undefined, path: string, token: string) {
        this.done = (async () => {
            while (!this.stopped) {
                const v = current();
                let ok = false;
                try {
                    ok = v !== undefined && (await v.request("GET", path, { token, timeoutMs: 2000 })).status === 200;
                } catch {
                    ok = false;
                }
                this.reads++;
                const now = Date.now();
                if (ok && this.gapStart !== undefined) {
                    this.longestGapMs = Math.max(this.longestGapMs, now - this.gapStart);
                    this.gapStart = undefined;
                } else if (!ok) {
                    this.failures++;
                    this.gapStart ??= now;
                }
                await new Promise((r) => setTimeout(r, 50));
            }
        })();
    }
    async stop(): Promise<void> {
        this.stopped = true;
        await this.done;
    }
}

describe("migration from the running platform: Vault by Raft snapshot restore (real OpenBao)", function () {
    this.timeout(240_000);
    const servers: OpenBaoServer[] = [];
    after(async () => {
        for (const s of servers) await s.destroy();
    });

    it("migration from the running platform: every KV secret and AppRole survives, old AppRole ids log in, the operators' unseal key opens the new cluster, and the old Vault rolls back untouched", async () => {
        expect(openbaoAvailable(), "bao is installed by tools/test-all.sh").to.equal(true);

        // --- the legacy `iklimco_vault` as the operators run it: KV v2 at secret/, AppRoles per service.
        const legacy = new OpenBaoServer({ nodeId: "iklimco_vault" });
        servers.push(legacy);
        await legacy.start();
        const { unsealKey: operatorsKey, rootToken: operatorsToken } = await legacy.initAndUnseal();
        const L = endpoint(legacy);
        const ok = async (p: Promise<{ status: number; raw: Buffer }>) => {
            const a = await p;
            expect(a.status, a.raw.toString()).to.be.oneOf([200, 204]);
            return a;
        };
        await ok(L.request("POST", "/v1/sys/mounts/secret", { token: operatorsToken, body: { type: "kv", options: { version: "2" } } }));
        const secrets: Record<string, Record<string, string>> = {
            "iklimco/auth/db": { password: "auth-db-pw" },
            "iklimco/payment/api": { key: "pay-key", region: "tr" },
            "iklimco/shared/smtp": { user: "mailer", password: "smtp-pw" },
        };
        for (const [p, data] of Object.entries(secrets)) {
            await legacy.retry(async () => {
                const a = await L.request("POST", `/v1/secret/data/${p}`, { token: operatorsToken, body: { data } });
                return { status: a.status, body: undefined, text: a.raw.toString() };
            });
        }
        await ok(L.request("POST", "/v1/sys/auth/approle", { token: operatorsToken, body: { type: "approle" } }));
        const creds: Record<string, { roleId: string; secretId: string }> = {};
        for (const svc of ["auth", "payment"]) {
            await ok(L.request("PUT", `/v1/sys/policies/acl/${svc}`, { token: operatorsToken, body: { policy: `path "secret/data/iklimco/${svc}/*" { capabilities = ["read"] }` } }));
            await ok(L.request("POST", `/v1/auth/approle/role/${svc}`, { token: operatorsToken, body: { token_policies: [svc] } }));
            const roleId = (await ok(L.request("GET", `/v1/auth/approle/role/${svc}/role-id`, { token: operatorsToken }))).raw;
            const secretId = (await ok(L.request("POST", `/v1/auth/approle/role/${svc}/secret-id`, { token: operatorsToken }))).raw;
            creds[svc] = { roleId: JSON.parse(roleId.toString()).data.role_id, secretId: JSON.parse(secretId.toString()).data.secret_id };
        }

        // --- the program's cluster: three fresh members, vault-1 first.
        const v1 = new OpenBaoServer({ nodeId: "vault-1", ca: legacy.ca });
        servers.push(v1);
        await v1.start();
        const T1 = endpoint(v1);

        // Preconditions of the phase hold; a wrong token is refused with the config key to fix.
        expect(await checkSource(L, operatorsToken)).to.deep.equal([]);
        const refused = await checkSource(L, "not-a-token");
        expect(refused.join("\n")).to.contain("iklimco:vaultToken");

        let current: VaultEndpoint | undefined = L;
        const loop = new ReadLoop(() => current, "/v1/secret/data/iklimco/auth/db", operatorsToken);
        await new Promise((r) => setTimeout(r, 300));

        const inv = await inventory(L, operatorsToken);
        expect(inv.kv.secret).to.deep.equal(Object.keys(secrets).sort());
        expect(inv.approles.approle).to.deep.equal(["auth", "payment"]);
        const snapshot = await takeSnapshot(L, operatorsToken);

        // A wrong key is caught on a throw-away member before anything depends on it.
        const probe = new OpenBaoServer({ nodeId: "probe", ca: legacy.ca });
        servers.push(probe);
        await probe.start();
        let wrongKey = "";
        try {
            await seedFromSnapshot(endpoint(probe), snapshot, Buffer.alloc(32, 7).toString("base64"), operatorsToken);
        } catch (e) {
            wrongKey = String(e);
        }
        expect(wrongKey).to.contain("iklimco:vaultUnsealKey must be the legacy Vault's own key");
        await probe.stop();
        // Cut-over: the legacy service is scaled to 0 (it publishes the same port), vault-1 is seeded.
        const cutStart = Date.now();
        await legacy.stop();
        current = undefined;
        const stopMs = Date.now() - cutStart;
        const seedStart = Date.now();
        await seedFromSnapshot(T1, snapshot, operatorsKey, operatorsToken);
        const seedMs = Date.now() - seedStart;
        // The members restart with the operators' key mounted (vault_unseal_key): prove only that key opens it.
        await v1.stop();
        await v1.start();
        expect((await sealStatus(T1)).sealed).to.equal(true);
        await unseal(T1, operatorsKey);
        await waitActive(T1);
        current = T1;
        const cutoverMs = Date.now() - cutStart;

        // vault-2 and vault-3 join through retry_join and unseal with the same key.
        for (const n of [2, 3]) {
            const m = new OpenBaoServer({ nodeId: `vault-${n}`, ca: legacy.ca, retryJoin: [v1.address] });
            servers.push(m);
            await m.start();
            // Until its retry_join reached vault-1 the member answers "not initialized"; then the key opens it.
            const deadline = Date.now() + 60_000;
            for (;;) {
                try {
                    await m.unseal(operatorsKey, 60_000);
                    break;
                } catch (e) {
                    if (!/not initialized/.test(String(e)) || Date.now() > deadline) throw e;
                    await new Promise((r) => setTimeout(r, 500));
                }
            }
            await m.waitHealthy(60_000);
        }
        await new Promise((r) => setTimeout(r, 500));
        await loop.stop();

        const peers = (await T1.request("GET", "/v1/sys/storage/raft/configuration", { token: operatorsToken })).json();
        expect(peers.data.config.servers.map((s: { node_id: string }) => s.node_id).sort()).to.deep.equal(["vault-1", "vault-2", "vault-3"]);

        // Nothing lost: every KV path and every AppRole, and the old credentials log in on every member.
        await legacy.start();
        await unseal(L, operatorsKey);
        await waitActive(L);
        expect(await compareKv(L, operatorsToken, T1, operatorsToken, inv)).to.deep.equal([]);
        expect(await inventory(T1, operatorsToken)).to.deep.equal(inv);
        for (const m of servers.filter((x) => /^vault-\d$/.test(x.nodeId))) {
            for (const [svc, c] of Object.entries(creds)) {
                expect(await approleLogin(endpoint(m), "approle", c.roleId, c.secretId), `${svc} on ${m.nodeId}`).to.equal(true);
            }
        }
        expect(await approleLogin(T1, "approle", creds.auth.roleId, "not-the-secret-id")).to.equal(false);

        // Rollback: the legacy Vault, started again on its own data with its own key, is untouched by what the
        // new cluster does (a write there does not reach it).
        await ok(T1.request("POST", "/v1/secret/data/iklimco/auth/db", { token: operatorsToken, body: { data: { password: "changed-after-cutover" } } }));
        const back = (await L.request("GET", "/v1/secret/data/iklimco/auth/db", { token: operatorsToken })).json();
        expect(back.data.data.password).to.equal("auth-db-pw");

        console.log(`      vault cut-over: ${cutoverMs} ms from legacy stop to vault-1 active (legacy stop ${stopMs} ms, seed ${seedMs} ms, the rest is vault-1's restart and unseal); longest read gap ${loop.longestGapMs} ms over ${loop.reads} reads; snapshot ${snapshot.length} bytes`);
        expect(loop.longestGapMs).to.be.greaterThan(0);
        expect(loop.longestGapMs).to.be.lessThan(cutoverMs + 2000);
    });
});
