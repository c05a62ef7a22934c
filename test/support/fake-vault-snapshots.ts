// A contract fake of the two Vault HTTP API endpoints the snapshot script uses, as documented by HashiCorp:
// POST /v1/auth/approle/login and GET /v1/sys/storage/raft/snapshot. Errors have Vault's shape. It is not
// Vault: it exists only for what a real server cannot be made to do (send a broken snapshot); every other
// backup test runs against OpenBao (test/vault-backup.test.ts).
import * as http from "http";
import { AddressInfo } from "net";
import * as zlib from "zlib";

export interface FakeVaultState {
    roleId: string;
    secretId: string;
    /** Token returned by the AppRole login (allowed to take snapshots). */
    backupToken: string;
    sealed: boolean;
    /** What GET snapshot returns: a real gzip stream unless a test breaks it. */
    snapshot: Buffer;
    requests: { method: string; path: string; body: Buffer }[];
}

export async function startFakeVault(): Promise<{ url: string; state: FakeVaultState; close: () => Promise<void> }> {
    const state: FakeVaultState = {
        roleId: "backup-role-id-7f3a",
        secretId: "backup-secret-id-93c1",
        backupToken: "hvs.backup-token-5d2e",
        sealed: false,
        snapshot: zlib.gzipSync(Buffer.from("raft snapshot: meta.json state.bin SHA256SUMS")),
        requests: [],
    };
    const send = (res: http.ServerResponse, code: number, body?: unknown) => {
        res.writeHead(code, { "Content-Type": "application/json" });
        res.end(body === undefined ? "" : JSON.stringify(body));
    };
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c) => chunks.push(c));
        req.on("end", () => {
            const body = Buffer.concat(chunks);
            const path = (req.url ?? "").split("?")[0];
            state.requests.push({ method: req.method ?? "", path, body });
            const token = req.headers["x-vault-token"];
            if (state.sealed && path !== "/v1/sys/seal-status") return send(res, 503, { errors: ["Vault is sealed"] });
            if (req.method === "POST" && path === "/v1/auth/approle/login") {
                let creds: { role_id?: string; secret_id?: string } = {};
                try {
                    creds = JSON.parse(body.toString());
                } catch {
                    return send(res, 400, { errors: ["failed to parse JSON input"] });
                }
                if (creds.role_id !== state.roleId || creds.secret_id !== state.secretId) return send(res, 400, { errors: ["invalid role or secret ID"] });
                return send(res, 200, { auth: { client_token: state.backupToken, policies: ["vault-backup"], lease_duration: 900 } });
            }
            if (req.method === "GET" && path === "/v1/sys/storage/raft/snapshot") {
                if (token !== state.backupToken) return send(res, 403, { errors: ["permission denied"] });
                res.writeHead(200, { "Content-Type": "application/gzip" });
                return res.end(state.snapshot);
            }
            return send(res, 404, { errors: [] });
        });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, state, close: () => new Promise((r) => server.close(() => r())) };
}
