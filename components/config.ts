// The whole stack configuration: one schema, validated before any resource is registered.
// Every problem is reported at once, each with the key's path, what was expected and what was found.
import * as pulumi from "@pulumi/pulumi";
import * as z from "zod";
import { vaultHostname } from "./naming";
import { cidrProblem, cronLongestGapSeconds, dockerHostProblem, isDnsLabel, isHostname, isIpv4, isPort, nearest, nonPublicIpv4, parseCron, parseDuration, urlProblem } from "./config-values";

/** The Pulumi config namespace of this project (`iklimco:<key>`). */
export const CONFIG_NAMESPACE = "iklimco";

export const NODE_LABELS = ["etcd", "db", "vault", "edge", "mq", "gateway", "monitoring", "apps"] as const;
export type NodeLabel = (typeof NODE_LABELS)[number];

// ---------------------------------------------------------------- leaf forms
// Each key carries its accepted form and an example (`.meta`): the messages and docs/config.md are made from
// them, so the text an operator reads is the same in both places and never a regular expression.

/** What the messages and docs/config.md say about a key. */
export interface KeyDoc {
    form: string;
    example?: string;
    /** For an optional key whose value, when unset, comes from elsewhere: where (docs only). */
    fallback?: string;
}

const withDoc = <T extends z.ZodType>(schema: T, form: string, example?: string, fallback?: string): T => schema.meta({ form, example, fallback }) as T;
const expectation = (form: string, example?: string) => (example ? `${form}, e.g. ${example}` : form);

/** A string accepted when `problem` returns nothing; its answer is appended to the expected form. */
function text(form: string, example: string, problem: (s: string) => string | undefined) {
    return withDoc(
        z.string().superRefine((s, ctx) => {
            const why = problem(s);
            if (why !== undefined) ctx.addIssue({ code: "custom", message: why ? `${expectation(form, example)} (${why})` : expectation(form, example), input: s });
        }),
        form,
        example,
    );
}
const test = (ok: boolean) => (ok ? undefined : "");

function wholeNumber(form: string, example: string, min: number, max?: number) {
    const base = z.int().min(min);
    return withDoc(max === undefined ? base : base.max(max), form, example);
}
const port = (example: string) => wholeNumber("a TCP port from 1 to 65535", example, 1, 65535);
const flag = (example: string) => withDoc(z.boolean(), "true or false", example);
function oneOf<const T extends readonly [string, ...string[]]>(values: T, example?: string) {
    return withDoc(z.enum(values), `one of ${values.join(", ")}`, example ?? values[0]);
}

const hostname = (example: string) => text("a lower-case DNS name (a-z, 0-9, - and dots)", example, (s) => test(isHostname(s)));
const dnsLabel = (example: string) => text("a lower-case DNS label (a-z, 0-9 and -, at most 63 characters)", example, (s) => test(isDnsLabel(s)));
const ipv4 = (example: string) => text("an IPv4 address", example, (s) => test(isIpv4(s)));
const absPath = (example: string) =>
    text("an absolute path without spaces, commas, colons or .. (it becomes a bind mount)", example, (s) =>
        test(/^\/[^\s,:]*$/.test(s) && s !== "/" && !s.split("/").includes("..")),
    );
const duration = (example: string) =>
    text("a Vault duration: a whole number with s, m, h or d", example, (s) => test(parseDuration(s) !== undefined));
const url = (schemes: readonly string[], example: string) => text(`an ${schemes.join(" or ")} URL with a host and an optional port`, example, (s) => urlProblem(s, schemes));

// A reference Docker can pull: lower-case `registry[:port]/path/name` with an explicit tag or digest (an untagged
// reference means :latest, which the policy pack refuses too).
const IMAGE_NAME = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;
const image = (example: string) =>
    text("an image reference registry/path/name:tag or ...@sha256:<64 hex>, lower-case, with an explicit tag or digest", example, (s) => {
        const [ref, digest] = s.split("@");
        if (digest !== undefined && !/^sha256:[a-f0-9]{64}$/.test(digest)) return "the digest must be sha256: and 64 hex digits";
        const tagAt = ref.lastIndexOf(":");
        const hasTag = tagAt > ref.lastIndexOf("/");
        const name = hasTag ? ref.slice(0, tagAt) : ref;
        if (!IMAGE_NAME.test(name)) return `not a valid repository name: "${name}"`;
        if (hasTag && !/^[\w][\w.-]{0,127}$/.test(ref.slice(tagAt + 1))) return `not a valid tag: "${ref.slice(tagAt + 1)}"`;
        if (!hasTag && digest === undefined) return "no tag: untagged means :latest";
        return undefined;
    });
// One SSH public key line as `ssh-keyscan` prints it after the host name: `<type> <base64>[ comment]`.
const SSH_HOST_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,2}( [^\n]*)?$/;
const sshHostKey = text(
    "one SSH host public key line `<type> <base64>` (ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa), the output of `ssh-keyscan -t ed25519 <manager> | cut -d' ' -f2-`",
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOM1VkxcKQkwy8Bvs6h6Rh4m4Yd2pXo8g5b2z4Qb7mzd",
    (s) => test(SSH_HOST_KEY.test(s.trim())),
);

