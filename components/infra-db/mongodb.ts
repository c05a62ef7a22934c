// MongoDB: one replica-set member per `db`-labelled node (`mongodb-<n>`), each pinned with its own data volume,
// keyfile auth between members from a generated Swarm secret, and the root credentials through the official
// image's MONGO_INITDB_ROOT_*_FILE convention. The member list is the source of DATABASE_MONGODB_HOST;
// `rs.initiate()`/`rs.add()` is step 21 (the init component), which reads `replicaSet` and `memberHosts`.
import * as docker from "@pulumi/docker";
import { PlatformConfig } from "../config";
import { Member, ModuleContext, membersOf } from "./common";
import { INFRA_USERS, InfraSecrets } from "./secrets";

export const MONGODB_DATA_DIR = "/data/db";
/** The official image's `mongodb` user: mongod refuses a keyfile others can read. */
export const MONGODB_UID = "999";

export interface MongoTopology {
    members: Member[];
    replicaSet: string;
    port: number;
    /** `mongodb-1:27017`, ... in member order. */
    memberHosts: string[];
    /** `mongodb-1:27017,mongodb-2:27017,...`: the DATABASE_MONGODB_HOST the services and init scripts use. */
    databaseMongodbHost: string;
}

export function mongoTopology(cfg: Pick<PlatformConfig, "nodes" | "stackName" | "mongodb">): MongoTopology {
    const members = membersOf(cfg, "mongodb", "db");
    const memberHosts = members.map((m) => `${m.name}:${cfg.mongodb.port}`);
    return { members, replicaSet: cfg.mongodb.replicaSet, port: cfg.mongodb.port, memberHosts, databaseMongodbHost: memberHosts.join(",") };
}

export interface MongoServices {
    topology: MongoTopology;
    services: docker.Service[];
}

export function declareMongo(ctx: ModuleContext, secrets: InfraSecrets): MongoServices {
    const cfg = ctx.config;
    const topology = mongoTopology(cfg);
    const keyfile = secrets.mongodbKeyfile.target;
    const services = topology.members.map((m) =>
        ctx.services.build(
            `${ctx.name}-${m.name}`,
            {
                name: m.name,
                component: "mongodb",
                image: cfg.images.mongodb,
                stateful: true,
                mode: { replicas: 1 },
                constraints: ["node.labels.db == true", `node.hostname == ${m.node}`],
                hostname: m.name,
                // The image's entrypoint stays: it creates the root user from the *_FILE values on first start.
                args: ["mongod", "--replSet", topology.replicaSet, "--bind_ip_all", "--port", String(topology.port), "--keyFile", keyfile],
                env: {
                    MONGO_INITDB_ROOT_USERNAME: INFRA_USERS.mongodbRoot,
                    MONGO_INITDB_ROOT_PASSWORD_FILE: secrets.mongodbRootPassword.target,
                },
                secrets: [
                    { secret: secrets.mongodbKeyfile, uid: MONGODB_UID, gid: MONGODB_UID, mode: 0o400 },
                    { secret: secrets.mongodbRootPassword, uid: MONGODB_UID, gid: MONGODB_UID },
                ],
                mounts: [{ type: "volume", source: m.volume, target: MONGODB_DATA_DIR }],
                // `ping` needs no authentication and answers once mongod accepts connections.
                healthcheck: { test: ["CMD", "mongosh", "--quiet", "--port", String(topology.port), "--eval", "db.adminCommand('ping').ok"], startPeriod: "40s" },
                stopGracePeriod: "60s",
                resources: { cpus: 2, memoryMb: 4096 },
            },
            ctx.opts,
        ),
    );
    return { topology, services };
}
