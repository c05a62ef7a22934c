// AppRole credentials are machine credentials: bounded in time (a stolen secret id or token expires) and in
// place (only usable from the overlay network), and never carrying the root policy.
import * as vault from "@pulumi/vault";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

export interface AppRoleConfig {
    maxSecretIdTtl?: number;
    maxTokenTtl?: number;
    maxTokenMaxTtl?: number;
}

const OPEN_CIDRS = ["0.0.0.0/0", "::/0"];

export const approleRoleBounded: ResourceValidationPolicy = {
    name: "approle-role-bounded",
    description: "AppRole roles have bounded secret_id_ttl, token_ttl and token_max_ttl, are bound to CIDRs, and never grant the root policy.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            maxSecretIdTtl: { type: "integer", default: 30 * 24 * 3600 },
            maxTokenTtl: { type: "integer", default: 24 * 3600 },
            maxTokenMaxTtl: { type: "integer", default: 24 * 3600 },
        },
    },
    remediationSteps: "Set secretIdTtl, tokenTtl, tokenMaxTtl (vault.approleDefaults) and secretIdBoundCidrs/tokenBoundCidrs to the overlay subnet.",
    validateResource: validateResourceOfType(vault.approle.AuthBackendRole, (role, args, reportViolation) => {
        const cfg = args.getConfig<AppRoleConfig>();
        const bounds: [string, number | undefined, number][] = [
            ["secret_id_ttl", role.secretIdTtl, cfg.maxSecretIdTtl ?? 30 * 24 * 3600],
            ["token_ttl", role.tokenTtl, cfg.maxTokenTtl ?? 24 * 3600],
            ["token_max_ttl", role.tokenMaxTtl, cfg.maxTokenMaxTtl ?? 24 * 3600],
        ];
        for (const [key, value, max] of bounds) {
            if (value === undefined || value === null || value <= 0) reportViolation(`${key} is not set (0 means never expires)`);
            else if (value > max) reportViolation(`${key} is ${value}s, above the bound of ${max}s`);
        }
        if (role.tokenTtl && role.tokenMaxTtl && role.tokenTtl > role.tokenMaxTtl) reportViolation("token_ttl is longer than token_max_ttl");
        for (const [key, cidrs] of [
            ["secret_id_bound_cidrs", role.secretIdBoundCidrs],
            ["token_bound_cidrs", role.tokenBoundCidrs],
        ] as const) {
            if (!cidrs || !cidrs.length) reportViolation(`${key} is empty: the credential would work from anywhere`);
            else if (cidrs.some((c) => OPEN_CIDRS.includes(c))) reportViolation(`${key} includes an open range (${cidrs.filter((c) => OPEN_CIDRS.includes(c)).join(", ")})`);
        }
        if ((role.tokenPolicies ?? []).includes("root")) reportViolation("the role grants the root policy");
    }),
};
