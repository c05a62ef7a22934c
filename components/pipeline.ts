// The operators' 24-step deploy pipeline (seeds/002) as data: each step is realised by resources of this
// program, by the deploy workflow, or is gone for a stated reason. The order between steps is not declared
// here: it is derived from the resource graph, so it can only say what the program really does. Which
// resources realise a step, and why an ordering edge exists, each component returns as its PipelineRecord.
// The SDK's errors module, not its index: the offline engine reads NO_PIPELINE from here before the program loads
// the index (tools/offline/engine.ts).
import type * as pulumi from "@pulumi/pulumi";
import { ResourceError } from "@pulumi/pulumi/errors";

export type Realisation = "resources" | "workflow" | "config" | "gone";

export interface StepDefinition {
    number: number;
    title: string;
    realisation: Realisation;
    /** What realises it, or why it is gone. */
    note: string;
}

export const STEPS: readonly StepDefinition[] = [
    { number: 1, title: "Checkout Branch", realisation: "workflow", note: "actions/checkout in .gitea/workflows" },
    { number: 2, title: "Prepare Folders", realisation: "gone", note: "remote directories are created by the commands that need them (mkdir -p inside each script)" },
    { number: 3, title: "Set up SSH Key and Add to known_hosts", realisation: "resources", note: "the docker provider's ssh:// host (docker.host, docker.sshOpts) and the commands' connection (sshPrivateKey secret, host key pinned by docker.hostKey)" },
    { number: 4, title: "Update Apt Repository and Install Required Tools", realisation: "gone", note: "templating (gettext) and the GoDaddy API (jq) are done in TypeScript" },
    { number: 5, title: "Fetch Prod Env From Storagebox", realisation: "config", note: "the stack config in Pulumi.<stack>.yaml, validated by components/config.ts" },
    { number: 6, title: "Fetch Service Secret Files", realisation: "config", note: "stack config secrets (pulumi config set --secret), encrypted in the stack file" },
    { number: 7, title: "Prepare Database Init Files", realisation: "resources", note: "rendered in TypeScript from config and shipped by the init commands" },
    { number: 8, title: "Docker Login to Harbor", realisation: "resources", note: "the docker provider's registryAuth (registry.* and harborPassword)" },
    { number: 9, title: "Prepare SWAG Directories", realisation: "resources", note: "dns-conf, site-confs and proxy-confs rendered from config; SWAG reloaded if it runs" },
    { number: 10, title: "Bootstrap Vault TLS Placeholder", realisation: "resources", note: "self-signed certificate created only when none is present" },
    { number: 11, title: "Create Infrastructure Docker Secrets", realisation: "resources", note: "generated values from @pulumi/random as content-hashed Swarm secrets" },
    { number: 12, title: "Deploy Swarm Stacks", realisation: "resources", note: "the iklimco-net overlay and the infra/DB services" },
    { number: 13, title: "Connect Runner to Overlay Network", realisation: "gone", note: "one-shot jobs run as Swarm services/containers on the attachable overlay, so the runner never joins it" },
    { number: 14, title: "Initialize Production Infrastructure", realisation: "resources", note: "the Vault stack and its bootstrap, and the RabbitMQ setup" },
    { number: 15, title: "Wait for Infrastructure Services", realisation: "resources", note: "convergence of the services later steps use (the docker provider's convergeConfig)" },
    { number: 16, title: "Provision Vault AppRole IDs and Docker Secrets", realisation: "resources", note: "AppRole backend, policies, roles, secret ids and per-service Swarm secrets" },
    { number: 17, title: "Upload Updated Secrets to Storagebox", realisation: "gone", note: "generated secrets live encrypted in the Pulumi state; nothing is copied to the StorageBox" },
    { number: 18, title: "Wait for etcd", realisation: "resources", note: "convergence and health of the etcd members" },
    { number: 19, title: "Run APISIX Init", realisation: "resources", note: "one-shot run on the overlay after etcd and APISIX, SPRING_PROFILES_ACTIVE=prod" },
    { number: 20, title: "Bootstrap SWAG Certificate", realisation: "resources", note: "bounded wait until the certificate is in SWAG_CERT_DIR and valid" },
    { number: 21, title: "Initialize MongoDB Replica Set", realisation: "resources", note: "rs.initiate() or rs.add() of missing members" },
    { number: 22, title: "Run Database Init Scripts", realisation: "resources", note: "Patroni primary (target_session_attrs=read-write) SQL and MongoDB JS" },
    { number: 23, title: "Update DNS Records", realisation: "resources", note: "GoDaddy A records through a dynamic provider" },
    { number: 24, title: "Review Environment", realisation: "resources", note: "stack outputs and the post-deploy verification" },
];

