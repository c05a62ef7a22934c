// The whole stack configuration: one schema, validated before any resource is registered.
// Every problem is reported at once, each with the key's path, what was expected and what was found.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

/** The Pulumi config namespace of this project (`iklimco:<key>`). */
export const CONFIG_NAMESPACE = "iklimco";

export const NODE_LABELS = ["etcd", "db", "vault", "edge", "mq", "gateway", "monitoring", "apps"] as const;
export type NodeLabel = (typeof NODE_LABELS)[number];

const hostname = z
    .string()
    .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/, "a lower-case DNS name");
const dnsLabel = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "a lower-case DNS label (a-z, 0-9, -)");
// A Swarm-safe short name: services become `<stackName>_<name>`.
const serviceName = z.string().regex(/^[a-z][a-z0-9-]{0,40}$/, "a short lower-case name (a-z, 0-9, -), starting with a letter");
const ipv4 = z.ipv4();
const cidr = z.cidrv4();
const absPath = z.string().regex(/^\/[^\0]*$/, "an absolute path");
const duration = z.string().regex(/^\d+(s|m|h)$/, "a duration such as 30s, 20m or 24h");
// `registry/path/name:tag` or `...@sha256:<64 hex>`; an untagged reference is refused here, `:latest` by policy.
const imageRef = z
    .string()
    .regex(
        /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/,
        "an image reference such as harbor.iklim.co/iklimco/etcd:3.5.17 or ...@sha256:<digest>",
    )
    .refine((s) => /:[\w][\w.-]{0,127}$/.test(s.split("@")[0].replace(/^[^/]*\//, "")) || s.includes("@sha256:"), {
        message: "an image reference with an explicit tag or digest (untagged means :latest)",
    });
const positiveInt = z.int().min(1);

const nodeSchema = z.strictObject({
    name: dnsLabel,
    role: z.enum(["manager", "worker"]),
    publicIp: ipv4,
    privateIp: ipv4.optional(),
    labels: z.array(z.enum(NODE_LABELS)).default([]),
});

const approleSettings = z.strictObject({
    tokenTtl: duration.optional(),
    tokenMaxTtl: duration.optional(),
    secretIdTtl: duration.optional(),
    secretIdNumUses: z.int().min(0).optional(),
});

const microserviceSchema = z.strictObject({
    name: serviceName,
    vault: z
        .strictObject({
            paths: z.array(z.string().regex(/^[a-z0-9][a-z0-9/_-]*$/, "a KV path below the service's own prefix")).default([]),
            write: z.boolean().default(false),
        })
        .default({ paths: [], write: false }),
    postgres: z.strictObject({ database: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "a PostgreSQL identifier") }).optional(),
    mongodb: z.strictObject({ database: z.string().regex(/^[A-Za-z0-9_-]{1,63}$/, "a MongoDB database name") }).optional(),
    rabbitmq: z.strictObject({ vhost: z.string().min(1) }).optional(),
    approle: approleSettings.optional(),
});

const imagesSchema = z.strictObject({
    etcd: imageRef,
    patroni: imageRef,
    mongodb: imageRef,
    rabbitmq: imageRef,
    apisix: imageRef,
    apisixInit: imageRef,
    swag: imageRef,
    grafana: imageRef,
    vault: imageRef,
    certTools: imageRef,
    dbInit: imageRef,
});

