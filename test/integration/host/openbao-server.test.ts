// The real Vault-API server the Vault tests run (OpenBao, test/support/openbao.ts): a Raft member over TLS,
// Shamir-initialised with one share like the operators' Vault, and a second member that joins through
// retry_join and serves what the first one wrote.
import { expect } from "chai";
import { OpenBaoServer, openbaoAvailable } from "../../support/openbao";

describe("test Vault server (OpenBao): two Raft members over TLS", function () {
    this.timeout(90_000);
    const servers: OpenBaoServer[] = [];
    after(async () => {
        for (const s of servers) await s.destroy();
    });

    it("initialises one member, joins a second through retry_join, and reads a KV v2 secret through it (OpenBao)", async () => {
        expect(openbaoAvailable(), "bao is installed by tools/test-all.sh").to.equal(true);
        const first = new OpenBaoServer({ nodeId: "first" });
        servers.push(first);
        await first.start();
        const { rootToken, unsealKey } = await first.initAndUnseal();
        const mount = await first.api("POST", "/v1/sys/mounts/kv", { type: "kv", options: { version: "2" } }, rootToken);
        expect(mount.status, mount.text).to.equal(204);
        // A new KV v2 mount answers 400 ("upgrading") for a moment while it sets itself up.
        const write = await first.retry(() => first.api("POST", "/v1/kv/data/auth/db", { data: { password: "s3cret" } }, rootToken));
        expect(write.status, write.text).to.equal(200);

        const second = new OpenBaoServer({ nodeId: "second", ca: first.ca, retryJoin: [first.address] });
        servers.push(second);
        await second.start();
        await second.unseal(unsealKey);
        await second.waitHealthy();

        const peers = await first.api("GET", "/v1/sys/storage/raft/configuration", undefined, rootToken);
        expect(peers.body.data.config.servers.map((s: { node_id: string }) => s.node_id).sort()).to.deep.equal(["first", "second"]);
        const read = await second.api("GET", "/v1/kv/data/auth/db", undefined, rootToken);
        expect(read.status, read.text).to.equal(200);
        expect(read.body.data.data.password).to.equal("s3cret");
    });
});
