// Stand-in images that hold only what an image contract lists (components/images.ts), for the real-swarm
// tests: no image can be pulled here, so each root is described from this machine's files and imported by
// tools/offline/root-image.ts (built once per content).
//
// Per contract executable:
//   - a busybox applet where the upstream image is Alpine (a link to busybox, as Alpine has it);
//   - Debian's own binary, with the shared libraries `ldd` lists, where the upstream image is Debian/Ubuntu
//     (`sh` is dash there) or the tool is the real thing here (etcd, etcdctl, python3, openssl, curl, docker;
//     `vault` is OpenBao's static `bao`, Vault's open-source fork with the same CLI and HTTP API);
//   - the image's own server where it is real here (Patroni with PostgreSQL, RabbitMQ on Erlang: REAL_SERVERS);
//   - for servers that do not exist on this machine (MongoDB, APISIX, Grafana, SWAG's nginx/s6) and the
//     upstream entrypoint scripts, a documented-contract stand-in at the contract's path: it checks what the
//     real one requires of its environment and answers what its health check asks, as the upstream documents.
//     Those stand-ins run on a private busybox at /.standin/busybox (off PATH, not under any contract name), so
//     a health check or script that needs anything its contract does not list still fails.
// Nothing else goes in: the etcd stand-in has no shell, the APISIX one no curl or wget.
import * as fs from "fs";
import * as path from "path";
import { IMAGE_CONTRACTS, ImageKey } from "../../components/images";
import { RootFile, busyboxApplets, busyboxBinary, ensureRootImage, sharedLibraries } from "../../tools/offline/root-image";
import { openbaoExecutable } from "./openbao";

const PRIVATE = "/.standin";
const PRIVATE_BUSYBOX = `${PRIVATE}/busybox`;
const TLS_HELPER_DIR = `${PRIVATE}/tls`;

function which(bin: string): string {
    for (const dir of ["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"]) {
        const p = path.join(dir, bin);
        if (fs.existsSync(p)) return fs.realpathSync(p);
    }
    throw new Error(`contract stand-in: ${bin} is not installed on this machine (tools/test-all.sh installs it)`);
}

/** Where this machine's real executable for a contract name comes from (undefined: not available here). */
const HOST_SOURCES: Record<string, () => string> = {
    "/usr/local/bin/etcd": () => which("etcd"),
    "/usr/local/bin/etcdctl": () => which("etcdctl"),
    vault: () => openbaoExecutable(),
    python3: () => which("python3.11"),
    openssl: () => which("openssl"),
    curl: () => which("curl"),
    docker: () => which("docker"),
    sh: () => which("dash"),
    psql: () => "/usr/lib/postgresql/15/bin/psql",
};

/** A documented-contract stand-in: a script for the private busybox (or for an interpreter the contract lists). */
interface Fake {
    text: string;
    /** What the stand-in stands for, as the upstream documents it (shown in the test's output). */
    contract: string;
}

// The contract's executables come first on PATH; the private applets only after them.
const sh = (body: string) => `#!${PRIVATE_BUSYBOX} sh\nset -eu\nPATH="$PATH:${PRIVATE}/bin"\n${body}\n`;
/** Serves `files` (path -> body) over HTTP on `port` with the private busybox httpd, in the foreground. */
const serve = (port: number | string, files: string[]) =>
    [`www=$(${PRIVATE_BUSYBOX} mktemp -d)`, ...files.map((f) => `mkdir -p "$www$(dirname ${f})" && echo ok > "$www${f}"`), `exec httpd -f -p ${port} -h "$www"`].join("\n");
/** Fails like the real program does when a file it is told to read is not there. */
const needFile = (v: string, who: string) => `[ -z "\${${v}:-}" ] || [ -r "\${${v}}" ] || { echo "${who}: $${v} (\${${v}}) is not readable" >&2; exit 1; }`;

