// The operators' running platform, built by hand from their documents (never from the program's renderers), for
// the migration test on the real swarm: `docker stack deploy` of a compose file under the stack name, so services
// are `<stack>_<name>`. Vault is one service `<stack>_vault` running a real OpenBao (the static `bao` binary in a
// busybox root) whose entrypoint retry-unseals from the `vault_unseal_key` Docker secret; its certificate comes
// from a host directory mounted at /vault/certs (the seeds' /opt/iklimco/ssl). etcd, Patroni (PostgreSQL 15) and
// RabbitMQ are the real servers in the contract-true stand-in images the other swarm tests use
// (test/support/contract-images.ts); SWAG is that image's documented-contract stand-in, there for its volume.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ensureRootImage } from "../../tools/offline/root-image";
import { docker, dockerOk } from "./docker";
import { openbaoExecutable } from "./openbao";

const ENTRYPOINT = path.join(__dirname, "..", "fixtures", "legacy", "vault-entrypoint.sh");

/** busybox + the static bao binary; tagged by the binary's and entrypoint's content, built once. */
export function ensureOpenBaoImage(): string {
    return ensureRootImage({
        name: "iklimco-migration/openbao",
        dirs: ["/bin", "/tmp", "/etc", "/run", "/var", "/vault/data", "/vault/certs"],
        busybox: "all",
        files: {
            "/bin/bao": { from: openbaoExecutable(), mode: 0o755 },
            "/bin/vault-entrypoint.sh": { from: ENTRYPOINT, mode: 0o755 },
            "/etc/passwd": { text: "root:x:0:0:root:/root:/bin/sh\n" },
            "/etc/group": { text: "root:x:0:\n" },
        },
        modes: { "/tmp": 0o1777 },
        env: { PATH: "/bin" },
        entrypoint: ["/bin/vault-entrypoint.sh"],
    });
}

/** What the legacy compose stack runs, besides its Vault. */
export interface LegacyPlatformOptions {
    images: { vault: string; etcd: string; patroni: string; rabbitmq: string; swag: string };
    /** The nodes' certificate directory (the seeds' /opt/iklimco/ssl), mounted into Vault at /vault/certs. */
    certDir: string;
    /** The external overlay (the seeds' iklimco-net). */
    network: string;
    /** Host ports the test reaches the services on (published in host mode, as Vault's 8200 is). */
    ports: { vault: number; patroni1: number; patroni1Api: number; patroni2: number; patroni2Api: number; rabbitmq: number };
    /** The superuser's and the replication user's passwords (the operators' .env.secrets.patroni). */
    postgres: { superuser: string; replication: string };
    /** RabbitMQ's admin (the operators' .env.secrets.rabbitmq). */
    rabbitmqAdminPassword: string;
}

/** One Patroni member's configuration, as the operators' env file passes it (PATRONI_CONFIGURATION). */
function patroniConfiguration(name: string, o: LegacyPlatformOptions): string {
    const hba = ["local all all trust", "host replication replicator 0.0.0.0/0 scram-sha-256", "host all all 0.0.0.0/0 scram-sha-256"];
    return JSON.stringify({
        scope: "iklimco",
        name,
        restapi: { listen: "0.0.0.0:8008", connect_address: `${name}:8008` },
        etcd3: { hosts: "etcd:2379" },
        bootstrap: { dcs: { ttl: 30, loop_wait: 10, retry_timeout: 10, postgresql: { parameters: { password_encryption: "scram-sha-256" } } }, initdb: [{ encoding: "UTF8" }], pg_hba: hba },
        postgresql: {
            listen: "0.0.0.0:5432",
            connect_address: `${name}:5432`,
            data_dir: "/home/postgres/pgdata/data",
            bin_dir: "/usr/lib/postgresql/15/bin",
            pgpass: "/tmp/pgpass",
            authentication: { superuser: { username: "postgres", password: o.postgres.superuser }, replication: { username: "replicator", password: o.postgres.replication } },
            pg_hba: hba,
        },
    });
}

/**
 * The operators' compose stack as their documents describe it (step 11's `rabbitmq_erlang_cookie`, step 12's
 * infra/DB stack on the external overlay, the Vault stack with its retry-unseal entrypoint, SWAG's config
 * volume): `vault`, `etcd`, `patroni1`/`patroni2` (the multi-host Patroni connection of step 22), `rabbitmq`
 * and `swag`, each with its data in a stack volume. Written by hand; nothing here comes from the program.
 */