/** The non-secret part of the stack config, as it appears under `iklimco:` in Pulumi.<stack>.yaml. */
export const settingsSchema = z
    .strictObject({
        domain: hostname,
        stackName: dnsLabel.default("iklimco"),
        docker: z.strictObject({
            host: z.string().regex(/^(ssh:\/\/[^@\s]+@[^:\s]+(:\d+)?|unix:\/\/\/\S+|tcp:\/\/\S+)$/, "ssh://user@host[:port], unix:///path or tcp://host:port"),
            sshOpts: z.array(z.string()).default([]),
        }),
        registry: z.strictObject({
            server: hostname,
            username: z.string().min(1).optional(),
            auth: z.boolean().default(true),
        }),
        network: z
            .strictObject({
                name: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, "a Docker network name").default("iklimco-net"),
                subnet: cidr,
                encrypted: z.boolean().default(true),
            }),
        nodes: z.array(nodeSchema).min(1, "at least one node"),
        images: imagesSchema,
        replicas: z
            .strictObject({
                apisix: positiveInt.default(2),
                grafana: positiveInt.default(1),
            })
            .default({ apisix: 2, grafana: 1 }),
        paths: z.strictObject({
            storageBox: absPath.default("/mnt/storagebox"),
            swagCertDir: absPath,
            swagDnsConfigDir: absPath,
            swagSiteConfsDir: absPath,
            swagProxyConfsDir: absPath,
            nodeSslDir: absPath.default("/opt/iklimco/ssl"),
        }),
        postgres: z
            .strictObject({ scope: dnsLabel.default("iklimco-pg"), port: z.int().min(1).max(65535).default(5432) })
            .default({ scope: "iklimco-pg", port: 5432 }),
        mongodb: z
            .strictObject({ replicaSet: z.string().regex(/^[A-Za-z0-9_-]+$/).default("rs0"), port: z.int().min(1).max(65535).default(27017) })
            .default({ replicaSet: "rs0", port: 27017 }),
        vault: z
            .strictObject({
                hostname: hostname.optional(),
                port: z.int().min(1).max(65535).default(8200),
                kvMount: dnsLabel.default("secret"),
                // How the program (the @pulumi/vault provider) reaches Vault; default https://<hostname>:<port>.
                address: z.url().optional(),
                // Only for a first deploy while Vault still serves the step-10 self-signed placeholder.
                skipTlsVerify: z.boolean().default(false),
                approleDefaults: approleSettings.default({}),
                backup: z
                    .strictObject({ schedule: z.string().min(1).default("0 * * * *"), keep: positiveInt.default(48) })
                    .default({ schedule: "0 * * * *", keep: 48 }),
            })
            .default({ port: 8200, kvMount: "secret", skipTlsVerify: false, approleDefaults: {}, backup: { schedule: "0 * * * *", keep: 48 } }),
        certificates: z
            .strictObject({
                // acme: SWAG obtains the wildcard certificate (DNS-01 at GoDaddy). self-signed: no public DNS (the local
                // stack): step 20 puts a self-signed *.<domain> certificate in SWAG_CERT_DIR when none is there.
                mode: z.enum(["acme", "self-signed"]).default("acme"),
            })
            .default({ mode: "acme" }),
        dns: z
            .strictObject({
                provider: z.enum(["godaddy", "none"]),
                ttl: z.int().min(600, "a TTL of at least 600 seconds (GoDaddy's minimum)").default(600),
                records: z.array(dnsLabel).default(["api", "apigw", "rabbitmq", "grafana"]),
                apiBaseUrl: z.url().default("https://api.godaddy.com"),
            }),
        microservices: z.array(microserviceSchema).default([]),
        // Steps 14, 19, 21, 22: the one-shot init jobs (components/init).
        init: z
            .strictObject({
                waitSeconds: z.int().min(10).max(3600).default(300),
                rabbitmqDeleteRemovedUsers: z.boolean().default(false),
            })
            .default({ waitSeconds: 300, rabbitmqDeleteRemovedUsers: false }),
    })
    .superRefine((c, ctx) => {
        const seen = new Map<string, number>();
        c.nodes.forEach((n, i) => {
            if (seen.has(n.name)) {
                ctx.addIssue({ code: "custom", path: ["nodes", i, "name"], message: `a unique node name (also used by nodes[${seen.get(n.name)}])`, input: n.name });
            }
            seen.set(n.name, i);
        });
        if (!c.nodes.some((n) => n.role === "manager")) {
            ctx.addIssue({ code: "custom", path: ["nodes"], message: "at least one node with role: manager", input: c.nodes.map((n) => n.role) });
        }
        for (const label of ["etcd", "db", "vault", "edge"] as const) {
            if (!c.nodes.some((n) => n.labels.includes(label))) {
                ctx.addIssue({ code: "custom", path: ["nodes"], message: `at least one node labelled "${label}"`, input: "none" });
            }
        }
        // cert-distributor restarts the Vault member of its node through that node's Docker engine, which can
        // update services only on a manager (components/certs).
        c.nodes.forEach((n, i) => {
            if (n.labels.includes("vault") && n.role !== "manager") {
                ctx.addIssue({ code: "custom", path: ["nodes", i, "role"], message: "manager for a node labelled \"vault\" (cert-distributor restarts its Vault member through the node's Docker engine)", input: n.role });
            }
        });
        const svcSeen = new Set<string>();
        c.microservices.forEach((m, i) => {
            if (svcSeen.has(m.name)) {
                ctx.addIssue({ code: "custom", path: ["microservices", i, "name"], message: "a unique microservice name", input: m.name });
            }
            svcSeen.add(m.name);
        });
        if (c.registry.auth && !c.registry.username) {
            ctx.addIssue({ code: "custom", path: ["registry", "username"], message: "a Harbor user name when registry.auth is true", input: undefined });
        }
    });

