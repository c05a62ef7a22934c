// The running platform as the operators' documents describe it (the deploy pipeline's steps 11, 12, 14, 16 and
// the certificate flow): `docker stack deploy ... iklimco`, so services `iklimco_<name>`; Vault as one service
// `iklimco_vault` unsealed from the `vault_unseal_key` secret; RabbitMQ as `iklimco_rabbitmq` with
// `rabbitmq_erlang_cookie`; per microservice `<svc>_vault_role_id` / `<svc>_vault_secret_id`. Written from
// those documents, never from the program's renderers: the program's names come from evaluating it.

export const PHASES = ["backup", "vault", "postgres", "rabbitmq", "mongodb", "etcd", "swag", "retire"] as const;
export type Phase = (typeof PHASES)[number];

export interface LegacyKind {
    /** The compose service name: the Swarm service is `<stack>_<name>`, a numbered variant `<name>-<n>`/`<name><n>` too. */
    name: string;
    /** The phase that moves its data; undefined for a stateless service the program adopts by `pulumi import`. */
    phase?: Exclude<Phase, "backup" | "retire">;
    /** Config secrets the program must hold before the phase (adopted, never generated). */
    adopt: string[];
    /** Legacy Swarm secrets it reads. */
    secrets: string[];
}

export const LEGACY_KINDS: LegacyKind[] = [
    { name: "vault", phase: "vault", adopt: ["vaultUnsealKey", "vaultToken"], secrets: ["vault_unseal_key"] },
    { name: "patroni", phase: "postgres", adopt: ["postgresSuperuserPassword", "postgresReplicationPassword"], secrets: [] },
    { name: "rabbitmq", phase: "rabbitmq", adopt: ["rabbitmqErlangCookie", "rabbitmqAdminPassword"], secrets: ["rabbitmq_erlang_cookie"] },
    { name: "mongodb", phase: "mongodb", adopt: ["mongodbKeyfile", "mongodbRootPassword"], secrets: [] },
    { name: "etcd", phase: "etcd", adopt: [], secrets: [] },
    { name: "swag", phase: "swag", adopt: [], secrets: [] },
    { name: "apisix", adopt: ["apisixAdminKey"], secrets: [] },
    { name: "grafana", adopt: ["grafanaAdminPassword"], secrets: [] },
    { name: "cert-reloader", adopt: [], secrets: [] },
    { name: "cert-distributor", adopt: [], secrets: [] },
];

/** The kind a live service belongs to (`iklimco_vault`, `iklimco_patroni-2`, `iklimco_etcd1`), if any. */
export function kindOf(stack: string, serviceName: string): LegacyKind | undefined {
    const prefix = `${stack}_`;
    if (!serviceName.startsWith(prefix)) return undefined;
    const short = serviceName.slice(prefix.length);
    return LEGACY_KINDS.find((k) => short === k.name || new RegExp(`^${k.name.replace(/[-]/g, "\\-")}-?\\d+$`).test(short));
}

/** The per-microservice AppRole secrets `init/provision-all-services.sh` creates. */
export function approleSecretNames(service: string): string[] {
    return [`${service}_vault_role_id`, `${service}_vault_secret_id`];
}
