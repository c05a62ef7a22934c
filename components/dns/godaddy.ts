// The GoDaddy DNS API client and the dynamic provider behind `GoDaddyRecord` (pipeline step 23).
//
// This module is what Pulumi serialises into every GoDaddyRecord's `__provider` property and runs inside the
// `pulumi-nodejs` dynamic-provider process. So it imports nothing at run time (types only): everything the
// serialised closure needs is in this file or a Node global (fetch, AbortSignal, URL, setTimeout).
//
// Credentials: the GoDaddy key and secret are NOT resource inputs. The engine sends the stack's whole config
// to dynamic providers (namespaced keys, secrets unwrapped) and the nodejs dynamic-provider host calls
// `configure(req)` once per process before any other method; `configure` keeps `iklimco:godaddyKey` and
// `iklimco:godaddySecret` in this object's memory only. The object is serialised at program time, before
// `configure` ever ran, so `__provider` holds no credential; inputs and outputs never carry one, so neither
// does the state. Nothing here logs or puts the key, the secret or the Authorization header in an error.
//
// The API (https://developer.godaddy.com/doc/endpoint/domains), one record set per (domain, type, name):
//   GET    /v1/domains/{domain}/records/{type}/{name}  200 [{data, name, ttl, type}] ([] when there is none)
//   PUT    /v1/domains/{domain}/records/{type}/{name}  body [{data, ttl}]: replaces that record set only
//   DELETE /v1/domains/{domain}/records/{type}/{name}  204: removes that record set only
// with `Authorization: sso-key <key>:<secret>`. Errors are JSON `{code, message, fields?: [{code, message,
// path}]}`; 429 adds `retryAfterSec`. 401/403 are credential problems, 404 an unknown domain, 422 a request
// GoDaddy rejects (its own message is passed on).
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { ProviderSource } from "../prebuilt-dynamic-resource";

/** The config keys the provider reads in `configure` (the whole stack config reaches dynamic providers). */
export const GODADDY_KEY_CONFIG = "iklimco:godaddyKey";
export const GODADDY_SECRET_CONFIG = "iklimco:godaddySecret";
export const DNS_CONFIG = "iklimco:dns";
/** Same default as `dns.apiBaseUrl` in components/config.ts. */
export const DEFAULT_API_BASE_URL = "https://api.godaddy.com";
/** GoDaddy refuses TTLs below 600 seconds. */
export const GODADDY_MIN_TTL = 600;
/** One week: the largest TTL this provider accepts. */
export const GODADDY_MAX_TTL = 604800;

export type RecordType = "A" | "AAAA";

/** The desired record set: resource inputs (and, with `values` sorted, its outputs). */
export interface RecordSetArgs {
    domain: string;
    type: RecordType;
    /** Relative to the domain: `api`, `@` for the apex, `*.apps` for a wildcard. */
    name: string;
    values: string[];
    ttl: number;
}

export interface RecordSetState extends RecordSetArgs {
    /** `<name>.<domain>` (the domain itself for `@`). */
    fqdn: string;
}

export type GoDaddyErrorKind = "credentials" | "wrong-domain" | "rejected" | "rate-limited" | "timeout" | "conflict" | "network" | "http";

/** An API failure, with a message that says what to do; it never contains the key or the secret. */
export interface GoDaddyApiError extends Error {
    kind: GoDaddyErrorKind;
    status?: number;
}

// A plain Error, not a subclass: a class serialised into `__provider` loses its link to Error.prototype, and
// the engine host reports errors by their message.
function apiError(kind: GoDaddyErrorKind, message: string, status?: number): GoDaddyApiError {
    const err = new Error(message) as GoDaddyApiError;
    err.name = "GoDaddyApiError";
    err.kind = kind;
    if (status !== undefined) err.status = status;
    return err;
}

export interface ProviderOptions {
    /** Each HTTP request's bound. */
    requestTimeoutMs?: number;
    /** Attempts per request when GoDaddy answers 429 (the first included). */
    maxAttempts?: number;
    /** The longest single wait after a 429, whatever `retryAfterSec` says. */
    maxRetryWaitMs?: number;
}

