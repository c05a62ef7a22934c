// A contract fake of the parts of Vault's HTTP API that the entrypoint and the bootstrap use, on loopback:
// GET /v1/sys/seal-status, PUT|POST /v1/sys/unseal, GET /v1/sys/init, PUT|POST /v1/sys/init, GET /v1/sys/health.
// Answers follow Vault's documented shapes and status codes (https://developer.hashicorp.com/vault/api-docs/system):
// 400 with {"errors":[...]} for a bad request, seal-status fields `initialized`, `sealed`, `t`, `n`, `progress`.
// No Vault binary exists on this machine; this is what the scripts are tested against.
import * as crypto from "crypto";
import * as http from "http";
import { AddressInfo } from "net";

export interface FakeVaultState {
    initialized: boolean;
    sealed: boolean;
    /** The one Shamir share (secret_shares = 1), base64. */
    unsealKey?: string;
    rootToken?: string;
}

export interface RecordedRequest {
    method: string;
    path: string;
    body: string;
}

export class FakeVault {
    readonly requests: RecordedRequest[] = [];
    initCount = 0;
    /** Valid tokens (the root token once initialised, and tokens from AppRole logins). */
    readonly tokens = new Set<string>();
    readonly policies = new Map<string, string>();
    readonly authMounts = new Map<string, string>();
    readonly roles = new Map<string, { body: Record<string, unknown>; roleId: string; secretIds: Set<string> }>();
    /** Makes AppRole logins fail (to show nothing is revoked before the new credentials work). */
    breakLogin = false;
    private server?: http.Server;

    constructor(public state: FakeVaultState) {
        if (state.rootToken) this.tokens.add(state.rootToken);
    }

    /** Listens on loopback; port 0 picks a free one. */
    async listen(port = 0): Promise<number> {
        this.server = http.createServer((req, res) => this.handle(req, res));
        await new Promise<void>((resolve, reject) => {
            this.server!.once("error", reject);
            this.server!.listen(port, "127.0.0.1", () => resolve());
        });
        return (this.server.address() as AddressInfo).port;
    }

    async close(): Promise<void> {
        if (!this.server) return;
        this.server.closeAllConnections();
        await new Promise<void>((resolve) => this.server!.close(() => resolve()));
        this.server = undefined;
    }

    count(method: string, path: string): number {
        return this.requests.filter((r) => r.path === path && (method === "*" || r.method === method)).length;
    }

    private sealStatus() {
        return { type: "shamir", initialized: this.state.initialized, sealed: this.state.sealed, t: 1, n: 1, progress: 0, nonce: "", version: "1.18.2", build_date: "2024-11-20T11:24:56Z", migration: false, recovery_seal: false, storage_type: "raft" };
    }