// Swarm limits: a service is `<stackName>_<name>` (63 characters at most), a secret `<name>_<suffix>` (64); a
// microservice's longest secret is `<name>_rabbitmq_password_<8 hex>`, so its name has 37 characters at most.
const MICROSERVICE_NAME_MAX = 37;
const LONGEST_INFRA_SERVICE = "cert-distributor";
// Names the platform's own services, AppRoles and Swarm secrets use: a microservice by one of them would take
// over that service or its credentials.
const RESERVED_SERVICE_NAMES: readonly string[] = ["apisix", "apisix-init", "swag", "grafana", "cert-reloader", "cert-distributor", "vault-backup", "backup"];
const RESERVED_SERVICE_PATTERN = /^(etcd|patroni|mongodb|rabbitmq|vault)-\d+$/;
// Vault mounts it reserves for itself.
const RESERVED_VAULT_MOUNTS: readonly string[] = ["sys", "auth", "identity", "cubbyhole", "audit"];
// Names PostgreSQL and MongoDB keep for themselves.
const RESERVED_PG_DATABASES: readonly string[] = ["postgres", "template0", "template1"];
const RESERVED_MONGO_DATABASES: readonly string[] = ["admin", "local", "config"];
/** Labels each platform service is placed by: a stack without one of them leaves that service unplaced. */
export const REQUIRED_LABELS: Readonly<Partial<Record<NodeLabel, string>>> = {
    etcd: "etcd members",
    db: "Patroni and MongoDB members",
    vault: "Vault members",
    edge: "SWAG and the public DNS records",
    mq: "RabbitMQ members",
    gateway: "APISIX",
    monitoring: "Grafana",
};
/** MongoDB allows at most 7 voting members, and each db-labelled node runs one. */
const MONGODB_MAX_VOTING = 7;
/** Vault caps token TTLs at the system max lease TTL (768h unless tuned): a longer one is silently cut. */
const VAULT_MAX_LEASE_SECONDS = 768 * 3600;

/** Safe AppRole defaults; `vault.approleDefaults` and `microservices[].approle` override them. */
export const APPROLE_DEFAULTS = { tokenTtl: "1h", tokenMaxTtl: "4h", secretIdTtl: "720h", secretIdNumUses: 0 } as const;

const cron = withDoc(
    z.string().superRefine((s, ctx) => {
        const parsed = parseCron(s);
        const form = "a five-field cron schedule (minute 0-59, hour 0-23, day 1-31, month 1-12, weekday 0-6; lists, ranges and steps)";
        if (parsed.problem) ctx.addIssue({ code: "custom", message: `${form}, e.g. 0 * * * * (${parsed.problem})`, input: s });
        else if (cronLongestGapSeconds(parsed.schedule!) === undefined) ctx.addIssue({ code: "custom", message: `${form} that runs at least once, e.g. 0 * * * * (this date never comes)`, input: s });
    }),
    "a five-field cron schedule run by busybox crond (minute 0-59, hour 0-23, day 1-31, month 1-12 or jan-dec, weekday 0-6 or sun-sat with Sunday 0; lists, ranges and steps)",
    "0 * * * *",
);

const durationInVault = (example: string, capped: boolean) =>
    capped
        ? text("a Vault duration: a whole number with s, m, h or d, at most 768h (Vault's max lease TTL)", example, (s) => {
              const secs = parseDuration(s);
              return secs === undefined ? "" : secs > VAULT_MAX_LEASE_SECONDS ? "Vault would cut it to 768h" : undefined;
          })
        : duration(example);

/** AppRole bounds; unset ones come from `inherits` (the built-in defaults, or vault.approleDefaults). */
function approleSettings(inherits: "built-in" | "defaults") {
    const from = (key: keyof typeof APPROLE_DEFAULTS) =>
        inherits === "built-in" ? `${APPROLE_DEFAULTS[key]} (built in)` : `iklimco:vault.approleDefaults.${key}`;
    const fallback = <T extends z.ZodType>(s: T, key: keyof typeof APPROLE_DEFAULTS) => {
        const doc = docOf(s)!;
        return withDoc(s, doc.form, doc.example, from(key));
    };
    return withDoc(
        z.strictObject({
            tokenTtl: fallback(durationInVault("1h", true), "tokenTtl").optional(),
            tokenMaxTtl: fallback(durationInVault("4h", true), "tokenMaxTtl").optional(),
            secretIdTtl: fallback(duration("720h"), "secretIdTtl").optional(),
            secretIdNumUses: fallback(wholeNumber("a whole number of uses, 0 for unlimited", "0", 0), "secretIdNumUses").optional(),
        }),
        "a map of AppRole bounds: tokenTtl, tokenMaxTtl, secretIdTtl, secretIdNumUses",
        "{ tokenTtl: 1h, tokenMaxTtl: 4h }",
    );
}

const nodeSchema = withDoc(
    z.strictObject({
        name: withDoc(dnsLabel("iklimco-1"), "the node's hostname as Swarm knows it: a lower-case DNS label (a-z, 0-9 and -)", "iklimco-1"),
        role: oneOf(["manager", "worker"] as const),
        publicIp: ipv4("203.0.113.11"),
        privateIp: ipv4("10.0.0.11").optional(),
        labels: withDoc(z.array(oneOf(NODE_LABELS, "etcd")), `a list of labels from ${NODE_LABELS.join(", ")}`, "[etcd, db, vault]").default([]),
    }),
    "a node: name, role, publicIp and labels",
    "{ name: iklimco-1, role: manager, publicIp: 203.0.113.11, labels: [etcd, db, vault] }",
);