interface ApiErrorBody {
    code?: string;
    message?: string;
    fields?: { code?: string; message?: string; path?: string }[];
    retryAfterSec?: number;
}

interface LiveRecord {
    data: string;
    name?: string;
    ttl?: number;
    type?: string;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;
const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?$/;

/** The canonical text of an address of the record's type, or undefined if it is not one. */
export function canonicalAddress(type: string, value: unknown): string | undefined {
    if (typeof value !== "string") return undefined;
    if (type === "A") return IPV4.test(value) ? value : undefined;
    if (type === "AAAA") {
        if (!value.includes(":") || !/^[0-9A-Fa-f:.]+$/.test(value)) return undefined;
        try {
            // The WHATWG URL parser validates IPv6 and gives its canonical (compressed, lower-case) form.
            return new URL(`http://[${value}]/`).hostname.slice(1, -1);
        } catch {
            return undefined;
        }
    }
    return undefined;
}

function validName(name: string): boolean {
    if (name === "@") return true;
    if (name.length > 253) return false;
    const labels = name.split(".");
    return labels.every((l, i) => (i === 0 && l === "*") || LABEL.test(l));
}

export function fqdnOf(name: string, domain: string): string {
    return name === "@" ? domain : `${name}.${domain}`;
}

export function recordId(a: Pick<RecordSetArgs, "domain" | "type" | "name">): string {
    return `${a.domain}/${a.type}/${a.name}`;
}

/** Sorted, de-duplicated canonical values (so the order in config never makes a diff). */
function normaliseValues(type: string, values: string[]): string[] {
    return [...new Set(values.map((v) => canonicalAddress(type, v) ?? v))].sort();
}

function sameValues(a: string[], b: string[]): boolean {
    return a.length === b.length && a.every((v, i) => v === b[i]);
}

function describeLive(records: LiveRecord[]): string {
    return records.map((r) => `${r.data} (ttl ${r.ttl ?? "?"})`).join(", ");
}

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The dynamic provider of `GoDaddyRecord`. One instance is serialised into each record's `__provider`; the
 * engine calls `configure` first, then the CRUD methods.
 */
export class GoDaddyRecordProvider implements dynamic.ResourceProvider<RecordSetArgs, RecordSetState> {
    // Set by `configure` in the provider process only; undefined in the program, so never serialised.
    private apiKey: string | undefined;
    private apiSecret: string | undefined;
    private baseUrl: string = DEFAULT_API_BASE_URL;
    private readonly requestTimeoutMs: number;
    private readonly maxAttempts: number;
    private readonly maxRetryWaitMs: number;

    constructor(options: ProviderOptions = {}) {
        this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
        this.maxAttempts = options.maxAttempts ?? 5;
        this.maxRetryWaitMs = options.maxRetryWaitMs ?? 30_000;
    }

    /** Reads the credentials and the API base URL from the stack config (see the top of this file). */
    async configure(req: dynamic.ConfigureRequest): Promise<void> {
        this.apiKey = req.config.get(GODADDY_KEY_CONFIG);
        this.apiSecret = req.config.get(GODADDY_SECRET_CONFIG);
        const raw: unknown = req.config.get(DNS_CONFIG);
        let dns: { apiBaseUrl?: unknown } | undefined;
        if (typeof raw === "string") {
            try {
                dns = JSON.parse(raw);
            } catch {
                dns = undefined;
            }
        } else if (raw && typeof raw === "object") {
            dns = raw as { apiBaseUrl?: unknown };
        }
        if (dns && typeof dns.apiBaseUrl === "string" && dns.apiBaseUrl) this.baseUrl = dns.apiBaseUrl.replace(/\/+$/, "");
    }

