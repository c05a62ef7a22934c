// Vault's production hardening guide: single tenancy, Vault on its own nodes.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, serviceFacts } from "../lib/resources";

export const vaultDedicatedNodes: ResourceValidationPolicy = {
    name: "vault-dedicated-nodes",
    description: "Vault members are placed on nodes labelled vault (hardening guide: single tenancy).",
    enforcementLevel: "advisory",
    validateResource: (args, reportViolation) => {
        if (args.type !== TYPES.service || serviceFacts(args.props).component !== "vault") return args.notApplicable("not a Vault server service");
        const constraints: string[] = args.props.taskSpec?.placement?.constraints ?? [];
        if (!constraints.some((c) => /node\.labels\.vault\s*==\s*true/.test(c))) reportViolation("the Vault service is not constrained to nodes labelled vault");
    },
};
