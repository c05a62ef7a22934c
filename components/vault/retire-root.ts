// Retires the root token once bootstrap is done (a Pulumi dynamic resource: it runs in the deploy program and
// talks to Vault over HTTPS like the Vault provider, so the root token never lands on any command line).
//
// Once, after every member is unsealed:
//   1. write the program's own policy (`iklimco-bootstrap`, adminPolicyHcl: only what Vault as code needs);
//   2. enable an AppRole mount for the program (`pulumi/`) unless present, write its role (that policy, tokens
//      of 20 minutes at most, no secret-id expiry), read the role id and make a secret id;
//   3. log in with them, to prove they work; only then
//   4. revoke the root token (auth/token/revoke-self).
// The role id and secret id are secret outputs; the Vault provider logs in with them on every run and gets a
// short-lived token. A root token can be made again at any time with the unseal key (`vault operator
// generate-root`), so retiring it loses nothing. The resource never re-runs (diff reports no change, delete
// is a no-op): a revoked root token cannot be revoked twice.
import * as pulumi from "@pulumi/pulumi";
import { PrebuiltDynamicResource, ProviderSource, providerCode } from "../prebuilt-dynamic-resource";

export interface RetireRootInputs {
    address: string;
    rootToken: string;
    skipTlsVerify: boolean;
    /** The name the certificate is checked for when `address` connects by another name or an IP. */
    tlsServerName?: string;
    policyName: string;
    policyHcl: string;
    loginMount: string;
    loginRole: string;
    /** The role's settings as Vault's API takes them (token_policies, token_ttl, ...). */
    role: Record<string, unknown>;
}

export interface RetireRootOutputs extends RetireRootInputs {
    roleId: string;
    secretId: string;
}

/** The work, as a plain function so tests can run it against a contract fake of Vault's API. */
export async function retireRootToken(inputs: RetireRootInputs): Promise<{ roleId: string; secretId: string }> {
    // Everything is required here, inside the function, because Pulumi serialises the provider's code.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const http = require("http") as typeof import("http");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const https = require("https") as typeof import("https");
    const base = new URL(inputs.address);
    const call = (method: string, path: string, token: string | undefined, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> =>
        new Promise((resolve, reject) => {
            const payload = body === undefined ? undefined : JSON.stringify(body);
            const lib = base.protocol === "https:" ? https : http;
            const req = lib.request(
                {
                    hostname: base.hostname,
                    port: base.port || (base.protocol === "https:" ? 443 : 80),
                    path: `/v1/${path}`,
                    method,
                    timeout: 15_000,
                    rejectUnauthorized: !inputs.skipTlsVerify,
                    ...(inputs.tlsServerName ? { servername: inputs.tlsServerName } : {}),
                    headers: { ...(token ? { "X-Vault-Token": token } : {}), ...(payload ? { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) } : {}) },
                },
                (res) => {
                    let text = "";
                    res.on("data", (c) => (text += c));
                    res.on("end", () => {
                        let json: Record<string, unknown> = {};
                        try {
                            json = text ? JSON.parse(text) : {};
                        } catch {
                            json = {};
                        }
                        resolve({ status: res.statusCode ?? 0, json });
                    });
                },
            );
            req.on("timeout", () => req.destroy(new Error(`no answer from Vault at ${inputs.address} within 15 s (${method} /v1/${path})`)));
            req.on("error", reject);
            if (payload) req.write(payload);
            req.end();
        });
    const must = async (what: string, method: string, path: string, token: string | undefined, body?: unknown) => {
        const r = await call(method, path, token, body);
        if (r.status >= 300) throw new Error(`retire root token: ${what} failed: HTTP ${r.status} ${JSON.stringify(r.json.errors ?? [])}`);
        return r.json;
    };
    const root = inputs.rootToken;
    const self = await call("GET", "auth/token/lookup-self", root);
    if (self.status === 403) {
        throw new Error(
            "retire root token: the root token is no longer valid (already retired?) and this stack holds no program credentials. " +
                "Make a token with the iklimco-bootstrap policy and set it: pulumi config set --secret iklimco:vaultToken '<token>'",
        );
    }
    if (self.status >= 300) throw new Error(`retire root token: looking up the root token failed: HTTP ${self.status}`);
    await must(`writing the policy ${inputs.policyName}`, "PUT", `sys/policies/acl/${inputs.policyName}`, root, { policy: inputs.policyHcl });
    const mounts = await must("listing auth mounts", "GET", "sys/auth", root);
    const listed = (mounts.data as Record<string, unknown> | undefined) ?? mounts;
    if (!(`${inputs.loginMount}/` in listed)) {
        await must(`enabling auth/${inputs.loginMount}`, "POST", `sys/auth/${inputs.loginMount}`, root, { type: "approle", description: "the deploy program (Pulumi)" });
    }
    const rolePath = `auth/${inputs.loginMount}/role/${inputs.loginRole}`;
    await must(`writing the role ${inputs.loginRole}`, "POST", rolePath, root, inputs.role);
    const roleId = String(((await must("reading the role id", "GET", `${rolePath}/role-id`, root)).data as { role_id?: string } | undefined)?.role_id ?? "");
    const secretId = String(((await must("making a secret id", "POST", `${rolePath}/secret-id`, root, {})).data as { secret_id?: string } | undefined)?.secret_id ?? "");
    if (!roleId || !secretId) throw new Error("retire root token: Vault returned no role id or secret id");
    const login = await call("POST", `auth/${inputs.loginMount}/login`, undefined, { role_id: roleId, secret_id: secretId });
    const client = (login.json.auth as { client_token?: string } | undefined)?.client_token;
    if (login.status >= 300 || !client) throw new Error(`retire root token: the new credentials do not log in (HTTP ${login.status}); the root token is kept`);
    await must("revoking the root token", "POST", "auth/token/revoke-self", root, {});
    return { roleId, secretId };
}

/** The provider's code as `npm run build` serialises it (components/prebuilt-dynamic-resource.ts). */
export function rootTokenRetirementProvider(): ProviderSource {
    return { file: __filename, make: retirementProvider };
}

function retirementProvider(): pulumi.dynamic.ResourceProvider {
    return {
        async create(inputs: RetireRootInputs) {
            const creds = await retireRootToken(inputs);
            return { id: `${inputs.loginMount}/${inputs.loginRole}`, outs: { ...inputs, ...creds } };
        },
        // Runs once: nothing the inputs say can be redone on a revoked root token.
        async diff() {
            return { changes: false };
        },
        async delete() {
            /* the root token stays revoked; the program's AppRole stays for the next stack */
        },
    };
}

export interface RetireRootArgs {
    address: pulumi.Input<string>;
    rootToken: pulumi.Input<string>;
    skipTlsVerify: pulumi.Input<boolean>;
    tlsServerName?: pulumi.Input<string>;
    policyName: pulumi.Input<string>;
    policyHcl: pulumi.Input<string>;
    loginMount: pulumi.Input<string>;
    loginRole: pulumi.Input<string>;
    role: pulumi.Input<Record<string, unknown>>;
}

export class RootTokenRetirement extends PrebuiltDynamicResource {
    declare readonly roleId: pulumi.Output<string>;
    declare readonly secretId: pulumi.Output<string>;

    constructor(name: string, args: RetireRootArgs, opts?: pulumi.CustomResourceOptions) {
        super(providerCode(rootTokenRetirementProvider()), name, { ...args, rootToken: pulumi.secret(args.rootToken), roleId: undefined, secretId: undefined }, { ...opts, additionalSecretOutputs: ["roleId", "secretId", "rootToken"] }, "iklimco", "RootTokenRetirement");
    }
}