    async check(_olds: RecordSetArgs, news: RecordSetArgs): Promise<dynamic.CheckResult<RecordSetArgs>> {
        const failures: dynamic.CheckFailure[] = [];
        const domain = typeof news.domain === "string" ? news.domain.toLowerCase() : "";
        const type = typeof news.type === "string" ? news.type.toUpperCase() : "";
        const name = typeof news.name === "string" ? news.name.toLowerCase() : "";
        if (!DOMAIN.test(domain)) failures.push({ property: "domain", reason: `expected a registered domain such as iklim.co, found ${JSON.stringify(news.domain)}` });
        if (type !== "A" && type !== "AAAA") failures.push({ property: "type", reason: `expected A or AAAA, found ${JSON.stringify(news.type)}` });
        if (!validName(name)) failures.push({ property: "name", reason: `expected a name relative to the domain (api, @, *.apps), found ${JSON.stringify(news.name)}` });
        const values = Array.isArray(news.values) ? news.values : [];
        if (values.length === 0) failures.push({ property: "values", reason: "expected at least one address" });
        values.forEach((v, i) => {
            if ((type === "A" || type === "AAAA") && canonicalAddress(type, v) === undefined) {
                failures.push({ property: `values[${i}]`, reason: `expected an ${type === "A" ? "IPv4" : "IPv6"} address for an ${type} record, found ${JSON.stringify(v)}` });
            }
        });
        if (typeof news.ttl !== "number" || !Number.isInteger(news.ttl) || news.ttl < GODADDY_MIN_TTL || news.ttl > GODADDY_MAX_TTL) {
            failures.push({ property: "ttl", reason: `expected whole seconds from ${GODADDY_MIN_TTL} (GoDaddy's minimum) to ${GODADDY_MAX_TTL}, found ${JSON.stringify(news.ttl)}` });
        }
        if (failures.length) return { inputs: news, failures };
        return { inputs: { domain, type: type as RecordType, name, values: normaliseValues(type, values), ttl: news.ttl } };
    }

    async diff(_id: string, olds: RecordSetState, news: RecordSetArgs): Promise<dynamic.DiffResult> {
        // The API addresses a record set by domain, type and name: another address is another record set.
        const replaces = (["domain", "type", "name"] as const).filter((k) => olds[k] !== news[k]);
        const changes = replaces.length > 0 || olds.ttl !== news.ttl || !sameValues(normaliseValues(olds.type, olds.values ?? []), normaliseValues(news.type, news.values ?? []));
        // Create-before-delete is safe: the replacement lives at a different address than the old record set.
        return { changes, replaces };
    }

    async create(inputs: RecordSetArgs): Promise<dynamic.CreateResult<RecordSetState>> {
        const live = await this.getRecords(inputs);
        const wanted = normaliseValues(inputs.type, inputs.values);
        if (live.length > 0) {
            const liveValues = normaliseValues(inputs.type, live.map((r) => r.data));
            if (sameValues(liveValues, wanted) && live.every((r) => r.ttl === inputs.ttl)) {
                // Already exactly as declared (set by the old pipeline, or by an earlier run that lost its state): adopt.
                return { id: recordId(inputs), outs: this.state(inputs, wanted, inputs.ttl) };
            }
            throw apiError(
                "conflict",
                `GoDaddy already has ${inputs.type} records for ${fqdnOf(inputs.name, inputs.domain)}: ${describeLive(live)}, ` +
                    `not the declared ${wanted.join(", ")} (ttl ${inputs.ttl}). This stack does not manage them, so it will not overwrite them. ` +
                    `Either import them into the stack (resource option import: "${recordId(inputs)}", with the declared values made equal to the live ones first) ` +
                    `or remove them in GoDaddy, then run again.`,
            );
        }
        await this.putRecords(inputs, wanted, inputs.ttl);
        return { id: recordId(inputs), outs: this.state(inputs, wanted, inputs.ttl) };
    }

    async read(id: string, props?: RecordSetState): Promise<dynamic.ReadResult<RecordSetState>> {
        const address = props && props.domain && props.type && props.name ? props : this.parseId(id);
        const live = await this.getRecords(address);
        if (live.length === 0) return {}; // gone out of band: refresh drops it, the next `up` creates it again
        const values = normaliseValues(address.type, live.map((r) => r.data));
        const ttls = [...new Set(live.map((r) => r.ttl))];
        // Mixed TTLs inside one record set cannot be declared here: report the smallest so the next diff updates it.
        const ttl = Math.min(...ttls.map((t) => (typeof t === "number" ? t : 0)));
        return { id: recordId(address), props: this.state(address, values, ttl) };
    }

