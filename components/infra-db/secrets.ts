// Step 11: the infrastructure's Docker secrets. Each is a content-hashed Swarm secret whose value is the
// configured one (adoption of a running platform keeps its passwords) or generated once by @pulumi/random and
// kept in the encrypted state. Services mount them as files (`/run/secrets/<logical name>`) and read them
// through the images' `*_FILE` conventions or their entrypoints; no value ever lands in an environment spec.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config";
import { PLATFORM_SECRETS } from "../naming";
import { VersionedSecret, generatedSecret } from "../swarm";

export interface InfraSecretsArgs {
    config: Pick<PlatformConfig, "secrets">;
    provider: docker.Provider;
}

/** User names that go with the passwords below (not secret). */
export const INFRA_USERS = {
    postgresSuperuser: "postgres",
    postgresReplication: "replicator",
    mongodbRoot: "root",
    rabbitmqAdmin: "admin",
    grafanaAdmin: "admin",
    apisixAdmin: "admin",
} as const;

export class InfraSecrets extends pulumi.ComponentResource {
    /** `rabbitmq_erlang_cookie`: shared by RabbitMQ nodes and the CLI tools; config `rabbitmqErlangCookie` wins, else created once (step 11). */
    readonly rabbitmqErlangCookie: VersionedSecret;
    /** `postgres_superuser_password` (user `postgres`); config `postgresSuperuserPassword` wins. */
    readonly postgresSuperuserPassword: VersionedSecret;
    /** `postgres_replication_password` (user `replicator`); config `postgresReplicationPassword` wins. */
    readonly postgresReplicationPassword: VersionedSecret;
    /** `mongodb_root_password` (user `root`); config `mongodbRootPassword` wins. */
    readonly mongodbRootPassword: VersionedSecret;
    /** `mongodb_keyfile`: the replica set's internal auth key; config `mongodbKeyfile` wins, else generated. */
    readonly mongodbKeyfile: VersionedSecret;
    /** `rabbitmq_admin_password` (user `admin`); config `rabbitmqAdminPassword` wins. */
    readonly rabbitmqAdminPassword: VersionedSecret;
    /** `grafana_admin_password` (user `admin`); config `grafanaAdminPassword` wins. */
    readonly grafanaAdminPassword: VersionedSecret;
    /** `apisix_admin_key`: the APISIX Admin API key (X-API-KEY); config `apisixAdminKey` wins. */
    readonly apisixAdminKey: VersionedSecret;

    constructor(name: string, args: InfraSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("iklimco:infra:Secrets", name, {}, opts);
        const child = { parent: this };
        const s = args.config.secrets;
        const provider = args.provider;
        this.rabbitmqErlangCookie = generatedSecret(
            `${name}-rabbitmq-erlang-cookie`,
            // Erlang cookies are plain alphanumerics; RabbitMQ rejects some punctuation.
            // The running platform's cookie (config `rabbitmqErlangCookie`) wins: new nodes and the operators' CLI
            // keep talking to the nodes that already run with it.
            { logicalName: PLATFORM_SECRETS.rabbitmqErlangCookie, provider, fromConfig: s.rabbitmqErlangCookie, length: 48, special: false },
            child,
        );
        // Passwords are alphanumeric so they survive connection strings (postgres://, mongodb://) unescaped.
        this.postgresSuperuserPassword = generatedSecret(
            `${name}-postgres-superuser-password`,
            { logicalName: PLATFORM_SECRETS.postgresSuperuserPassword, provider, fromConfig: s.postgresSuperuserPassword, length: 32 },
            child,
        );
        this.postgresReplicationPassword = generatedSecret(
            `${name}-postgres-replication-password`,
            { logicalName: PLATFORM_SECRETS.postgresReplicationPassword, provider, fromConfig: s.postgresReplicationPassword, length: 32 },
            child,
        );
        this.mongodbRootPassword = generatedSecret(
            `${name}-mongodb-root-password`,
            { logicalName: PLATFORM_SECRETS.mongodbRootPassword, provider, fromConfig: s.mongodbRootPassword, length: 32 },
            child,
        );
        // A keyfile is 6 to 1024 characters of the base64 alphabet; alphanumerics are.
        // The running replica set's keyfile (config `mongodbKeyfile`) wins: new members join it only with the same key.
        this.mongodbKeyfile = generatedSecret(`${name}-mongodb-keyfile`, { logicalName: PLATFORM_SECRETS.mongodbKeyfile, provider, fromConfig: s.mongodbKeyfile, length: 756 }, child);
        this.rabbitmqAdminPassword = generatedSecret(
            `${name}-rabbitmq-admin-password`,
            { logicalName: PLATFORM_SECRETS.rabbitmqAdminPassword, provider, fromConfig: s.rabbitmqAdminPassword, length: 32 },
            child,
        );
        this.grafanaAdminPassword = generatedSecret(
            `${name}-grafana-admin-password`,
            { logicalName: PLATFORM_SECRETS.grafanaAdminPassword, provider, fromConfig: s.grafanaAdminPassword, length: 32 },
            child,
        );
        this.apisixAdminKey = generatedSecret(
            `${name}-apisix-admin-key`,
            { logicalName: PLATFORM_SECRETS.apisixAdminKey, provider, fromConfig: s.apisixAdminKey, length: 32 },
            child,
        );
        this.registerOutputs({
            rabbitmqErlangCookie: this.rabbitmqErlangCookie.swarmName,
            postgresSuperuserPassword: this.postgresSuperuserPassword.swarmName,
            postgresReplicationPassword: this.postgresReplicationPassword.swarmName,
            mongodbRootPassword: this.mongodbRootPassword.swarmName,
            mongodbKeyfile: this.mongodbKeyfile.swarmName,
            rabbitmqAdminPassword: this.rabbitmqAdminPassword.swarmName,
            grafanaAdminPassword: this.grafanaAdminPassword.swarmName,
            apisixAdminKey: this.apisixAdminKey.swarmName,
        });
    }
}
