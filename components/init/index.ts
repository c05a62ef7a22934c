// Steps 7, 14 (RabbitMQ part), 19, 21 and 22: the one-shot cluster and database initialisations. Each is a
// container run once on the attachable overlay from the manager (scripts/oneshot.sh through managerScript),
// whose scripts are the real files in ./scripts, whose rendered inputs come from render.ts, whose secrets
// arrive on stdin only, and which is ordered after exactly the resources it needs. Every script checks state
// first, bounds its waits (init.waitSeconds) and exits non-zero on failure, so the deploy stops there.
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config";
import { PipelineNotes, PipelineRecord } from "../pipeline";
import { ServiceCredentials } from "./credentials";
import { oneShot } from "./oneshot";
import {
    mongoInput,
    postgresGrants,
    postgresInitInput,
    rabbitmqInput,
    rabbitmqUsers,
    readScript,
    renderMongoJs,
    renderPostgresSql,
    renderRabbitmqDesired,
} from "./render";

export { ServiceCredentials } from "./credentials";
export * from "./render";
export { oneShotEnv, oneShotTriggers } from "./oneshot";

type Job = pulumi.CustomResource;

/** The outer bound of a job: its own bounded wait plus time to do the work. */
const jobTimeout = (cfg: PlatformConfig) => cfg.init.waitSeconds + 300;

export interface MongoArgs {
    /** DATABASE_MONGODB_HOST as a list: "host:port" of every member, in config order. */
    hosts: string[];
    replicaSet: string;
    rootUser?: string;
    rootPassword: pulumi.Input<string>;
    /** The MongoDB services (converged): the replica set is initiated after them. */
    ready: pulumi.Resource[];
}

export interface PostgresArgs {
    /** The Patroni members' hosts (service names on the overlay), "host" or "host:port". */
    hosts: string[];
    port: number;
    superuser?: string;
    superuserPassword: pulumi.Input<string>;
    /** The Patroni services (converged; a leader is awaited by the script itself). */
    ready: pulumi.Resource[];
}

export interface RabbitmqArgs {
    /** The Erlang node name the CLI talks to: rabbit@<host on the overlay>. */
    node: string;
    longnames?: boolean;
    /** The Erlang cookie (InfraSecrets.rabbitmqErlangCookie.value): the CLI authenticates with it. */
    erlangCookie: pulumi.Input<string>;
    /** The RabbitMQ service (converged). */
    ready: pulumi.Resource[];
}

export interface ApisixArgs {
    /** etcd's client endpoints on the overlay, handed to the init image as ETCD_ENDPOINTS. */
    etcdEndpoints: string[];
    /** Step 18: etcd converged and healthy. */
    etcdHealthy: pulumi.Resource[];
    /** The APISIX service (converged). */
    ready: pulumi.Resource[];
    /** Further non-secret settings of the init image. SPRING_PROFILES_ACTIVE is always prod. */
    env?: Record<string, string>;
}

interface JobBase {
    config: PlatformConfig;
    network: pulumi.Input<string>;
}

// ------------------------------------------------------------------ step 21

export interface MongoReplicaSetArgs extends JobBase {
    mongodb: MongoArgs;
}

/** Step 21: rs.initiate() once with every member, or rs.add() of the missing ones, on the primary. */
export class MongoReplicaSet extends pulumi.ComponentResource {
    readonly job: Job;

    readonly pipeline: PipelineRecord;

    constructor(name: string, args: MongoReplicaSetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("iklimco:init:MongoReplicaSet", name, {}, opts);
        const steps = new PipelineNotes();
        const cfg = args.config;
        const m = args.mongodb;
        this.job = oneShot(
            `${name}-job`,
            {
                config: cfg,
                jobName: `${cfg.stackName}-mongo-rs`,
                image: cfg.images.mongodb,
                network: args.network,
                entry: readScript("mongo-entry.sh"),
                env: {
                    MONGODB_HOSTS: m.hosts.join(","),
                    MONGODB_REPLICA_SET: m.replicaSet,
                    MONGODB_PORT: String(cfg.mongodb.port),
                    MONGODB_ROOT_USER: m.rootUser ?? "root",
                    INIT_WAIT_SECONDS: String(cfg.init.waitSeconds),
                },
                files: { MONGO_JS: readScript("mongo-rs.js"), RS_PLANNER_JS: readScript("rs-planner.js") },
                stdin: pulumi.output(m.rootPassword).apply((pw) => mongoInput(pw)),
                timeoutSeconds: jobTimeout(cfg),
            },
            { parent: this, dependsOn: steps.after(`${name}-job`, "the replica set is initiated once every MongoDB member runs", ...m.ready) },
        );
        this.pipeline = steps.record();
        this.registerOutputs({ job: this.job.urn });
    }
}

// ------------------------------------------------------------------ step 22 (and 7)

export interface DatabaseInitArgs extends JobBase {
    credentials: ServiceCredentials;
    postgres: PostgresArgs;
    mongodb: MongoArgs;
    /** Step 21's job: users are created once the replica set has a primary. */
    replicaSet: Job;
}

