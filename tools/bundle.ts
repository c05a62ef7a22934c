// Last step of `npm run build`: the program Pulumi starts (bin/index.js) and the module the offline engine
// evaluates for it (bin/platform.js) become one file each, written over tsc's output of index.ts and
// platform.ts. Loading the program was about a third of its start-up: some 330 modules (zod's 95, yaml's 72,
// the program's own), each resolved, read and compiled on its own; a bundle is one read, and esbuild drops the
// code nothing calls (zod's 64 locales). The bundles are made from the sources tsc has just type-checked.
//
// What stays a real module, loaded from bin/ or node_modules/ as before:
// - @pulumi/* (the runtime and the provider SDKs: the runtime is process-global and the language host and the
//   policy analyzer load their own copy, and the SDKs' version files are read beside them);
// - the dynamic providers' modules (tools/serialize-providers.ts): their prebuilt text is keyed by the hash of
//   the compiled module that runs (components/prebuilt-dynamic-resource.ts), so they run as tsc emitted them.
// A bundled module reading files beside itself (`__dirname`) gets its own directory under bin/, where
// tools/copy-assets.ts put its scripts; `__filename` has no such meaning in a bundle and fails the build.
import * as esbuild from "esbuild";
import * as fs from "fs";
import { builtinModules } from "module";
import * as path from "path";
import { BIN as OUT, REPO } from "./build-paths";
import { runMain } from "./cli";
import { DYNAMIC_PROVIDERS } from "./serialize-providers";


/** The program's entry points, bundled over their tsc output in bin/. */
export const BUNDLED_ENTRIES = ["index.ts", "platform.ts", "tools/plan.ts"];

/**
 * The sources of the dynamic providers' modules: bin/components/dns/godaddy.js -> components/dns/godaddy.ts when
 * this runs compiled, the source itself under ts-node.
 */
export function providerSources(): string[] {
    return DYNAMIC_PROVIDERS.map((p) => {
        const file = p().file;
        const rel = path.relative(OUT, file);
        return rel.startsWith("..") ? file : path.join(REPO, rel.replace(/\.js$/, ".ts"));
    });
}

/**
 * A bundled module's `__dirname`, as an expression in the bundle written to `outfile`: the module's own
 * directory under bin/ (the bundle's `__dirname` is its own directory).
 */
export function dirnameExpression(source: string, outfile: string): string {
    const own = path.join(OUT, path.relative(REPO, path.dirname(source)));
    const rel = path.relative(path.dirname(outfile), own).split(path.sep).join("/");
    return rel ? `require("path").join(__dirname, ${JSON.stringify(rel)})` : "__dirname";
}

const NAMESPACE_IMPORT = /^import \* as (\w+) from "([^"]+)";$/gm;

/**
 * `import * as x from "<@pulumi/* or a Node built-in>"` as `import x = require(...)`: what tsc's emit amounts to
 * for these (its __importStar hands back a module marked __esModule as it is). esbuild would otherwise copy the
 * module's exports into a namespace object in every importing module, behind getters every call goes through.
 */
function requireExternal(line: string, name: string, spec: string): string {
    return spec.startsWith("@pulumi/") || builtinModules.includes(spec) ? `import ${name} = require(${JSON.stringify(spec)});` : line;
}

function programPlugin(entry: string, outfile: string, providers: string[]): esbuild.Plugin {
    return {
        name: "iklimco-program",
        setup(build) {
            // The dynamic providers' modules: required from bin/ at run time, as tsc emitted them.
            build.onResolve({ filter: /^\.\.?\// }, (args) => {
                const base = path.resolve(args.resolveDir, args.path);
                const source = providers.find((p) => p === base || p === `${base}.ts`);
                if (!source) return undefined;
                const built = path.join(OUT, path.relative(REPO, source).replace(/\.ts$/, ".js"));
                const rel = path.relative(path.dirname(outfile), built).split(path.sep).join("/");
                return { path: rel.startsWith("../") ? rel : `./${rel}`, external: true };
            });
            build.onLoad({ filter: /\.ts$/ }, (args) => {
                if (args.path.split(path.sep).includes("node_modules")) return undefined;
                const text = fs.readFileSync(args.path, "utf8");
                // Checked on the code without its comments, which may name it. The entry's own is the bundle's:
                // the bundle is written where tsc wrote the entry.
                if (args.path !== entry && /\b__filename\b/.test(esbuild.transformSync(text, { loader: "ts" }).code)) {
                    return { errors: [{ text: `${path.relative(REPO, args.path)} uses __filename, which a bundle cannot keep: make it a module of its own (external)` }] };
                }
                const contents = text.replace(/\b__dirname\b/g, dirnameExpression(args.path, outfile)).replace(NAMESPACE_IMPORT, requireExternal);
                return { contents, loader: "ts" };
            });
        },
    };
}

export async function bundleProgram(): Promise<string[]> {
    const providers = providerSources();
    const written: string[] = [];
    for (const entry of BUNDLED_ENTRIES) {
        const outfile = path.join(OUT, entry.replace(/\.ts$/, ".js"));
        const source = path.join(REPO, entry);
        await esbuild.build({
            entryPoints: [source],
            outfile,
            bundle: true,
            platform: "node",
            format: "cjs",
            target: "node20",
            tsconfig: path.join(REPO, "tsconfig.json"),
            external: ["@pulumi/*"],
            logLevel: "warning",
            plugins: [programPlugin(source, outfile, providers)],
        });
        written.push(outfile);
    }
    return written;
}

if (require.main === module) runMain(bundleProgram);
