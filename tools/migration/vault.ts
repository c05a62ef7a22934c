// Vault phase of the migration (docs/migration.md, "2. vault"): a Raft snapshot of the legacy Vault is
// force-restored into the first member of the program's cluster. The snapshot carries the legacy keyring, so the
// restored cluster unseals with the operators' own unseal key, and every KV secret, policy and AppRole (with its
// role ids and secret ids) is there. The HTTP side is behind `VaultEndpoint`, which the tests drive against real
// OpenBao servers.
import * as fs from "fs";
import * as https from "https";
import { URL } from "url";

export interface VaultAnswer {
    status: number;
    /** The raw body (a snapshot is binary). */
    raw: Buffer;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    json(): any;
}

/** One Vault API address. */
export interface VaultEndpoint {
    readonly address: string;
    request(method: string, apiPath: string, opts?: { token?: string; body?: unknown; raw?: Buffer; timeoutMs?: number }): Promise<VaultAnswer>;
}

/** A Vault API over HTTPS, verified against `caCertFile` when given (the operators' CA or the placeholder's). */
export class HttpsVault implements VaultEndpoint {
    constructor(readonly address: string, private readonly caCertFile?: string, private readonly serverName?: string) {}

    request(method: string, apiPath: string, opts: { token?: string; body?: unknown; raw?: Buffer; timeoutMs?: number } = {}): Promise<VaultAnswer> {
        const url = new URL(apiPath, this.address);
        const payload = opts.raw ?? (opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body)));
        return new Promise((resolve, reject) => {
            const req = https.request(
                {
                    host: url.hostname,
                    port: url.port,
                    method,
                    path: url.pathname + url.search,
                    ...(this.caCertFile ? { ca: fs.readFileSync(this.caCertFile) } : {}),
                    ...(this.serverName ? { servername: this.serverName } : {}),
                    headers: {
                        ...(opts.token ? { "X-Vault-Token": opts.token } : {}),
                        ...(payload ? { "Content-Length": String(payload.length) } : {}),
                        ...(opts.body !== undefined ? { "Content-Type": "application/json" } : {}),
                    },
                    timeout: opts.timeoutMs ?? 30_000,
                },
                (res) => {
                    const chunks: Buffer[] = [];
                    res.on("data", (c: Buffer) => chunks.push(c));
                    res.on("end", () => {
                        const raw = Buffer.concat(chunks);
                        resolve({
                            status: res.statusCode ?? 0,
                            raw,
                            json: () => (raw.length ? JSON.parse(raw.toString("utf8")) : undefined),
                        });
                    });
                },
            );
            req.on("timeout", () => req.destroy(new Error(`${method} ${url.href}: timed out`)));
            req.on("error", reject);
            if (payload) req.write(payload);
            req.end();
        });
    }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function expectStatus(p: Promise<VaultAnswer>, ok: number[], what: string): Promise<VaultAnswer> {
    const a = await p;
    if (!ok.includes(a.status)) throw new Error(`${what}: HTTP ${a.status} ${a.raw.toString("utf8").slice(0, 300)}`);
    return a;
}

/** Polls `probe` until it answers true (a throw counts as not yet), bounded by `timeoutMs`. */
export async function until(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        try {
            if (await probe()) return;
        } catch {
            // not yet
        }
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await sleep(200);
    }
}

export interface SealStatus {
    initialized: boolean;
    sealed: boolean;
}

export async function sealStatus(v: VaultEndpoint): Promise<SealStatus> {
    const a = await expectStatus(v.request("GET", "/v1/sys/seal-status"), [200], `${v.address} sys/seal-status`);
    const b = a.json();
    return { initialized: b.initialized === true, sealed: b.sealed !== false };
}

/** Waits until `v` is the active node (sys/health 200). */
export function waitActive(v: VaultEndpoint, timeoutMs = 30_000): Promise<void> {
    return until(`${v.address} to be active`, timeoutMs, async () => (await v.request("GET", "/v1/sys/health")).status === 200);
}

/** Submits one unseal key and waits until the member says unsealed. */
export async function unseal(v: VaultEndpoint, key: string, timeoutMs = 30_000): Promise<void> {
    await expectStatus(v.request("PUT", "/v1/sys/unseal", { body: { key } }), [200], `${v.address} sys/unseal`);
    await until(`${v.address} to unseal`, timeoutMs, async () => !(await sealStatus(v)).sealed);
}

/** Checks the precondition of the phase: the legacy Vault is unsealed and the token may read the Raft configuration. */
export async function checkSource(source: VaultEndpoint, token: string): Promise<string[]> {
    const problems: string[] = [];
    const s = await sealStatus(source).catch((e) => {
        problems.push(`legacy Vault ${source.address} does not answer: ${String(e)}`);
        return undefined;
    });
    if (s && (!s.initialized || s.sealed)) problems.push(`legacy Vault ${source.address} is ${s.initialized ? "sealed" : "not initialised"}`);
    if (s && !s.sealed) {
        const r = await source.request("GET", "/v1/sys/storage/raft/configuration", { token });
        if (r.status !== 200) problems.push(`the configured vaultToken cannot read sys/storage/raft/configuration on the legacy Vault (HTTP ${r.status}): set iklimco:vaultToken to a token with sudo on sys/storage/raft/*`);
    }
    return problems;
}

/** A Raft snapshot of the running Vault (a gzip'd tar; the operators' backups are the same format). */
export async function takeSnapshot(source: VaultEndpoint, token: string): Promise<Buffer> {
    const a = await expectStatus(source.request("GET", "/v1/sys/storage/raft/snapshot", { token, timeoutMs: 300_000 }), [200], "raft snapshot");
    // A gzip stream starts with 1f 8b: anything else is an error page, not a snapshot.
    if (a.raw.length < 2 || a.raw[0] !== 0x1f || a.raw[1] !== 0x8b) throw new Error(`raft snapshot: the answer is not a snapshot (${a.raw.length} bytes)`);
    return a.raw;
}

