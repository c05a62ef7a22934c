// The workflows' helper commands: the policy config of a stack, the PR comment (against a contract fake of
// Gitea's issue-comment API on loopback). The post-deploy verification runs against the real swarm in
// test/integration/verify.test.ts.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as http from "http";
import { AddressInfo } from "net";
import * as path from "path";
import { policyConfigFromStack } from "../../tools/offline/policy";
import { readStackConfig } from "../../tools/offline/stack-config";
import { commentBody, postComment } from "../../tools/post-comment";

const ROOT = path.resolve(__dirname, "..", "..");
const tsNode = (script: string, ...args: string[]) =>
    spawnSync(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", script, ...args], { cwd: ROOT, encoding: "utf8", timeout: 120000 });

describe("workflow helper commands", function () {
    this.timeout(180000);

    it("policy-config prints the edge addresses of the stack (prod) and the one-node relaxations (local)", () => {
        const prod = tsNode("tools/policy-config.ts", "--stack", "prod");
        expect(prod.status, prod.stderr).to.equal(0);
        expect(JSON.parse(prod.stdout)).to.deep.equal({ "dns-record-edge-only": { edgeIps: ["203.0.113.21"] } });
        // The same function in-process for the local stack; a bad command line is in test/unit/cli.test.ts.
        const local = policyConfigFromStack(readStackConfig("local").config) as Record<string, { enforcementLevel?: string }>;
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
