// The JavaScript in bin/ must be what the sources say: `npm run plan` and `npm run bench` run it, and Pulumi.yaml
// starts bin/index.js. This refuses a bin/ older than any source or script it is built from (a stat per file,
// a few milliseconds), naming the file and the fix, so an edit without `npm run build` is never planned stale.
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "./engine";

const SOURCES = ["index.ts", "platform.ts", "components", "microservice", "policies", "tools"];

function walk(root: string, rel: string, out: string[]): void {
    const abs = path.join(root, rel);
    const st = fs.statSync(abs, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isFile()) {
        out.push(rel);
        return;
    }
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) if (e.isDirectory() || e.isFile()) walk(root, path.join(rel, e.name), out);
}

/** The bin/ file built from `rel`: x.ts -> bin/x.js; a script under components/ -> the copy beside it. */
function builtFrom(root: string, rel: string): string | undefined {
    if (rel.endsWith(".d.ts")) return undefined;
    if (rel.endsWith(".ts")) return path.join(root, "bin", rel.replace(/\.ts$/, ".js"));
    return rel.startsWith(`components${path.sep}`) ? path.join(root, "bin", rel) : undefined;
}

/** Sources or scripts whose bin/ counterpart is missing or older than they are. */
export function staleBuild(root = REPO_ROOT): string[] {
    const files: string[] = [];
    for (const s of SOURCES) walk(root, s, files);
    return files.filter((rel) => {
        const out = builtFrom(root, rel);
        if (!out) return false;
        const built = fs.statSync(out, { throwIfNoEntry: false });
        return !built || built.mtimeMs < fs.statSync(path.join(root, rel)).mtimeMs;
    });
}

export function assertBuilt(root = REPO_ROOT): void {
    const stale = staleBuild(root);
    if (stale.length) throw new Error(`bin/ is out of date (${stale.slice(0, 3).join(", ")}${stale.length > 3 ? `, and ${stale.length - 3} more` : ""} changed since the last build): run \`npm run build\``);
}
