// Applies the planned inputs of the program's `@pulumi/vault` resources to a real Vault-API server, through
// the HTTP calls the Vault provider (terraform-provider-vault, which @pulumi/vault wraps) makes for each
// resource on create. Nothing here can run the provider itself (no Pulumi CLI or plugins on this machine), so
// the mapping is written out per resource type, and every input it does not know fails: a new input in the
// program must be mapped here before the test passes, and a value the server refuses fails the test.
import { RecordedResource } from "../harness";
import { ApiResponse, OpenBaoServer } from "./openbao";

/** What applying the plan produced: per AppRole role, its role id and the secret id the plan made. */
export interface AppliedPlan {
    roles: Record<string, { backend: string; roleId: string; secretId?: string }>;
    /** One line per API call made, in order (`POST /v1/sys/auth/approle`), for failure messages. */
    calls: string[];
}

/** Types in the order the engine would create them (data dependencies: backend and policies before roles, roles before secret ids). */
const ORDER = [
    "vault:index/authBackend:AuthBackend",
    "vault:index/mount:Mount",
    "vault:index/audit:Audit",
    "vault:index/policy:Policy",
    "vault:appRole/authBackendRole:AuthBackendRole",
    "vault:appRole/authBackendRoleSecretId:AuthBackendRoleSecretId",
];

function takeInputs(r: RecordedResource, known: string[]): Record<string, unknown> {
    const unknown = Object.keys(r.plainInputs).filter((k) => !known.includes(k));
    if (unknown.length) throw new Error(`${r.type} ${r.name}: inputs not mapped to Vault's API in test/support/vault-provider-api.ts: ${unknown.join(", ")}`);
    return r.plainInputs;
}

/** The provider's `tune` block, as the `config` of sys/auth/<path> (camelCase inputs, snake_case API fields). */
function tuneConfig(tune: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
    if (!tune) return undefined;
    const map: Record<string, string> = {
        defaultLeaseTtl: "default_lease_ttl",
        maxLeaseTtl: "max_lease_ttl",
        listingVisibility: "listing_visibility",
        tokenType: "token_type",
        auditNonHmacRequestKeys: "audit_non_hmac_request_keys",
        auditNonHmacResponseKeys: "audit_non_hmac_response_keys",
        passthroughRequestHeaders: "passthrough_request_headers",
        allowedResponseHeaders: "allowed_response_headers",
    };
    return Object.fromEntries(
        Object.entries(tune).map(([k, v]) => {
            if (!map[k]) throw new Error(`AuthBackend tune.${k}: not mapped to Vault's API`);
            return [map[k], v];
        }),
    );
}

/** AuthBackendRole inputs → the fields of POST auth/<backend>/role/<name>. */
const ROLE_FIELDS: Record<string, string> = {
    bindSecretId: "bind_secret_id",
    secretIdBoundCidrs: "secret_id_bound_cidrs",
    secretIdNumUses: "secret_id_num_uses",
    secretIdTtl: "secret_id_ttl",
    tokenBoundCidrs: "token_bound_cidrs",
    tokenMaxTtl: "token_max_ttl",
    tokenTtl: "token_ttl",
    tokenPolicies: "token_policies",
    tokenType: "token_type",
    tokenNumUses: "token_num_uses",
    tokenPeriod: "token_period",
    tokenExplicitMaxTtl: "token_explicit_max_ttl",
    tokenNoDefaultPolicy: "token_no_default_policy",
};

/**
 * Applies every `vault:*` resource of an evaluation with `token`, in dependency order. Throws on the first
 * call the server refuses (with the call and the server's errors).
 */