const FAKES: Partial<Record<ImageKey, Record<string, Fake>>> = {
    mongodb: {
        "/usr/local/bin/docker-entrypoint.sh": {
            contract: "docker-library/mongo docker-entrypoint.sh: reads MONGO_INITDB_ROOT_*_FILE, then execs its arguments (mongod ...)",
            text: sh([needFile("MONGO_INITDB_ROOT_PASSWORD_FILE", "docker-entrypoint.sh"), needFile("MONGO_INITDB_ROOT_USERNAME_FILE", "docker-entrypoint.sh"), 'exec "$@"'].join("\n")),
        },
        "/usr/bin/mongod": {
            contract: "mongod --port P --keyFile F: refuses to start without a readable key file, then listens on P",
            text: sh(
                [
                    'port=27017; key=""',
                    'while [ $# -gt 0 ]; do case "$1" in --port) port=$2; shift ;; --keyFile) key=$2; shift ;; esac; shift; done',
                    '[ -n "$key" ] && [ -r "$key" ] || { echo "mongod: key file $key is not readable" >&2; exit 1; }',
                    serve("$port", ["/index.html"]),
                ].join("\n"),
            ),
        },
        "/usr/bin/mongosh": {
            contract: "mongosh --port P --eval \"db.adminCommand('ping').ok\": prints 1 and exits 0 when mongod answers on P",
            // bash is in the mongo image's contract: the stand-in uses only it.
            text: [
                "#!/bin/bash",
                'port=27017; while [ $# -gt 0 ]; do case "$1" in --port) port=$2; shift ;; esac; shift; done',
                'exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1',
                "echo 1",
                "",
            ].join("\n"),
        },
    },
    rabbitmq: {
        "/usr/local/bin/docker-entrypoint.sh": {
            contract: "docker-library/rabbitmq docker-entrypoint.sh: runs its arguments (rabbitmq-server) with HOME=/var/lib/rabbitmq",
            text: sh('exec "$@"'),
        },
    },
    apisix: {
        "/docker-entrypoint.sh": {
            contract: "apache/apisix-docker docker-entrypoint.sh docker-start: starts APISIX with conf/config.yaml; the status API answers /status/ready on 7085",
            text: sh(
                [
                    '[ "${1:-}" = docker-start ] || { echo "docker-entrypoint.sh: unexpected command $*" >&2; exit 64; }',
                    'grep -q "status:" /usr/local/apisix/conf/config.yaml || { echo "no status API in config.yaml" >&2; exit 1; }',
                    '[ -n "${APISIX_ADMIN_KEY:-}" ] || { echo "APISIX_ADMIN_KEY is not set" >&2; exit 1; }',
                    serve(7085, ["/status/ready"]),
                ].join("\n"),
            ),
        },
    },
    grafana: {
        "/run.sh": {
            contract: "grafana/grafana /run.sh: reads GF_SECURITY_ADMIN_PASSWORD__FILE, serves /api/health on 3000",
            text: sh([needFile("GF_SECURITY_ADMIN_PASSWORD__FILE", "run.sh"), serve(3000, ["/api/health"])].join("\n")),
        },
    },
    swag: {
        "/init": {
            contract: "linuxserver/swag /init: nginx with the rendered default site, whose /healthz answers 200 on 80",
            text: sh([serve(80, ["/healthz"])].join("\n")),
        },
    },
};

/** What an image's own program needs beyond the contract (it runs it, the program does not), real here. */
interface RealServer {
    /** What it stands for. */
    what: string;
    /** Adds the server's files to the root. */
    add(root: string): void;
    /** Extra PATH entries, user and environment of the image. */
    path?: string[];
    /** Files it adds in PATH directories (the server's own tools, which its upstream image also has). */
    onPath?: string[];
    user?: string;
    env?: Record<string, string>;
}

/** Copies a directory tree (regular files and symlinks), with the libraries its ELF files load. */
function copyTree(root: string, dir: string, skip: Set<string> = new Set()): void {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (skip.has(e.name)) continue;
        if (e.isDirectory()) copyTree(root, p, skip);
        else if (e.isSymbolicLink()) {
            const dest = path.join(root, p);
            fs.mkdirSync(path.dirname(dest), { recursive: true });
            if (!fs.existsSync(dest)) fs.symlinkSync(fs.readlinkSync(p), dest);
        } else if (e.isFile()) {
            copyInto(root, p);
            if (/\.so(\.|$)/.test(e.name) || (fs.statSync(p).mode & 0o111 && isElf(p))) for (const l of sharedLibraries(p)) copyInto(root, l);
        }
    }
}

