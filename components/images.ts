// Image contracts: for every image in `images.*`, the executables this program runs inside it (health checks,
// entrypoints and the scripts they run, one-shot jobs), and what the upstream image ships that we rely on.
// A health check or script may name only what its image's contract lists (test/image-contracts.test.ts reads
// every one the evaluated program declares); the real-swarm tests build each stand-in image with only these
// executables and run the real health checks and entrypoints in it (test/support/contract-images.ts).
//
// Where the image is the operators' own build (patroni, cert-tools, db-init, apisix-init), the contract is the
// requirement on that build: their Dockerfile must provide every executable listed (docs/images.md).

/** The keys of `iklimco:images`. */
export type ImageKey = "etcd" | "patroni" | "mongodb" | "rabbitmq" | "apisix" | "apisixInit" | "swag" | "grafana" | "vault" | "certTools" | "dbInit";

/** How the image's root is made, which decides what a stand-in copies. */
export type ImageBase =
    /** gcr.io/distroless/static: no shell, no libc tools, only the binaries the Dockerfile adds. */
    | "distroless"
    /** Alpine: busybox (sh, wget, coreutils applets) plus the packages listed. */
    | "alpine"
    /** Debian or Ubuntu: dash as /bin/sh, bash, coreutils, grep, sed, mawk, plus the packages listed. */
    | "debian";

export interface ImageContract {
    key: ImageKey;
    /** The upstream image (or, for the operators' own, what it is built from). */
    upstream: string;
    base: ImageBase;
    /** The image's own ENTRYPOINT: a service's command replaces it (then its args replace `cmd`). */
    entrypoint: string[];
    /** The image's own CMD: the arguments of the entrypoint (or the command, with no entrypoint). */
    cmd: string[];
    /** Command name (as the program calls it, bare for PATH lookup) -> absolute path in the image. */
    executables: Record<string, string>;
    /** What this list relies on: the upstream Dockerfile lines or documents read. */
    evidence: string;
}

/** Busybox applets, as alpine links them (`/bin/<applet>` or `/usr/bin/<applet>`). */
function busybox(names: string[]): Record<string, string> {
    const usr = new Set(["awk", "basename", "cmp", "cut", "dirname", "head", "id", "od", "sha256sum", "sort", "tail", "timeout", "tr", "wc", "wget"]);
    const out: Record<string, string> = {};
    for (const n of names) out[n] = usr.has(n) ? `/usr/bin/${n}` : `/bin/${n}`;
    return out;
}

/** Debian/Ubuntu essential tools at their usrmerged-or-not paths (resolved through PATH in the image). */
function essentials(names: string[]): Record<string, string> {
    const bin = new Set(["sh", "bash", "cat", "chmod", "cp", "date", "grep", "mkdir", "mktemp", "mv", "rm", "sed", "sleep"]);
    const out: Record<string, string> = {};
    for (const n of names) out[n] = bin.has(n) ? `/bin/${n}` : `/usr/bin/${n}`;
    return out;
}