/**
 * Seeds the target member with the snapshot: the member must be fresh (not initialised). It is initialised with
 * a throw-away key, unsealed, and the snapshot is force-restored (force: it comes from another cluster). From then
 * on the member's keyring is the legacy one: after a restart, only the operators' key unseals it. Returns once the
 * restore was accepted; the throw-away key and token are dropped here and never leave this function.
 */
export async function seedFromSnapshot(target: VaultEndpoint, snapshot: Buffer, operatorsKey: string, operatorsToken: string): Promise<void> {
    const s = await sealStatus(target);
    if (s.initialized) throw new Error(`${target.address} is already initialised: the snapshot goes only into a fresh member (refusing to overwrite)`);
    const init = await expectStatus(target.request("PUT", "/v1/sys/init", { body: { secret_shares: 1, secret_threshold: 1 } }), [200], "sys/init of the target");
    const throwAway = init.json() as { keys_base64: string[]; root_token: string };
    await unseal(target, throwAway.keys_base64[0]);
    await waitActive(target);
    await expectStatus(
        target.request("POST", "/v1/sys/storage/raft/snapshot-force", { token: throwAway.root_token, raw: snapshot, timeoutMs: 300_000 }),
        [200, 204],
        "raft snapshot-force restore into the target",
    );
    // After the restore the member runs on the restored keyring (and the restored token store: the operators'
    // token works, the throw-away one no longer does). Seal it and open it with the operators' key: proof that the
    // keyring moved and that the configured key is the right one, before any member depends on it.
    await until(`${target.address} to serve the restored data`, 60_000, async () => {
        const s = await sealStatus(target);
        if (s.sealed) return true;
        return (await target.request("PUT", "/v1/sys/seal", { token: operatorsToken })).status === 204;
    });
    const r = await target.request("PUT", "/v1/sys/unseal", { body: { key: operatorsKey } });
    if (r.status !== 200) throw new Error(`the configured unseal key does not open the restored Vault (HTTP ${r.status}): iklimco:vaultUnsealKey must be the legacy Vault's own key`);
    await until(`${target.address} to unseal with the operators' key`, 30_000, async () => !(await sealStatus(target)).sealed);
    await waitActive(target, 60_000);
}

export interface VaultInventory {
    /** KV v2 mounts and, under each, every secret path (without the mount). */
    kv: Record<string, string[]>;
    /** AppRole mounts and their role names. */
    approles: Record<string, string[]>;
}

/** Lists every KV v2 path and AppRole role: what must be found on the target afterwards. */
export async function inventory(v: VaultEndpoint, token: string): Promise<VaultInventory> {
    const mounts = (await expectStatus(v.request("GET", "/v1/sys/mounts", { token }), [200], "sys/mounts")).json().data as Record<string, { type: string; options?: { version?: string } }>;
    const kv: VaultInventory["kv"] = {};
    for (const [mount, m] of Object.entries(mounts)) {
        if (m.type !== "kv" || m.options?.version !== "2") continue;
        const name = mount.replace(/\/$/, "");
        const paths: string[] = [];
        const walk = async (prefix: string): Promise<void> => {
            const r = await v.request("LIST", `/v1/${name}/metadata/${prefix}`, { token });
            if (r.status === 404) return;
            if (r.status !== 200) throw new Error(`LIST ${name}/metadata/${prefix}: HTTP ${r.status}`);
            for (const k of (r.json().data.keys as string[]).sort()) {
                if (k.endsWith("/")) await walk(prefix + k);
                else paths.push(prefix + k);
            }
        };
        await walk("");
        kv[name] = paths;
    }
    const auths = (await expectStatus(v.request("GET", "/v1/sys/auth", { token }), [200], "sys/auth")).json().data as Record<string, { type: string }>;
    const approles: VaultInventory["approles"] = {};
    for (const [mount, a] of Object.entries(auths)) {
        if (a.type !== "approle") continue;
        const name = mount.replace(/\/$/, "");
        const r = await v.request("LIST", `/v1/auth/${name}/role`, { token });
        approles[name] = r.status === 200 ? (r.json().data.keys as string[]).sort() : [];
    }
    return { kv, approles };
}

/** Reads every KV path of `inv` on both and lists what differs (an empty list: nothing was lost). */
export async function compareKv(source: VaultEndpoint, sourceToken: string, target: VaultEndpoint, targetToken: string, inv: VaultInventory): Promise<string[]> {
    const diffs: string[] = [];
    for (const [mount, paths] of Object.entries(inv.kv)) {
        for (const p of paths) {
            const [a, b] = await Promise.all([
                source.request("GET", `/v1/${mount}/data/${p}`, { token: sourceToken }),
                target.request("GET", `/v1/${mount}/data/${p}`, { token: targetToken }),
            ]);
            if (b.status !== 200) diffs.push(`${mount}/${p}: HTTP ${b.status} on the target`);
            else if (JSON.stringify(a.json()?.data?.data) !== JSON.stringify(b.json()?.data?.data)) diffs.push(`${mount}/${p}: different data`);
        }
    }
    return diffs;
}

/** An AppRole login; true when the credential logs in. */
export async function approleLogin(v: VaultEndpoint, mount: string, roleId: string, secretId: string): Promise<boolean> {
    const r = await v.request("POST", `/v1/auth/${mount}/login`, { body: { role_id: roleId, secret_id: secretId } });
    return r.status === 200 && typeof r.json()?.auth?.client_token === "string";
}