function isElf(file: string): boolean {
    const fd = fs.openSync(file, "r");
    try {
        const b = Buffer.alloc(4);
        fs.readSync(fd, b, 0, 4, 0);
        return b.toString("latin1") === "\x7fELF";
    } finally {
        fs.closeSync(fd);
    }
}

const PG = "/usr/lib/postgresql/15";
const RABBIT_SBIN = fs.existsSync("/usr/lib/rabbitmq/bin") ? path.dirname(fs.realpathSync("/usr/lib/rabbitmq/bin/rabbitmq-server")) : "";
const REAL_SERVERS: Partial<Record<ImageKey, RealServer>> = {
    // The patroni image runs Patroni (a Python program, the contract's `patroni`) and PostgreSQL under it:
    // Debian's Patroni and PostgreSQL 15 (the image has 16; the program names no PostgreSQL binary), the
    // postgres user as uid 999 (as the service's secret mounts expect) owning the data root.
    patroni: {
        what: `Debian's Patroni and PostgreSQL 15 (${PG}/bin on PATH), user postgres (999)`,
        add(root) {
            copyInto(root, "/usr/bin/patroni", "/usr/local/bin/patroni");
            copyTree(root, "/usr/lib/python3/dist-packages", new Set(["__pycache__"]));
            copyTree(root, PG);
            copyTree(root, "/usr/share/postgresql/15");
            // initdb needs the C.UTF-8 locale (LANG below); Debian keeps it in /usr/lib/locale/C.utf8.
            if (fs.existsSync("/usr/lib/locale/C.utf8")) copyTree(root, "/usr/lib/locale/C.utf8");
            // Python's cryptography (imported by Patroni's dependencies) loads OpenSSL's config and modules.
            copyInto(root, "/usr/lib/ssl/openssl.cnf");
            for (const d of ["/usr/lib/x86_64-linux-gnu/ossl-modules", "/usr/lib/x86_64-linux-gnu/engines-3"]) if (fs.existsSync(d)) copyTree(root, d);
            for (const d of ["home/postgres/pgdata", "var/run/postgresql"]) {
                fs.mkdirSync(path.join(root, d), { recursive: true });
                fs.chownSync(path.join(root, d), 999, 999);
                fs.chmodSync(path.join(root, d), 0o700);
            }
            fs.chownSync(path.join(root, "home/postgres"), 999, 999);
        },
        path: [`${PG}/bin`],
        user: "999:999",
        env: { LANG: "C.UTF-8", HOME: "/home/postgres" },
    },
    // The rabbitmq image runs RabbitMQ on Erlang: Debian's RabbitMQ 3.10 and Erlang, its scripts linked at the
    // contract's /opt/rabbitmq/sbin paths, with the coreutils its scripts call (Ubuntu has them).
    rabbitmq: {
        what: `Debian's RabbitMQ and Erlang (${RABBIT_SBIN}), linked at /opt/rabbitmq/sbin`,
        add(root) {
            copyTree(root, "/usr/lib/erlang");
            copyTree(root, "/usr/lib/rabbitmq");
            // rabbitmq-env and rabbitmq-defaults are sourced from the scripts' own directory (upstream's sbin has them).
            for (const n of ["rabbitmq-server", "rabbitmq-diagnostics", "rabbitmqctl", "rabbitmq-env", "rabbitmq-defaults"]) {
                const dest = path.join(root, "opt/rabbitmq/sbin", n);
                fs.mkdirSync(path.dirname(dest), { recursive: true });
                if (fs.existsSync(dest)) fs.rmSync(dest);
                fs.symlinkSync(path.join(RABBIT_SBIN, n), dest);
            }
            for (const t of ["basename", "dirname", "expr", "readlink", "sed", "uname", "hostname"]) {
                const src = fs.existsSync(`/usr/bin/${t}`) ? `/usr/bin/${t}` : `/bin/${t}`;
                if (!fs.existsSync(src)) continue;
                copyInto(root, src, `/usr/bin/${t}`);
                for (const l of sharedLibraries(src)) copyInto(root, l);
            }
            fs.mkdirSync(path.join(root, "usr/bin"), { recursive: true });
            if (!fs.existsSync(path.join(root, "usr/bin/erl"))) fs.symlinkSync("/usr/lib/erlang/bin/erl", path.join(root, "usr/bin/erl"));
            for (const d of ["var/lib/rabbitmq", "etc/rabbitmq", "var/log/rabbitmq"]) {
                fs.mkdirSync(path.join(root, d), { recursive: true });
                fs.chownSync(path.join(root, d), 999, 999);
                fs.chmodSync(path.join(root, d), 0o1777);
            }
            if (fs.existsSync("/usr/lib/locale/C.utf8")) copyTree(root, "/usr/lib/locale/C.utf8");
        },
        env: { LANG: "C.UTF-8", LC_ALL: "C.UTF-8", HOME: "/var/lib/rabbitmq" },
        onPath: ["/opt/rabbitmq/sbin/rabbitmq-env", "/opt/rabbitmq/sbin/rabbitmq-defaults", "/usr/bin/basename", "/usr/bin/dirname", "/usr/bin/expr", "/usr/bin/readlink", "/usr/bin/sed", "/usr/bin/uname", "/usr/bin/hostname", "/usr/bin/erl"],
    },
};

