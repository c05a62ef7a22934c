// Least privilege for Vault policies: no wildcard at the root (it grants every mount, including sys/), and
// `sudo` (root-protected endpoints) only in the bootstrap policy that configures Vault itself.
import * as vault from "@pulumi/vault";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

export interface VaultPolicyConfig {
    /** Policies allowed to hold `sudo`; by default `bootstrap` and any `<prefix>-bootstrap`. */
    bootstrapPolicies?: string[];
}

const isBootstrap = (name: string, bootstrap?: string[]) => (bootstrap ? bootstrap.includes(name) : /(^|-)bootstrap$/.test(name));

export interface PolicyRule {
    path: string;
    capabilities: string[];
}

/** Reads the `path "<p>" { capabilities = [...] }` blocks of an HCL policy (or the JSON form). */
export function parsePolicyRules(text: string): PolicyRule[] {
    const trimmed = text.trim();
    if (trimmed.startsWith("{")) {
        try {
            const doc = JSON.parse(trimmed) as { path?: Record<string, { capabilities?: string[] }> };
            return Object.entries(doc.path ?? {}).map(([path, v]) => ({ path, capabilities: v.capabilities ?? [] }));
        } catch {
            return [];
        }
    }
    const rules: PolicyRule[] = [];
    const block = /path\s+"([^"]*)"\s*\{([^}]*)\}/g;
    for (let m = block.exec(text); m; m = block.exec(text)) {
        const caps = /capabilities\s*=\s*\[([^\]]*)\]/.exec(m[2])?.[1] ?? "";
        rules.push({ path: m[1], capabilities: [...caps.matchAll(/"([^"]+)"/g)].map((c) => c[1]) });
    }
    return rules;
}

/** A path whose first segment is a wildcard: `*`, `+/...`, `+*`. */
export function isRootWildcard(path: string): boolean {
    const p = path.replace(/^\/+/, "");
    return p === "" || p.startsWith("*") || p.startsWith("+");
}

export function policyProblems(name: string, text: string, bootstrap?: string[]): string[] {
    const problems: string[] = [];
    const rules = parsePolicyRules(text);
    if (!rules.length) problems.push("the policy grants no path (or could not be read)");
    for (const r of rules) {
        if (isRootWildcard(r.path)) problems.push(`path "${r.path}" is a wildcard at the root: it reaches every mount including sys/`);
        if (r.capabilities.includes("sudo") && !isBootstrap(name, bootstrap)) {
            problems.push(`path "${r.path}" grants sudo outside the bootstrap policy (${bootstrap ? bootstrap.join(", ") : "bootstrap or <prefix>-bootstrap"})`);
        }
    }
    return problems;
}

export const vaultPolicyLeastPrivilege: ResourceValidationPolicy = {
    name: "vault-policy-least-privilege",
    description: "Every Vault policy is least privilege: no wildcard path at the root, and no sudo outside the bootstrap policy.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { bootstrapPolicies: { type: "array", items: { type: "string" } } } },
    remediationSteps: "Grant each service only its own KV paths (secret/data/<svc>/*), read-only unless it writes.",
    validateResource: validateResourceOfType(vault.Policy, (policy, args, reportViolation) => {
        const bootstrap = args.getConfig<VaultPolicyConfig>().bootstrapPolicies;
        for (const p of policyProblems(String(policy.name ?? args.name), String(policy.policy ?? ""), bootstrap)) reportViolation(p);
    }),
};
