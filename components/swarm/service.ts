// The service builder: every Swarm service of the platform is declared from a plain `ServiceSpec` and gets the
// house defaults here. The same specs feed the stack-file renderer, so the compose view cannot drift from
// what Pulumi declares.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { swarmServiceName } from "../naming";
import { SERVICE_IGNORE_CHANGES } from "./ownership";
import { VersionedSecret } from "./secret";

/**
 * What a service can mount: a VersionedSecret of this program, or a Swarm secret another stack created (the
 * microservice deploy mounts the AppRole secrets the platform stack made).
 */
export interface MountableSecret {
    /** The stable name (stack files key their secrets by it). */
    logicalName: string;
    secret: { id: pulumi.Input<string> };
    swarmName: pulumi.Input<string>;
    /** /run/secrets/<logical name>. */
    target: string;
}

export interface SecretMount {
    secret: VersionedSecret | MountableSecret;
    /** Defaults to /run/secrets/<logicalName>. */
    target?: string;
    mode?: number;
    uid?: string;
    gid?: string;
}

export interface MountSpec {
    type: "volume" | "bind";
    source: string;
    target: string;
    readOnly?: boolean;
}

export interface PortSpec {
    target: number;
    published: number;
    /** `host` publishes on the node the task runs on (edge proxies keep client IPs); `ingress` uses the mesh. */
    mode?: "ingress" | "host";
    protocol?: "tcp" | "udp";
}

export interface HealthSpec {
    test: string[];
    interval?: string;
    timeout?: string;
    retries?: number;
    startPeriod?: string;
}

export interface ResourceSpec {
    cpus: number;
    memoryMb: number;
    reserveCpus?: number;
    reserveMemoryMb?: number;
}

export type ModeSpec = { replicas: number } | { global: true };

export interface ServiceSpec {
    /** Short name; the Swarm service is `<stackName>_<name>` as `docker stack deploy` names it. */
    name: string;
    /**
     * What the service is (`etcd`, `patroni`, `mongodb`, `rabbitmq`, `vault`, `apisix`, `swag`, `grafana`, ...):
     * members of one cluster share it. Set as the `com.iklimco.component` label, which policies read.
     */
    component: string;
    image: string;
    /** Stateful services update stop-first (never two writers on one volume); stateless start-first. */
    stateful: boolean;
    mode: ModeSpec;
    /** Placement constraints, e.g. `node.labels.etcd == true`, `node.hostname == node1`. */
    constraints: string[];
    command?: string[];
    args?: string[];
    env?: Record<string, pulumi.Input<string>>;
    secrets?: SecretMount[];
    mounts?: MountSpec[];
    ports?: PortSpec[];
    healthcheck: HealthSpec;
    resources: ResourceSpec;
    labels?: Record<string, string>;
    hostname?: string;
    /** Extra DNS names on the overlay besides the short name. */
    aliases?: string[];
    stopGracePeriod?: string;
    user?: string;
}

/** Placement on nodes carrying a label (`docker node update --label-add <label>=true`). */
export function onLabel(label: string): string {
    return `node.labels.${label} == true`;
}

/** Placement pinned to one node, for members that own a local volume. */
export function onNode(nodeName: string): string {
    return `node.hostname == ${nodeName}`;
}

export const HOUSE_DEFAULTS = {
    restartPolicy: { condition: "any", delay: "5s", maxAttempts: 0, window: "120s" },
    update: { parallelism: 1, delay: "10s", failureAction: "rollback", monitor: "30s", maxFailureRatio: "0" },
    rollback: { parallelism: 1, delay: "0s", failureAction: "pause", monitor: "30s", maxFailureRatio: "0" },
    healthcheck: { interval: "15s", timeout: "5s", retries: 5, startPeriod: "30s" },
    converge: { delay: "5s", timeout: "10m" },
    stopGracePeriod: "30s",
    managedByLabel: "com.iklimco.managed-by",
    componentLabel: "com.iklimco.component",
    statefulLabel: "com.iklimco.stateful",
    stackNamespaceLabel: "com.docker.stack.namespace",
} as const;

export function updateOrder(spec: Pick<ServiceSpec, "stateful">): "stop-first" | "start-first" {
    return spec.stateful ? "stop-first" : "start-first";
}

/** Service and container labels: the stack namespace label keeps `docker stack ps iklimco` working. */
export function houseLabels(stackName: string, spec: Pick<ServiceSpec, "labels" | "component" | "stateful">): Record<string, string> {
    return {
        [HOUSE_DEFAULTS.stackNamespaceLabel]: stackName,
        [HOUSE_DEFAULTS.managedByLabel]: "pulumi",
        [HOUSE_DEFAULTS.componentLabel]: spec.component,
        [HOUSE_DEFAULTS.statefulLabel]: String(spec.stateful),
        ...(spec.labels ?? {}),
    };
}