/** Step 22: databases, roles, users and grants from config (rendered in render.ts: step 7). */
export class DatabaseInit extends pulumi.ComponentResource {
    readonly postgresJob: Job;
    readonly mongoJob: Job;
    /** The rendered, non-secret texts (what the triggers hash). */
    readonly postgresSql: string;
    readonly mongoJs: string;

    readonly pipeline: PipelineRecord;

    constructor(name: string, args: DatabaseInitArgs, opts?: pulumi.ComponentResourceOptions) {
        super("iklimco:init:DatabaseInit", name, {}, opts);
        const steps = new PipelineNotes();
        const cfg = args.config;
        const creds = args.credentials;
        this.postgresSql = renderPostgresSql(cfg.microservices);
        this.mongoJs = renderMongoJs(cfg.microservices);

        const grants = postgresGrants(cfg.microservices);
        for (const g of grants) {
            if (!creds.postgres[g.service]) throw new Error(`database init: no PostgreSQL credentials for ${g.service}`);
        }
        const verifiers = pulumi.all(Object.fromEntries(grants.map((g) => [g.variable, creds.postgres[g.service].verifier])));
        const pgStdin = pulumi
            .all([args.postgres.superuserPassword, verifiers])
            .apply(([pw, vars]) => postgresInitInput(pw, vars as Record<string, string>, this.postgresSql));
        this.postgresJob = oneShot(
            `${name}-postgres`,
            {
                config: cfg,
                jobName: `${cfg.stackName}-postgres-init`,
                image: cfg.images.dbInit,
                network: args.network,
                entry: readScript("postgres-init.sh"),
                env: {
                    PG_HOSTS: args.postgres.hosts.join(","),
                    PG_PORT: String(args.postgres.port),
                    PG_USER: args.postgres.superuser ?? "postgres",
                    INIT_WAIT_SECONDS: String(cfg.init.waitSeconds),
                },
                // The SQL travels inside the secret stdin, after the variables; its hash is a trigger.
                stdin: pgStdin,
                rendered: { sql: this.postgresSql },
                timeoutSeconds: jobTimeout(cfg),
            },
            {
                parent: this,
                dependsOn: steps.after(`${name}-postgres`, "the SQL runs once the Patroni members run (the script waits for a read-write leader)", ...args.postgres.ready),
            },
        );

        const mongoPasswords = pulumi.all(Object.fromEntries(Object.entries(creds.mongodb).map(([svc, s]) => [svc, s.value])));
        for (const m of cfg.microservices) {
            if (m.mongodb && !creds.mongodb[m.name]) throw new Error(`database init: no MongoDB credentials for ${m.name}`);
        }
        this.mongoJob = oneShot(
            `${name}-mongodb`,
            {
                config: cfg,
                jobName: `${cfg.stackName}-mongo-init`,
                image: cfg.images.mongodb,
                network: args.network,
                entry: readScript("mongo-entry.sh"),
                env: {
                    MONGODB_HOSTS: args.mongodb.hosts.join(","),
                    MONGODB_REPLICA_SET: args.mongodb.replicaSet,
                    MONGODB_ROOT_USER: args.mongodb.rootUser ?? "root",
                    INIT_WAIT_SECONDS: String(cfg.init.waitSeconds),
                },
                files: { MONGO_JS: this.mongoJs },
                stdin: pulumi.all([args.mongodb.rootPassword, mongoPasswords]).apply(([pw, pws]) => mongoInput(pw, pws as Record<string, string>)),
                timeoutSeconds: jobTimeout(cfg),
            },
            { parent: this, dependsOn: steps.after(`${name}-mongodb`, "users need the replica set initiated (step 21)", args.replicaSet) },
        );
        this.pipeline = steps.record();
        this.registerOutputs({ postgresJob: this.postgresJob.urn, mongoJob: this.mongoJob.urn });
    }
}

// ------------------------------------------------------------------ step 14 (RabbitMQ part)

export interface RabbitmqSetupArgs extends JobBase {
    credentials: ServiceCredentials;
    rabbitmq: RabbitmqArgs;
}

/** Step 14, RabbitMQ part: vhosts, users and permissions from config. */
export class RabbitmqSetup extends pulumi.ComponentResource {
    readonly job: Job;
    readonly desired: string;

    readonly pipeline: PipelineRecord;