/** The PATH directories and files a real server adds to the stand-in of `key` beyond its contract. */
export function realServerExtras(key: ImageKey): { dirs: string[]; files: string[] } {
    const r = REAL_SERVERS[key];
    return { dirs: r?.path ?? [], files: r?.onPath ?? [] };
}

/** What a stand-in for `key` holds: every contract path, and for each where it comes from. */
export interface StandInPlan {
    key: ImageKey;
    files: { path: string; from: string }[];
    /** Contract executables this machine cannot provide (left out; the program must not need them). */
    absent: string[];
}

function copyInto(root: string, file: string, as = file): void {
    const dest = path.join(root, as);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    if (fs.existsSync(dest)) return;
    fs.copyFileSync(fs.realpathSync(file), dest);
    fs.chmodSync(dest, fs.statSync(file).mode & 0o777 | 0o444);
}

/** Python's standard library and its extension modules' libraries (for the real python3). */
function copyPython(root: string): void {
    const lib = "/usr/lib/python3.11";
    const skip = new Set(["test", "idlelib", "tkinter", "turtledemo", "ensurepip", "lib2to3", "pydoc_data", "__pycache__", "config-3.11-x86_64-linux-gnu", "site-packages", "dist-packages"]);
    const walk = (dir: string) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
            const p = path.join(dir, e.name);
            if (e.isDirectory()) {
                if (!skip.has(e.name)) walk(p);
            } else if (e.isFile()) {
                copyInto(root, p);
                if (p.endsWith(".so")) for (const l of sharedLibraries(p)) copyInto(root, l);
            }
        }
    };
    walk(lib);
}