const microserviceSchema = withDoc(
    z.strictObject({
        name: text(
            `a short lower-case name (a-z, 0-9 and -, starting with a letter, at most ${MICROSERVICE_NAME_MAX} characters)`,
            "auth-service",
            (s) => test(new RegExp(`^[a-z][a-z0-9-]{0,${MICROSERVICE_NAME_MAX - 1}}$`).test(s) && !s.endsWith("-")),
        ),
        vault: withDoc(
            z.strictObject({
                paths: withDoc(
                    z.array(text("a KV path below the service's own prefix (a-z, 0-9, /, _ and -)", "auth", (s) => test(/^[a-z0-9][a-z0-9_-]*(\/[a-z0-9][a-z0-9_-]*)*$/.test(s)))),
                    "a list of KV paths below the service's own prefix",
                    "[auth]",
                ).default([]),
                write: flag("false").default(false),
            }),
            "a map with paths (KV paths below the service's prefix) and write",
            "{ paths: [auth], write: false }",
        ).prefault({}),
        postgres: withDoc(
            z.strictObject({
                database: text("a PostgreSQL database name (a-z, 0-9 and _, starting with a letter or _, at most 63 characters)", "auth", (s) =>
                    /^[a-z_][a-z0-9_]{0,62}$/.test(s) ? (RESERVED_PG_DATABASES.includes(s) ? `${s} is PostgreSQL's own` : undefined) : "",
                ),
            }),
            "a map with database",
            "{ database: auth }",
        ).optional(),
        mongodb: withDoc(
            z.strictObject({
                database: text("a MongoDB database name (letters, digits, _ and -, at most 63 characters)", "user_profiles", (s) =>
                    /^[A-Za-z0-9_-]{1,63}$/.test(s) ? (RESERVED_MONGO_DATABASES.includes(s) ? `${s} is MongoDB's own` : undefined) : "",
                ),
            }),
            "a map with database",
            "{ database: user_profiles }",
        ).optional(),
        rabbitmq: withDoc(
            z.strictObject({
                vhost: text("a RabbitMQ virtual host (1 to 255 characters, no tab or line break)", "iklimco", (s) => test(s.length >= 1 && s.length <= 255 && !/[\t\r\n]/.test(s))),
            }),
            "a map with vhost",
            "{ vhost: iklimco }",
        ).optional(),
        approle: approleSettings("defaults").optional(),
    }),
    "a microservice: name, and what it uses of vault, postgres, mongodb, rabbitmq",
    "{ name: auth-service, vault: { paths: [auth] }, postgres: { database: auth } }",
);

const imagesSchema = withDoc(
    z.strictObject({
        etcd: image("harbor.iklim.co/iklimco/etcd:3.5.17"),
        patroni: image("harbor.iklim.co/iklimco/patroni:4.0.4-pg16"),
        mongodb: image("harbor.iklim.co/iklimco/mongo:7.0.14"),
        rabbitmq: image("harbor.iklim.co/iklimco/rabbitmq:3.13.7-management"),
        apisix: image("harbor.iklim.co/iklimco/apisix:3.11.0-debian"),
        apisixInit: image("harbor.iklim.co/iklimco/apisix-init:1.4.2"),
        swag: image("harbor.iklim.co/iklimco/swag:3.1.0"),
        grafana: image("harbor.iklim.co/iklimco/grafana:11.3.1"),
        vault: image("harbor.iklim.co/iklimco/vault:1.18.2"),
        certTools: image("harbor.iklim.co/iklimco/cert-tools:1.0.0"),
        dbInit: image("harbor.iklim.co/iklimco/db-init:1.0.0"),
    }),
    "a map of image references: etcd, patroni, mongodb, rabbitmq, apisix, apisixInit, swag, grafana, vault, certTools, dbInit",
    "{ etcd: harbor.iklim.co/iklimco/etcd:3.5.17, ... }",
);

