// Reads Pulumi.<stack>.yaml the way the Pulumi CLI hands config to a program, without any secret: encrypted
// values (`secure:`) and required secrets that are not set are stood in for by placeholders, themselves
// marked secret, so the program runs exactly as with real values and no real value is ever needed.
import * as fs from "fs";
import * as path from "path";

import * as YAML from "yaml";
import { CONFIG_NAMESPACE, ConfigError, ConfigProblem, RawSettings, SECRET_SPECS, Settings, parseRawValue, validateSettings } from "../../components/config";
import { REPO_ROOT } from "./engine";

export interface SecretStatus {
    key: string;
    required: boolean;
    /**
     * `set`: encrypted in the stack file; `missing`: the real stack must set it; `optional`: generated if unset;
     * `plain-text`: written unencrypted, which the program refuses.
     */
    state: "set" | "missing" | "optional" | "plain-text";
    description: string;
}

export interface OfflineStackConfig {
    stack: string;
    file: string;
    config: Record<string, string>;
    secretKeys: string[];
    secrets: SecretStatus[];
}

export function placeholderFor(key: string): string {
    return `offline-placeholder-for-${key.replace(/[^A-Za-z0-9]/g, "-")}`;
}

export function stackFile(stack: string): string {
    return path.join(REPO_ROOT, `Pulumi.${stack}.yaml`);
}

/**
 * Reads a stack file as the Pulumi CLI would, refusing what the CLI refuses: a missing file, broken YAML (an
 * unclosed list, a tab in the indentation, a duplicate key) and a `config:` that is not a map each throw a
 * ConfigError naming the file, the line and the column.
 */
export function readStackFile(file: string): Record<string, unknown> {
    const name = displayName(file);
    if (!fs.existsSync(file)) {
        const stacks = listStacks();
        throw new ConfigError([
            { key: name, expected: `a stack file${stacks.length ? ` (this project has ${stacks.map((s) => `Pulumi.${s}.yaml`).join(", ")})` : ""}`, found: "no such file", fix: "pulumi stack init <name>, or check the --stack name" },
        ]);
    }
    const text = fs.readFileSync(file, "utf8");
    const doc = YAML.parseDocument(text, { uniqueKeys: true, prettyErrors: true });
    const lines = text.split(/\r?\n/);
    const problems: ConfigProblem[] = [];
    const seenLines = new Set<number>();
    // After the first structural error the parser's later complaints are mostly its consequences: keep the first
    // one, and every duplicate key, which stands on its own.
    const firstOther = doc.errors.find((e) => e.code !== "DUPLICATE_KEY");
    for (const e of doc.errors.filter((x) => x === firstOther || x.code === "DUPLICATE_KEY")) {
        const at = e.linePos?.[0];
        // One problem per line: a tab, say, makes the parser stumble several times over the same line.
        if (at && seenLines.has(at.line)) continue;
        if (at) seenLines.add(at.line);
        const line = at ? lines[at.line - 1] ?? "" : "";
        const opened = at && (e.code === "BAD_INDENT" || e.code === "MISSING_CHAR" || e.code === "UNEXPECTED_TOKEN") ? unclosedBefore(lines, at.line) : undefined;
        problems.push({
            key: at ? `${name}:${at.line}:${at.col}` : name,
            expected: YAML_EXPECTATIONS[e.code] ?? "well-formed YAML",
            found: `${e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}${line.trim() ? `: ${JSON.stringify(line.trim().slice(0, 60))}` : ""}${opened ? ` (the ${opened.char} opened at line ${opened.line}, column ${opened.col} is not closed)` : ""}`,
        });
    }
    if (problems.length) throw new ConfigError(problems);
    const value = doc.toJS() ?? {};
    const config = (value as { config?: unknown }).config ?? {};
    if (typeof config !== "object" || Array.isArray(config) || config === null) {
        const node = doc.get("config", true) as { range?: [number, number, number] } | undefined;
        const at = node?.range ? lineCol(text, node.range[0]) : undefined;
        throw new ConfigError([{ key: at ? `${name}:${at.line}:${at.col}` : name, expected: "config: a map of keys such as iklimco:domain: iklim.co", found: JSON.stringify(config) }]);
    }
    return config as Record<string, unknown>;
}

// What each kind of YAML error needs instead, for people rather than parsers.
const YAML_EXPECTATIONS: Record<string, string> = {
    TAB_AS_INDENT: "indentation with spaces (YAML does not allow tabs)",
    DUPLICATE_KEY: "each key once in its map (the later value would silently win)",
    BAD_INDENT: "a list or map closed and indented like its siblings, e.g. labels: [etcd, db]",
    MISSING_CHAR: "a closing ] or } for the list or map opened before",
    UNEXPECTED_TOKEN: "well-formed YAML at this point",
    MULTILINE_IMPLICIT_KEY: "a key: value on one line, or a quoted value",
    BLOCK_AS_IMPLICIT_KEY: "key: value pairs indented under their parent",
};