    async update(_id: string, _olds: RecordSetState, news: RecordSetArgs): Promise<dynamic.UpdateResult<RecordSetState>> {
        const wanted = normaliseValues(news.type, news.values);
        await this.putRecords(news, wanted, news.ttl);
        return { outs: this.state(news, wanted, news.ttl) };
    }

    async delete(id: string, props: RecordSetState): Promise<void> {
        const address = props && props.domain && props.type && props.name ? props : this.parseId(id);
        const res = await this.request("DELETE", address);
        if (res.status === 204 || res.status === 200) return;
        if (res.status === 404) {
            // 404 is "no such record set" or "no such domain": the record set being gone already is success.
            await this.getRecords(address); // throws the wrong-domain error if it is the domain
            return;
        }
        throw this.failure(res.status, res.body, "DELETE", address);
    }

    private state(a: Pick<RecordSetArgs, "domain" | "type" | "name">, values: string[], ttl: number): RecordSetState {
        return { domain: a.domain, type: a.type, name: a.name, values, ttl, fqdn: fqdnOf(a.name, a.domain) };
    }

    private parseId(id: string): Pick<RecordSetArgs, "domain" | "type" | "name"> {
        const [domain, type, ...rest] = id.split("/");
        if (!domain || (type !== "A" && type !== "AAAA") || rest.length === 0) {
            throw apiError("http", `"${id}" is not a GoDaddy record id; expected <domain>/<A|AAAA>/<name>, e.g. iklim.co/A/api`);
        }
        return { domain, type, name: rest.join("/") };
    }

    private async getRecords(a: Pick<RecordSetArgs, "domain" | "type" | "name">): Promise<LiveRecord[]> {
        const res = await this.request("GET", a);
        if (res.status !== 200) throw this.failure(res.status, res.body, "GET", a);
        if (!Array.isArray(res.body)) throw apiError("http", `GoDaddy answered GET ${this.path(a)} with something other than a list of records`, res.status);
        return (res.body as LiveRecord[]).filter((r) => r && typeof r.data === "string");
    }

    private async putRecords(a: Pick<RecordSetArgs, "domain" | "type" | "name">, values: string[], ttl: number): Promise<void> {
        const res = await this.request("PUT", a, values.map((data) => ({ data, ttl })));
        if (res.status !== 200 && res.status !== 204) throw this.failure(res.status, res.body, "PUT", a);
    }

    private path(a: Pick<RecordSetArgs, "domain" | "type" | "name">): string {
        return `/v1/domains/${encodeURIComponent(a.domain)}/records/${encodeURIComponent(a.type)}/${encodeURIComponent(a.name)}`;
    }

