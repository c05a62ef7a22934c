// Checks the runtime dependencies of package.json against docs/dependencies.md: every dependency has a row
// with the same version, and every @pulumi/* provider is pinned to a version the provider released (one the
// doc records from `npm view <package> versions`) and not to a known-bad one. A provider SDK's version is the
// plugin version the engine downloads, so a wrong pin fails `pulumi preview` before anything is evaluated.
import * as fs from "fs";
import * as path from "path";

export interface DependencyRow {
    name: string;
    version: string;
    /** The provider plugin it implies (`command 1.2.1`), or undefined for a plain library/SDK. */
    plugin?: string;
    released: string[];
}

/** Rows of a markdown table whose first cell is a back-quoted package name. */
function tableRows(markdown: string, heading: string): string[][] {
    const start = markdown.indexOf(`# ${heading}`);
    if (start < 0) throw new Error(`docs/dependencies.md: no "${heading}" heading`);
    const rest = markdown.slice(start).split("\n").slice(1);
    const end = rest.findIndex((l) => /^#/.test(l));
    return (end < 0 ? rest : rest.slice(0, end))
        .filter((l) => /^\| `[^`]+` \|/.test(l))
        .map((l) => l.split("|").slice(1, -1).map((c) => c.trim()));
}

const unquote = (s: string) => s.replace(/`/g, "").trim();

export function parseDependencyDoc(markdown: string): { rows: DependencyRow[]; knownBad: Map<string, Set<string>> } {
    const rows = tableRows(markdown, "Dependencies").map((c) => {
        const plugin = /^`([a-z-]+)` (\S+)$/.exec(c[2]);
        return {
            name: unquote(c[0]),
            version: c[1],
            plugin: plugin ? `${plugin[1]} ${plugin[2]}` : undefined,
            released: c[3].split(",").map((v) => v.replace(/\(.*\)/, "").trim()).filter(Boolean),
        };
    });
    const knownBad = new Map<string, Set<string>>();
    for (const c of tableRows(markdown, "Known-bad versions")) {
        const name = unquote(c[0]);
        knownBad.set(name, new Set([...(knownBad.get(name) ?? []), c[1]]));
    }
    return { rows, knownBad };
}

/** Every problem with the pins, empty when they are good. `installedPlugin` reads node_modules' SDK metadata. */
export function dependencyProblems(
    dependencies: Record<string, string>,
    markdown: string,
    installedPlugin: (name: string) => { name: string; version: string } | undefined,
): string[] {
    const { rows, knownBad } = parseDependencyDoc(markdown);
    const problems: string[] = [];
    for (const [name, version] of Object.entries(dependencies)) {
        if (!/^\d+\.\d+\.\d+$/.test(version)) problems.push(`${name}: pinned to "${version}", not one exact version (npm install --save-exact)`);
        if (knownBad.get(name)?.has(version)) problems.push(`${name}@${version} is a known-bad version (docs/dependencies.md, "Known-bad versions")`);
        const row = rows.find((r) => r.name === name);
        if (!row) {
            problems.push(`${name}: no row in docs/dependencies.md's Dependencies table (why this package, why this version)`);
            continue;
        }
        if (row.version !== version) problems.push(`${name}: package.json pins ${version}, docs/dependencies.md says ${row.version}`);
        if (!row.released.includes(version)) problems.push(`${name}@${version} is not among the released versions recorded from npm view (${row.released.join(", ")})`);
        const plugin = installedPlugin(name);
        if (plugin) {
            const want = `${plugin.name} ${plugin.version.replace(/^v/, "")}`;
            if (plugin.version !== version) problems.push(`${name}: the installed SDK asks the engine for plugin ${plugin.name} ${plugin.version}, not ${version}`);
            if (row.plugin !== want) problems.push(`${name}: docs/dependencies.md names plugin ${row.plugin ?? "(none)"}, the SDK implies ${want}`);
        } else if (row.plugin) {
            problems.push(`${name}: docs/dependencies.md names plugin ${row.plugin}, but the installed package is not a provider`);
        }
    }
    for (const row of rows) if (!(row.name in dependencies)) problems.push(`${row.name}: in docs/dependencies.md but not a runtime dependency`);
    return problems;
}

/** The provider plugin an installed @pulumi/* SDK declares (package.json `pulumi.resource`), if any. */
export function installedPlugin(root: string, name: string): { name: string; version: string } | undefined {
    const file = path.join(root, "node_modules", name, "package.json");
    if (!fs.existsSync(file)) return undefined;
    const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
    if (!pkg.pulumi?.resource) return undefined;
    return { name: pkg.pulumi.name, version: String(pkg.pulumi.version ?? pkg.version) };
}
