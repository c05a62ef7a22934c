// Step 21: the MongoDB replica set, initiated once with every member or grown by the missing ones, by a one-shot
// job on the overlay (scripts/mongo-entry.sh, mongo-rs.js and the pure planner rs-planner.js).
import * as pulumi from "@pulumi/pulumi";
import { PipelineNotes, PipelineRecord } from "../pipeline";
import { Job, JobBase, jobTimeout } from "./job";
import { oneShot } from "./oneshot";
import { mongoInput, readScript } from "./render";

export interface MongoArgs {
    /** DATABASE_MONGODB_HOST as a list: "host:port" of every member, in config order. */
    hosts: string[];
    replicaSet: string;
    rootUser?: string;
    rootPassword: pulumi.Input<string>;
    /** The MongoDB services (converged): the replica set is initiated after them. */
    ready: pulumi.Resource[];
}

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
