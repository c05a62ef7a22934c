// Steps 7, 14 (RabbitMQ part), 19, 21 and 22: the one-shot cluster and database initialisations, each a component
// of its own, built here in order with the microservices' credentials, each registered with its pipeline step.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { PipelineNotes, PipelineRecord } from "../pipeline";
import { ApisixArgs, ApisixInit } from "./apisix-init";
import { DatabaseInit, PostgresArgs } from "./database-init";
import { JobBase } from "./job";
import { MongoArgs, MongoReplicaSet } from "./mongo-replica-set";
import { RabbitmqArgs, RabbitmqSetup } from "./rabbitmq-setup";
import { ServiceCredentials, ServiceCredentialsArgs } from "./service-credentials";

export interface PlatformInitArgs extends JobBase {
    provider: docker.Provider;
    /** Passwords a running platform already uses, by microservice (see ServiceCredentialsArgs.adopt). */
    adopt?: ServiceCredentialsArgs["adopt"];
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
