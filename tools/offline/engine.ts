// The offline engine: evaluates the real program under Pulumi's mock monitor and records the graph the engine
// would see: every registered resource with its type, name, parent, provider, explicit and input-derived
// dependencies, its inputs and which of them are secret. The program is a module exporting `declareStack()`
// (platform.ts, which index.ts runs for Pulumi; components/declared-stack.ts): what that returns besides the
// outputs, the pipeline record and the service builders, is read here next to the recorded graph. The mock
// monitor only passes type, name and inputs to the mocks, so the registration request itself is read here by
// wrapping the monitor's `registerResource`; this relies on @pulumi/pulumi internals, which is why that
// package's version is pinned.
//
// This module loads the SDK's runtime modules only, never its index: as `@pulumi/pulumi/cmd/run` does, so the
// program's own modules are the first to load the index (sdk-start.ts acts before that happens).
import * as fs from "fs";
import * as path from "path";
import type * as pulumi from "@pulumi/pulumi";
import { Output, output } from "@pulumi/pulumi/output";
import type { DeclaredStack } from "../../components/declared-stack";
import { NO_PIPELINE } from "../../components/pipeline";
import type { ServiceBuilder } from "../../components/swarm/service";
import type { GraphReason } from "./graph";
import { mockRegistration } from "./mocks";

/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */
const settings = require("@pulumi/pulumi/runtime/settings");
const rpc = require("@pulumi/pulumi/runtime/rpc");
const { setMocks } = require("@pulumi/pulumi/runtime/mocks") as typeof pulumi.runtime;
const { setAllConfig } = require("@pulumi/pulumi/runtime/config") as typeof pulumi.runtime;

export const SECRET_MARK = "[secret]";

export interface RecordedResource {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    parent?: string;
    /** URN of the provider resource this resource was registered with, if any. */
    provider?: string;
    /** Every dependency the engine sees: explicit `dependsOn` and input-derived, components expanded. */
    dependencies: string[];
    /** Dependencies that come from no input: the explicit `dependsOn` edges. */
    explicitDependsOn: string[];
    /** Inputs with every secret replaced by "[secret]" and resource references by their URN. */
    inputs: Record<string, unknown>;
    /** Inputs as the provider would receive them, secrets revealed (for tests only; never printed). */
    plainInputs: Record<string, unknown>;
    /** Dotted paths of the inputs that are secret. */
    secretInputs: string[];
    /** Steps this resource realises, its own or inherited from the nearest ancestor that has one. */
    steps: number[];
    /** The resource options the engine acts on when it diffs, replaces and deletes (as registered). */
    options: RecordedOptions;
    /** The URNs its `aliases` name: state recorded under one of them is this resource's (a rename keeps it). */
    aliases: string[];
}

export interface RecordedOptions {
    /** Input property paths the engine keeps from the old state instead of diffing (`taskSpec.forceUpdate`). */
    ignoreChanges: string[];
    /** The engine drops the resource from state without asking the provider to delete it. */
    retainOnDelete: boolean;
    deleteBeforeReplace: boolean;
    protect: boolean;
    replaceOnChanges: string[];
}

export interface Evaluation {
    stack: string;
    resources: RecordedResource[];
    byUrn: Map<string, RecordedResource>;
    /** Why each ordering edge without data exists, from the program's pipeline record, resources given by URN. */
    reasons: GraphReason[];
    /** The service builders the program declared its Swarm services through (for the stack-file renderer). */
    serviceBuilders: readonly ServiceBuilder[];
    /** Loads one of the program's modules from where this evaluation ran it (bin/ or the sources): for tests and the renderer. */
    load: <T = any>(modulePath: string) => T;
    outputs: Record<string, unknown>;
}

export interface EvaluateOptions {
    stack: string;
    project?: string;
    /** Full config keys (`iklimco:nodes`) to raw strings, as Pulumi passes them to a program. */
    config: Record<string, string>;
    /** Full config keys that are secret. */
    secretKeys: string[];
    /**
     * The program: a module exporting `declareStack()` (platform.ts at the repository root by default), or a
     * plain Pulumi program whose exports are its outputs (it then records no pipeline and no services).
     */
    program?: string;
    /**
     * The default program's `declareStack`, when the caller holds it already: `npm run plan`, whose bundle carries
     * the program, so the code both share (zod, yaml, the config schema) is loaded once. Without it the program
     * module is required from `program`'s path.
     */
    declare?: () => DeclaredStack | Promise<DeclaredStack>;
}

/**
 * Where the program's modules are: the repository when this file runs as TypeScript, bin/ when it runs as the
 * JavaScript `npm run build` emits (tools/offline/engine.js two levels below either).
 */
export const PROGRAM_ROOT = path.resolve(__dirname, "..", "..");