/** Why an explicit `dependsOn` edge exists: it carries no data, so the plan and the benchmark show this. */
export interface OrderingReason {
    /** The logical name of the dependent resource (or of a component whose `dependsOn` reaches its children). */
    readonly dependent: string;
    readonly why: string;
    readonly on: readonly pulumi.Resource[];
}

/** A resource (a component too: its children inherit the step) that realises a pipeline step. */
export interface StepRealisation {
    readonly step: number;
    readonly resource: pulumi.Resource;
}

/**
 * What a component tells about the pipeline: which of its resources realise which step, and why each of its
 * explicit `dependsOn` edges exists. A parent's record folds in its children's, so the record of the
 * top-level components is the whole program's; the offline plan and the benchmark read it.
 */
export interface PipelineRecord {
    readonly realised: readonly StepRealisation[];
    readonly reasons: readonly OrderingReason[];
}

/** A component that keeps a pipeline record. */
export interface WithPipeline {
    readonly pipeline: PipelineRecord;
}

/**
 * Collects one component's pipeline record while its constructor runs (one per component instance, never
 * shared); `record()` hands out the finished record. Entries keep the order they were noted in.
 */
export class PipelineNotes {
    private readonly realised: StepRealisation[] = [];
    private readonly reasons: OrderingReason[] = [];

    /** Marks a resource as realising a step (one may realise several); returns it. */
    realise<T extends pulumi.Resource>(step: number, resource: T): T {
        if (!STEPS.some((s) => s.number === step)) throw new ResourceError(`pipeline: there is no step ${step}`, resource);
        if (!this.realised.some((r) => r.step === step && r.resource === resource)) this.realised.push({ step, resource });
        return resource;
    }

    /**
     * An ordering edge with no data flow: returns the `dependsOn` list and notes the reason, so the plan and the
     * benchmark can show that nothing is serialised without one.
     */
    after(dependent: string, why: string, ...on: pulumi.Resource[]): pulumi.Resource[] {
        if (!why.trim()) throw new Error(`pipeline: the ordering edge of ${dependent} needs a reason`);
        this.reasons.push({ dependent, why, on: [...on] });
        return on;
    }

    /** Folds in the record of a child component (or of a part declared by a helper); returns the child. */
    fold<T extends WithPipeline>(child: T): T {
        this.include(child.pipeline);
        return child;
    }

    /** Folds in a record. */
    include(record: PipelineRecord): void {
        for (const r of record.realised) this.realise(r.step, r.resource);
        this.reasons.push(...record.reasons);
    }

    /** The record noted so far, frozen. */
    record(): PipelineRecord {
        return Object.freeze({ realised: Object.freeze([...this.realised]), reasons: Object.freeze([...this.reasons]) });
    }
}

/** The records of several components as one, in the order given. */
export function foldPipelines(...records: PipelineRecord[]): PipelineRecord {
    const notes = new PipelineNotes();
    for (const r of records) notes.include(r);
    return notes.record();
}

/** The record of a program that notes nothing. */
export const NO_PIPELINE: PipelineRecord = foldPipelines();
