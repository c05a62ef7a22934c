// How Pulumi starts this program, so the benchmark can start it the same way: the nodejs language host reads
// Pulumi.yaml's runtime options and hands them to `@pulumi/pulumi/cmd/run` as environment variables
// (`typescript` -> PULUMI_NODEJS_TYPESCRIPT, `tsconfig` -> PULUMI_NODEJS_TSCONFIG_PATH, `nodeargs` -> node's
// own arguments); run.js then registers ts-node, type-checking unless PULUMI_NODEJS_TRANSPILE_ONLY says
// otherwise or the tsconfig file's own compilerOptions set `noCheck`.
import * as fs from "fs";
import * as path from "path";

/* eslint-disable @typescript-eslint/no-require-imports */

export interface NodejsRuntime {
    /** `runtime.options.typescript`; the language host defaults it to true. */
    typescript: boolean;
    /** `runtime.options.tsconfig`, relative to the project directory. */
    tsconfig?: string;
    /** `runtime.options.nodeargs`, split into arguments. */
    nodeargs: string[];
    /** `main`, the program's entry relative to the project directory ("." when unset). */
    main: string;
}

/** Reads Pulumi.yaml's runtime settings the way the nodejs language host parses them. */
export function readNodejsRuntime(projectDir: string): NodejsRuntime {
    const file = path.join(projectDir, "Pulumi.yaml");
    // Required here, not at the top: the benchmark's start-up child imports this module but never reads
    // Pulumi.yaml, and yaml's 72 modules would count in the start-up it times.
    const YAML: typeof import("yaml") = require("yaml");
    const doc = YAML.parse(fs.readFileSync(file, "utf8")) ?? {};
    const runtime = doc.runtime;
    const name = typeof runtime === "string" ? runtime : runtime?.name;
    if (name !== "nodejs") throw new Error(`${file}: runtime is ${JSON.stringify(name)}, expected nodejs`);
    const options: Record<string, unknown> = (typeof runtime === "object" && runtime.options) || {};
    const typescript = options.typescript ?? true;
    if (typeof typescript !== "boolean") throw new Error(`${file}: runtime.options.typescript must be a boolean`);
    const tsconfig = options.tsconfig;
    if (tsconfig !== undefined && typeof tsconfig !== "string") throw new Error(`${file}: runtime.options.tsconfig must be a string`);
    const nodeargs = options.nodeargs ?? "";
    if (typeof nodeargs !== "string") throw new Error(`${file}: runtime.options.nodeargs must be a string`);
    // The host splits with shell rules; quoting is not needed here, so refuse it rather than split it wrongly.
    if (/["'\\]/.test(nodeargs)) throw new Error(`${file}: runtime.options.nodeargs with quotes is not supported by the benchmark`);
    return { typescript, tsconfig, nodeargs: nodeargs.split(/\s+/).filter(Boolean), main: typeof doc.main === "string" ? doc.main : "." };
}

/**
 * The module the offline engine evaluates for Pulumi.yaml's main: `platform` beside it (platform.js beside
 * bin/index.js), which exports `declareStack()`; index.ts (what Pulumi starts) only exports that call's outputs,
 * so evaluating it starts the same modules and declares the same resources.
 */
export function declaringModule(projectDir: string, rt: Pick<NodejsRuntime, "main">): string {
    const main = path.resolve(projectDir, rt.main === "." ? "index.ts" : rt.main);
    return path.join(path.dirname(main), `platform${path.extname(main)}`);
}

/**
 * `env` without what the language host or ts-node set (PULUMI_NODEJS_*, TS_NODE_*): the base a benchmark or a
 * test starts the program from, so only the settings it adds itself apply.
 */
export function withoutStartSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
    return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith("PULUMI_NODEJS_") && !k.startsWith("TS_NODE_")));
}

/** The environment the language host adds for the program's process. */
export function languageHostEnv(rt: NodejsRuntime): Record<string, string> {
    const env: Record<string, string> = {};
    if (rt.typescript) env.PULUMI_NODEJS_TYPESCRIPT = "true";
    if (rt.tsconfig) env.PULUMI_NODEJS_TSCONFIG_PATH = rt.tsconfig;
    return env;
}

export type StartMode = "javascript" | "type-check" | "transpile-only";