const toLabelList = (labels: Record<string, string>) =>
    Object.keys(labels)
        .sort()
        .map((label) => ({ label, value: labels[label] }));

export interface SwarmContext {
    stackName: string;
    provider: docker.Provider;
    /** The network of this program, or one read from the platform stack (its id and name). */
    network: { id: pulumi.Input<string>; name: pulumi.Input<string> };
}

export interface BuiltService {
    spec: ServiceSpec;
    service: docker.Service;
    swarmName: string;
}

/**
 * Builds Swarm services with the house defaults and remembers every spec it built, in order, for the
 * stack-file renderer (which a program hands its builders: see components/declared-stack.ts) and the tests.
 */
export class ServiceBuilder {
    readonly built: BuiltService[] = [];

    constructor(readonly ctx: SwarmContext) {}

    swarmName(spec: Pick<ServiceSpec, "name">): string {
        return swarmServiceName(this.ctx.stackName, spec.name);
    }

    build(resourceName: string, spec: ServiceSpec, opts: pulumi.CustomResourceOptions = {}): docker.Service {
        if (!spec.healthcheck.test.length) throw new pulumi.ResourceError(`service ${spec.name}: a health check is required`, opts.parent);
        if ("replicas" in spec.mode && spec.mode.replicas < 1) throw new pulumi.ResourceError(`service ${spec.name}: replicas must be at least 1`, opts.parent);
        const labels = houseLabels(this.ctx.stackName, spec);
        const order = updateOrder(spec);
        const hc = { ...HOUSE_DEFAULTS.healthcheck, ...spec.healthcheck };
        const swarmName = this.swarmName(spec);
        const service = new docker.Service(
            resourceName,
            {
                name: swarmName,
                labels: toLabelList(labels),
                mode: "global" in spec.mode ? { global: true } : { replicated: { replicas: spec.mode.replicas } },
                taskSpec: {
                    containerSpec: {
                        image: spec.image,
                        commands: spec.command,
                        args: spec.args,
                        env: spec.env,
                        hostname: spec.hostname,
                        user: spec.user,
                        labels: toLabelList(labels),
                        stopGracePeriod: spec.stopGracePeriod ?? HOUSE_DEFAULTS.stopGracePeriod,
                        healthcheck: { tests: spec.healthcheck.test, interval: hc.interval, timeout: hc.timeout, retries: hc.retries, startPeriod: hc.startPeriod },
                        secrets: (spec.secrets ?? []).map((m) => ({
                            secretId: m.secret.secret.id,
                            secretName: m.secret.swarmName,
                            fileName: m.target ?? m.secret.target,
                            fileMode: m.mode ?? 0o400,
                            fileUid: m.uid ?? "0",
                            fileGid: m.gid ?? "0",
                        })),
                        mounts: (spec.mounts ?? []).map((m) => ({ type: m.type, source: m.source, target: m.target, readOnly: m.readOnly ?? false })),
                    },
                    placement: { constraints: [...spec.constraints].sort() },
                    resources: {
                        limits: { nanoCpus: Math.round(spec.resources.cpus * 1e9), memoryBytes: spec.resources.memoryMb * 1024 * 1024 },
                        reservation:
                            spec.resources.reserveCpus !== undefined || spec.resources.reserveMemoryMb !== undefined
                                ? {
                                      nanoCpus: Math.round((spec.resources.reserveCpus ?? 0) * 1e9),
                                      memoryBytes: (spec.resources.reserveMemoryMb ?? 0) * 1024 * 1024,
                                  }
                                : undefined,
                    },
                    restartPolicy: { ...HOUSE_DEFAULTS.restartPolicy },
                    networksAdvanceds: [{ name: this.ctx.network.id, aliases: [spec.name, ...(spec.aliases ?? [])] }],
                },
                updateConfig: { ...HOUSE_DEFAULTS.update, order },
                rollbackConfig: { ...HOUSE_DEFAULTS.rollback, order },
                endpointSpec: spec.ports?.length
                    ? {
                          mode: "vip",
                          ports: spec.ports.map((p) => ({ targetPort: p.target, publishedPort: p.published, publishMode: p.mode ?? "ingress", protocol: p.protocol ?? "tcp" })),
                      }
                    : undefined,
                // Step 15: `pulumi up` waits until every replica runs, so dependants start on a converged service.
                convergeConfig: "global" in spec.mode ? undefined : { ...HOUSE_DEFAULTS.converge },
            },
            // Fields other actors own (./ownership.ts) are never diffed, whatever the caller ignores besides.
            { ...opts, provider: this.ctx.provider, ignoreChanges: [...new Set([...(opts.ignoreChanges ?? []), ...SERVICE_IGNORE_CHANGES])].sort() },
        );
        this.built.push({ spec, service, swarmName });
        return service;
    }
}
