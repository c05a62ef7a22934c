// Patroni: one PostgreSQL member per `db`-labelled node (`patroni-<n>`), each pinned with its own data volume,
// etcd (v3 API) as the DCS. The Patroni YAML is rendered here from config and carries no secret; the
// superuser and replication passwords are Swarm secret files read by the entrypoint beside this module.
import * as path from "path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { PlatformConfig } from "../config";
import { shippedScript } from "../shell";
import { Member, ModuleContext, membersOf } from "./common";
import { EtcdTopology } from "./etcd";
import { INFRA_USERS, InfraSecrets } from "./secrets";

export const PATRONI_REST_PORT = 8008;
export const PATRONI_DATA_ROOT = "/home/postgres/pgdata";
export const PATRONI_ENTRYPOINT = shippedScript(path.join(__dirname, "patroni-entrypoint.sh"));

export interface PatroniTopology {
    members: Member[];
    scope: string;
    port: number;
    /** `patroni-1,patroni-2,...`: the multi-host list for `target_session_attrs=read-write` connections. */
    hosts: string[];
    /** `patroni-1:5432,patroni-2:5432,...`. */
    hostPorts: string[];
}

export function patroniTopology(cfg: Pick<PlatformConfig, "nodes" | "stackName" | "postgres">): PatroniTopology {
    const members = membersOf(cfg, "patroni", "db");
    return {
        members,
        scope: cfg.postgres.scope,
        port: cfg.postgres.port,
        hosts: members.map((m) => m.name),
        hostPorts: members.map((m) => `${m.name}:${cfg.postgres.port}`),
    };
}

export interface PatroniConfigInput {
    scope: string;
    name: string;
    /** The address other members and clients reach this one at (its overlay DNS name). */
    connectHost: string;
    port: number;
    restPort: number;
    etcdHosts: string[];
    dataDir: string;
    /** The overlay subnet: the only network allowed to connect. */
    subnet: string;
    /** PostgreSQL binaries; unset uses the image's PATH. */
    binDir?: string;
    /** Unix socket directory; unset uses PostgreSQL's default. */
    socketDir?: string;
}

/** pg_hba: the overlay only, SCRAM everywhere except the container's own Unix socket. */
export function patroniPgHba(subnet: string): string[] {
    return [
        "local all all trust",
        "host all all 127.0.0.1/32 scram-sha-256",
        `host replication ${INFRA_USERS.postgresReplication} ${subnet} scram-sha-256`,
        `host all all ${subnet} scram-sha-256`,
    ];
}

/** The patroni.yml of one member (no secrets: the entrypoint exports the passwords). */
export function renderPatroniConfig(c: PatroniConfigInput): string {
    const doc = {
        scope: c.scope,
        name: c.name,
        restapi: { listen: `0.0.0.0:${c.restPort}`, connect_address: `${c.connectHost}:${c.restPort}` },
        etcd3: { hosts: c.etcdHosts },
        bootstrap: {
            dcs: {
                ttl: 30,
                loop_wait: 10,
                retry_timeout: 10,
                maximum_lag_on_failover: 1048576,
                postgresql: {
                    use_pg_rewind: true,
                    parameters: { password_encryption: "scram-sha-256", wal_level: "replica", hot_standby: "on", max_wal_senders: 10, max_replication_slots: 10, wal_keep_size: "256MB" },
                },
            },
            initdb: [{ encoding: "UTF8" }, { "auth-host": "scram-sha-256" }, "data-checksums"],
        },
        postgresql: {
            listen: `0.0.0.0:${c.port}`,
            connect_address: `${c.connectHost}:${c.port}`,
            data_dir: c.dataDir,
            ...(c.binDir ? { bin_dir: c.binDir } : {}),
            ...(c.socketDir ? { parameters: { unix_socket_directories: c.socketDir } } : {}),
            pg_hba: patroniPgHba(c.subnet),
            authentication: {
                superuser: { username: INFRA_USERS.postgresSuperuser },
                replication: { username: INFRA_USERS.postgresReplication },
            },
        },
        tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
    };
    return YAML.stringify(doc, { lineWidth: 0 });
}

export interface PatroniServices {
    topology: PatroniTopology;
    services: docker.Service[];
}

export function declarePatroni(ctx: ModuleContext, etcd: EtcdTopology, secrets: InfraSecrets, dependsOn: (member: string) => pulumi.Resource[]): PatroniServices {
    const cfg = ctx.config;
    const topology = patroniTopology(cfg);
    const services = topology.members.map((m) => {
        const yaml = renderPatroniConfig({
            scope: topology.scope,
            name: m.name,
            connectHost: m.name,
            port: topology.port,
            restPort: PATRONI_REST_PORT,
            etcdHosts: etcd.hostPorts,
            dataDir: `${PATRONI_DATA_ROOT}/data`,
            subnet: cfg.network.subnet,
        });
        return ctx.services.build(
            `${ctx.name}-${m.name}`,
            {
                name: m.name,
                component: "patroni",
                image: cfg.images.patroni,
                stateful: true,
                mode: { replicas: 1 },
                constraints: ["node.labels.db == true", `node.hostname == ${m.node}`],
                hostname: m.name,
                command: ["/bin/sh", "-c", PATRONI_ENTRYPOINT, "patroni-entrypoint", yaml],
                env: {
                    PATRONI_SUPERUSER_PASSWORD_FILE: secrets.postgresSuperuserPassword.target,
                    PATRONI_REPLICATION_PASSWORD_FILE: secrets.postgresReplicationPassword.target,
                },
                // The postgres user of the image (uid 999 in the Spilo/Patroni images) reads them.
                secrets: [
                    { secret: secrets.postgresSuperuserPassword, uid: "999", gid: "999" },
                    { secret: secrets.postgresReplicationPassword, uid: "999", gid: "999" },
                ],
                mounts: [{ type: "volume", source: m.volume, target: PATRONI_DATA_ROOT }],
                // Patroni's REST /health is 200 only while PostgreSQL runs; Patroni images always have python3.
                healthcheck: {
                    test: ["CMD", "python3", "-c", `import urllib.request; urllib.request.urlopen('http://127.0.0.1:${PATRONI_REST_PORT}/health', timeout=4)`],
                    startPeriod: "60s",
                },
                stopGracePeriod: "120s",
                resources: { cpus: 2, memoryMb: 4096 },
            },
            { ...ctx.opts, dependsOn: dependsOn(m.name) },
        );
    });
    return { topology, services };
}