/** Builds (once per content) the stand-in image of `key` and returns its tag. */
export function ensureContractImage(key: ImageKey, prefix = "iklimco-contract"): { tag: string; plan: StandInPlan } {
    const c = IMAGE_CONTRACTS[key];
    const fakes = FAKES[key] ?? {};
    const plan: StandInPlan = { key, files: [], absent: [] };
    const files: Record<string, RootFile> = {};
    const applets = new Set(busyboxApplets());
    let needsPrivate = false;
    let alpineBusybox = false;
    let tlsHelper = false;
    let python = false;
    for (const [name, p] of Object.entries(c.executables)) {
        const fake = fakes[p];
        const base = path.basename(p);
        if (fake) {
            files[p] = { text: fake.text, mode: 0o755 };
            plan.files.push({ path: p, from: `documented-contract stand-in: ${fake.contract}` });
            if (fake.text.startsWith(`#!${PRIVATE_BUSYBOX}`)) needsPrivate = true;
        } else if (c.base === "alpine" && applets.has(base)) {
            files[p] = { link: "/bin/busybox" };
            alpineBusybox = true;
            plan.files.push({ path: p, from: "busybox applet" });
        } else if (HOST_SOURCES[name] || HOST_SOURCES[p]) {
            const src = (HOST_SOURCES[name] ?? HOST_SOURCES[p])();
            files[p] = { from: src, libraries: true };
            python ||= name === "python3";
            plan.files.push({ path: p, from: src });
        } else if (c.base === "debian" && fs.existsSync(`/usr/bin/${base}`)) {
            const src = fs.realpathSync(`/usr/bin/${base}`);
            files[p] = { from: src, libraries: true };
            plan.files.push({ path: p, from: src });
        } else {
            plan.absent.push(p);
        }
    }
    if (alpineBusybox) {
        files["/bin/busybox"] = { from: busyboxBinary() };
        // Alpine's busybox wget speaks TLS through ssl_client, an OpenSSL-based helper (alpine-base ships
        // it). Debian's busybox has no such helper (its own TLS code is refused by Go servers: "missing
        // signature_algorithms"), but uses `openssl s_client` when it finds one: the host's openssl, alone
        // in a directory at the very end of PATH, stands for ssl_client.
        if ("wget" in c.executables) {
            files[`${TLS_HELPER_DIR}/openssl`] = { from: which("openssl"), libraries: true };
            files["/usr/lib/ssl/openssl.cnf"] = { from: "/usr/lib/ssl/openssl.cnf" };
            tlsHelper = true;
        }
    }
    if (needsPrivate) {
        files[PRIVATE_BUSYBOX] = { from: busyboxBinary() };
        for (const a of ["mkdir", "dirname", "httpd", "grep", "mktemp"]) files[`${PRIVATE}/bin/${a}`] = { link: PRIVATE_BUSYBOX };
    }
    const real = REAL_SERVERS[key];
    if (real) plan.files.push({ path: "(the image's own server)", from: real.what });
    // Debian's openssl reads OPENSSLDIR/openssl.cnf (Alpine's package ships its own /etc/ssl/openssl.cnf).
    if ("openssl" in c.executables) files["/usr/lib/ssl/openssl.cnf"] = { from: "/usr/lib/ssl/openssl.cnf" };
    // etcd's Dockerfile: WORKDIR /var/lib/etcd, and nsswitch.conf for Go's resolver.
    if (key === "etcd") files["/etc/nsswitch.conf"] = { text: "hosts: files dns\n" };
    files["/etc/passwd"] = {
        text: "root:x:0:0:root:/root:/bin/sh\nvault:x:100:1000:vault:/home/vault:/sbin/nologin\ngrafana:x:472:0::/home/grafana:/sbin/nologin\npostgres:x:999:999:postgres:/home/postgres:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
    };
    files["/etc/group"] = { text: "root:x:0:\nvault:x:1000:vault\npostgres:x:999:\nnogroup:x:65534:\n" };
    const tag = ensureRootImage({
        name: `${prefix}/${key.toLowerCase()}`,
        dirs: ["/tmp", "/etc", "/run", "/var/run", "/root", ...(key === "apisix" ? ["/usr/local/apisix/conf"] : []), ...(key === "etcd" ? ["/var/lib/etcd"] : [])],
        files,
        modes: { "/tmp": 0o1777 },
        // The trees below (Python's library, the real servers) are this file's work: its text keys them.
        build: (root) => {
            if (python) copyPython(root);
            real?.add(root);
        },
        key: `${fs.readFileSync(__filename, "utf8")}\n${JSON.stringify(c)}`,
        env: { PATH: ["/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/opt/rabbitmq/sbin", ...(real?.path ?? []), ...(tlsHelper ? [TLS_HELPER_DIR] : [])].join(":"), ...(real?.env ?? {}) },
        user: real?.user,
        entrypoint: c.entrypoint.length ? c.entrypoint : undefined,
        cmd: c.cmd.length ? c.cmd : undefined,
        workdir: key === "etcd" ? "/var/lib/etcd" : undefined,
    });
    return { tag, plan };
}