export const IMAGE_CONTRACTS: Readonly<Record<ImageKey, ImageContract>> = {
    etcd: {
        key: "etcd",
        upstream: "gcr.io/etcd-development/etcd (quay.io/coreos/etcd) v3.5.x, mirrored to Harbor",
        base: "distroless",
        entrypoint: [],
        cmd: ["/usr/local/bin/etcd"],
        // Health check: `etcdctl endpoint health` in exec form (no shell, no wget in this image).
        executables: { "/usr/local/bin/etcd": "/usr/local/bin/etcd", "/usr/local/bin/etcdctl": "/usr/local/bin/etcdctl" },
        evidence:
            "etcd-io/etcd Dockerfile-release.amd64 (3.5): FROM gcr.io/distroless/static-debian11; ADD etcd etcdctl etcdutl /usr/local/bin/; CMD [\"/usr/local/bin/etcd\"]. No shell, no wget (etcd-io/etcd#19578).",
    },
    patroni: {
        key: "patroni",
        upstream: "the operators' own image: PostgreSQL 16 (Debian) with Patroni 4.0.4 installed by pip",
        base: "debian",
        entrypoint: [],
        cmd: ["patroni"],
        // Entrypoint: sh -c patroni-entrypoint.sh (cat, then exec patroni); health check: python3's urllib.
        executables: { ...essentials(["sh", "cat"]), patroni: "/usr/local/bin/patroni", python3: "/usr/bin/python3" },
        evidence: "Patroni is a Python program: python3 is in every image that runs it; the image is Debian-based (postgres:16), so dash and coreutils are there.",
    },
    mongodb: {
        key: "mongodb",
        upstream: "mongo:7.0.14 (Docker official image), mirrored to Harbor",
        base: "debian",
        entrypoint: ["docker-entrypoint.sh"],
        cmd: ["mongod"],
        // The service keeps the image's entrypoint (mongod args); health check: mongosh; one-shot jobs
        // (replica set, db init): bash -c mongo-entry.sh, which runs mongosh.
        executables: {
            ...essentials(["bash", "cat", "chmod", "mktemp"]),
            "docker-entrypoint.sh": "/usr/local/bin/docker-entrypoint.sh",
            mongod: "/usr/bin/mongod",
            mongosh: "/usr/bin/mongosh",
        },
        evidence:
            "docker-library/mongo 7.0/Dockerfile: FROM ubuntu:jammy; apt-get install mongodb-org (server, shell = mongosh, tools); COPY docker-entrypoint.sh /usr/local/bin/; ENTRYPOINT [\"docker-entrypoint.sh\"]; CMD [\"mongod\"].",
    },
    rabbitmq: {
        key: "rabbitmq",
        upstream: "rabbitmq:3.13.7-management (Docker official image, Ubuntu), mirrored to Harbor",
        base: "debian",
        entrypoint: ["docker-entrypoint.sh"],
        cmd: ["rabbitmq-server"],
        // Entrypoint: sh -c rabbitmq-entrypoint.sh; health check: rabbitmq-diagnostics; setup job: bash -c rabbitmq-setup.sh.
        executables: {
            ...essentials(["sh", "bash", "awk", "cat", "chmod", "date", "grep", "mktemp", "mv", "sleep"]),
            "docker-entrypoint.sh": "/usr/local/bin/docker-entrypoint.sh",
            "rabbitmq-server": "/opt/rabbitmq/sbin/rabbitmq-server",
            "rabbitmq-diagnostics": "/opt/rabbitmq/sbin/rabbitmq-diagnostics",
            rabbitmqctl: "/opt/rabbitmq/sbin/rabbitmqctl",
        },
        evidence:
            "docker-library/rabbitmq 3.13/ubuntu/Dockerfile: FROM ubuntu:22.04; RabbitMQ in /opt/rabbitmq with /opt/rabbitmq/sbin on PATH (rabbitmq-server, rabbitmqctl, rabbitmq-diagnostics); ENTRYPOINT [\"docker-entrypoint.sh\"]; CMD [\"rabbitmq-server\"].",
    },
    apisix: {
        key: "apisix",
        upstream: "apache/apisix:3.11.0-debian, mirrored to Harbor",
        base: "debian",
        entrypoint: ["/docker-entrypoint.sh"],
        cmd: ["docker-start"],
        // Entrypoint: sh -c apisix-entrypoint.sh (cat, mv, exec /docker-entrypoint.sh); health check: bash's
        // /dev/tcp (builtins only): the image has neither curl nor wget.
        executables: { ...essentials(["sh", "bash", "cat", "mv"]), "/docker-entrypoint.sh": "/docker-entrypoint.sh" },
        evidence:
            "apache/apisix-docker debian/Dockerfile: FROM debian:bullseye-slim; curl and wget are installed to fetch the repository key, then `apt-get -y purge --auto-remove curl wget gnupg`; ENTRYPOINT [\"/docker-entrypoint.sh\"]; CMD [\"docker-start\"]. bash is essential in Debian.",
    },
    apisixInit: {
        key: "apisixInit",
        upstream: "the operators' own image (the APISIX route initialiser, a Spring application)",
        base: "debian",
        entrypoint: [],
        cmd: [],
        // Step 19 runs the image's own command (no entry script): the program names nothing inside it.
        executables: {},
        evidence: "components/init (ApisixInit) runs it with no entry script: the image's own ENTRYPOINT/CMD.",
    },
    swag: {
        key: "swag",
        upstream: "lscr.io/linuxserver/swag:3.1.0, mirrored to Harbor",
        base: "alpine",
        entrypoint: ["/init"],
        cmd: [],
        // Health check: busybox wget against the default site's /healthz.
        executables: { wget: "/usr/bin/wget", "/init": "/init" },
        evidence: "linuxserver/docker-swag Dockerfile: FROM ghcr.io/linuxserver/baseimage-alpine-nginx (Alpine: busybox wget); s6-overlay's /init is the entrypoint.",
    },
    grafana: {
        key: "grafana",
        upstream: "grafana/grafana:11.3.1 (the Alpine variant; -ubuntu tags differ), mirrored to Harbor",
        base: "alpine",
        entrypoint: ["/run.sh"],
        cmd: [],
        // Health check: busybox wget against /api/health.
        executables: { wget: "/usr/bin/wget", "/run.sh": "/run.sh" },
        evidence:
            "grafana/grafana Dockerfile: ARG BASE_IMAGE=alpine; `apk add --no-cache ca-certificates bash curl tzdata musl-utils`; ENTRYPOINT [\"/run.sh\"]. Busybox's wget comes with Alpine.",
    },
    vault: {
        key: "vault",
        upstream: "hashicorp/vault:1.18.2, mirrored to Harbor",
        base: "alpine",
        entrypoint: ["docker-entrypoint.sh"],
        cmd: ["server", "-dev"],
        // Entrypoint: sh -c vault-entrypoint.sh (busybox tools, su-exec, vault); health check: busybox wget
        // over TLS; bootstrap jobs: sh -s vault-init.sh / vault-ready.sh (wget, busybox tools).
        executables: {
            ...busybox(["sh", "chmod", "chown", "cp", "date", "grep", "head", "id", "mkdir", "mktemp", "rm", "sed", "sleep", "timeout", "tr", "wget"]),
            "su-exec": "/sbin/su-exec",
            vault: "/bin/vault",
        },
        evidence:
            "hashicorp/vault Dockerfile: FROM alpine:3; apk add libcap su-exec dumb-init tzdata; COPY vault /bin/; ENTRYPOINT [\"docker-entrypoint.sh\"]. Alpine's busybox provides sh, wget (TLS through ssl_client) and the coreutils applets.",
    },
    certTools: {
        key: "certTools",
        upstream: "the operators' own image: Alpine with openssl, curl and the Docker CLI",
        base: "alpine",
        entrypoint: [],
        cmd: ["/bin/sh"],
        // cert-reloader, cert-distributor, the Vault backup and their health checks; step 10's placeholder and
        // step 20's checks run in it as one-shot jobs.
        executables: {
            ...busybox([
                "sh", "awk", "basename", "cat", "chmod", "chown", "cp", "crond", "cut", "date", "dirname", "grep", "gzip", "head", "hostname", "ls",
                "mkdir", "mktemp", "mv", "od", "rm", "sed", "sha256sum", "sleep", "sort", "tail", "timeout", "tr", "wc",
            ]),
            crond: "/usr/sbin/crond",
            openssl: "/usr/bin/openssl",
            curl: "/usr/bin/curl",
            docker: "/usr/bin/docker",
        },
        evidence: "The operators' Dockerfile (FROM alpine; apk add openssl curl docker-cli): busybox gives sh, crond and the coreutils applets.",
    },
    dbInit: {
        key: "dbInit",
        upstream: "the operators' own image: Debian with the PostgreSQL 16 client",
        base: "debian",
        entrypoint: [],
        cmd: ["/bin/bash"],
        // Step 22's PostgreSQL job: bash -c postgres-init.sh, which runs psql.
        executables: { ...essentials(["bash", "cat", "chmod", "date", "mktemp", "sleep"]), psql: "/usr/bin/psql" },
        evidence: "The operators' Dockerfile (FROM debian; apt-get install postgresql-client-16): psql plus Debian's essential tools.",
    },
};

/** Whether `name` (bare, as PATH finds it, or absolute) is in the contract of `key`. */
export function contractAllows(key: ImageKey, name: string): boolean {
    const c = IMAGE_CONTRACTS[key];
    if (name in c.executables) return true;
    return Object.values(c.executables).includes(name);
}

/** The contract key of an image reference in config (`images.<key>`), or undefined for a foreign image. */
export function imageKeyOf(images: Record<ImageKey, string>, image: string): ImageKey | undefined {
    return (Object.keys(images) as ImageKey[]).find((k) => images[k] === image);
}
