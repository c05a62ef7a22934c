// Second half of `npm run build`: tsc emits only JavaScript, but the components (and the migration command) read
// scripts that sit beside their sources (fs.readFileSync(path.join(__dirname, ...))). This copies every file
// under components/ and tools/migration/ that tsc does not compile into the same place under bin/, so the
// compiled program reads the same scripts.
// Stale copies are replaced; running it twice gives the same tree. It then marks everything in bin/ as built
// now: an incremental tsc leaves an output whose source was touched but not changed as it was, and the check
// that bin/ is not older than the sources (tools/offline/built.ts) would call it stale.
import * as fs from "fs";
import * as path from "path";
import { BIN as OUT, REPO } from "./build-paths";

/** Files under `dir` (relative to the repository) that are not TypeScript sources. */
export function assetFiles(dir: string): string[] {
    const out: string[] = [];
    const walk = (rel: string) => {
        for (const e of fs.readdirSync(path.join(REPO, rel), { withFileTypes: true })) {
            const child = path.join(rel, e.name);
            if (e.isDirectory()) walk(child);
            else if (e.isFile() && !e.name.endsWith(".ts")) out.push(child);
        }
    };
    walk(dir);
    return out.sort();
}

export function copyAssets(): string[] {
    const files = [...assetFiles("components"), ...assetFiles(path.join("tools", "migration"))];
    for (const f of files) {
        const to = path.join(OUT, f);
        fs.mkdirSync(path.dirname(to), { recursive: true });
        fs.copyFileSync(path.join(REPO, f), to);
        fs.chmodSync(to, fs.statSync(path.join(REPO, f)).mode & 0o777);
    }
    return files;
}

function touchAll(dir: string, now: Date): void {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) touchAll(p, now);
        else if (e.isFile()) fs.utimesSync(p, now, now);
    }
}

if (require.main === module) {
    copyAssets();
    touchAll(OUT, new Date());
}
