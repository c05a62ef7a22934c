// Step 19: the operators' APISIX init image, run once on the overlay after etcd is healthy and APISIX converged.
import * as pulumi from "@pulumi/pulumi";
import { PipelineNotes, PipelineRecord } from "../pipeline";
import { Job, JobBase, jobTimeout } from "./job";
import { oneShot } from "./oneshot";

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