export type Settings = z.infer<typeof settingsSchema>;
export type NodeSpec = Settings["nodes"][number];
export type MicroserviceSpec = Settings["microservices"][number];

/** Every secret the platform reads from stack config. `required` may depend on the settings. */
export interface SecretSpec {
    key: string;
    description: string;
    example: string;
    /** Whether the stack must set it; judged from the raw values so a broken config still lists it. */
    required: (raw: RawSettings) => boolean;
}

/** Raw values as read from config, before validation: every field may be missing or of any type. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RawSettings = Record<string, any>;

export const SECRET_SPECS = [
    { key: "sshPrivateKey", description: "SSH private key of the deploy user on the manager (step 3)", example: "-- < ~/.ssh/iklimco_deploy", required: (r) => typeof r.docker?.host === "string" && r.docker.host.startsWith("ssh://") },
    { key: "harborPassword", description: "Harbor robot account password (step 8)", example: "'<harbor robot token>'", required: (r) => r.registry?.auth !== false },
    { key: "godaddyKey", description: "GoDaddy API key (steps 9 and 23)", example: "'<key>'", required: (r) => r.dns?.provider === "godaddy" },
    { key: "godaddySecret", description: "GoDaddy API secret (steps 9 and 23)", example: "'<secret>'", required: (r) => r.dns?.provider === "godaddy" },
    // Passwords of databases that already run keep their values: set them to adopt; unset, they are generated.
    { key: "postgresSuperuserPassword", description: "PostgreSQL superuser password (generated when unset)", example: "'<password>'", required: () => false },
    { key: "postgresReplicationPassword", description: "PostgreSQL replication password (generated when unset)", example: "'<password>'", required: () => false },
    { key: "mongodbRootPassword", description: "MongoDB root password (generated when unset)", example: "'<password>'", required: () => false },
    { key: "rabbitmqAdminPassword", description: "RabbitMQ admin password (generated when unset)", example: "'<password>'", required: () => false },
    { key: "grafanaAdminPassword", description: "Grafana admin password (generated when unset)", example: "'<password>'", required: () => false },
    { key: "apisixAdminKey", description: "APISIX admin API key (generated when unset)", example: "'<key>'", required: () => false },
    { key: "rabbitmqErlangCookie", description: "RabbitMQ Erlang cookie of the running nodes (generated when unset)", example: "'<cookie>'", required: () => false },
    { key: "mongodbKeyfile", description: "MongoDB replica set keyfile of the running members (generated when unset)", example: "-- < mongodb.keyfile", required: () => false },
    // Vault: set both to adopt an initialised Vault whose init answer this stack never recorded; set
    // vaultToken alone to retire the root token (README, "Vault").
    { key: "vaultUnsealKey", description: "Vault unseal key of an already initialised Vault (adoption)", example: "'<base64 unseal key>'", required: () => false },
    { key: "vaultToken", description: "Vault token the program uses instead of the bootstrap root token", example: "'<token>'", required: () => false },
] as const satisfies readonly SecretSpec[];

/** The keys of the secrets above: the one list is the source of both. */
export type SecretKey = (typeof SECRET_SPECS)[number]["key"];

export interface PlatformConfig extends Settings {
    /** Each secret the stack has set, as a Pulumi secret; an unset optional secret is absent. */
    secrets: Partial<Record<SecretKey, pulumi.Output<string>>>;
}

export interface ConfigProblem {
    key: string;
    expected: string;
    found: string;
    fix?: string;
}

