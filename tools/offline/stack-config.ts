// Reads Pulumi.<stack>.yaml the way the Pulumi CLI hands config to a program, without any secret: encrypted
// values (`secure:`) and required secrets that are not set are stood in for by placeholders, themselves
// marked secret, so the program runs exactly as with real values and no real value is ever needed.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { CONFIG_NAMESPACE, RawSettings, SECRET_SPECS, parseRawValue } from "../../components/config";
import { REPO_ROOT } from "./engine";

export interface SecretStatus {
    key: string;
    required: boolean;
    /** `set`: encrypted in the stack file; `missing`: the real stack must set it; `optional`: generated if unset. */
    state: "set" | "missing" | "optional";
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
 * Turns a stack file's `config:` map into the runtime's string map. `overrides` replace whole keys (undefined
 * removes one); `secretValues` sets secrets to known values (tests).
 */
export function readStackConfig(stack: string, overrides: Record<string, unknown> = {}, secretValues: Record<string, string> = {}): OfflineStackConfig {
    const file = stackFile(stack);
    if (!fs.existsSync(file)) throw new Error(`no stack file ${path.basename(file)}: expected one of ${listStacks().join(", ")}`);
    const doc = YAML.parse(fs.readFileSync(file, "utf8")) ?? {};
    const entries: Record<string, unknown> = { ...(doc.config ?? {}), ...overrides };
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
        if (required && !isSet) {
            config[full] = placeholderFor(full);
            secretKeys.push(full);
        }
        return { key: full, required, state: isSet ? "set" : required ? "missing" : "optional", description: spec.description };
    });
    return { stack, file, config, secretKeys: secretKeys.sort(), secrets };
}

export function listStacks(): string[] {
    return fs
        .readdirSync(REPO_ROOT)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => !!s)
        .sort();
}
