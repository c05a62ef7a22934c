// Vault hardening guide, "end-to-end TLS": Vault listens with TLS only, never in dev mode, and clients reach
// it over https. Vault's config may come as VAULT_LOCAL_CONFIG, as a Swarm config, or as files; each source
// that is visible in the plan is checked, and the service must mount its certificate (/vault/certs).
import { ResourceValidationPolicy } from "@pulumi/policy";
import { TYPES, envMap, serviceFacts } from "../lib/resources";

/* eslint-disable @typescript-eslint/no-explicit-any */
/** Problems of a Vault server config text (HCL or JSON). */
export function vaultConfigTlsProblems(text: string): string[] {
    const problems: string[] = [];
    if (/"?tls_disable"?\s*[=:]\s*("?(true|1)"?)/i.test(text)) problems.push("the Vault listener sets tls_disable: it would serve plain http");
    if (/listener/.test(text) && !/tls_cert_file/.test(text)) problems.push("the Vault listener names no tls_cert_file");
    return problems;
}

export function vaultServiceTlsProblems(props: Record<string, any>): string[] {
    const problems: string[] = [];
    const spec = props.taskSpec?.containerSpec ?? {};
    const env = envMap(spec.env);
    const argv = [...(spec.commands ?? []), ...(spec.args ?? [])].map(String);
    if (argv.some((a) => a === "-dev" || a.startsWith("-dev-")) || "VAULT_DEV_ROOT_TOKEN_ID" in env) problems.push("Vault runs in dev mode (in memory, unsealed, plain http)");
    for (const k of ["VAULT_ADDR", "VAULT_API_ADDR", "VAULT_CLUSTER_ADDR"]) {
        if (typeof env[k] === "string" && (env[k] as string).startsWith("http://")) problems.push(`${k} is plain http: Vault must be reached over https`);
    }
    if (typeof env.VAULT_LOCAL_CONFIG === "string") problems.push(...vaultConfigTlsProblems(env.VAULT_LOCAL_CONFIG));
    const targets = [...(spec.mounts ?? []).map((m: any) => String(m.target ?? "")), ...(spec.secrets ?? []).map((s: any) => String(s.fileName ?? ""))];
    if (!targets.some((t) => /cert|tls|ssl/i.test(t))) problems.push("no TLS certificate is mounted into the Vault service (expected a mount such as /vault/certs)");
    return problems;
}

export const vaultListenerTls: ResourceValidationPolicy = {
    name: "vault-listener-tls",
    description: "Vault listens with TLS only (no tls_disable, no dev mode), is addressed over https, and has its certificate mounted.",
    enforcementLevel: "mandatory",
    remediationSteps: "Keep tls_disable unset in the listener, point tls_cert_file/tls_key_file at /vault/certs, and use https:// addresses.",
    validateResource: (args, reportViolation) => {
        if (args.type === TYPES.service) {
            const facts = serviceFacts(args.props);
            if (facts.component !== "vault") args.notApplicable("not a Vault server service");
            for (const p of vaultServiceTlsProblems(args.props)) reportViolation(p);
            return;
        }
        if (args.type === TYPES.serviceConfig) {
            let text = "";
            try {
                text = Buffer.from(String(args.props.data ?? ""), "base64").toString("utf8");
            } catch {
                text = "";
            }
            if (!/listener\s*"?tcp"?/.test(text) && !/"listener"/.test(text)) args.notApplicable("not a Vault server config");
            for (const p of vaultConfigTlsProblems(text)) reportViolation(p);
            return;
        }
        args.notApplicable("only Vault services and their Swarm configs carry a listener");
    },
};