/** The non-secret part of the stack config, as it appears under `iklimco:` in Pulumi.<stack>.yaml. */
export const settingsSchema = z
    .strictObject({
        domain: text("a registered domain name in lower case (at least two labels)", "iklim.co", (s) => test(isHostname(s) && s.includes("."))),
        stackName: text(
            `a lower-case DNS label of at most ${62 - LONGEST_INFRA_SERVICE.length} characters (services are <stackName>_<name>)`,
            "iklimco",
            (s) => test(isDnsLabel(s) && s.length <= 62 - LONGEST_INFRA_SERVICE.length),
        ).default("iklimco"),
        docker: withDoc(
            z.strictObject({
                host: text("ssh://user@host[:port] (port 1-65535), unix:///path/to/docker.sock or tcp://host:port", "ssh://deploy@203.0.113.11:22", dockerHostProblem),
                sshOpts: withDoc(
                    z.array(text("an ssh option word", "StrictHostKeyChecking=yes", (s) => test(s.length > 0 && !/[\r\n]/.test(s)))),
                    "a list of ssh option words",
                    "[-o, StrictHostKeyChecking=yes]",
                ).default([]),
                // The manager's SSH host public key, one `<type> <base64>` line (as in known_hosts without the host
                // name). The command provider (@pulumi/command remote.Command) verifies the server against it and
                // ignores host keys when it is missing, so it is required for an ssh:// host (docs/dependencies.md).
                hostKey: withDoc(sshHostKey, "one SSH host public key line <type> <base64>", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOM1VkxcKQkwy8Bvs6h6Rh4m4Yd2pXo8g5b2z4Qb7mzd", "none; required when docker.host is ssh://").optional(),
            }),
            "a map with host (and sshOpts, hostKey)",
            "{ host: ssh://deploy@203.0.113.11:22 }",
        ),
        registry: withDoc(
            z.strictObject({
                server: text("a registry host name, optionally with :port", "harbor.iklim.co", (s) => {
                    const [h, p, ...rest] = s.split(":");
                    return test(rest.length === 0 && isHostname(h) && (p === undefined || isPort(p)));
                }),
                username: withDoc(
                    text("a Harbor user name (no spaces)", "robot$iklimco+deploy", (s) => test(/^\S{1,255}$/.test(s))),
                    "a Harbor user name (no spaces)",
                    "robot$iklimco+deploy",
                    "none; required when registry.auth is true",
                ).optional(),
                auth: flag("true").default(true),
            }),
            "a map with server, username and auth",
            "{ server: harbor.iklim.co, username: robot$iklimco+deploy, auth: true }",
        ),
        network: withDoc(
            z.strictObject({
                name: text("a Docker network name (a-z, 0-9, _, . and -, starting with a letter or digit, at most 63 characters)", "iklimco-net", (s) =>
                    test(/^[a-z0-9][a-z0-9_.-]{0,62}$/.test(s)),
                ).default("iklimco-net"),
                subnet: text("an IPv4 network in CIDR form, /8 to /24", "10.20.0.0/16", cidrProblem),
                encrypted: flag("true").default(true),
            }),
            "a map with name, subnet and encrypted",
            "{ name: iklimco-net, subnet: 10.20.0.0/16 }",
        ),
        nodes: withDoc(z.array(nodeSchema).min(1), "a list of at least one node (name, role, publicIp, labels)", "[{ name: iklimco-1, role: manager, publicIp: 203.0.113.11, labels: [etcd, db, vault, edge] }]"),
        images: imagesSchema,
        replicas: withDoc(
            z.strictObject({
                apisix: wholeNumber("a whole number of replicas, at least 1", "2", 1).default(2),
                grafana: wholeNumber("a whole number of replicas, at least 1", "1", 1).default(1),
            }),
            "a map with apisix and grafana replica counts",
            "{ apisix: 2, grafana: 1 }",
        ).prefault({}),
        paths: withDoc(
            z.strictObject({
                storageBox: absPath("/mnt/storagebox").default("/mnt/storagebox"),
                swagCertDir: absPath("/mnt/storagebox/ssl"),
                swagDnsConfigDir: absPath("/mnt/storagebox/swag/dns-conf"),
                swagSiteConfsDir: absPath("/mnt/storagebox/swag/site-confs"),
                swagProxyConfsDir: absPath("/mnt/storagebox/swag/proxy-confs"),
                nodeSslDir: absPath("/opt/iklimco/ssl").default("/opt/iklimco/ssl"),
            }),
            "a map of absolute paths: storageBox, swagCertDir, swagDnsConfigDir, swagSiteConfsDir, swagProxyConfsDir, nodeSslDir",
            "{ swagCertDir: /mnt/storagebox/ssl, ... }",
        ),
        postgres: withDoc(
            z.strictObject({ scope: dnsLabel("iklimco-pg").default("iklimco-pg"), port: port("5432").default(5432) }),
            "a map with scope (the Patroni cluster name) and port",
            "{ scope: iklimco-pg, port: 5432 }",
        ).prefault({}),
        mongodb: withDoc(
            z.strictObject({
                replicaSet: text("a valid replica-set name (letters, digits, - and _, at most 64 characters)", "rs0", (s) => test(/^[A-Za-z0-9_-]{1,64}$/.test(s))).default("rs0"),
                port: port("27017").default(27017),
            }),
            "a map with replicaSet and port",
            "{ replicaSet: rs0, port: 27017 }",
        ).prefault({}),
        vault: withDoc(
            z.strictObject({
                hostname: withDoc(
                    hostname("vault.iklim.co"),
                    "Vault's public name, one label below domain so the wildcard certificate covers it",
                    "vault.iklim.co",
                    "vault.<domain>",
                ).optional(),
                port: port("8200").default(8200),
                kvMount: text(`a lower-case DNS label that Vault does not reserve (not ${RESERVED_VAULT_MOUNTS.join(", ")})`, "secret", (s) =>
                    isDnsLabel(s) ? (RESERVED_VAULT_MOUNTS.includes(s) ? `${s} is Vault's own` : undefined) : "",
                ).default("secret"),
                // How the program (the @pulumi/vault provider) reaches Vault; default https://<hostname>:<port>.
                address: withDoc(url(["https", "http"], "https://vault.iklim.co:8200"), "an https or http URL with a host and an optional port", "https://vault.iklim.co:8200", "https://<vault.hostname>:<vault.port>").optional(),
                // How the deploy runner reaches `address`. public: the DNS component declares an A record for the
                // hostname at the nodes labelled vault (each member publishes the port there). private: no public
                // name; `address` (required) is where the runner connects (VPN, private network), and the
                // certificate is still checked against the hostname (docs/names.md).
                runnerAccess: oneOf(["public", "private"] as const).default("public"),
                // Only for a first deploy while Vault still serves the step-10 self-signed placeholder.
                skipTlsVerify: flag("false").default(false),
                approleDefaults: approleSettings("built-in").default({}),
                backup: withDoc(
                    z.strictObject({ schedule: cron.default("0 * * * *"), keep: wholeNumber("a whole number of snapshots to keep, at least 1", "48", 1).default(48) }),
                    "a map with schedule and keep",
                    "{ schedule: \"0 * * * *\", keep: 48 }",
                ).prefault({}),
            }),
            "a map with hostname, port, kvMount, address, runnerAccess, skipTlsVerify, approleDefaults and backup",
            "{ hostname: vault.iklim.co, port: 8200 }",
        ).prefault({}),
        certificates: withDoc(
            z.strictObject({
                // acme: SWAG obtains the wildcard certificate (DNS-01 at GoDaddy). self-signed: no public DNS (the local
                // stack): step 20 puts a self-signed *.<domain> certificate in SWAG_CERT_DIR when none is there.
                mode: oneOf(["acme", "self-signed"] as const).default("acme"),
            }),
            "a map with mode",
            "{ mode: acme }",
        ).prefault({}),
        dns: withDoc(
            z.strictObject({
                provider: oneOf(["godaddy", "none"] as const),
                ttl: wholeNumber("a whole number of seconds from 600 to 604800 (GoDaddy's bounds)", "600", 600, 604800).default(600),
                records: withDoc(z.array(dnsLabel("api")), "a list of DNS labels below domain", "[api, apigw, rabbitmq, grafana]").default(["api", "apigw", "rabbitmq", "grafana"]),
                apiBaseUrl: url(["https"], "https://api.godaddy.com").default("https://api.godaddy.com"),
                // Names under the domain the program uses that another system publishes (harbor): listed so
                // every name the program uses is either declared here or said to be someone else's.
                external: withDoc(z.array(dnsLabel("harbor")), "a list of DNS labels below domain that another system publishes", "[harbor]").default([]),
            }),
            "a map with provider, ttl, records, apiBaseUrl and external",
            "{ provider: godaddy, ttl: 600 }",
        ),
        microservices: withDoc(z.array(microserviceSchema), "a list of microservices", "[{ name: auth-service, vault: { paths: [auth] } }]").default([]),
        // Steps 14, 19, 21, 22: the one-shot init jobs (components/init).
        init: withDoc(
            z.strictObject({
                waitSeconds: wholeNumber("a whole number of seconds from 10 to 3600", "300", 10, 3600).default(300),
                rabbitmqDeleteRemovedUsers: flag("false").default(false),
            }),
            "a map with waitSeconds and rabbitmqDeleteRemovedUsers",
            "{ waitSeconds: 300 }",
        ).prefault({}),
    })
    // Rules across keys run on whatever parsed, even when other keys are wrong (`when`), so one run reports them all.
    .superRefine((c, ctx) => crossKeyRules(c, ctx), { when: () => true });

type Issue = { path: (string | number)[]; message: string; input: unknown };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;
const isObj = (v: unknown): v is Record<string, Loose> => !!v && typeof v === "object" && !Array.isArray(v);
const list = (v: unknown): Loose[] => (Array.isArray(v) ? v : []);

/** Rules that relate keys to each other. The input may be partly invalid: every read is guarded. */
function crossKeyRules(c: Loose, ctx: { addIssue: (i: { code: "custom"; path: (string | number)[]; message: string; input: unknown }) => void }): void {
    const add = (i: Issue) => ctx.addIssue({ code: "custom", ...i });
    if (!isObj(c)) return;
    const nodes = list(c.nodes).map((n) => (isObj(n) ? n : {}));
    const labelsOf = (n: Loose): string[] => list(n.labels).filter((l) => typeof l === "string");
    if (Array.isArray(c.nodes)) {
        for (const field of ["name", "publicIp", "privateIp"] as const) {
            const seen = new Map<string, number>();
            nodes.forEach((n, i) => {
                if (typeof n[field] !== "string") return;
                if (seen.has(n[field])) add({ path: ["nodes", i, field], message: `a unique node ${field} (nodes[${seen.get(n[field])}] has it too)`, input: n[field] });
                else seen.set(n[field], i);
            });
        }
        // A rule over all nodes is judged only when every node's own value is readable: a misspelt role or a
        // malformed label list is reported on its key, not again as "no manager" or "no node labelled ...".
        const rolesReadable = nodes.every((n) => n.role === "manager" || n.role === "worker");
        const labelsReadable = nodes.every((n) => n.labels === undefined || (Array.isArray(n.labels) && n.labels.every((l: unknown) => (NODE_LABELS as readonly unknown[]).includes(l))));
        if (nodes.length && rolesReadable && !nodes.some((n) => n.role === "manager")) add({ path: ["nodes"], message: "at least one node with role: manager (Swarm needs a manager to deploy to)", input: nodes.map((n) => n.role) });
        for (const [label, what] of Object.entries(REQUIRED_LABELS)) {
            if (nodes.length && labelsReadable && !nodes.some((n) => labelsOf(n).includes(label))) {
                add({ path: ["nodes"], message: `at least one node labelled "${label}" (it places ${what}), e.g. labels: [${label}]`, input: `no node labelled "${label}"` });
            }
        }
        // cert-distributor restarts the Vault member of its node through that node's Docker engine, which can
        // update services only on a manager (components/certs).
        nodes.forEach((n, i) => {
            if (labelsOf(n).includes("vault") && n.role === "worker") {
                add({ path: ["nodes", i, "role"], message: 'manager for a node labelled "vault" (cert-distributor restarts its Vault member through the node\'s Docker engine)', input: n.role });
            }
        });
        // GoDaddy's records point the public names at the edge nodes: an address the Internet cannot reach is a mistake.
        if (isObj(c.dns) && c.dns.provider === "godaddy") {
            nodes.forEach((n, i) => {
                const why = typeof n.publicIp === "string" && labelsOf(n).includes("edge") ? nonPublicIpv4(n.publicIp) : undefined;
                if (why) add({ path: ["nodes", i, "publicIp"], message: `a public address for a node labelled "edge" (the public DNS records point at it; this is ${why}), e.g. 203.0.113.21`, input: n.publicIp });
            });
        }
        const db = nodes.filter((n) => labelsOf(n).includes("db"));
        if (db.length > MONGODB_MAX_VOTING) add({ path: ["nodes"], message: `at most ${MONGODB_MAX_VOTING} nodes labelled "db" (each runs a voting MongoDB member; MongoDB allows ${MONGODB_MAX_VOTING})`, input: `${db.length} nodes labelled "db"` });
    }
    const services = list(c.microservices).map((m) => (isObj(m) ? m : {}));
    const names = new Map<string, number>();
    const databases = new Map<string, number>();
    const stackName = typeof c.stackName === "string" ? c.stackName : "iklimco";
    services.forEach((m, i) => {
        if (typeof m.name === "string") {
            if (names.has(m.name)) add({ path: ["microservices", i, "name"], message: `a unique microservice name (microservices[${names.get(m.name)}] has it too)`, input: m.name });
            else names.set(m.name, i);
            if (RESERVED_SERVICE_NAMES.includes(m.name) || RESERVED_SERVICE_PATTERN.test(m.name)) {
                add({ path: ["microservices", i, "name"], message: "a name the platform's own services do not use (apisix, swag, grafana, cert-*, vault-backup, backup, etcd-N, patroni-N, mongodb-N, rabbitmq-N, vault-N are taken)", input: m.name });
            }
            if (stackName.length + 1 + m.name.length > 63) add({ path: ["microservices", i, "name"], message: `a name short enough that ${stackName}_<name> fits Docker's 63 characters`, input: m.name });
        }
        const db = isObj(m.postgres) ? m.postgres.database : undefined;
        if (typeof db === "string") {
            if (databases.has(db)) add({ path: ["microservices", i, "postgres", "database"], message: `a PostgreSQL database of its own (microservices[${databases.get(db)}] owns ${db}; each database has one owner role)`, input: db });
            else databases.set(db, i);
        }
    });
    const docker = isObj(c.docker) ? c.docker : {};
    if (typeof docker.host === "string" && docker.host.startsWith("ssh://") && docker.hostKey === undefined) {
        add({
            path: ["docker", "hostKey"],
            message:
                "the manager's SSH host key when docker.host is ssh:// (without it the command provider accepts any host key); get it with `ssh-keyscan -t ed25519 <manager> | cut -d' ' -f2-` and compare its `ssh-keygen -lf` fingerprint with the node's console",
            input: undefined,
        });
    }
    const registry = isObj(c.registry) ? c.registry : undefined;
    if (registry && registry.auth !== false && registry.username === undefined) {
        add({ path: ["registry", "username"], message: "a Harbor user name when registry.auth is true, e.g. robot$iklimco+deploy (or auth: false for a registry without login)", input: undefined });
    }
    const records = isObj(c.dns) ? list(c.dns.records) : [];
    const seenRecords = new Map<unknown, number>();
    records.forEach((r, i) => {
        if (seenRecords.has(r)) add({ path: ["dns", "records", i], message: `a record not listed before (records[${seenRecords.get(r)}] is the same)`, input: r });
        else seenRecords.set(r, i);
    });
    const mode = isObj(c.certificates) ? c.certificates.mode : "acme";
    if (mode === "acme" && isObj(c.dns) && c.dns.provider === "none") {
        add({ path: ["certificates", "mode"], message: 'self-signed when dns.provider is none (acme gets the certificate by DNS-01 at GoDaddy, which needs dns.provider: godaddy)', input: "acme" });
    }
    const vault = isObj(c.vault) ? c.vault : {};
    if (typeof vault.hostname === "string" && typeof c.domain === "string" && isHostname(vault.hostname) && !vault.hostname.endsWith(`.${c.domain}`) ) {
        add({ path: ["vault", "hostname"], message: `a name one label below ${c.domain} (the wildcard certificate *.${c.domain} must cover it), e.g. vault.${c.domain}`, input: vault.hostname });
    } else if (typeof vault.hostname === "string" && typeof c.domain === "string" && vault.hostname.slice(0, -c.domain.length - 1).includes(".")) {
        add({ path: ["vault", "hostname"], message: `a name one label below ${c.domain} (*.${c.domain} covers one label only), e.g. vault.${c.domain}`, input: vault.hostname });
    }
    // How the runner reaches Vault must be said: a public record needs a DNS provider, private needs an address.
    const domain = typeof c.domain === "string" ? c.domain : undefined;
    const hostname = typeof vault.hostname === "string" ? vault.hostname : undefined;
    const vaultHost = domain ? vaultHostname({ domain, vault: { hostname } }) : hostname;
    const access = vault.runnerAccess ?? "public";
    const dnsProvider = isObj(c.dns) ? c.dns.provider : undefined;
    if (access === "private" && vault.address === undefined) {
        add({ path: ["vault", "address"], message: "the address the deploy runner connects to when vault.runnerAccess is private, e.g. https://10.0.0.11:8200 over the VPN", input: undefined });
    }
    if (access === "public" && dnsProvider === "none") {
        add({ path: ["vault", "runnerAccess"], message: "private (with vault.address) when dns.provider is none: no public name can be declared", input: "public" });
    }
    if (access === "public" && typeof vault.address === "string" && vaultHost) {
        let host: string | undefined;
        try {
            host = new URL(vault.address).hostname;
        } catch {
            host = undefined; // reported on its own key
        }
        if (host !== undefined && host !== vaultHost) {
            add({ path: ["vault", "address"], message: `https://${vaultHost}:<port>, the public name, when vault.runnerAccess is public (or vault.runnerAccess: private to connect elsewhere)`, input: vault.address });
        }
    }
    if (vaultHost && domain && vaultHost.endsWith(`.${domain}`)) {
        const vaultLabel = vaultHost.slice(0, -domain.length - 1);
        records.forEach((r, i) => {
            if (r === vaultLabel) add({ path: ["dns", "records", i], message: `a record other than ${r}: Vault's record is declared from vault.runnerAccess, pointing at the Vault nodes`, input: r });
        });
    }
    // Vault members publish vault.port on their nodes in host mode: it cannot be a port something else holds there.
    if (typeof vault.port === "number") {
        const sshPort = isObj(c.docker) && typeof c.docker.host === "string" ? /^ssh:\/\/[^@]+@[^:/]+(?::(\d+))?/.exec(c.docker.host) : null;
        const taken: Record<number, string> = { 80: "SWAG's ingress port", 443: "SWAG's ingress port", 2377: "Swarm's management port", 7946: "Swarm's gossip port", 4789: "Swarm's overlay port" };
        if (sshPort) taken[Number(sshPort[1] ?? 22)] = "the SSH port of docker.host";
        if (taken[vault.port]) add({ path: ["vault", "port"], message: `a port free on the Vault nodes (${vault.port} is ${taken[vault.port]}), e.g. 8200`, input: vault.port });
    }
    approleRules(c, vault, services, add);
}

/**
 * tokenTtl must not exceed tokenMaxTtl in any role. Each value is blamed on the key that really holds it: a
 * microservice that inherits both from vault.approleDefaults is not named; the default is.
 */
function approleRules(c: Loose, vault: Loose, services: Loose[], add: (i: Issue) => void): void {
    type Source = { value: string; path: (string | number)[] | undefined };
    const layer = (o: Loose, path: (string | number)[], key: "tokenTtl" | "tokenMaxTtl", under: Source): Source =>
        isObj(o) && typeof o[key] === "string" ? { value: o[key], path: [...path, key] } : under;
    const builtin = (key: "tokenTtl" | "tokenMaxTtl"): Source => ({ value: APPROLE_DEFAULTS[key], path: undefined });
    const defaultsPath = ["vault", "approleDefaults"];
    const defTtl = layer(vault.approleDefaults, defaultsPath, "tokenTtl", builtin("tokenTtl"));
    const defMax = layer(vault.approleDefaults, defaultsPath, "tokenMaxTtl", builtin("tokenMaxTtl"));
    const show = (s: Source) => (s.path ? `${keyPath(s.path)} = ${s.value}` : `the built-in ${s.value}`);
    const check = (ttl: Source, max: Source, role: string) => {
        const a = parseDuration(ttl.value);
        const b = parseDuration(max.value);
        if (a === undefined || b === undefined || a <= b) return;
        // Blame the most specific keys that are set: the microservice's own before the defaults; both when both
        // sit at the same level, since either may be the one to change.
        const set = [ttl, max].filter((x) => x.path);
        const depth = Math.max(...set.map((x) => x.path!.length));
        for (const blame of set.filter((x) => x.path!.length === depth)) {
            const other = blame === ttl ? max : ttl;
            add({
                path: blame.path!,
                message:
                    blame === ttl
                        ? `a tokenTtl no longer than the tokenMaxTtl of ${role} (${show(other)})`
                        : `a tokenMaxTtl at least the tokenTtl of ${role} (${show(other)})`,
                input: blame.value,
            });
        }
    };
    check(defTtl, defMax, "every AppRole that inherits vault.approleDefaults");
    services.forEach((m, i) => {
        const own = ["microservices", i, "approle"];
        const ttl = layer(m.approle, own, "tokenTtl", defTtl);
        const max = layer(m.approle, own, "tokenMaxTtl", defMax);
        // Both inherited: already reported once on vault.approleDefaults.
        if (ttl === defTtl && max === defMax) return;
        check(ttl, max, `microservices[${i}]${typeof m.name === "string" ? ` (${m.name})` : ""}`);
    });
}

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
    // vaultToken alone to retire the root token (docs/vault.md).
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
    /** The full key (`iklimco:microservices[0].approle.tokenTtl`), or for a broken file `Pulumi.<stack>.yaml:<line>:<column>`. */
    key: string;
    expected: string;
    found: string;
    fix?: string;
    /** Where the key is in the stack file (`Pulumi.prod.yaml:36:17`), when the offline plan could tell. */
    at?: string;
}

