// KV version 2 keeps versions: an overwritten or deleted secret can be recovered.
import * as vault from "@pulumi/vault";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

export const vaultKvVersioned: ResourceValidationPolicy = {
    name: "vault-kv-versioned",
    description: "KV secrets engines are version 2, so an overwritten or deleted secret can be recovered.",
    enforcementLevel: "advisory",
    validateResource: validateResourceOfType(vault.Mount, (mount, args, reportViolation) => {
        if (mount.type !== "kv" && mount.type !== "kv-v2") args.notApplicable("not a KV mount");
        const version = (mount.options as Record<string, string> | undefined)?.version;
        if (mount.type === "kv" && version !== "2") reportViolation(`KV mount ${mount.path} is version ${version ?? "1"}, not 2`);
    }),
};