    private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => {
            const path = (req.url ?? "").split("?")[0];
            const query = new URLSearchParams((req.url ?? "").split("?")[1] ?? "");
            this.requests.push({ method: req.method ?? "", path, body });
            const send = (code: number, payload: unknown) => {
                res.writeHead(code, { "Content-Type": "application/json" });
                res.end(JSON.stringify(payload));
            };
            const write = req.method === "PUT" || req.method === "POST";
            if (path === "/v1/sys/seal-status" && req.method === "GET") return send(200, this.sealStatus());
            if (path === "/v1/sys/unseal" && write) {
                let key: string | undefined;
                try {
                    key = JSON.parse(body).key;
                } catch {
                    return send(400, { errors: ["failed to parse JSON input"] });
                }
                if (!this.state.initialized) return send(400, { errors: ["Vault is not initialized"] });
                if (!key) return send(400, { errors: ["'key' must be specified in request body as JSON, or 'reset' set to true"] });
                if (key !== this.state.unsealKey) return send(400, { errors: ["Error unsealing: cipher: message authentication failed"] });
                this.state.sealed = false;
                return send(200, this.sealStatus());
            }
            if (path === "/v1/sys/init" && req.method === "GET") return send(200, { initialized: this.state.initialized });
            if (path === "/v1/sys/init" && write) {
                if (this.state.initialized) return send(400, { errors: ["Vault is already initialized"] });
                let shares = 0;
                let threshold = 0;
                try {
                    const parsed = JSON.parse(body);
                    shares = parsed.secret_shares;
                    threshold = parsed.secret_threshold;
                } catch {
                    return send(400, { errors: ["failed to parse JSON input"] });
                }
                if (!(shares >= 1) || !(threshold >= 1) || threshold > shares) return send(400, { errors: ["invalid seal configuration"] });
                const keys = Array.from({ length: shares }, () => crypto.randomBytes(32));
                this.initCount++;
                this.state = { initialized: true, sealed: true, unsealKey: keys[0].toString("base64"), rootToken: `hvs.${crypto.randomBytes(18).toString("base64url")}` };
                this.tokens.add(this.state.rootToken!);
                return send(200, { keys: keys.map((k) => k.toString("hex")), keys_base64: keys.map((k) => k.toString("base64")), root_token: this.state.rootToken });
            }
            if (path === "/v1/sys/health" && req.method === "GET") {
                if (!this.state.initialized) return send(Number(query.get("uninitcode") ?? 501), { initialized: false, sealed: true });
                if (this.state.sealed) return send(Number(query.get("sealedcode") ?? 503), { initialized: true, sealed: true });
                // The fake is a single active node, so standbyok makes no difference.
                return send(200, { initialized: true, sealed: false, standby: false });
            }
            // Authenticated endpoints (sys/policies, sys/auth, auth/<approle mount>/..., auth/token/...).
            const token = String(req.headers["x-vault-token"] ?? "");
            const login = /^\/v1\/auth\/([^/]+)\/login$/.exec(path);
            if (login && write) {
                const mount = login[1];
                const { role_id, secret_id } = JSON.parse(body || "{}");
                const role = [...this.roles.entries()].find(([k, r]) => k.startsWith(`${mount}/`) && r.roleId === role_id)?.[1];
                if (this.breakLogin || !role || !role.secretIds.has(secret_id)) return send(400, { errors: ["invalid role or secret ID"] });
                const t = `hvs.login-${crypto.randomBytes(12).toString("hex")}`;
                this.tokens.add(t);
                return send(200, { auth: { client_token: t, policies: role.body.token_policies } });
            }
            if (path.startsWith("/v1/sys/policies/") || path.startsWith("/v1/sys/auth") || path.startsWith("/v1/auth/")) {
                if (this.state.sealed) return send(503, { errors: ["Vault is sealed"] });
                if (!this.tokens.has(token)) return send(403, { errors: ["permission denied"] });
            }
            if (path === "/v1/auth/token/lookup-self" && req.method === "GET") return send(200, { data: { id: "[hidden]", policies: token === this.state.rootToken ? ["root"] : ["default"] } });
            if (path === "/v1/auth/token/revoke-self" && write) {
                this.tokens.delete(token);
                res.writeHead(204);
                return res.end();
            }
            const policy = /^\/v1\/sys\/policies\/acl\/([^/]+)$/.exec(path);
            if (policy && write) {
                this.policies.set(policy[1], JSON.parse(body).policy);
                res.writeHead(204);
                return res.end();
            }
            if (path === "/v1/sys/auth" && req.method === "GET") {
                const mounts: Record<string, unknown> = { "token/": { type: "token" } };
                for (const [p, type] of this.authMounts) mounts[`${p}/`] = { type };
                return send(200, { ...mounts, data: mounts });
            }
            const enable = /^\/v1\/sys\/auth\/([^/]+)$/.exec(path);
            if (enable && write) {
                if (this.authMounts.has(enable[1])) return send(400, { errors: [`path is already in use at ${enable[1]}/`] });
                this.authMounts.set(enable[1], JSON.parse(body).type);
                res.writeHead(204);
                return res.end();
            }
            const role = /^\/v1\/auth\/([^/]+)\/role\/([^/]+)(\/role-id|\/secret-id)?$/.exec(path);
            if (role && this.authMounts.get(role[1]) === "approle") {
                const key = `${role[1]}/${role[2]}`;
                if (!role[3] && write) {
                    const existing = this.roles.get(key);
                    this.roles.set(key, { body: JSON.parse(body), roleId: existing?.roleId ?? crypto.randomUUID(), secretIds: existing?.secretIds ?? new Set() });
                    res.writeHead(204);
                    return res.end();
                }
                const r = this.roles.get(key);
                if (!r) return send(404, { errors: ["role not found"] });
                if (role[3] === "/role-id" && req.method === "GET") return send(200, { data: { role_id: r.roleId } });
                if (role[3] === "/secret-id" && write) {
                    const sid = crypto.randomUUID();
                    r.secretIds.add(sid);
                    return send(200, { data: { secret_id: sid, secret_id_accessor: crypto.randomUUID(), secret_id_ttl: 0 } });
                }
            }
            send(404, { errors: [] });
        });
    }
}

export { freePort } from "./ports";