export async function applyPlannedVaultResources(server: OpenBaoServer, token: string, resources: RecordedResource[]): Promise<AppliedPlan> {
    const applied: AppliedPlan = { roles: {}, calls: [] };
    const vaultResources = resources.filter((r) => r.type.startsWith("vault:"));
    const unmapped = vaultResources.filter((r) => !ORDER.includes(r.type));
    if (unmapped.length) throw new Error(`resource types not mapped to Vault's API: ${[...new Set(unmapped.map((r) => r.type))].join(", ")}`);
    const call = async (r: RecordedResource, method: string, path: string, body?: unknown): Promise<ApiResponse> => {
        applied.calls.push(`${method} ${path}`);
        // A new mount answers 400 for a moment while it sets itself up: the provider retries too.
        const res = await server.retry(() => server.api(method, path, body, token));
        if (res.status >= 300) throw new Error(`${r.type} ${r.name}: ${method} ${path} refused: HTTP ${res.status} ${res.text}`);
        return res;
    };
    for (const type of ORDER) {
        for (const r of vaultResources.filter((x) => x.type === type).sort((a, b) => a.name.localeCompare(b.name))) {
            switch (type) {
                case "vault:index/authBackend:AuthBackend": {
                    const i = takeInputs(r, ["type", "path", "description", "tune", "local"]);
                    const config = tuneConfig(i.tune as Record<string, unknown> | undefined);
                    await call(r, "POST", `/v1/sys/auth/${i.path ?? i.type}`, { type: i.type, description: i.description ?? "", local: i.local ?? false, ...(config ? { config } : {}) });
                    break;
                }
                case "vault:index/mount:Mount": {
                    const i = takeInputs(r, ["path", "type", "options", "description", "defaultLeaseTtlSeconds", "maxLeaseTtlSeconds"]);
                    const config = {
                        ...(i.defaultLeaseTtlSeconds !== undefined ? { default_lease_ttl: `${i.defaultLeaseTtlSeconds}s` } : {}),
                        ...(i.maxLeaseTtlSeconds !== undefined ? { max_lease_ttl: `${i.maxLeaseTtlSeconds}s` } : {}),
                    };
                    await call(r, "POST", `/v1/sys/mounts/${i.path}`, { type: i.type, description: i.description ?? "", options: i.options ?? {}, config });
                    break;
                }
                case "vault:index/audit:Audit": {
                    const i = takeInputs(r, ["type", "path", "options", "description", "local"]);
                    await call(r, "PUT", `/v1/sys/audit/${i.path ?? i.type}`, { type: i.type, description: i.description ?? "", options: i.options ?? {}, local: i.local ?? false });
                    break;
                }
                case "vault:index/policy:Policy": {
                    const i = takeInputs(r, ["name", "policy"]);
                    await call(r, "PUT", `/v1/sys/policies/acl/${i.name}`, { policy: i.policy });
                    break;
                }
                case "vault:appRole/authBackendRole:AuthBackendRole": {
                    const i = takeInputs(r, ["backend", "roleName", ...Object.keys(ROLE_FIELDS)]);
                    const body = Object.fromEntries(Object.entries(i).filter(([k]) => k in ROLE_FIELDS).map(([k, v]) => [ROLE_FIELDS[k], v]));
                    const path = `/v1/auth/${i.backend}/role/${i.roleName}`;
                    await call(r, "POST", path, body);
                    // The provider reads the role id back (its `roleId` output).
                    const id = await call(r, "GET", `${path}/role-id`);
                    applied.roles[String(i.roleName)] = { backend: String(i.backend), roleId: id.body.data.role_id };
                    break;
                }
                case "vault:appRole/authBackendRoleSecretId:AuthBackendRoleSecretId": {
                    const i = takeInputs(r, ["backend", "roleName", "cidrLists", "tokenBoundCidrs", "metadata", "wrappingTtl"]);
                    const res = await call(r, "POST", `/v1/auth/${i.backend}/role/${i.roleName}/secret-id`, {
                        ...(i.cidrLists ? { cidr_list: i.cidrLists } : {}),
                        ...(i.tokenBoundCidrs ? { token_bound_cidrs: i.tokenBoundCidrs } : {}),
                        ...(i.metadata ? { metadata: i.metadata } : {}),
                    });
                    const role = applied.roles[String(i.roleName)];
                    if (!role) throw new Error(`${r.name}: a secret id for ${i.roleName}, whose role the plan does not hold`);
                    role.secretId = res.body.data.secret_id;
                    break;
                }
            }
        }
    }
    return applied;
}