export class ConfigError extends Error {
    constructor(public readonly problems: ConfigProblem[]) {
        super(
            `Stack configuration is invalid (${problems.length} problem${problems.length === 1 ? "" : "s"}); nothing was deployed:\n` +
                problems.map((p) => `  - ${p.key}: expected ${p.expected}, found ${p.found}${p.fix ? `\n      fix: ${p.fix}` : ""}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

function describe(value: unknown): string {
    if (value === undefined) return "nothing (the key is not set)";
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function keyPath(path: PropertyKey[]): string {
    if (path.length === 0) return `${CONFIG_NAMESPACE}:<root>`;
    const [head, ...rest] = path;
    return `${CONFIG_NAMESPACE}:${String(head)}` + rest.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
}

function expectedOf(issue: z.core.$ZodIssue): string {
    switch (issue.code) {
        case "invalid_type":
            return issue.expected;
        case "invalid_value":
            return `one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
        case "too_small":
            return issue.message.startsWith("Too small") ? `${issue.origin === "array" ? "at least" : ">="} ${String(issue.minimum)}${issue.origin === "array" ? " item(s)" : ""}` : issue.message;
        case "too_big":
            return `<= ${String(issue.maximum)}`;
        case "unrecognized_keys":
            return "no such key (check the spelling against the README's table of config keys)";
        case "invalid_format":
            return issue.message.startsWith("Invalid") ? `a valid ${issue.format}` : issue.message;
        default:
            return issue.message;
    }
}

/**
 * Validates the non-secret settings and the presence of secrets. Pure: used by `loadConfig` and by tests.
 * `values` maps a key without namespace to its parsed value; `secretKeys` names the secrets that are set.
 */
export function validateSettings(values: Record<string, unknown>, secretKeys: ReadonlySet<string>): { settings?: Settings; problems: ConfigProblem[] } {
    const problems: ConfigProblem[] = [];
    const nonSecret: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(values)) {
        if (!SECRET_SPECS.some((s) => s.key === k)) nonSecret[k] = v;
    }
    const result = settingsSchema.safeParse(nonSecret, { reportInput: true });
    if (!result.success) {
        for (const issue of result.error.issues) {
            if (issue.code === "unrecognized_keys") {
                for (const k of issue.keys) {
                    problems.push({ key: keyPath([...issue.path, k]), expected: expectedOf(issue), found: "an unknown key" });
                }
                continue;
            }
            problems.push({ key: keyPath(issue.path), expected: expectedOf(issue), found: describe((issue as { input?: unknown }).input) });
        }
    }
    // Secrets are checked even when the settings are broken, so one run lists every missing one.
    for (const spec of SECRET_SPECS) {
        if (spec.required(nonSecret) && !secretKeys.has(spec.key)) {
            problems.push({
                key: `${CONFIG_NAMESPACE}:${spec.key}`,
                expected: `a secret: ${spec.description}`,
                found: "nothing (the secret is not set)",
                fix: `pulumi config set --secret ${CONFIG_NAMESPACE}:${spec.key} ${spec.example}`,
            });
        }
        if (values[spec.key] !== undefined && !secretKeys.has(spec.key)) {
            problems.push({
                key: `${CONFIG_NAMESPACE}:${spec.key}`,
                expected: "a secret (encrypted in the stack file)",
                found: "a plain-text value",
                fix: `pulumi config set --secret ${CONFIG_NAMESPACE}:${spec.key} ${spec.example}`,
            });
        }
    }
    return { settings: problems.length === 0 ? result.data : undefined, problems };
}

/** Parses a raw config string the way Pulumi hands structured values over: JSON when it is JSON. */
export function parseRawValue(raw: string): unknown {
    try {
        return JSON.parse(raw);
    } catch {
        return raw;
    }
}

// Whether the CLI passed a key as a secret: only exported from the runtime's config module (SDK version pinned).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const isConfigSecret: (key: string) => boolean = require("@pulumi/pulumi/runtime/config").isConfigSecret;

/** Reads the stack config from the Pulumi runtime, validates it, and returns it with secrets as Outputs. */
export function loadConfig(): PlatformConfig {
    const prefix = `${CONFIG_NAMESPACE}:`;
    const values: Record<string, unknown> = {};
    const secretKeys = new Set<string>();
    for (const [fullKey, raw] of Object.entries(pulumi.runtime.allConfig())) {
        if (!fullKey.startsWith(prefix)) continue;
        const key = fullKey.slice(prefix.length);
        values[key] = parseRawValue(raw);
        if (SECRET_SPECS.some((s) => s.key === key) && isConfigSecret(fullKey)) secretKeys.add(key);
    }
    const { settings, problems } = validateSettings(values, secretKeys);
    if (!settings) throw new ConfigError(problems);
    const cfg = new pulumi.Config(CONFIG_NAMESPACE);
    const secrets: PlatformConfig["secrets"] = {};
    for (const spec of SECRET_SPECS) {
        const value = cfg.getSecret(spec.key);
        if (value !== undefined) secrets[spec.key as SecretKey] = value;
    }
    return { ...settings, secrets };
}

/** Nodes carrying a label, in config order (config order is the member order everywhere). */
export function nodesWithLabel(c: Settings, label: NodeLabel): NodeSpec[] {
    return c.nodes.filter((n) => n.labels.includes(label));
}