/** The last [ or { before `line` that its own line does not close: where an unclosed list or map began. */
function unclosedBefore(lines: string[], line: number): { char: string; line: number; col: number } | undefined {
    for (let i = line - 1; i >= 1; i--) {
        const t = lines[i - 1].replace(/#.*$/, "");
        const stack: number[] = [];
        for (let c = 0; c < t.length; c++) {
            if (t[c] === "[" || t[c] === "{") stack.push(c);
            else if ((t[c] === "]" || t[c] === "}") && stack.length) stack.pop();
        }
        if (stack.length) return { char: t[stack[stack.length - 1]], line: i, col: stack[stack.length - 1] + 1 };
    }
    return undefined;
}

/**
 * Where a problem's key is in the stack file: the line and column of the key itself, or of the deepest parent
 * that exists when the key is missing. Keys are `ns:top.sub[0].leaf` as the program reports them.
 */
export function locateKey(file: string, key: string): string | undefined {
    if (!fs.existsSync(file)) return undefined;
    const text = fs.readFileSync(file, "utf8");
    const doc = YAML.parseDocument(text);
    const m = /^([^.[]+)(.*)$/.exec(key);
    if (!m || doc.errors.length) return undefined;
    const keys: (string | number)[] = [m[1]];
    for (const seg of m[2].matchAll(/\.([^.[\]]+)|\[(\d+)\]/g)) keys.push(seg[2] !== undefined ? Number(seg[2]) : seg[1]);
    let node: unknown = doc.get("config", true);
    let offset: number | undefined;
    for (const seg of keys) {
        if (YAML.isMap(node)) {
            const pair = node.items.find((p) => YAML.isScalar(p.key) && p.key.value === seg);
            if (!pair) break;
            offset = (pair.key as YAML.Scalar).range?.[0];
            node = pair.value;
        } else if (YAML.isSeq(node) && typeof seg === "number" && node.items[seg]) {
            node = node.items[seg];
            offset = (node as YAML.Node).range?.[0];
        } else {
            break;
        }
    }
    if (offset === undefined) return undefined;
    const at = lineCol(text, offset);
    return `${displayName(file)}:${at.line}:${at.col}`;
}

/** A file as the operator knows it: relative to where the command runs, or absolute when outside it. */
function displayName(file: string): string {
    const relative = path.relative(process.cwd(), file);
    return relative && !relative.startsWith("..") ? relative : file;
}

function lineCol(text: string, offset: number): { line: number; col: number } {
    const before = text.slice(0, offset).split(/\r?\n/);
    return { line: before.length, col: before[before.length - 1].length + 1 };
}

/**
 * Turns a stack file's `config:` map into the runtime's string map. `overrides` replace whole keys (undefined
 * removes one); `secretValues` sets secrets to known values (tests); `file` reads another file than
 * Pulumi.<stack>.yaml (the CLI's --config-file).
 */
export function readStackConfig(stack: string, overrides: Record<string, unknown> = {}, secretValues: Record<string, string> = {}, file = stackFile(stack)): OfflineStackConfig {
    // A key written without a namespace belongs to the project, as the Pulumi CLI files it.
    const project = projectName();
    const fromFile = Object.fromEntries(Object.entries(readStackFile(file)).map(([k, v]) => [k.includes(":") ? k : `${project}:${k}`, v]));
    const entries: Record<string, unknown> = { ...fromFile, ...overrides };
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    const raw: RawSettings = {};
    for (const [key, value] of Object.entries(secretValues)) {
        config[key] = value;
        secretKeys.push(key);
    }
    for (const [key, value] of Object.entries(entries)) {
        if (value === undefined || key in secretValues) continue;
        if (value && typeof value === "object" && "secure" in (value as object)) {
            config[key] = placeholderFor(key);
            secretKeys.push(key);
            continue;
        }
        config[key] = typeof value === "string" ? value : JSON.stringify(value);
        if (key.startsWith(`${CONFIG_NAMESPACE}:`)) raw[key.slice(CONFIG_NAMESPACE.length + 1)] = parseRawValue(config[key]);
    }
    const secrets: SecretStatus[] = SECRET_SPECS.map((spec) => {
        const full = `${CONFIG_NAMESPACE}:${spec.key}`;
        const required = spec.required(raw);
        const isSet = secretKeys.includes(full);
        // A secret written in plain text stays plain: the program refuses it as the real run would.
        if (!isSet && full in config) return { key: full, required, state: "plain-text", description: spec.description };
        if (required && !isSet) {
            config[full] = placeholderFor(full);
            secretKeys.push(full);
        }
        return { key: full, required, state: isSet ? "set" : required ? "missing" : "optional", description: spec.description };
    });
    return { stack, file, config, secretKeys: secretKeys.sort(), secrets };
}

/**
 * The validated settings of a stack's config, as the program reads them (defaults applied); throws the program's
 * ConfigError, naming every problem, when the config is invalid.
 */
export function settingsOf(cfg: Pick<OfflineStackConfig, "config" | "secretKeys">): Settings {
    const raw: RawSettings = {};
    const prefix = `${CONFIG_NAMESPACE}:`;
    for (const [key, value] of Object.entries(cfg.config)) if (key.startsWith(prefix)) raw[key.slice(prefix.length)] = parseRawValue(value);
    const secretKeys = new Set(cfg.secretKeys.filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length)));
    const { settings, problems } = validateSettings(raw, secretKeys);
    if (!settings) throw new ConfigError(problems);
    return settings;
}

/** The project's name from Pulumi.yaml: the namespace of a config key written without one. */
export function projectName(): string {
    const doc = YAML.parse(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8")) as { name?: string };
    return doc?.name ?? "project";
}

export function listStacks(): string[] {
    return fs
        .readdirSync(REPO_ROOT)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => !!s)
        .sort();
}
