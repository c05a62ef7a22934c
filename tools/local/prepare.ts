// `npm run local-prepare [-- --stack local] [--check]`: gets a laptop ready for the local stack (docs/local.md).
// Evaluates the stack offline, then creates every host directory its services bind-mount (Swarm rejects a
// task whose bind source is missing) and lists every image in images.* that is not in the local Docker
// engine, with how to get it. --check creates nothing and exits 1 if a directory or an image is missing.
// Safe to run twice: it only creates what is absent.
import { spawnSync } from "child_process";
import * as fs from "fs";
import { parseArgs } from "util";
import { ComposeDoc } from "../../components/swarm/stack-file";
import { evaluateProgram } from "../offline/engine";
import { stackFilesOf } from "../offline/compose";
import { readStackConfig, settingsOf } from "../offline/stack-config";
import { withUsage } from "../cli";

/** Host paths the stack binds: directories to create, and files (sockets) that must already exist. */
export interface BindSources {
    directories: string[];
    files: string[];
}

/* eslint-disable @typescript-eslint/no-explicit-any */
export function bindSourcesOf(docs: Iterable<ComposeDoc>): BindSources {
    const dirs = new Set<string>();
    const files = new Set<string>();
    for (const doc of docs) {
        for (const svc of Object.values<any>((doc as any).services ?? {})) {
            for (const v of svc.volumes ?? []) {
                if (typeof v !== "object" || v.type !== "bind") continue;
                // The Docker socket (and any other special file) is the engine's: it must exist, never be made.
                if (/\.sock$/.test(v.source)) files.add(v.source);
                else dirs.add(v.source);
            }
        }
    }
    return { directories: [...dirs].sort(), files: [...files].sort() };
}

export async function localBindSources(stack: string, overrides: Record<string, unknown> = {}): Promise<{ binds: BindSources; images: Record<string, string> }> {
    const cfg = readStackConfig(stack, overrides);
    const ev = await evaluateProgram({ stack, config: cfg.config, secretKeys: cfg.secretKeys });
    const files = await stackFilesOf(ev);
    return { binds: bindSourcesOf(files.values()), images: settingsOf(cfg).images };
}

/** Creates the missing directories (mode 0755); returns the ones it created. */
export function createDirectories(dirs: string[]): string[] {
    const made: string[] = [];
    for (const d of dirs) {
        if (fs.existsSync(d)) {
            if (!fs.statSync(d).isDirectory()) throw new Error(`${d} exists and is not a directory: the stack bind-mounts it as one`);
            continue;
        }
        fs.mkdirSync(d, { recursive: true, mode: 0o755 });
        made.push(d);
    }
    return made;
}

export function missingImages(images: Record<string, string>): string[] {
    return Object.entries(images)
        .filter(([, ref]) => spawnSync("docker", ["image", "inspect", ref], { stdio: "ignore" }).status !== 0)
        .map(([k, ref]) => `images.${k}: ${ref}`);
}

const USAGE = "npm run local-prepare [-- --stack <stack>] [--check]";

export function parsePrepareArgs(argv: string[]): { stack: string; check: boolean } {
    const { values } = withUsage(USAGE, () =>
        parseArgs({ args: argv, options: { stack: { type: "string", default: "local" }, check: { type: "boolean", default: false } }, allowPositionals: false, strict: true }),
    );
    return { stack: values.stack, check: values.check };
}

async function main(): Promise<void> {
    const { stack, check } = parsePrepareArgs(process.argv.slice(2));
    const { binds, images } = await localBindSources(stack);
    let problems = 0;
    for (const f of binds.files) {
        if (!fs.existsSync(f)) {
            console.error(`missing: ${f} (the stack binds it; is the Docker engine running?)`);
            problems++;
        }
    }
    if (check) {
        for (const d of binds.directories.filter((x) => !fs.existsSync(x))) {
            console.error(`missing directory: ${d}`);
            problems++;
        }
    } else {
        for (const d of createDirectories(binds.directories)) console.log(`created ${d}`);
    }
    console.log(`${binds.directories.length} bind-mounted directories present for stack ${stack}`);
    const missing = missingImages(images);
    for (const m of missing) console.error(`image not in the local engine: ${m} (docs/local.md, "Images")`);
    problems += missing.length;
    process.exit(problems ? 1 : 0);
}

if (require.main === module) {
    main().catch((e) => {
        console.error(e instanceof Error ? e.message : e);
        process.exit(2);
    });
}
