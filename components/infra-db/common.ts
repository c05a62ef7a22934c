// What every infra/DB service module shares: the members of a stateful cluster derived from the node list
// (docs/naming.md), and the context a module declares its services in.
import * as pulumi from "@pulumi/pulumi";
import { NodeLabel, PlatformConfig } from "../config";
import { memberName, memberVolume } from "../naming";
import { PipelineNotes } from "../pipeline";
import { ServiceBuilder } from "../swarm";

/** The service kinds of this stack; `ServiceSpec.component` is one of them. */
export type InfraComponent = "etcd" | "patroni" | "mongodb" | "rabbitmq" | "apisix" | "swag" | "grafana";

/** One member of a stateful cluster: its own service, pinned to its node, with its own data volume. */
export interface Member {
    /** 1-based position among the nodes carrying the label, in config order. */
    index: number;
    /** Short service name and overlay DNS name: `<service>-<n>`. */
    name: string;
    /** The node it is pinned to (`node.hostname == <node>`). */
    node: string;
    /** Its data volume: `<stackName>_<service>-<n>-data`. */
    volume: string;
}

/** The members of `service` on the nodes labelled `label`, in config order. */
export function membersOf(cfg: Pick<PlatformConfig, "nodes" | "stackName">, service: InfraComponent, label: NodeLabel): Member[] {
    // Config order is member order everywhere (nodesWithLabel's rule), so `<svc>-<n>` stays on its node.
    return cfg.nodes.filter((n) => n.labels.includes(label)).map((n, i) => ({
        index: i + 1,
        name: memberName(service, i + 1),
        node: n.name,
        volume: memberVolume(cfg.stackName, memberName(service, i + 1)),
    }));
}

export interface ModuleContext {
    /** The InfraDb component's name: children are named `<name>-<service>`. */
    name: string;
    config: PlatformConfig;
    services: ServiceBuilder;
    /** `{ parent: infraDb }`. */
    opts: pulumi.CustomResourceOptions;
    /** The InfraDb component's pipeline notes: a module notes why its ordering edges exist there. */
    pipeline: PipelineNotes;
}

/** `CMD` health check that fetches an HTTP URL inside the container (busybox/alpine `wget`). */
export function httpCheck(url: string): string[] {
    return ["CMD", "wget", "-q", "-O", "/dev/null", url];
}

/**
 * `CMD` health check for images with bash but no HTTP client (Debian slim images such as APISIX's): an HTTP/1.0
 * GET through bash's /dev/tcp, passing on a 200 status line. Only bash builtins run.
 */
export function bashHttpCheck(port: number, urlPath: string): string[] {
    const script = [
        `exec 3<>/dev/tcp/127.0.0.1/${port}`,
        `printf 'GET ${urlPath} HTTP/1.0\\r\\nHost: 127.0.0.1\\r\\n\\r\\n' >&3`,
        "IFS= read -r -t 4 status <&3",
        `case "$status" in "HTTP/1."?" 200 "*) exit 0 ;; *) exit 1 ;; esac`,
    ].join("\n");
    return ["CMD", "bash", "-c", script];
}
