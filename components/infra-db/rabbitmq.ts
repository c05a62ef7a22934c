// RabbitMQ: one cluster member per `mq`-labelled node (`rabbitmq-<n>`), each pinned with its own data volume.
// Members find each other by the classic peer-discovery list rendered here; the Erlang cookie (step 11) and
// the admin password are Swarm secrets. The management UI (15672) is reached through SWAG.
import * as path from "path";
import * as docker from "@pulumi/docker";
import { PlatformConfig } from "../config";
import { shippedScript } from "../shell";
import { Member, ModuleContext, membersOf } from "./common";
import { INFRA_USERS, InfraSecrets } from "./secrets";

export const RABBITMQ_AMQP_PORT = 5672;
export const RABBITMQ_MANAGEMENT_PORT = 15672;
export const RABBITMQ_SHARED_ALIAS = "rabbitmq";
export const RABBITMQ_HOME = "/var/lib/rabbitmq";
/** The official image's `rabbitmq` user. */
export const RABBITMQ_UID = "999";
export const RABBITMQ_ENTRYPOINT = shippedScript(path.join(__dirname, "rabbitmq-entrypoint.sh"));

export interface RabbitTopology {
    members: Member[];
    /** `rabbit@rabbitmq-1`, ...: Erlang node names (the hostname is the member's short name). */
    nodeNames: string[];
    /** `rabbitmq-1:5672`, ...: AMQP addresses for clients. */
    amqpHosts: string[];
}

export function rabbitTopology(cfg: Pick<PlatformConfig, "nodes" | "stackName">): RabbitTopology {
    const members = membersOf(cfg, "rabbitmq", "mq");
    return { members, nodeNames: members.map((m) => `rabbit@${m.name}`), amqpHosts: members.map((m) => `${m.name}:${RABBITMQ_AMQP_PORT}`) };
}

/** rabbitmq.conf without the password (the entrypoint appends `default_pass`). Ports are fixed in the stack. */
export function renderRabbitConfig(t: Pick<RabbitTopology, "nodeNames">, ports = { amqp: RABBITMQ_AMQP_PORT, management: RABBITMQ_MANAGEMENT_PORT }): string {
    return [
        "cluster_formation.peer_discovery_backend = classic_config",
        ...t.nodeNames.map((n, i) => `cluster_formation.classic_config.nodes.${i + 1} = ${n}`),
        "cluster_partition_handling = pause_minority",
        "loopback_users.guest = true",
        `listeners.tcp.default = ${ports.amqp}`,
        `management.tcp.port = ${ports.management}`,
        `default_user = ${INFRA_USERS.rabbitmqAdmin}`,
        "default_user_tags.administrator = true",
    ].join("\n");
}

export interface RabbitServices {
    topology: RabbitTopology;
    services: docker.Service[];
}

export function declareRabbit(ctx: ModuleContext, secrets: InfraSecrets): RabbitServices {
    const cfg = ctx.config;
    const topology = rabbitTopology(cfg);
    const conf = renderRabbitConfig(topology);
    const cookieTarget = `${RABBITMQ_HOME}/.erlang.cookie`;
    const services = topology.members.map((m) =>
        ctx.services.build(
            `${ctx.name}-${m.name}`,
            {
                name: m.name,
                component: "rabbitmq",
                image: cfg.images.rabbitmq,
                stateful: true,
                mode: { replicas: 1 },
                constraints: ["node.labels.mq == true", `node.hostname == ${m.node}`],
                hostname: m.name,
                // Every member also answers to `rabbitmq` (DNS round robin): SWAG and clients need no member list.
                aliases: [RABBITMQ_SHARED_ALIAS],
                command: ["/bin/sh", "-c", RABBITMQ_ENTRYPOINT, "rabbitmq-entrypoint", conf],
                env: {
                    RABBITMQ_NODENAME: `rabbit@${m.name}`,
                    RABBITMQ_CONFIG_FILE: `${RABBITMQ_HOME}/rabbitmq.conf`,
                    RABBITMQ_ADMIN_PASSWORD_FILE: secrets.rabbitmqAdminPassword.target,
                    RABBITMQ_ERLANG_COOKIE_FILE: cookieTarget,
                },
                secrets: [
                    // Erlang insists the cookie is readable by its owner only.
                    { secret: secrets.rabbitmqErlangCookie, target: cookieTarget, uid: RABBITMQ_UID, gid: RABBITMQ_UID, mode: 0o400 },
                    { secret: secrets.rabbitmqAdminPassword, uid: RABBITMQ_UID, gid: RABBITMQ_UID },
                ],
                mounts: [{ type: "volume", source: m.volume, target: `${RABBITMQ_HOME}/mnesia` }],
                healthcheck: { test: ["CMD", "rabbitmq-diagnostics", "-q", "ping"], startPeriod: "60s", timeout: "10s" },
                stopGracePeriod: "60s",
                resources: { cpus: 1, memoryMb: 2048 },
            },
            ctx.opts,
        ),
    );
    return { topology, services };
}