/** The project directory (Pulumi.yaml, the stack files): PROGRAM_ROOT, or its parent for the compiled tools. */
export const REPO_ROOT = fs.existsSync(path.join(PROGRAM_ROOT, "Pulumi.yaml")) ? PROGRAM_ROOT : path.dirname(PROGRAM_ROOT);

/**
 * Turns the wire form of inputs into plain data: resource references become URNs, unknowns "[unknown]", and
 * secrets either "[secret]" (recording their path) or, with `reveal`, their value.
 */
function sanitize(value: any, at: string, secretPaths: string[], reveal = false): any {
    if (Array.isArray(value)) return value.map((v, i) => sanitize(v, `${at}[${i}]`, secretPaths, reveal));
    if (value && typeof value === "object") {
        const sig = value[rpc.specialSigKey];
        if (sig === rpc.specialSecretSig) {
            secretPaths.push(at);
            return reveal ? sanitize(value.value, at, [], true) : SECRET_MARK;
        }
        if (sig === rpc.specialResourceSig) return value.urn;
        if (sig !== undefined) return `[${String(sig)}]`;
        const out: Record<string, unknown> = {};
        for (const k of Object.keys(value).sort()) out[k] = sanitize(value[k], at ? `${at}.${k}` : k, secretPaths, reveal);
        return out;
    }
    if (value === rpc.unknownValue) return "[unknown]";
    return value;
}

type RecordedInputs = Pick<RecordedResource, "inputs" | "plainInputs" | "secretInputs">;

/**
 * A registration's record whose inputs are turned into plain data when first read, from the request's struct.
 * The mock monitor has already deserialised that struct for the mocks; converting it once more for the record
 * is the engine's bookkeeping, not the program's work, and the start-up benchmark times the program only up to
 * its complete graph.
 */
function withInputs(object: any, record: Omit<RecordedResource, keyof RecordedInputs>): RecordedResource {
    let converted: RecordedInputs | undefined;
    const convert = (): RecordedInputs => {
        if (!converted) {
            const secretInputs: string[] = [];
            const raw = object?.toJavaScript() ?? {};
            const inputs = sanitize(raw, "", secretInputs);
            converted = { inputs, plainInputs: sanitize(raw, "", [], true), secretInputs: secretInputs.sort() };
        }
        return converted;
    };
    return Object.defineProperties(record, {
        inputs: { enumerable: true, get: () => convert().inputs },
        plainInputs: { enumerable: true, get: () => convert().plainInputs },
        secretInputs: { enumerable: true, get: () => convert().secretInputs },
    }) as RecordedResource;
}

/** A parent's type as its children's URNs carry it here: the mock monitor prefixes a child's type with it. */
const parentType = (urn: string) => (urn.split("::")[2] ?? "").split("$").pop() ?? "";

/**
 * The URNs a registration's aliases stand for, formed the way the mock monitor forms the URNs this engine
 * records (so the two compare): a spec's missing name, type, stack, project or parent is the resource's own,
 * and a child's type is prefixed with its parent's.
 */
function aliasUrns(req: any, stack: string, project: string): string[] {
    const out: string[] = [...req.getAliasurnsList()];
    for (const a of req.getAliasesList()) {
        if (a.hasUrn()) {
            out.push(a.getUrn());
            continue;
        }
        const spec = a.getSpec();
        if (!spec) continue;
        const parent = spec.getNoparent() ? "" : spec.getParenturn() || req.getParent();
        const type = spec.getType() || req.getType();
        const qualified = parent ? `${parentType(parent)}$${type}` : type;
        out.push(`urn:pulumi:${spec.getStack() || stack}::${spec.getProject() || project}::${qualified}::${spec.getName() || req.getName()}`);
    }
    return [...new Set(out)].sort();
}

/**
 * The program's module for one evaluation. A plain program (a fixture whose exports are its outputs) runs when
 * its module is loaded, so each evaluation loads that module again. A `declareStack()` program is loaded once
 * per process and simply called again, as are the program's other modules: they hold no module-level state
 * (test/unit/module-state.test.ts). The build's bin/platform.js holds the whole program in one bundle, which
 * loading again would make anew.
 */
function programModule(programPath: string): any {
    const resolved = require.resolve(programPath);
    const loaded = require.cache[resolved]?.exports;
    if (loaded && typeof loaded.declareStack === "function") return loaded;
    delete require.cache[resolved];
    return require(resolved);
}

let evaluating = false;

export async function evaluateProgram(opts: EvaluateOptions): Promise<Evaluation> {
    if (evaluating) throw new Error("offline engine: one evaluation at a time (the Pulumi runtime is process-global)");
    evaluating = true;
    try {
        return await evaluateOnce(opts);
    } finally {
        evaluating = false;
    }
}

