// The Vault policies as HCL text: each microservice's least-privilege policy on its own KV v2 paths, and the
// policy of the program's own token. Pure: tests parse the rendered text.
import { MicroserviceSpec } from "../config";

/** A string as an HCL string literal. */
const q = (s: string) => JSON.stringify(s);

/**
 * The KV v2 paths a microservice may use: each configured path under the service's own prefix
 * (`<mount>/data/<service>/<path>`), or its whole prefix when none is configured. Never another service's.
 */
export function servicePaths(svc: MicroserviceSpec): string[] {
    const paths = svc.vault.paths.length ? svc.vault.paths.map((p) => `${svc.name}/${p.replace(/\/+$/, "")}`) : [svc.name];
    return [...new Set(paths)].sort();
}

/** Least privilege: read (and list metadata) unless `vault.write`, then create/update/patch/delete too. */
export function policyHcl(kvMount: string, svc: MicroserviceSpec): string {
    const data = svc.vault.write ? ["create", "read", "update", "patch", "delete"] : ["read"];
    const meta = svc.vault.write ? ["read", "list", "delete"] : ["read", "list"];
    const caps = (c: string[]) => `[${c.map(q).join(", ")}]`;
    const blocks: string[] = [`# ${svc.name}: ${svc.vault.write ? "read-write" : "read-only"} on its own KV v2 paths`];
    for (const p of servicePaths(svc)) {
        for (const suffix of ["", "/*"]) {
            blocks.push(`path ${q(`${kvMount}/data/${p}${suffix}`)} {\n  capabilities = ${caps(data)}\n}`);
            blocks.push(`path ${q(`${kvMount}/metadata/${p}${suffix}`)} {\n  capabilities = ${caps(meta)}\n}`);
        }
    }
    return blocks.join("\n\n") + "\n";
}

/**
 * What the program's own Vault token needs after bootstrap (the token that replaces the root token, see
 * docs/vault.md): manage the AppRole backend, the KV mount, the audit device, the service policies, and create
 * child tokens for the provider.
 */
export function adminPolicyHcl(kvMount: string, approlePath: string): string {
    const rules: [string, string[]][] = [
        [`auth/${approlePath}/*`, ["create", "read", "update", "delete", "list"]],
        [`sys/auth/${approlePath}`, ["create", "read", "update", "delete", "sudo"]],
        [`sys/auth/${approlePath}/*`, ["read", "update", "sudo"]],
        ["sys/auth", ["read"]],
        [`sys/mounts/${kvMount}`, ["create", "read", "update", "delete"]],
        [`sys/mounts/${kvMount}/*`, ["create", "read", "update", "delete"]],
        ["sys/mounts", ["read"]],
        ["sys/audit", ["read", "sudo"]],
        ["sys/audit/*", ["create", "read", "update", "delete", "sudo"]],
        ["sys/policies/acl/*", ["create", "read", "update", "delete", "list"]],
        ["sys/policy/*", ["create", "read", "update", "delete", "list"]],
        ["auth/token/create", ["create", "update"]],
        ["auth/token/lookup-self", ["read"]],
    ];
    return rules.map(([p, c]) => `path ${q(p)} {\n  capabilities = [${c.map(q).join(", ")}]\n}`).join("\n\n") + "\n";
}
