// A stand-in for the Pulumi engine over gRPC, so a program can run through Pulumi's own entry,
// `@pulumi/pulumi/cmd/run`, exactly as the nodejs language host starts it: the same arguments, the config in
// PULUMI_CONFIG, the resource monitor and engine services on a local port. It answers a registration as the
// offline engine's mocks do (mocks.ts mockRegistration) and, like the SDK's mock monitor, does not offer output
// values, so what it records compares with the offline engine's evaluation and the floor's mocks. It serves
// only what this program calls: anything else answers UNIMPLEMENTED.
// `npm run bench` times the start-up through it; test/integration/host/cmd-run.test.ts runs index.ts with it.
import { spawn } from "child_process";
import * as path from "path";
import { mockRegistration } from "./mocks";
import { sdkDirectory } from "./startup";

/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */

const RUN_TIMEOUT_MS = 60_000;

/** What one run of a program through cmd/run sent the engine. */
export interface CmdRunResult {
    code: number | null;
    /** From spawning node to the stack's outputs being registered: the program's graph is complete. */
    seconds: number;
    registrations: { urn: string; type: string; name: string; custom: boolean; parent?: string }[];
    /** The stack's output names, as the program's exports registered them. */
    stackOutputs: string[];
    /** Log messages at warning level and above (the engine would print them). */
    warnings: string[];
    stderr: string;
}

export interface CmdRunOptions {
    /** The project directory (Pulumi.yaml); the program runs from there. */
    root: string;
    project: string;
    stack: string;
    /** Full config keys to raw strings, as the language host passes them. */
    config: Record<string, string>;
    secretKeys: string[];
    /** Pulumi.yaml's `main`, relative to `root`. */
    main: string;
    /** Node's arguments from Pulumi.yaml's runtime options. */
    nodeargs: string[];
    /** The environment the language host adds (PULUMI_NODEJS_*), on top of this process's. */
    env: NodeJS.ProcessEnv;
}

/** The gRPC and protobuf modules of the SDK the program loads, so both ends speak the same versions. */
function sdkModules(root: string) {
    const sdk = sdkDirectory(root);
    const from = (m: string) => require(require.resolve(m, { paths: [sdk] }));
    return {
        sdk,
        grpc: from("@grpc/grpc-js"),
        resrpc: require(path.join(sdk, "proto", "resource_grpc_pb.js")),
        resproto: require(path.join(sdk, "proto", "resource_pb.js")),
        engrpc: require(path.join(sdk, "proto", "engine_grpc_pb.js")),
        engproto: require(path.join(sdk, "proto", "engine_pb.js")),
        structproto: from("google-protobuf/google/protobuf/struct_pb.js"),
        emptyproto: from("google-protobuf/google/protobuf/empty_pb.js"),
    };
}