export function legacyComposeText(o: LegacyPlatformOptions): string {
    const port = (target: number, published: number) => ({ target, published, protocol: "tcp", mode: "host" });
    const patroni = (name: "patroni1" | "patroni2", pg: number, api: number) => ({
        image: o.images.patroni,
        hostname: name,
        environment: { PATRONI_CONFIGURATION: patroniConfiguration(name, o) },
        ports: [port(5432, pg), port(8008, api)],
        volumes: [`${name}_data:/home/postgres/pgdata`],
        networks: { net: { aliases: [name] } },
        deploy: { replicas: 1 },
    });
    const doc = {
        version: "3.8",
        services: {
            vault: {
                image: o.images.vault,
                ports: [port(8200, o.ports.vault)],
                volumes: ["vault_data:/vault/data", `${o.certDir}:/vault/certs:ro`],
                networks: ["net"],
                deploy: { replicas: 1 },
            },
            etcd: {
                image: o.images.etcd,
                hostname: "etcd",
                environment: {
                    ETCD_NAME: "etcd",
                    ETCD_DATA_DIR: "/etcd-data",
                    ETCD_LISTEN_CLIENT_URLS: "http://0.0.0.0:2379",
                    ETCD_ADVERTISE_CLIENT_URLS: "http://etcd:2379",
                    ETCD_LISTEN_PEER_URLS: "http://0.0.0.0:2380",
                    ETCD_INITIAL_ADVERTISE_PEER_URLS: "http://etcd:2380",
                    ETCD_INITIAL_CLUSTER: "etcd=http://etcd:2380",
                    ETCD_INITIAL_CLUSTER_STATE: "new",
                },
                volumes: ["etcd_data:/etcd-data"],
                networks: ["net"],
                deploy: { replicas: 1 },
            },
            patroni1: patroni("patroni1", o.ports.patroni1, o.ports.patroni1Api),
            patroni2: patroni("patroni2", o.ports.patroni2, o.ports.patroni2Api),
            rabbitmq: {
                image: o.images.rabbitmq,
                hostname: "rabbitmq",
                environment: { RABBITMQ_NODENAME: "rabbit@rabbitmq" },
                configs: [{ source: "rabbitmq_conf", target: "/etc/rabbitmq/rabbitmq.conf" }],
                secrets: [{ source: "rabbitmq_erlang_cookie", target: "/var/lib/rabbitmq/.erlang.cookie", mode: 0o400 }],
                ports: [port(5672, o.ports.rabbitmq)],
                volumes: ["rabbitmq_data:/var/lib/rabbitmq/mnesia"],
                networks: ["net"],
                deploy: { replicas: 1 },
            },
            swag: {
                image: o.images.swag,
                volumes: ["swag_config:/config"],
                networks: ["net"],
                deploy: { replicas: 1 },
            },
        },
        networks: { net: { name: o.network, external: true } },
        volumes: { vault_data: {}, etcd_data: {}, patroni1_data: {}, patroni2_data: {}, rabbitmq_data: {}, swag_config: {} },
        secrets: { rabbitmq_erlang_cookie: { external: true } },
        configs: { rabbitmq_conf: { file: "./rabbitmq.conf" } },
    };
    return YAML.stringify(doc);
}

/** The rabbitmq.conf of the legacy stack (a Swarm config beside the compose file): the admin user from the env file. */
export function legacyRabbitConf(adminPassword: string): string {
    return ["loopback_users.guest = true", "listeners.tcp.default = 5672", "default_user = admin", `default_pass = ${adminPassword}`, "default_user_tags.administrator = true", ""].join("\n");
}

export function deployLegacy(stack: string, compose: string, dir: string, files: Record<string, string> = {}): void {
    const file = path.join(dir, "docker-stack-legacy.yml");
    fs.writeFileSync(file, compose);
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text, { mode: 0o600 });
    docker(["stack", "deploy", "--detach=true", "-c", file, stack]);
}

export function removeLegacy(stack: string, secrets: string[], network: string): void {
    spawnSync("docker", ["stack", "rm", stack], { stdio: "ignore" });
    for (let i = 0; i < 30; i++) {
        if (!docker(["service", "ls", "-q", "--filter", `label=com.docker.stack.namespace=${stack}`])) break;
        spawnSync("sleep", ["1"]);
    }
    for (const s of secrets) spawnSync("docker", ["secret", "rm", s], { stdio: "ignore" });
    for (let i = 0; i < 30; i++) {
        const vols = docker(["volume", "ls", "-q", "--filter", `label=com.docker.stack.namespace=${stack}`]).split("\n").filter(Boolean);
        const net = dockerOk(["network", "inspect", network]);
        if (!vols.length && !net) return;
        for (const v of vols) spawnSync("docker", ["volume", "rm", v], { stdio: "ignore" });
        if (net) spawnSync("docker", ["network", "rm", network], { stdio: "ignore" });
        spawnSync("sleep", ["1"]);
    }
}
