// Vault hardening guide, "enable auditing": an audit device records every request (with secrets hashed), the
// trail a forensic review needs. Stack-level: any stack that runs or configures Vault must declare one.
import { StackValidationPolicy } from "@pulumi/policy";
import { TYPES, serviceFacts } from "../lib/resources";

const DEVICE_TYPES = ["file", "syslog", "socket"];

export const vaultAuditDevice: StackValidationPolicy = {
    name: "vault-audit-device",
    description: "A stack that runs or configures Vault enables at least one audit device (file, syslog or socket).",
    enforcementLevel: "mandatory",
    remediationSteps: "Declare a vault.Audit (type file, path /vault/logs/audit.log or stdout) in the Vault configuration component.",
    validateStack: (args, reportViolation) => {
        const usesVault = args.resources.some(
            (r) => (r.type.startsWith("vault:") && r.type !== TYPES.vaultAudit) || (r.type === TYPES.service && serviceFacts(r.props).component === "vault"),
        );
        if (!usesVault) args.notApplicable("the stack neither runs nor configures Vault");
        const audits = args.resources.filter((r) => r.type === TYPES.vaultAudit);
        if (!audits.length) {
            reportViolation("Vault is deployed or configured but no audit device (vault.Audit) is declared");
            return;
        }
        for (const a of audits) {
            if (!DEVICE_TYPES.includes(String(a.props.type))) reportViolation(`audit device of type "${a.props.type}" is not one of ${DEVICE_TYPES.join(", ")}`, a.urn);
            if (a.props.type === "file" && !a.props.options?.file_path) reportViolation("file audit device without options.file_path", a.urn);
        }
    },
};