    /** One API call, retried on 429 within `maxAttempts` and `maxRetryWaitMs` per wait, each bounded in time. */
    private async request(method: "GET" | "PUT" | "DELETE", a: Pick<RecordSetArgs, "domain" | "type" | "name">, body?: unknown): Promise<{ status: number; body: unknown }> {
        if (!this.apiKey || !this.apiSecret) {
            throw apiError(
                "credentials",
                `the GoDaddy API key or secret is not in the stack config; set both with ` +
                    `pulumi config set --secret ${GODADDY_KEY_CONFIG} '<key>' and pulumi config set --secret ${GODADDY_SECRET_CONFIG} '<secret>'`,
            );
        }
        const url = `${this.baseUrl}${this.path(a)}`;
        let waited = 0;
        for (let attempt = 1; ; attempt++) {
            let res: Response;
            try {
                res = await fetch(url, {
                    method,
                    headers: {
                        Authorization: `sso-key ${this.apiKey}:${this.apiSecret}`,
                        Accept: "application/json",
                        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
                    },
                    body: body === undefined ? undefined : JSON.stringify(body),
                    signal: AbortSignal.timeout(this.requestTimeoutMs),
                });
            } catch (err) {
                const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
                if (e.name === "TimeoutError" || e.name === "AbortError") {
                    throw apiError("timeout", `GoDaddy did not answer ${method} ${url} within ${this.requestTimeoutMs / 1000} s; nothing was assumed, run again`);
                }
                throw apiError("network", `could not reach GoDaddy at ${url} for ${method}: ${e.cause?.code ?? e.cause?.message ?? e.message}`);
            }
            let text: string;
            try {
                text = await res.text();
            } catch (err) {
                const e = err as { name?: string };
                if (e.name === "TimeoutError" || e.name === "AbortError") {
                    throw apiError("timeout", `GoDaddy did not finish answering ${method} ${url} within ${this.requestTimeoutMs / 1000} s; nothing was assumed, run again`);
                }
                throw err;
            }
            let parsed: unknown = undefined;
            if (text) {
                try {
                    parsed = JSON.parse(text);
                } catch {
                    parsed = { message: text.slice(0, 200) };
                }
            }
            if (res.status !== 429) return { status: res.status, body: parsed };
            if (attempt >= this.maxAttempts) {
                throw apiError(
                    "rate-limited",
                    `GoDaddy kept answering 429 Too Many Requests to ${method} ${url}: gave up after ${attempt} attempts and ${Math.round(waited / 100) / 10} s of waiting (GoDaddy allows about 60 requests a minute per key); run again later`,
                    429,
                );
            }
            const fromBody = (parsed as ApiErrorBody | undefined)?.retryAfterSec;
            const fromHeader = Number(res.headers.get("retry-after"));
            const seconds = typeof fromBody === "number" && fromBody >= 0 ? fromBody : Number.isFinite(fromHeader) && fromHeader >= 0 ? fromHeader : 2 ** attempt;
            const wait = Math.min(seconds * 1000, this.maxRetryWaitMs);
            waited += wait;
            await sleep(wait);
        }
    }

    private failure(status: number, body: unknown, method: string, a: Pick<RecordSetArgs, "domain" | "type" | "name">): GoDaddyApiError {
        const b = (body && typeof body === "object" ? body : {}) as ApiErrorBody;
        const said = [b.code, b.message].filter(Boolean).join(": ") || "no error body";
        const fqdn = fqdnOf(a.name, a.domain);
        switch (status) {
            case 401:
            case 403:
                return apiError(
                    "credentials",
                    `GoDaddy refused the credentials (HTTP ${status}, ${said}) for ${method} ${fqdn}. Check ${GODADDY_KEY_CONFIG} and ${GODADDY_SECRET_CONFIG} ` +
                        `(pulumi config set --secret ...), that the key belongs to the account holding ${a.domain}, and that it is a production key for ` +
                        `api.godaddy.com (OTE keys only work against api.ote-godaddy.com, see dns.apiBaseUrl).`,
                    status,
                );
            case 404:
                return apiError(
                    "wrong-domain",
                    `GoDaddy does not know the domain ${a.domain} in this account (HTTP 404, ${said}) for ${method} ${fqdn}. Check iklimco:domain ` +
                        `and that the API key belongs to the account the domain is registered in.`,
                    status,
                );
            case 422: {
                const fields = (b.fields ?? []).map((f) => `${f.path ?? "?"}: ${f.message ?? f.code ?? "invalid"}`).join("; ");
                return apiError("rejected", `GoDaddy rejected ${method} ${fqdn} (HTTP 422): ${b.message ?? b.code ?? "no message"}${fields ? ` [${fields}]` : ""}`, status);
            }
            case 409:
                return apiError("conflict", `GoDaddy refused ${method} ${fqdn} (HTTP 409, ${said})`, status);
            default:
                return apiError("http", `GoDaddy answered HTTP ${status} to ${method} ${fqdn}: ${said}`, status);
        }
    }
}

/** The provider's code as `npm run build` serialises it (components/prebuilt-dynamic-resource.ts). */
export function goDaddyRecordProvider(): ProviderSource {
    return { file: __filename, make: () => new GoDaddyRecordProvider() };
}
