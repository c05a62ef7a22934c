// From Vault's production hardening guide: run as an unprivileged user, single tenancy (Vault on its own
// nodes), versioned KV (recoverable secrets), and few auth methods.
import * as vault from "@pulumi/vault";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
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
