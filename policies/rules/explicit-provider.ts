// Every Docker and Vault resource names the explicit provider: a default provider would take DOCKER_HOST or
// VAULT_ADDR from whatever machine runs `pulumi up`.
import { ResourceValidationPolicy } from "@pulumi/policy";

const PACKAGES = ["docker", "vault"];

export const explicitProvider: ResourceValidationPolicy = {
    name: "explicit-provider",
    description: "Every Docker and Vault resource uses the explicit provider of the stack, never a default provider.",
    enforcementLevel: "mandatory",
    remediationSteps: "Pass `provider: swarm.provider` (or the Vault provider) in the resource options.",
    validateResource: (args, reportViolation) => {
        const pkg = args.type.split(":")[0];
        if (!PACKAGES.includes(pkg)) args.notApplicable("not a Docker or Vault resource");
        const p = args.provider;
        // The engine names default providers `default` or `default_<version>`.
        if (!p) reportViolation(`${pkg} resource without an explicit provider`);
        else if (/^default(_|$)/.test(p.name)) reportViolation(`${pkg} resource uses the default provider ${p.name}`);
    },
};
