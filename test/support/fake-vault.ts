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
    private server?: http.Server;

    constructor(public state: FakeVaultState) {}

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
                return send(200, { keys: keys.map((k) => k.toString("hex")), keys_base64: keys.map((k) => k.toString("base64")), root_token: this.state.rootToken });
            }
            if (path === "/v1/sys/health" && req.method === "GET") {
                if (!this.state.initialized) return send(Number(query.get("uninitcode") ?? 501), { initialized: false, sealed: true });
                if (this.state.sealed) return send(Number(query.get("sealedcode") ?? 503), { initialized: true, sealed: true });
                // The fake is a single active node, so standbyok makes no difference.
                return send(200, { initialized: true, sealed: false, standby: false });
            }
            send(404, { errors: [] });
        });
    }
}

/** A port that was free a moment ago (listen on 0, close): for a server that starts late on purpose. */
export async function freePort(): Promise<number> {
    const s = http.createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    return port;
}
