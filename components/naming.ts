// Every name the program derives, worked out here and nowhere else: Swarm services, cluster members and their
// volumes, Swarm secrets, the certificate files, Vault's hostname. The running platform and the program must
// agree on these, or adopting the running swarm would recreate it. Shipped scripts receive the names they use
// in their environment instead of deriving them. docs/naming.md is generated from NAMING_RULES
// (`npm run docs:naming`); test/unit/naming.test.ts checks the evaluated program against these functions.

/** A stack's Swarm service: `<stackName>_<short name>`, as `docker stack deploy` names them. */
export function swarmServiceName(stackName: string, shortName: string): string {
    return `${stackName}_${shortName}`;
}

/**
 * A stateful cluster's member: `<service>-<n>`, `n` 1-based among the nodes carrying the service's label, in
 * config order. It is the member's short service name, its overlay DNS name and, for Vault, its Raft node id.
 */
export function memberName(service: string, n: number): string {
    return `${service}-${n}`;
}

/** A member's data volume: `<stackName>_<member>-data`. */
export function memberVolume(stackName: string, member: string): string {
    return `${stackName}_${member}-data`;
}

/** SWAG's config volume, mounted at /config: `<stackName>_swag-config`. */
export function swagConfigVolume(stackName: string): string {
    return `${stackName}_swag-config`;
}

/** Vault's public name: `vault.hostname`, by default `vault.<domain>`. */
export function vaultHostname(cfg: { domain: string; vault: { hostname?: string } }): string {
    return cfg.vault.hostname ?? `vault.${cfg.domain}`;
}

export interface CertificateFiles {
    /** The full chain. */
    cert: string;
    key: string;
}

/**
 * The wildcard certificate's files as cert-reloader publishes them to the StorageBox and cert-distributor puts
 * them in each Vault node's ssl dir (seeds/001): `STAR.<domain>.full.crt` and `STAR.<domain>_key.pem`.
 */
export function certificateFiles(domain: string): CertificateFiles {
    return { cert: `STAR.${domain}.full.crt`, key: `STAR.${domain}_key.pem` };
}

/** The environment a shipped script reads the certificate's file names from. */
export function certificateFilesEnv(domain: string): { CERT_FILE_NAME: string; KEY_FILE_NAME: string } {
    const files = certificateFiles(domain);
    return { CERT_FILE_NAME: files.cert, KEY_FILE_NAME: files.key };
}

/** Where SWAG keeps the certificate it obtains, under its config dir: Let's Encrypt's `live/<domain>` layout. */
export function swagLiveDir(configDir: string, domain: string): string {
    return `${configDir}/etc/letsencrypt/live/${domain}`;
}

/** The file names in SWAG's live dir. */
export const SWAG_LIVE_FILES: Readonly<CertificateFiles> = { cert: "fullchain.pem", key: "privkey.pem" };

/** Where a service finds a Swarm secret: `/run/secrets/<logical name>`. */
export function secretTarget(logicalName: string): string {
    return `/run/secrets/${logicalName}`;
}

/** The length of a Swarm secret name's keyed suffix, in hex characters. */
export const SECRET_SUFFIX_LENGTH = 8;

/** A Swarm secret's name: `<logical name>_<suffix>`, the suffix a keyed hash of the value (components/swarm/secret.ts). */
export function versionedSecretName(logicalName: string, macHex: string): string {
    return `${logicalName}_${macHex.slice(0, SECRET_SUFFIX_LENGTH)}`;
}

/** The platform's own secrets, by logical name. */
export const PLATFORM_SECRETS = {
    vaultUnsealKey: "vault_unseal_key",
    rabbitmqErlangCookie: "rabbitmq_erlang_cookie",
    rabbitmqAdminPassword: "rabbitmq_admin_password",
    postgresSuperuserPassword: "postgres_superuser_password",
    postgresReplicationPassword: "postgres_replication_password",
    mongodbRootPassword: "mongodb_root_password",
    mongodbKeyfile: "mongodb_keyfile",
    grafanaAdminPassword: "grafana_admin_password",
    apisixAdminKey: "apisix_admin_key",
} as const;

/** The name the Vault backup job's AppRole credentials are derived from, as a microservice's are from its name. */
export const BACKUP_APPROLE_NAME = "backup";

/** A microservice's (or the backup job's) AppRole credentials: `<svc>_vault_role_id`, `<svc>_vault_secret_id`. */
export function approleSecretNames(service: string): { roleId: string; secretId: string } {
    return { roleId: `${service}_vault_role_id`, secretId: `${service}_vault_secret_id` };
}

/** What a microservice's password is for: PostgreSQL (`db`), MongoDB or RabbitMQ. */
export const SERVICE_PASSWORD_KINDS = ["db", "mongodb", "rabbitmq"] as const;
export type ServicePasswordKind = (typeof SERVICE_PASSWORD_KINDS)[number];

/** The database and broker passwords a microservice gets: `<svc>_db_password`, `<svc>_mongodb_password`, `<svc>_rabbitmq_password`. */
export function servicePasswordSecret(service: string, kind: ServicePasswordKind): string {
    return `${service}_${kind}_password`;
}

/** A microservice's PostgreSQL role: its name with `-` as `_` (config names are [a-z][a-z0-9-]*). */
export function postgresRoleName(service: string): string {
    const role = service.replace(/-/g, "_");
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(role)) throw new Error(`postgres init: ${service} does not make a PostgreSQL role name`);
    return role;
}