/** Runs the program at `main` through cmd/run against a fresh gRPC stand-in of the engine. */
export async function runThroughCmdRun(opts: CmdRunOptions): Promise<CmdRunResult> {
    const m = sdkModules(opts.root);
    const registrations: CmdRunResult["registrations"] = [];
    const qualifiedTypes = new Map<string, string>();
    const warnings: string[] = [];
    let stackOutputs: string[] = [];
    let graphAt: bigint | undefined;
    const stackUrn = `urn:pulumi:${opts.stack}::${opts.project}::pulumi:pulumi:Stack::${opts.project}-${opts.stack}`;
    const empty = () => new m.emptyproto.Empty();

    // The engine's URN: the type is qualified with the parent's qualified type.
    const urnOf = (parent: string, type: string, name: string): string => {
        const qualified = parent ? `${qualifiedTypes.get(parent) ?? parent.split("::")[2]}$${type}` : type;
        const urn = `urn:pulumi:${opts.stack}::${opts.project}::${qualified}::${name}`;
        qualifiedTypes.set(urn, qualified);
        return urn;
    };
    const monitor = {
        getDeploymentInfo: (_: any, cb: any) => {
            const F = m.resproto.ResourceMonitorFeature;
            const info = new m.resproto.DeploymentInfo();
            info.setSupportedfeaturesList([F.RESOURCE_MONITOR_FEATURE_SECRETS, F.RESOURCE_MONITOR_FEATURE_RESOURCE_REFERENCES, F.RESOURCE_MONITOR_FEATURE_ALIAS_SPECS, F.RESOURCE_MONITOR_FEATURE_DELETED_WITH, F.RESOURCE_MONITOR_FEATURE_TRANSFORMS]);
            cb(null, info);
        },
        registerResource: (call: any, cb: any) => {
            const req = call.request;
            const type: string = req.getType();
            const name: string = req.getName();
            const parent: string = req.getParent();
            const urn = urnOf(parent, type, name);
            const answer = mockRegistration(type, name, req.getObject()?.toJavaScript() ?? {});
            registrations.push({ urn, type, name, custom: req.getCustom(), parent: parent || undefined });
            const resp = new m.resproto.RegisterResourceResponse();
            resp.setUrn(urn);
            resp.setId(req.getCustom() ? answer.id : "");
            resp.setObject(m.structproto.Struct.fromJavaScript(answer.state));
            cb(null, resp);
        },
        registerResourceOutputs: (call: any, cb: any) => {
            if (call.request.getUrn() === stackUrn) {
                stackOutputs = Object.keys(call.request.getOutputs()?.toJavaScript() ?? {}).sort();
                graphAt ??= process.hrtime.bigint();
            }
            cb(null, empty());
        },
        signalAndWaitForShutdown: (_: any, cb: any) => cb(null, empty()),
    };
    const engine = {
        log: (call: any, cb: any) => {
            // Severity: 0 debug, 1 info, 2 warning, 3 error (pulumirpc.LogSeverity).
            if (call.request.getSeverity() >= 2) warnings.push(call.request.getMessage());
            cb(null, empty());
        },
        getRootResource: (_: any, cb: any) => cb(null, new m.engproto.GetRootResourceResponse()),
        setRootResource: (_: any, cb: any) => cb(null, new m.engproto.SetRootResourceResponse()),
    };

    const server = new m.grpc.Server();
    server.addService(m.resrpc.ResourceMonitorService, monitor);
    server.addService(m.engrpc.EngineService, engine);
    const port: number = await new Promise((resolve, reject) => server.bindAsync("127.0.0.1:0", m.grpc.ServerCredentials.createInsecure(), (err: Error | null, p: number) => (err ? reject(err) : resolve(p))));
    try {
        const address = `127.0.0.1:${port}`;
        const args = [
            ...opts.nodeargs,
            path.join(m.sdk, "cmd", "run"),
            `--monitor=${address}`,
            `--engine=${address}`,
            `--project=${opts.project}`,
            `--stack=${opts.stack}`,
            `--root-directory=${opts.root}`,
            `--pwd=${opts.root}`,
            "--dry-run",
            path.resolve(opts.root, opts.main),
        ];
        const env = { ...opts.env, PULUMI_CONFIG: JSON.stringify(opts.config), PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(opts.secretKeys) };
        return await new Promise<CmdRunResult>((resolve, reject) => {
            const started = process.hrtime.bigint();
            let stderr = "";
            const child = spawn(process.execPath, args, { cwd: opts.root, env, stdio: ["ignore", "ignore", "pipe"] });
            const timer = setTimeout(() => {
                child.kill("SIGKILL");
                reject(new Error(`the program did not finish within ${RUN_TIMEOUT_MS / 1000} s through cmd/run`));
            }, RUN_TIMEOUT_MS);
            child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
            child.on("error", (err) => {
                clearTimeout(timer);
                reject(err);
            });
            child.on("close", (code) => {
                clearTimeout(timer);
                const seconds = graphAt === undefined ? Number.NaN : Number(graphAt - started) / 1e9;
                resolve({ code, seconds, registrations, stackOutputs, warnings, stderr });
            });
        });
    } finally {
        server.forceShutdown();
    }
}
