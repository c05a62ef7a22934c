// Step 14, RabbitMQ part: vhosts, users and permissions from config, set by a one-shot job on the overlay that
// talks to the cluster with rabbitmqctl (scripts/rabbitmq-setup.sh).
import * as pulumi from "@pulumi/pulumi";
import { PipelineNotes, PipelineRecord } from "../pipeline";
import { Job, JobBase, jobTimeout } from "./job";
import { oneShot } from "./oneshot";
import { rabbitmqInput, rabbitmqUsers, readScript, renderRabbitmqDesired } from "./render";
import { ServiceCredentials } from "./service-credentials";

export interface RabbitmqArgs {
    /** The Erlang node name the CLI talks to: rabbit@<host on the overlay>. */
    node: string;
    longnames?: boolean;
    /** The Erlang cookie (InfraSecrets.rabbitmqErlangCookie.value): the CLI authenticates with it. */
    erlangCookie: pulumi.Input<string>;
    /** The RabbitMQ service (converged). */
    ready: pulumi.Resource[];
}

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
        for (const u of users) if (!args.credentials.rabbitmq[u.service]) throw new pulumi.ResourceError(`rabbitmq setup: no credentials for ${u.service}`, this);
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