/** A microservice's Vault policy: `svc-<name>`. */
export function vaultPolicyName(service: string): string {
    return `svc-${service}`;
}

/** The Swarm config that holds the encrypted init answer between Vault's init and the first VaultReady. */
export function initEscrowName(stackName: string): string {
    return `${stackName}_vault_init_escrow`;
}

/** The stack file a service is rendered into: Vault has its own (`docker-stack-vault.yml`), the rest is infra/DB. */
export function stackFileName(component: string, stack: string): string {
    return component === "vault" ? "docker-stack-vault.yml" : `docker-stack-infra_db-${stack}.yml`;
}

export interface NamingRule {
    what: string;
    /** The rule, with `<placeholders>`. */
    rule: string;
    /** The rule applied to the example stack (EXAMPLE), by the function above that the program calls. */
    example: string;
}

/** The values docs/naming.md's examples are worked out for. */
export const EXAMPLE = { stackName: "iklimco", domain: "iklim.co", service: "auth-service" } as const;

/** Every rule above, in the order docs/naming.md lists them. */
export const NAMING_RULES: readonly Readonly<NamingRule>[] = [
    {
        what: "Swarm service",
        rule: "`<stackName>_<short name>`, as `docker stack deploy` names a stack's services; every service carries the stack namespace label `com.docker.stack.namespace=<stackName>`, and its short name is its overlay DNS name (a network alias)",
        example: swarmServiceName(EXAMPLE.stackName, "swag"),
    },
    {
        what: "member of a stateful cluster",
        rule: "short name `<service>-<n>`, `n` 1-based among the nodes carrying the service's label, in config order; pinned with `node.hostname == <node>`; for Vault also the Raft node id",
        example: [memberName("etcd", 1), memberName("patroni", 2), memberName("vault", 3)].join(", "),
    },
    {
        what: "a member's data volume",
        rule: "`<stackName>_<member>-data`",
        example: memberVolume(EXAMPLE.stackName, memberName("etcd", 1)),
    },
    {
        what: "SWAG's config volume",
        rule: "`<stackName>_swag-config`, mounted at `/config`; SWAG is one service pinned to the first `edge` node",
        example: swagConfigVolume(EXAMPLE.stackName),
    },
    {
        what: "SWAG's certificate",
        rule: `\`/config/etc/letsencrypt/live/<domain>/\`, files \`${SWAG_LIVE_FILES.cert}\` and \`${SWAG_LIVE_FILES.key}\``,
        example: swagLiveDir("/config", EXAMPLE.domain),
    },
    {
        what: "the published certificate",
        rule: "`STAR.<domain>.full.crt` and `STAR.<domain>_key.pem`, on the StorageBox and in each Vault node's ssl dir; scripts get them as `CERT_FILE_NAME` and `KEY_FILE_NAME`",
        example: Object.values(certificateFiles(EXAMPLE.domain)).join(", "),
    },
    {
        what: "Vault's hostname",
        rule: "`vault.hostname`, by default `vault.<domain>`; every Vault member carries it as a network alias",
        example: vaultHostname({ domain: EXAMPLE.domain, vault: {} }),
    },
    {
        what: "Swarm secret",
        rule: `\`<logical name>_<hash${SECRET_SUFFIX_LENGTH}>\`, mounted at \`/run/secrets/<logical name>\`; the suffix is an HMAC-SHA256 of name and value under a random key kept only in the encrypted state`,
        example: `${versionedSecretName(PLATFORM_SECRETS.vaultUnsealKey, "3f9a0c1d")} at ${secretTarget(PLATFORM_SECRETS.vaultUnsealKey)}`,
    },
    {
        what: "the platform's secrets",
        rule: "fixed logical names",
        example: Object.values(PLATFORM_SECRETS).join(", "),
    },
    {
        what: "a microservice's AppRole credentials",
        rule: `\`<svc>_vault_role_id\` and \`<svc>_vault_secret_id\` (the Vault backup job's too, as \`${BACKUP_APPROLE_NAME}\`)`,
        example: Object.values(approleSecretNames(EXAMPLE.service)).join(", "),
    },
    {
        what: "a microservice's passwords",
        rule: "`<svc>_db_password` (PostgreSQL), `<svc>_mongodb_password`, `<svc>_rabbitmq_password`, for the stores it uses",
        example: SERVICE_PASSWORD_KINDS.map((k) => servicePasswordSecret(EXAMPLE.service, k)).join(", "),
    },
    {
        what: "a microservice's PostgreSQL role",
        rule: "its name with `-` as `_`",
        example: postgresRoleName(EXAMPLE.service),
    },
    {
        what: "a microservice's Vault policy",
        rule: "`svc-<name>`",
        example: vaultPolicyName(EXAMPLE.service),
    },
    {
        what: "Vault's init escrow",
        rule: "the Swarm config `<stackName>_vault_init_escrow`, holding the encrypted init answer until the first readiness check",
        example: initEscrowName(EXAMPLE.stackName),
    },
    {
        what: "rendered stack files",
        rule: "`docker-stack-vault.yml` for Vault, `docker-stack-infra_db-<stack>.yml` for the rest",
        example: [stackFileName("vault", "prod"), stackFileName("etcd", "prod")].join(", "),
    },
    {
        what: "Pulumi resource",
        rule: "`<component>-<child>`, where `<child>` says what the child is and never repeats the component's name; a renamed resource lists its former name in `aliases`, so a deployed stack keeps its state (test/unit/state-continuity.test.ts checks every URN in test/fixtures/prod-urns.txt)",
        example: "iklimco-vault-init-command",
    },
];