/**
 * Every config problem at once. A RunError, so `pulumi preview|up` prints this list alone, without the program's
 * source and stack trace; thrown by loadConfig before the program registers anything.
 */
export class ConfigError extends pulumi.RunError {
    constructor(public readonly problems: ConfigProblem[]) {
        super(
            `Stack configuration is invalid (${problems.length} problem${problems.length === 1 ? "" : "s"}); nothing was deployed:\n` +
                problems.map((p) => `  - ${p.key}: expected ${p.expected}; found ${p.found}${p.at ? `\n      at: ${p.at}` : ""}${p.fix ? `\n      fix: ${p.fix}` : ""}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

function describe(value: unknown): string {
    if (value === undefined) return "nothing (the key is not set)";
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function keyPath(path: readonly PropertyKey[]): string {
    if (path.length === 0) return `${CONFIG_NAMESPACE}:<root>`;
    const [head, ...rest] = path;
    return `${CONFIG_NAMESPACE}:${String(head)}` + rest.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnySchema = any;

/** The schema under a wrapper (default, optional, ...), or undefined at the bottom. */
function unwrapOnce(s: AnySchema): AnySchema | undefined {
    const def = s?._zod?.def;
    if (!def) return undefined;
    if (["default", "prefault", "optional", "nullable", "readonly", "catch", "nonoptional"].includes(def.type)) return def.innerType;
    if (def.type === "pipe") return def.in;
    return undefined;
}

/** The documented form of a schema: the first `.meta` found through its wrappers. */
export function docOf(s: AnySchema): KeyDoc | undefined {
    for (let cur = s; cur; cur = unwrapOnce(cur)) {
        const meta = z.globalRegistry.get(cur) as KeyDoc | undefined;
        if (meta?.form) return meta;
    }
    return undefined;
}

/** The innermost schema below every wrapper. */
export function bottom(s: AnySchema): AnySchema {
    let cur = s;
    for (let next = unwrapOnce(cur); next; next = unwrapOnce(cur)) cur = next;
    return cur;
}

/** The schema of the key at `path`, walking objects and arrays. */
function schemaAt(path: readonly PropertyKey[]): AnySchema | undefined {
    let cur: AnySchema = settingsSchema;
    for (const p of path) {
        const b = bottom(cur);
        const def = b?._zod?.def;
        if (def?.type === "object" && typeof p === "string") cur = def.shape[p];
        else if (def?.type === "array" && typeof p === "number") cur = def.element;
        else return undefined;
        if (!cur) return undefined;
    }
    return cur;
}

/** The known keys beside an unknown one: an object's own keys, and at the top the secrets too. */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
    const def = bottom(schemaAt(path))?._zod?.def;
    const own = def?.type === "object" ? Object.keys(def.shape) : [];
    return path.length === 0 ? [...own, ...SECRET_SPECS.map((s) => s.key)] : own;
}

const ZOD_DEFAULT_MESSAGE = /^(Invalid|Too (small|big)|Unrecognized|Expected)/;

function expectedOf(issue: z.core.$ZodIssue): string {
    // Custom issues carry their own message, written for operators (the leaf checks and the cross-key rules).
    if (issue.code === "custom" && !ZOD_DEFAULT_MESSAGE.test(issue.message)) return issue.message;
    const doc = docOf(schemaAt(issue.path));
    if (doc) return expectation(doc.form, doc.example);
    return issue.code === "invalid_type" ? `a ${issue.expected}` : "a value of the documented form (docs/config.md)";
}

/**
 * Validates the non-secret settings and the presence of secrets. Pure: used by `loadConfig` and by tests.
 * `values` maps a key without namespace to its parsed value; `secretKeys` names the secrets that are set.
 */
export function validateSettings(
    values: Record<string, unknown>,
    secretKeys: ReadonlySet<string>,
    otherKeys: readonly string[] = [],
): { settings?: Settings; problems: ConfigProblem[] } {
    const problems: ConfigProblem[] = [];
    // A key in a namespace nobody reads (`iklmco:domain`, or `domain:` without one, which Pulumi files under the
    // project's name iklimco-platform) would be ignored in silence while the real key is reported missing.
    for (const full of otherKeys) {
        const colon = full.indexOf(":");
        const ns = colon < 0 ? "" : full.slice(0, colon);
        // Only namespaces that look meant for this program: others (tests, tools) are someone else's business.
        if (colon < 0 || PROVIDER_NAMESPACES.includes(ns) || (!ns.startsWith(CONFIG_NAMESPACE) && nearest(ns, [CONFIG_NAMESPACE]) === undefined)) continue;
        const bare = full.slice(colon + 1).split(".")[0];
        const near = nearest(bare, [...Object.keys(settingsSchema.shape), ...SECRET_SPECS.map((s) => s.key)]);
        problems.push({
            key: full,
            expected: `a key of this program's namespace ${CONFIG_NAMESPACE}:${near ? `: did you mean ${CONFIG_NAMESPACE}:${near}?` : ""}`,
            found: `a key in the namespace "${ns}", which nothing reads`,
            fix: near ? `rename ${full} to ${CONFIG_NAMESPACE}:${near}` : undefined,
        });
    }
    const nonSecret: Record<string, unknown> = {};
    const isSecretKey = (k: string) => SECRET_SPECS.some((s) => s.key === k);
    for (const [k, v] of Object.entries(values)) {
        if (!isSecretKey(k)) nonSecret[k] = v;
    }
    const result = settingsSchema.safeParse(nonSecret, { reportInput: true });
    if (!result.success) {
        for (const issue of result.error.issues) {
            if (issue.code === "unrecognized_keys") {
                for (const k of issue.keys) {
                    const near = nearest(k, knownKeysAt(issue.path));
                    const nearKey = near === undefined ? undefined : keyPath([...issue.path, near]);
                    const secret = near !== undefined && issue.path.length === 0 && isSecretKey(near) ? SECRET_SPECS.find((s) => s.key === near) : undefined;
                    problems.push({
                        key: keyPath([...issue.path, k]),
                        expected: nearKey
                            ? `a known key: did you mean ${nearKey}?`
                            : `a known key (${knownKeysAt(issue.path).join(", ")})` +
                              // A credential under a map: secrets are top-level keys of their own, set encrypted.
                              (/pass|secret|token|key|cookie/i.test(k) ? `; a secret is a top-level key set with pulumi config set --secret (${SECRET_SPECS.map((x) => x.key).join(", ")})` : ""),
                        // The value of an unknown key may be a misplaced secret: never echo it.
                        found: "an unknown key",
                        fix: secret ? `pulumi config rm ${keyPath([k])} && pulumi config set --secret ${nearKey} ${secret.example}` : nearKey ? `rename ${keyPath([...issue.path, k])} to ${nearKey}` : undefined,
                    });
                }
                continue;
            }
            problems.push({ key: keyPath(issue.path), expected: expectedOf(issue), found: describe((issue as { input?: unknown }).input) });
        }
    }
    // Secrets are checked even when the settings are broken, so one run lists every missing one.
    for (const spec of SECRET_SPECS) {
        const fix = `pulumi config set --secret ${CONFIG_NAMESPACE}:${spec.key} ${spec.example}`;
        if (values[spec.key] !== undefined && !secretKeys.has(spec.key)) {
            // Set, but in plain text: the value sits unencrypted in the stack file. Never echo it.
            problems.push({ key: `${CONFIG_NAMESPACE}:${spec.key}`, expected: `a secret, encrypted in the stack file (${spec.description})`, found: "a plain-text value", fix });
        } else if (spec.required(nonSecret) && !secretKeys.has(spec.key)) {
            problems.push({ key: `${CONFIG_NAMESPACE}:${spec.key}`, expected: `a secret: ${spec.description}`, found: "nothing (the secret is not set)", fix });
        }
    }
    return { settings: problems.length === 0 ? result.data : undefined, problems };
}

/** Namespaces read by someone else than this program: Pulumi itself and the providers it uses. */
const PROVIDER_NAMESPACES: readonly string[] = ["pulumi", "docker", "vault", "command", "random"];

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
    const otherKeys: string[] = [];
    for (const [fullKey, raw] of Object.entries(pulumi.runtime.allConfig())) {
        if (!fullKey.startsWith(prefix)) {
            otherKeys.push(fullKey);
            continue;
        }
        const key = fullKey.slice(prefix.length);
        values[key] = parseRawValue(raw);
        if (SECRET_SPECS.some((s) => s.key === key) && isConfigSecret(fullKey)) secretKeys.add(key);
    }
    const { settings, problems } = validateSettings(values, secretKeys, otherKeys);
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
export function nodesWithLabel(c: Pick<Settings, "nodes">, label: NodeLabel): NodeSpec[] {
    return c.nodes.filter((n) => n.labels.includes(label));
}