async function evaluateOnce(opts: EvaluateOptions): Promise<Evaluation> {
    const records: RecordedResource[] = [];
    const failures: Error[] = [];
    let pending = 0;
    const project = opts.project ?? "iklimco-platform";

    await setMocks(
        {
            newResource: (args) => mockRegistration(args.type, args.name, args.inputs),
            call: (args) => args.inputs,
        },
        project,
        opts.stack,
        false,
    );
    setAllConfig(opts.config, opts.secretKeys);

    const monitor = settings.getMonitor();
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: (err: any, resp: any) => void) => {
        pending++;
        const object = req.getObject();
        const propertyDeps: string[] = [];
        req.getPropertydependenciesMap().forEach((deps: any) => propertyDeps.push(...deps.getUrnsList()));
        const dependencies: string[] = [...new Set<string>(req.getDependenciesList())].sort();
        const providerRef: string = req.getProvider() ?? "";
        const options: RecordedOptions = {
            ignoreChanges: [...req.getIgnorechangesList()].sort(),
            retainOnDelete: req.getRetainondelete() === true,
            deleteBeforeReplace: req.getDeletebeforereplace() === true,
            protect: req.getProtect() === true,
            replaceOnChanges: [...req.getReplaceonchangesList()].sort(),
        };
        const aliases = aliasUrns(req, opts.stack, project);
        register(req, (err: any, resp: any) => {
            pending--;
            if (err) {
                failures.push(err instanceof Error ? err : new Error(String(err)));
            } else {
                records.push(
                    withInputs(object, {
                        urn: resp.getUrn(),
                        type: req.getType(),
                        name: req.getName(),
                        custom: req.getCustom(),
                        parent: req.getParent() || undefined,
                        provider: providerRef ? providerRef.split("::").slice(0, -1).join("::") : undefined,
                        dependencies,
                        explicitDependsOn: dependencies.filter((d) => !propertyDeps.includes(d)),
                        steps: [],
                        options,
                        aliases,
                    }),
                );
            }
            callback(err, resp);
        });
    };

    if (opts.declare && opts.program) throw new Error("offline engine: give either a program's path or its declareStack, not both");
    const programPath = opts.program ?? path.join(PROGRAM_ROOT, "platform");
    // The program's own modules (read by `load`): bin/ for the compiled program, the repository otherwise.
    const bin = path.join(REPO_ROOT, "bin");
    const programRoot = programPath.startsWith(bin + path.sep) ? bin : REPO_ROOT;
    let declared: DeclaredStack;
    try {
        const mod = opts.declare ? { declareStack: opts.declare } : programModule(programPath);
        // declareStack() may return a promise (microservice/program.ts reads StackReference values first); a plain
        // program's exports, or a promise of them, are its outputs.
        declared =
            typeof mod.declareStack === "function"
                ? await mod.declareStack()
                : { outputs: await Promise.resolve(mod), pipeline: NO_PIPELINE, services: [] };
    } catch (err) {
        // Tests use this to show a config error stops the program before anything is registered.
        if (err && typeof err === "object") (err as { resourcesRegistered?: number }).resourcesRegistered = records.length + pending;
        throw err;
    }
    const load = <T>(modulePath: string): T => require(require.resolve(path.resolve(programRoot, modulePath)));

    // Drain: resources created inside applies register later, so wait until nothing is in flight for a while.
    let stableTicks = 0;
    let lastCount = -1;
    while (stableTicks < 5) {
        await settings.waitForRPCs();
        await new Promise((r) => setImmediate(r));
        if (pending === 0 && records.length === lastCount) stableTicks++;
        else stableTicks = 0;
        lastCount = records.length;
    }
    if (failures.length) throw failures[0];

    const outputs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(declared.outputs)) {
        if (!Output.isInstance(v) && (typeof v !== "object" || v === null)) {
            outputs[k] = v;
            continue;
        }
        const o = output(v as any);
        const secret = await (o as any).isSecret;
        const value = await new Promise((resolve) => o.apply((x: unknown) => resolve(x)));
        outputs[k] = secret ? SECRET_MARK : value;
    }

    const urnOf = (r: pulumi.Resource) => new Promise<string>((resolve) => r.urn.apply(resolve));
    const byUrn = new Map(records.map((r) => [r.urn, r] as const));
    for (const { step, resource } of declared.pipeline.realised) {
        const rec = byUrn.get(await urnOf(resource));
        if (rec && !rec.steps.includes(step)) rec.steps.push(step);
    }
    const reasons: GraphReason[] = [];
    for (const r of declared.pipeline.reasons) reasons.push({ dependent: r.dependent, why: r.why, on: await Promise.all(r.on.map(urnOf)) });
    // Children inherit the steps of their nearest ancestor that has some.
    const inherited = (r: RecordedResource): number[] => {
        if (r.steps.length) return r.steps;
        const parent = r.parent ? byUrn.get(r.parent) : undefined;
        return parent ? inherited(parent) : [];
    };
    for (const r of records) r.steps = inherited(r);
    records.sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
    return { stack: opts.stack, resources: records, byUrn, reasons, serviceBuilders: declared.services, load, outputs };
}