/**
 * How a program started with that environment from `cwd` (the project directory) is compiled: JavaScript when
 * TypeScript is off; transpile-only when PULUMI_NODEJS_TRANSPILE_ONLY is "true", or when it is unset and the
 * tsconfig file's own `compilerOptions.noCheck` is set (run.js reads it with Pulumi's helper, which does not
 * follow `extends`); type-checking otherwise, unless the effective tsconfig (extends followed, as ts-node
 * reads it) sets `noCheck`, which silences the checker even when ts-node runs its language service.
 */
export function startMode(cwd: string, env: NodeJS.ProcessEnv): StartMode {
    if (env.PULUMI_NODEJS_TYPESCRIPT !== "true") return "javascript";
    const flag = env.PULUMI_NODEJS_TRANSPILE_ONLY;
    const tsutils = require("@pulumi/pulumi/tsutils");
    const file = path.resolve(cwd, env.PULUMI_NODEJS_TSCONFIG_PATH ?? "tsconfig.json");
    const exists = fs.existsSync(file);
    const own = exists ? tsutils.loadTypeScriptCompilerOptions(file) : {};
    const transpileOnly = flag ? flag === "true" : !!own.noCheck;
    if (transpileOnly) return "transpile-only";
    if (!exists) return "type-check";
    const ts = require("typescript");
    const parsed = ts.parseJsonConfigFileContent(ts.readConfigFile(file, ts.sys.readFile).config, ts.sys, path.dirname(file));
    return parsed.options.noCheck ? "transpile-only" : "type-check";
}

/** The directory of the `@pulumi/pulumi` a program in `projectDir` loads. */
export function sdkDirectory(projectDir: string): string {
    return path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [projectDir] }));
}

/**
 * Does in this process what `@pulumi/pulumi/cmd/run` (index.js) does before it loads any program, with the same
 * modules: its OpenTelemetry instrumentation, source-map-support's stack formatter (every stack formatted from
 * then on, the SDK's own included, is source-mapped), and the inspector session of the closure serialiser's V8
 * hooks (the debugger it enables hears of every script parsed from then on). Then registers ts-node as run.js
 * would. Returns the mode it registered.
 */
export async function startLikeLanguageHost(cwd: string): Promise<StartMode> {
    const sdk = sdkDirectory(cwd);
    require(path.join(sdk, "cmd", "run", "instrumentation"));
    require(require.resolve("source-map-support/register", { paths: [sdk] }));
    await require(path.join(sdk, "runtime", "closure", "v8Hooks")).isInitializedAsync();
    return registerLikePulumi(cwd);
}

/**
 * Registers ts-node in this process exactly as `@pulumi/pulumi/cmd/run` does for a CommonJS program (same
 * helpers, same options, same precedence), so a child process started with the language host's environment
 * compiles the program as `pulumi preview` would. Returns the mode it registered.
 */
export function registerLikePulumi(cwd: string): StartMode {
    const mode = startMode(cwd, process.env);
    if (mode === "javascript") return mode;
    const pkg = JSON.parse(fs.readFileSync(path.join(cwd, "package.json"), "utf8"));
    if (pkg.type === "module") throw new Error("the benchmark emulates Pulumi's CommonJS start only; package.json has type: module");
    const tsutils = require("@pulumi/pulumi/tsutils");
    const tsConfigPath = process.env.PULUMI_NODEJS_TSCONFIG_PATH ?? "tsconfig.json";
    const skipProject = !fs.existsSync(path.resolve(cwd, tsConfigPath));
    const compilerOptions = tsutils.loadTypeScriptCompilerOptions(path.resolve(cwd, tsConfigPath));
    const transpileOnly = process.env.PULUMI_NODEJS_TRANSPILE_ONLY ? process.env.PULUMI_NODEJS_TRANSPILE_ONLY === "true" : compilerOptions.noCheck;
    const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
    const ts = require(typescriptRequire);
    const [major, minor] = String(ts.version).split(".").map(Number);
    const useNodeNext = major > 4 || (major === 4 && minor >= 7);
    require(tsnodeRequire).register({
        compiler: typescriptRequire,
        transpileOnly,
        project: tsConfigPath,
        skipProject,
        compilerOptions: {
            target: "ES2020",
            module: useNodeNext ? "nodenext" : "commonjs",
            moduleResolution: useNodeNext ? "nodenext" : "node",
            sourceMap: "true",
            ...compilerOptions,
        },
    });
    return mode;
}
