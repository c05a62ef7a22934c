// Vault's production hardening guide: do not run as root.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, serviceFacts } from "../lib/resources";

export const vaultUnprivileged: ResourceValidationPolicy = {
    name: "vault-unprivileged-user",
    description: "The Vault server does not run as root (hardening guide: 'do not run as root').",
    enforcementLevel: "advisory",
    remediationSteps: "Set `user: vault` (or the image's vault uid) in the Vault ServiceSpec.",
    validateResource: (args, reportViolation) => {
        if (args.type !== TYPES.service || serviceFacts(args.props).component !== "vault") return args.notApplicable("not a Vault server service");
        const user = args.props.taskSpec?.containerSpec?.user;
        if (user === "root" || user === "0" || /^0:/.test(String(user ?? ""))) reportViolation(`the Vault server runs as ${user}`);
    },
};
