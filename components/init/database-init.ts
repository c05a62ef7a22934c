// Steps 7 and 22: each microservice's PostgreSQL role and database and its MongoDB user, rendered from config
// (render.ts, step 7) and applied by two one-shot jobs on the overlay, the SQL on the Patroni leader.
import * as pulumi from "@pulumi/pulumi";
import { PipelineNotes, PipelineRecord } from "../pipeline";
import { Job, JobBase, jobTimeout } from "./job";
import { MongoArgs } from "./mongo-replica-set";
import { oneShot } from "./oneshot";
import { mongoInput, postgresGrants, postgresInitInput, readScript, renderMongoJs, renderPostgresSql } from "./render";
import { ServiceCredentials } from "./service-credentials";

export interface PostgresArgs {
    /** The Patroni members' hosts (service names on the overlay), "host" or "host:port". */
    hosts: string[];
    port: number;
    superuser?: string;
    superuserPassword: pulumi.Input<string>;
    /** The Patroni services (converged; a leader is awaited by the script itself). */
    ready: pulumi.Resource[];
}

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
            if (!creds.postgres[g.service]) throw new pulumi.ResourceError(`database init: no PostgreSQL credentials for ${g.service}`, this);
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
            if (m.mongodb && !creds.mongodb[m.name]) throw new pulumi.ResourceError(`database init: no MongoDB credentials for ${m.name}`, this);
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
