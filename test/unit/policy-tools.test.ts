// The workflows' helper commands: the policy config of a stack, the PR comment (against a contract fake of
// Gitea's issue-comment API on loopback). The post-deploy verification runs against the real swarm in
// test/integration/docker/verify.test.ts.
import { expect } from "chai";
import * as http from "http";
import { AddressInfo } from "net";
import { policyConfigFromStack } from "../../tools/offline/policy";
import { readStackConfig } from "../../tools/offline/stack-config";
import { commentBody, postComment } from "../../tools/post-comment";


describe("workflow helper commands", function () {
    this.timeout(180000);

    it("policy-config: the edge addresses of the stack (prod) and the one-node relaxations (local)", () => {
        // The command itself runs in test/unit/cli.test.ts; here the function it prints.
        // Vault's record (vault.runnerAccess: public) may point at the Vault nodes, every other one at the edge.
        expect(policyConfigFromStack(readStackConfig("prod"))).to.deep.equal({ "dns-record-edge-only": { edgeIps: ["203.0.113.21"], vaultRecord: "vault", vaultIps: ["203.0.113.11", "203.0.113.12", "203.0.113.13"] } });
        const local = policyConfigFromStack(readStackConfig("local")) as Record<string, { enforcementLevel?: string }>;
        expect(local["stateful-survives-node-loss"].enforcementLevel).to.equal("advisory");
        expect(local["overlay-network-encrypted"].enforcementLevel).to.equal("advisory");
    });

    describe("post-comment (contract fake of Gitea's POST /api/v1/repos/{owner}/{repo}/issues/{index}/comments)", () => {
        let server: http.Server;
        let seen: { url?: string; auth?: string; body?: { body: string } }[] = [];
        let status = 201;
        before(async () => {
            server = http.createServer((req, res) => {
                let data = "";
                req.on("data", (c) => (data += c));
                req.on("end", () => {
                    seen.push({ url: `${req.method} ${req.url}`, auth: req.headers.authorization, body: JSON.parse(data || "{}") });
                    res.writeHead(status, { "Content-Type": "application/json" });
                    res.end(JSON.stringify({ id: 1 }));
                });
            });
            await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        });
        after(() => new Promise<void>((r) => server.close(() => r())));
        beforeEach(() => {
            seen = [];
            status = 201;
        });
        const target = () => ({ serverUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, repository: "iklimco/iklimco-platform", pr: "42", token: "tkn" });

        it("posts the preview as a fenced block on the pull request with the token header", async () => {
            await postComment(target(), commentBody("pulumi preview (prod)", "\u001b[32m+ create\u001b[0m docker:Service\nPolicies: 0 mandatory"));
            expect(seen).to.have.length(1);
            expect(seen[0].url).to.equal("POST /api/v1/repos/iklimco/iklimco-platform/issues/42/comments");
            expect(seen[0].auth).to.equal("token tkn");
            expect(seen[0].body!.body).to.equal("### pulumi preview (prod)\n\n```\n+ create docker:Service\nPolicies: 0 mandatory\n```\n");
        });
        it("keeps the end of a long preview and fails loudly on an API error", async () => {
            const body = commentBody("t", "x".repeat(100) + "THE END", 20);
            expect(body).to.include("characters cut").and.include("THE END");
            status = 403;
            let err: Error | undefined;
            await postComment(target(), "b").catch((e: Error) => (err = e));
            expect(err?.message).to.match(/HTTP 403/).and.not.include("tkn");
        });
    });
});
