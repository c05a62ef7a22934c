// The program's first module: index.ts, platform.ts and `npm run plan` import it before anything else, because
// it acts before the Pulumi SDK's index loads. It spares the program two costs of the SDK's start that buy this
// program nothing (docs/benchmarks.md has the figures):
//
// - The closure serialiser's dependencies. The SDK's index loads TypeScript and @npmcli/arborist (with pacote,
//   sigstore, tar, ...) to serialise functions. This program serialises none at run time: `npm run build`
//   serialises its dynamic providers (components/prebuilt-dynamic-resource.ts). So both load when first used.
// - Source maps for the SDK's bookkeeping stacks. `@pulumi/pulumi/cmd/run` installs source-map-support, and the
//   SDK formats a stack for every promise it tracks (debuggablePromise, read only with PULUMI_DEBUG_PROMISE_LEAKS)
//   and every resource it registers (Resource.callsites: the first frame of the program's code is the resource's
//   source position; the program ships no source map, so mapping leaves those frames as they are). These two are
//   formatted as V8 formats them; every other stack still goes through source-map-support.
/* eslint-disable @typescript-eslint/no-require-imports */
import * as fs from "fs";
import Module = require("module");
import * as path from "path";

/**
 * Puts a stand-in for the module at `filename` where `require` finds it. The stand-in loads the real module the
 * first time anything is asked of it, then answers from it. `declaresEsModule`: answer `__esModule` without
 * loading. TypeScript's `__importStar` reads that key on import and, when it is false, copies every key of the
 * module, which would load it at once. It must only be set for a module whose importer reads named exports only.
 */
export function deferModule(filename: string, declaresEsModule = false): boolean {
    if (require.cache[filename]) return false;
    let real: object | undefined;
    const load = (): object => {
        if (!real) {
            delete require.cache[filename];
            real = require(filename) as object;
        }
        return real;
    };
    const standIn = new Proxy<object>(
        {},
        {
            get: (_, key) => (key === "__esModule" && declaresEsModule ? true : Reflect.get(load(), key)),
            has: (_, key) => Reflect.has(load(), key),
            set: (_, key, value) => Reflect.set(load(), key, value),
            ownKeys: () => Reflect.ownKeys(load()),
            // A proxy may report a property as non-configurable only when its target has it: give it the target.
            getOwnPropertyDescriptor: (target, key) => {
                const d = Reflect.getOwnPropertyDescriptor(load(), key);
                if (d && !d.configurable) Object.defineProperty(target, key, d);
                return d;
            },
            defineProperty: (_, key, d) => Reflect.defineProperty(load(), key, d),
            deleteProperty: (_, key) => Reflect.deleteProperty(load(), key),
            getPrototypeOf: () => Reflect.getPrototypeOf(load()),
        },
    );
    const placeholder = new Module(filename);
    placeholder.filename = filename;
    placeholder.loaded = true;
    placeholder.exports = standIn;
    require.cache[filename] = placeholder;
    return true;
}

/** The files the SDK's closure serialiser loads with the SDK's index, as its modules resolve them. */
export function closureSerialiserDependencies(sdk: string): { filename: string; declaresEsModule: boolean }[] {
    const found: { filename: string; declaresEsModule: boolean }[] = [];
    // typescript-shim.js: `require("typescript")`, else the copy the SDK vendors.
    const vendored = path.join(sdk, "vendor", "typescript@3.8.3", "typescript.js");
    const typescript = resolveFrom("typescript", sdk) ?? (fs.existsSync(vendored) ? vendored : undefined);
    if (typescript) found.push({ filename: typescript, declaresEsModule: false });
    // runtime/closure/codePaths.js: `__importStar(require("@npmcli/arborist"))`, then `arborist.Arborist` only.
    const arborist = resolveFrom("@npmcli/arborist", path.join(sdk, "runtime", "closure"));
    if (arborist) found.push({ filename: arborist, declaresEsModule: true });
    return found;
}

function resolveFrom(request: string, dir: string): string | undefined {
    try {
        return require.resolve(request, { paths: [dir] });
    } catch {
        return undefined;
    }
}

/** The two places where the SDK formats a stack for its own bookkeeping: file and function of the first frame. */
export function bookkeepingFrames(sdk: string): { file: string; fn: string }[] {
    return [
        { file: path.join(sdk, "runtime", "debuggable.js"), fn: "debuggablePromise" },
        { file: path.join(sdk, "resource.js"), fn: "callsites" },
    ];
}

/** A stack as V8 formats it when no `Error.prepareStackTrace` is set. */
export function v8Stack(error: Error, frames: NodeJS.CallSite[]): string {
    const head = Error.prototype.toString.call(error);
    return frames.length ? `${head}\n    at ${frames.join("\n    at ")}` : head;
}

/** Marks the formatter below, across copies of this module: a key of the process-wide symbol registry. */
const FORMATS_BOOKKEEPING_PLAINLY = Symbol.for("iklimco.sdk-start.formatBookkeepingStacksPlainly");

/**
 * Formats the SDK's bookkeeping stacks as V8 does and hands every other stack to the formatter installed before:
 * source-map-support under `pulumi`, Node's own otherwise.
 */
export function formatBookkeepingStacksPlainly(sdk: string): void {
    const installed = Error.prepareStackTrace ?? v8Stack;
    // A second copy of this module (the bundle and the sources in one process) finds its formatter in place.
    if (FORMATS_BOOKKEEPING_PLAINLY in installed) return;
    const bookkeeping = bookkeepingFrames(sdk);
    const formatter = (error: Error, frames: NodeJS.CallSite[]) => {
        const top = frames[0];
        const file = top?.getFileName();
        const fn = top?.getFunctionName();
        return bookkeeping.some((b) => b.file === file && b.fn === fn) ? v8Stack(error, frames) : installed(error, frames);
    };
    Error.prepareStackTrace = Object.assign(formatter, { [FORMATS_BOOKKEEPING_PLAINLY]: true });
}

/** Both measures, for the SDK this program loads. */
export function startSdk(): void {
    const sdk = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
    for (const d of closureSerialiserDependencies(sdk)) deferModule(d.filename, d.declaresEsModule);
    formatBookkeepingStacksPlainly(sdk);
}

startSdk();
