// etcd: one member per `etcd`-labelled node, the DCS of Patroni and the config store of APISIX. Each member is
// its own service (`etcd-<n>`) pinned to its node with its own data volume; the initial cluster string is
// derived from the same member list, so adding a node changes every member's view consistently.
import * as docker from "@pulumi/docker";
import { PlatformConfig } from "../config";
import { Member, ModuleContext, membersOf } from "./common";

export const ETCD_CLIENT_PORT = 2379;
export const ETCD_PEER_PORT = 2380;
export const ETCD_DATA_DIR = "/etcd-data";

export interface EtcdTopology {
    members: Member[];
    /** `etcd-1=http://etcd-1:2380,...`: ETCD_INITIAL_CLUSTER of every member. */
    initialCluster: string;
    /** `http://etcd-1:2379`, ...: what clients (APISIX, etcdctl) use. */
    clientEndpoints: string[];
    /** `etcd-1:2379`, ...: Patroni's etcd3 `hosts`. */
    hostPorts: string[];
    /** Cluster token: members of another stack never join this one. */
    token: string;
}

export function etcdTopology(cfg: Pick<PlatformConfig, "nodes" | "stackName">): EtcdTopology {
    const members = membersOf(cfg, "etcd", "etcd");
    return {
        members,
        initialCluster: members.map((m) => `${m.name}=http://${m.name}:${ETCD_PEER_PORT}`).join(","),
        clientEndpoints: members.map((m) => `http://${m.name}:${ETCD_CLIENT_PORT}`),
        hostPorts: members.map((m) => `${m.name}:${ETCD_CLIENT_PORT}`),
        token: `${cfg.stackName}-etcd`,
    };
}

export interface EtcdServices {
    topology: EtcdTopology;
    services: docker.Service[];
}

export function declareEtcd(ctx: ModuleContext): EtcdServices {
    const cfg = ctx.config;
    const topology = etcdTopology(cfg);
    const services = topology.members.map((m) =>
        ctx.services.build(
            `${ctx.name}-${m.name}`,
            {
                name: m.name,
                component: "etcd",
                image: cfg.images.etcd,
                stateful: true,
                mode: { replicas: 1 },
                constraints: ["node.labels.etcd == true", `node.hostname == ${m.node}`],
                hostname: m.name,
                env: {
                    ETCD_NAME: m.name,
                    ETCD_DATA_DIR: ETCD_DATA_DIR,
                    ETCD_LISTEN_CLIENT_URLS: `http://0.0.0.0:${ETCD_CLIENT_PORT}`,
                    ETCD_ADVERTISE_CLIENT_URLS: `http://${m.name}:${ETCD_CLIENT_PORT}`,
                    ETCD_LISTEN_PEER_URLS: `http://0.0.0.0:${ETCD_PEER_PORT}`,
                    ETCD_INITIAL_ADVERTISE_PEER_URLS: `http://${m.name}:${ETCD_PEER_PORT}`,
                    ETCD_INITIAL_CLUSTER: topology.initialCluster,
                    // `new` only matters on a member's first start (empty data dir); later starts read the data dir.
                    ETCD_INITIAL_CLUSTER_STATE: "new",
                    ETCD_INITIAL_CLUSTER_TOKEN: topology.token,
                    ETCD_AUTO_COMPACTION_RETENTION: "1",
                },
                mounts: [{ type: "volume", source: m.volume, target: ETCD_DATA_DIR }],
                // The etcd image is distroless (no shell, no wget; components/images.ts): its own etcdctl, in
                // exec form. `endpoint health` fails when the member has no leader or an alarm is raised.
                healthcheck: { test: etcdHealthCheck(), startPeriod: "30s" },
                resources: { cpus: 1, memoryMb: 1024 },
            },
            ctx.opts,
        ),
    );
    return { topology, services };
}

/** etcd's health check: the image's own etcdctl in exec form (the image has nothing else to run it with). */
export function etcdHealthCheck(): string[] {
    return ["CMD", "/usr/local/bin/etcdctl", `--endpoints=http://127.0.0.1:${ETCD_CLIENT_PORT}`, "--command-timeout=4s", "endpoint", "health"];
}