    constructor(name: string, args: RabbitmqSetupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("iklimco:init:RabbitmqSetup", name, {}, opts);
        const steps = new PipelineNotes();
        const cfg = args.config;
        this.desired = renderRabbitmqDesired(cfg.microservices);
        const users = rabbitmqUsers(cfg.microservices);
        for (const u of users) if (!args.credentials.rabbitmq[u.service]) throw new Error(`rabbitmq setup: no credentials for ${u.service}`);
        const passwords = pulumi.all(Object.fromEntries(users.map((u) => [u.user, args.credentials.rabbitmq[u.service].value])));
        this.job = oneShot(
            `${name}-job`,
            {
                config: cfg,
                jobName: `${cfg.stackName}-rabbitmq-setup`,
                image: cfg.images.rabbitmq,
                network: args.network,
                entry: readScript("rabbitmq-setup.sh"),
                env: {
                    RABBITMQ_NODE: args.rabbitmq.node,
                    RABBITMQ_LONGNAMES: String(args.rabbitmq.longnames ?? false),
                    RABBITMQ_DELETE_REMOVED_USERS: String(cfg.init.rabbitmqDeleteRemovedUsers),
                    INIT_WAIT_SECONDS: String(cfg.init.waitSeconds),
                },
                files: { RABBITMQ_DESIRED: this.desired },
                stdin: pulumi.all([args.rabbitmq.erlangCookie, passwords]).apply(([cookie, pws]) => rabbitmqInput(cookie, pws as Record<string, string>)),
                timeoutSeconds: jobTimeout(cfg),
            },
            { parent: this, dependsOn: steps.after(`${name}-job`, "vhosts and users are set up once RabbitMQ runs", ...args.rabbitmq.ready) },
        );
        this.pipeline = steps.record();
        this.registerOutputs({ job: this.job.urn });
    }
}

// ------------------------------------------------------------------ step 19

export interface ApisixInitArgs extends JobBase {
    apisix: ApisixArgs;
}

/** Step 19: the operators' APISIX init image, once, with SPRING_PROFILES_ACTIVE=prod. */
export class ApisixInit extends pulumi.ComponentResource {
    readonly job: Job;

    readonly pipeline: PipelineRecord;

    constructor(name: string, args: ApisixInitArgs, opts?: pulumi.ComponentResourceOptions) {
        super("iklimco:init:ApisixInit", name, {}, opts);
        const steps = new PipelineNotes();
        const cfg = args.config;
        const env = { ...(args.apisix.env ?? {}), ETCD_ENDPOINTS: args.apisix.etcdEndpoints.join(","), SPRING_PROFILES_ACTIVE: "prod" };
        this.job = oneShot(
            `${name}-job`,
            {
                config: cfg,
                jobName: `${cfg.stackName}-apisix-init`,
                image: cfg.images.apisixInit,
                network: args.network,
                env,
                timeoutSeconds: jobTimeout(cfg),
            },
            {
                parent: this,
                dependsOn: steps.after(`${name}-job`, "the APISIX init writes to etcd (healthy, step 18) for a converged APISIX", ...args.apisix.etcdHealthy, ...args.apisix.ready),
            },
        );
        this.pipeline = steps.record();
        this.registerOutputs({ job: this.job.urn });
    }
}

// ------------------------------------------------------------------ all of them

export interface PlatformInitArgs extends JobBase {
    provider: import("@pulumi/docker").Provider;
    /** Passwords a running platform already uses, by microservice (see ServiceCredentialsArgs.adopt). */
    adopt?: import("./credentials").ServiceCredentialsArgs["adopt"];
    postgres: PostgresArgs;
    mongodb: MongoArgs;
    rabbitmq: RabbitmqArgs;
    apisix: ApisixArgs;
}

/** The four init components and the microservices' credentials, each registered with its pipeline step. */
export class PlatformInit extends pulumi.ComponentResource {
    readonly credentials: ServiceCredentials;
    readonly replicaSet: MongoReplicaSet;
    readonly databases: DatabaseInit;
    readonly rabbitmq: RabbitmqSetup;
    readonly apisix: ApisixInit;
    readonly pipeline: PipelineRecord;

    constructor(name: string, args: PlatformInitArgs, opts?: pulumi.ComponentResourceOptions) {
        super("iklimco:init:PlatformInit", name, {}, opts);
        const child = { parent: this };
        const steps = new PipelineNotes();
        const base = { config: args.config, network: args.network };
        this.credentials = steps.realise(22, new ServiceCredentials(`${name}-credentials`, { config: args.config, provider: args.provider, adopt: args.adopt }, child));
        this.replicaSet = steps.realise(21, steps.fold(new MongoReplicaSet(`${name}-mongo-rs`, { ...base, mongodb: args.mongodb }, child)));
        this.databases = steps.fold(
            new DatabaseInit(
                `${name}-databases`,
                { ...base, credentials: this.credentials, postgres: args.postgres, mongodb: args.mongodb, replicaSet: this.replicaSet.job },
                child,
            ),
        );
        steps.realise(7, this.databases);
        steps.realise(22, this.databases);
        this.rabbitmq = steps.realise(14, steps.fold(new RabbitmqSetup(`${name}-rabbitmq`, { ...base, credentials: this.credentials, rabbitmq: args.rabbitmq }, child)));
        this.apisix = steps.realise(19, steps.fold(new ApisixInit(`${name}-apisix`, { ...base, apisix: args.apisix }, child)));
        this.pipeline = steps.record();
        this.registerOutputs({ secrets: this.credentials.swarmSecrets() });
    }
}
