// The pack as the Pulumi engine runs it: policies/index.ts started as its own process (cwd policies/, as the
// CLI does for `--policy-pack policies`), which prints the port of the analyzer's gRPC server; the test then
// speaks the engine's analyzer protocol to it (GetAnalyzerInfo, Analyze, AnalyzeStack) with the protobuf types
// of @pulumi/pulumi. This checks that the pack loads, lists every rule, and reports through the real server
// what the offline runner reports.
import { ChildProcess, spawn } from "child_process";
import { expect } from "chai";
import * as path from "path";
import { POLICIES } from "../../policies/all";

/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */
const grpc = require("@grpc/grpc-js");
const analyzerproto = require("@pulumi/pulumi/proto/analyzer_pb");
const analyzerrpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const emptyproto = require("google-protobuf/google/protobuf/empty_pb");
const structproto = require("google-protobuf/google/protobuf/struct_pb");

const ROOT = path.resolve(__dirname, "..", "..");
const SERVICE = "docker:index/service:Service";

function serviceProps(component: string, image: string, node: string) {
    return {
        name: `iklimco_${component}-1`,
        labels: [
            { label: "com.iklimco.component", value: component },
            { label: "com.iklimco.stateful", value: "true" },
        ],
        mode: { replicated: { replicas: 1 } },
        taskSpec: {
            containerSpec: { image, healthcheck: { tests: ["CMD", "true"] } },
            placement: { constraints: [`node.hostname == ${node}`] },
            resources: { limits: { nanoCpus: 1e9, memoryBytes: 1 << 30 } },
            restartPolicy: { condition: "any" },
        },
        updateConfig: { order: "stop-first", failureAction: "rollback", monitor: "30s" },
        rollbackConfig: { order: "stop-first" },
    };
}

describe("the policy pack served as the engine runs it (gRPC analyzer protocol)", function () {
    this.timeout(120000);
    let child: ChildProcess;
    let client: any;
    const call = (method: string, req: any) => new Promise<any>((resolve, reject) => client[method](req, (err: Error | null, res: any) => (err ? reject(err) : resolve(res))));

    before(async () => {
        child = spawn(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", "index.ts"], { cwd: path.join(ROOT, "policies"), stdio: ["ignore", "pipe", "pipe"] });
        let stderr = "";
        child.stderr!.on("data", (d) => (stderr += d));
        const port = await new Promise<string>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`the policy pack printed no port within 60 s; stderr: ${stderr}`)), 60000);
            child.stdout!.once("data", (d) => {
                clearTimeout(timer);
                resolve(String(d).trim());
            });
            child.once("exit", (code) => reject(new Error(`the policy pack exited with ${code}: ${stderr}`)));
        });
        expect(port).to.match(/^\d+$/);
        client = new analyzerrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    });
    after(() => {
        client?.close();
        if (child && child.exitCode === null) child.kill("SIGTERM");
    });

    it("describes itself with every rule of policies/all.ts and its enforcement levels", async () => {
        const info = await call("getAnalyzerInfo", new emptyproto.Empty());
        expect(info.getName()).to.equal("iklimco-platform");
        expect(info.getVersion()).to.equal("0.1.0");
        const names = info.getPoliciesList().map((p: any) => p.getName()).sort();
        expect(names).to.deep.equal(POLICIES.map((p) => p.name).sort());
    });

    it("Analyze: a :latest image is a mandatory image-tag-not-latest violation; a tagged one passes", async () => {
        const analyze = async (image: string) => {
            const req = new analyzerproto.AnalyzeRequest();
            req.setType(SERVICE);
            req.setName("patroni-1");
            req.setUrn("urn:pulumi:prod::iklimco-platform::docker:index/service:Service::patroni-1");
            req.setProperties(structproto.Struct.fromJavaScript(serviceProps("patroni", image, "iklimco-1")));
            const provider = new analyzerproto.AnalyzerProviderResource();
            provider.setType("pulumi:providers:docker");
            provider.setName("iklimco-docker");
            provider.setUrn("urn:pulumi:prod::iklimco-platform::pulumi:providers:docker::iklimco-docker");
            provider.setProperties(structproto.Struct.fromJavaScript({}));
            req.setProvider(provider);
            req.setOptions(new analyzerproto.AnalyzerResourceOptions());
            const res = await call("analyze", req);
            return res.getDiagnosticsList().map((d: any) => ({ policy: d.getPolicyname(), message: d.getMessage() }));
        };
        const bad = await analyze("harbor.iklim.co/iklimco/patroni:latest");
        const mandatory = bad.filter((d: any) => POLICIES.find((p) => p.name === d.policy)?.enforcementLevel === "mandatory");
        expect(mandatory.map((d: any) => d.policy)).to.deep.equal(["image-tag-not-latest"]);
        expect(mandatory[0].message).to.match(/moving :latest tag/);
        const good = await analyze("harbor.iklim.co/iklimco/patroni:4.0.4-pg16");
        expect(good.filter((d: any) => POLICIES.find((p) => p.name === d.policy)?.enforcementLevel === "mandatory")).to.deep.equal([]);
    });

    it("AnalyzeStack: one Patroni member is a stateful-survives-node-loss violation; three on three nodes pass", async () => {
        const analyzeStack = async (nodes: string[]) => {
            const req = new analyzerproto.AnalyzeStackRequest();
            req.setResourcesList(
                nodes.map((node, i) => {
                    const r = new analyzerproto.AnalyzerResource();
                    r.setType(SERVICE);
                    r.setName(`patroni-${i + 1}`);
                    r.setUrn(`urn:pulumi:prod::iklimco-platform::docker:index/service:Service::patroni-${i + 1}`);
                    r.setProperties(structproto.Struct.fromJavaScript(serviceProps("patroni", "h/patroni:4", node)));
                    r.setOptions(new analyzerproto.AnalyzerResourceOptions());
                    return r;
                }),
            );
            const res = await call("analyzeStack", req);
            return res.getDiagnosticsList().map((d: any) => ({ policy: d.getPolicyname(), message: d.getMessage() }));
        };
        const one = await analyzeStack(["iklimco-1"]);
        expect(one.map((d: any) => d.policy)).to.include("stateful-survives-node-loss");
        expect(one.find((d: any) => d.policy === "stateful-survives-node-loss").message).to.match(/patroni has 1 member/);
        const three = await analyzeStack(["iklimco-1", "iklimco-2", "iklimco-3"]);
        expect(three.map((d: any) => d.policy)).to.not.include("stateful-survives-node-loss");
    });
});
