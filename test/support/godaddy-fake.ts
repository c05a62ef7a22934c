// A contract fake of the GoDaddy DNS API on loopback: the documented record-set endpoints
// (GET/PUT/DELETE /v1/domains/{domain}/records/{type}/{name}), `Authorization: sso-key <key>:<secret>`, and
// GoDaddy's error shapes ({code, message, fields?}; 429 with retryAfterSec). No GoDaddy exists here, so the
// provider is tested against this; it is not GoDaddy, only what GoDaddy documents.
import * as http from "http";
import { AddressInfo } from "net";

export interface FakeRecord {
    type: string;
    name: string;
    data: string;
    ttl: number;
}

export interface LoggedRequest {
    method: string;
    path: string;
    authorization?: string;
    body?: unknown;
}

interface Fault {
    status: number;
    body?: unknown;
    headers?: Record<string, string>;
    /** Hold the request this long before answering (or never, for a timeout). */
    delayMs?: number;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export class GoDaddyContractFake {
    readonly requests: LoggedRequest[] = [];
    private readonly zones = new Map<string, FakeRecord[]>();
    private readonly faults: Fault[] = [];
    private server?: http.Server;
    private readonly held = new Set<NodeJS.Timeout>();

    constructor(
        private readonly key: string,
        private readonly secret: string,
    ) {}

    get baseUrl(): string {
        const addr = this.server?.address() as AddressInfo | null;
        if (!addr) throw new Error("contract fake not started");
        return `http://127.0.0.1:${addr.port}`;
    }

    /** A domain in the account, with its records (siblings the provider must leave alone). */
    addDomain(domain: string, records: FakeRecord[] = []): void {
        this.zones.set(domain, records.map((r) => ({ ...r })));
    }

    /** The zone as GoDaddy holds it now (an out-of-band view for assertions). */
    zone(domain: string): FakeRecord[] {
        return (this.zones.get(domain) ?? []).map((r) => ({ ...r }));
    }

    /** Changes records behind the provider's back (someone in the GoDaddy UI). */
    setOutOfBand(domain: string, type: string, name: string, records: { data: string; ttl: number }[]): void {
        const zone = (this.zones.get(domain) ?? []).filter((r) => !(r.type === type && r.name === name));
        this.zones.set(domain, [...zone, ...records.map((r) => ({ type, name, ...r }))]);
    }

    /** The next `count` requests get this answer instead of the real one. */
    failNext(count: number, fault: Fault): void {
        for (let i = 0; i < count; i++) this.faults.push(fault);
    }

    async start(): Promise<void> {
        this.server = http.createServer((req, res) => this.handle(req, res));
        await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    }

    async stop(): Promise<void> {
        for (const t of this.held) clearTimeout(t);
        this.held.clear();
        if (!this.server) return;
        this.server.closeAllConnections();
        await new Promise<void>((resolve) => this.server!.close(() => resolve()));
        this.server = undefined;
    }

    private send(res: http.ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
        const text = body === undefined ? "" : JSON.stringify(body);
        res.writeHead(status, { ...(text ? { "Content-Type": "application/json" } : {}), ...headers });
        res.end(text);
    }

    private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            const raw = Buffer.concat(chunks).toString("utf8");
            let body: unknown;
            let badJson = false;
            if (raw) {
                try {
                    body = JSON.parse(raw);
                } catch {
                    badJson = true;
                }
            }
            const url = new URL(req.url ?? "/", "http://fake");
            this.requests.push({ method: req.method ?? "", path: url.pathname, authorization: req.headers.authorization, body });
            const fault = this.faults.shift();
            if (fault) {
                const answer = () => this.send(res, fault.status, fault.body, fault.headers);
                if (fault.delayMs === undefined) answer();
                else {
                    const t = setTimeout(() => {
                        this.held.delete(t);
                        if (!res.destroyed) answer();
                    }, fault.delayMs);
                    this.held.add(t);
                }
                return;
            }
            if (req.headers.authorization !== `sso-key ${this.key}:${this.secret}`) {
                return this.send(res, 401, { code: "UNABLE_TO_AUTHENTICATE", message: "Unauthorized : Could not authenticate API key/secret" });
            }
            const m = /^\/v1\/domains\/([^/]+)\/records\/([^/]+)\/([^/]+)$/.exec(url.pathname);
            if (!m) return this.send(res, 404, { code: "NOT_FOUND", message: "The requested resource was not found" });
            const [domain, type, name] = m.slice(1).map(decodeURIComponent);
            const zone = this.zones.get(domain);
            if (!zone) return this.send(res, 404, { code: "UNKNOWN_DOMAIN", message: `The given domain is not registered, or does not have a zone file` });
            const matching = zone.filter((r) => r.type === type && r.name === name);
            switch (req.method) {
                case "GET":
                    return this.send(res, 200, matching.map((r) => ({ data: r.data, name: r.name, ttl: r.ttl, type: r.type })));
                case "PUT": {
                    if (badJson || !Array.isArray(body)) return this.send(res, 400, { code: "INVALID_BODY", message: "Request was malformed" });
                    const fields: { code: string; message: string; path: string }[] = [];
                    body.forEach((r: { data?: unknown; ttl?: unknown }, i: number) => {
                        if (type === "A" && (typeof r.data !== "string" || !IPV4.test(r.data))) {
                            fields.push({ code: "MISMATCH_FORMAT", message: "is not a ipv4 address", path: `records[${i}].data` });
                        }
                        if (r.ttl !== undefined && (typeof r.ttl !== "number" || r.ttl < 600)) {
                            fields.push({ code: "OUT_OF_RANGE", message: "must be at least 600", path: `records[${i}].ttl` });
                        }
                    });
                    if (body.length === 0) fields.push({ code: "MISSING", message: "at least one record is required", path: "records" });
                    if (fields.length) return this.send(res, 422, { code: "INVALID_BODY", message: "Request body doesn't fulfill schema, see details in `fields`", fields });
                    const rest = zone.filter((r) => !(r.type === type && r.name === name));
                    this.zones.set(domain, [...rest, ...body.map((r: { data: string; ttl?: number }) => ({ type, name, data: r.data, ttl: r.ttl ?? 3600 }))]);
                    return this.send(res, 200);
                }
                case "DELETE":
                    if (matching.length === 0) return this.send(res, 404, { code: "NOT_FOUND", message: `No ${type} records named ${name}` });
                    this.zones.set(domain, zone.filter((r) => !(r.type === type && r.name === name)));
                    return this.send(res, 204);
                default:
                    return this.send(res, 405, { code: "METHOD_NOT_ALLOWED", message: "Method not allowed" });
            }
        });
    }
}
