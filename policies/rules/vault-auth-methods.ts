// Vault's production hardening guide: enable only the auth methods in use, with bounded leases.
import * as vault from "@pulumi/vault";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

export const vaultAuthMethods: ResourceValidationPolicy = {
    name: "vault-auth-methods",
    description: "Only the auth methods the platform uses are enabled (AppRole for services), each with a bounded maximum lease.",
    enforcementLevel: "advisory",
    configSchema: { properties: { allowed: { type: "array", items: { type: "string" }, default: ["approle"] } } },
    validateResource: validateResourceOfType(vault.AuthBackend, (backend, args, reportViolation) => {
        const allowed = args.getConfig<{ allowed?: string[] }>().allowed ?? ["approle"];
        if (!allowed.includes(String(backend.type))) reportViolation(`auth method ${backend.type} is not one of ${allowed.join(", ")}`);
        if (!backend.tune?.maxLeaseTtl) reportViolation(`auth method ${backend.path ?? backend.type} has no tune.maxLeaseTtl: tokens default to the system maximum (32 days)`);
    }),
};
