// Stand-in images that hold only what an image contract lists (components/images.ts), for the real-swarm
// tests: no image can be pulled here, so each root is assembled from this machine's files and `docker import`ed.
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
import { execFileSync, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { IMAGE_CONTRACTS, ImageKey } from "../../components/images";
import { sharedLibraries } from "./cert-tools-image";
import { dockerOk } from "./docker";

const PRIVATE = "/.standin";
const PRIVATE_BUSYBOX = `${PRIVATE}/busybox`;
const TLS_HELPER_DIR = `${PRIVATE}/tls`;
let applets: Set<string> | undefined;
/** Busybox's applets (read on first use: importing this module needs no busybox). */
function isApplet(name: string): boolean {
    applets ??= new Set(execFileSync(which("busybox"), ["--list"], { encoding: "utf8" }).split("\n").filter(Boolean));
    return applets.has(name);
}

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
    vault: () => "/usr/local/bin/bao",
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
    /** Adds the server's files to the root; returns what it stands for. */
    add(root: string): string;
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
            return `Debian's Patroni and PostgreSQL 15 (${PG}/bin on PATH), user postgres (999)`;
        },
        path: [`${PG}/bin`],
        user: "999:999",
        env: { LANG: "C.UTF-8", HOME: "/home/postgres" },
    },
    // The rabbitmq image runs RabbitMQ on Erlang: Debian's RabbitMQ 3.10 and Erlang, its scripts linked at the
    // contract's /opt/rabbitmq/sbin paths, with the coreutils its scripts call (Ubuntu has them).
    rabbitmq: {
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
            return `Debian's RabbitMQ and Erlang (${RABBIT_SBIN}), linked at /opt/rabbitmq/sbin`;
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

function writeExec(root: string, p: string, text: string): void {
    const dest = path.join(root, p);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(dest, text, { mode: 0o755 });
}

/** Python's standard library and its extension modules' libraries (for the real python3). */
function copyPython(root: string, binary: string): void {
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
    for (const l of sharedLibraries(binary)) copyInto(root, l);
}

/** Builds (once per content) the stand-in image of `key` and returns its tag. */
export function ensureContractImage(key: ImageKey, prefix = "iklimco-contract"): { tag: string; plan: StandInPlan } {
    const c = IMAGE_CONTRACTS[key];
    const fakes = FAKES[key] ?? {};
    const plan: StandInPlan = { key, files: [], absent: [] };
    const hash = crypto.createHash("sha256").update(fs.readFileSync(__filename)).update(JSON.stringify(c));
    const root = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-${key}-`));
    try {
        for (const d of ["tmp", "etc", "run", "var/run", "root"]) fs.mkdirSync(path.join(root, d), { recursive: true });
        fs.chmodSync(path.join(root, "tmp"), 0o1777);
        let needsPrivate = false;
        let alpineBusybox = false;
        let tlsHelper = false;
        for (const [name, p] of Object.entries(c.executables)) {
            const fake = fakes[p];
            const base = path.basename(p);
            if (fake) {
                writeExec(root, p, fake.text);
                plan.files.push({ path: p, from: `documented-contract stand-in: ${fake.contract}` });
                if (fake.text.startsWith(`#!${PRIVATE_BUSYBOX}`)) needsPrivate = true;
                hash.update(fake.text);
            } else if (c.base === "alpine" && isApplet(base)) {
                fs.mkdirSync(path.join(root, path.dirname(p)), { recursive: true });
                fs.symlinkSync("/bin/busybox", path.join(root, p));
                alpineBusybox = true;
                plan.files.push({ path: p, from: "busybox applet" });
            } else if (HOST_SOURCES[name] || HOST_SOURCES[p]) {
                const src = (HOST_SOURCES[name] ?? HOST_SOURCES[p])();
                copyInto(root, src, p);
                for (const l of sharedLibraries(src)) copyInto(root, l);
                if (name === "python3") copyPython(root, src);
                plan.files.push({ path: p, from: src });
                hash.update(`${src}:${fs.statSync(src).size}`);
            } else if (c.base === "debian" && fs.existsSync(`/usr/bin/${base}`)) {
                const src = fs.realpathSync(`/usr/bin/${base}`);
                copyInto(root, src, p);
                for (const l of sharedLibraries(src)) copyInto(root, l);
                plan.files.push({ path: p, from: src });
                hash.update(`${src}:${fs.statSync(src).size}`);
            } else {
                plan.absent.push(p);
            }
        }
        if (alpineBusybox) {
            copyInto(root, which("busybox"), "/bin/busybox");
            // Alpine's busybox wget speaks TLS through ssl_client, an OpenSSL-based helper (alpine-base ships
            // it). Debian's busybox has no such helper (its own TLS code is refused by Go servers: "missing
            // signature_algorithms"), but uses `openssl s_client` when it finds one: the host's openssl, alone
            // in a directory at the very end of PATH, stands for ssl_client.
            if ("wget" in c.executables) {
                const openssl = which("openssl");
                copyInto(root, openssl, `${TLS_HELPER_DIR}/openssl`);
                for (const l of sharedLibraries(openssl)) copyInto(root, l);
                copyInto(root, "/usr/lib/ssl/openssl.cnf");
                tlsHelper = true;
            }
        }
        if (needsPrivate) {
            copyInto(root, which("busybox"), PRIVATE_BUSYBOX);
            fs.mkdirSync(path.join(root, PRIVATE, "bin"), { recursive: true });
            for (const a of ["mkdir", "dirname", "httpd", "grep", "mktemp"]) fs.symlinkSync(PRIVATE_BUSYBOX, path.join(root, PRIVATE, "bin", a));
        }
        const real = REAL_SERVERS[key];
        if (real) {
            plan.files.push({ path: "(the image's own server)", from: real.add(root) });
            hash.update(JSON.stringify({ ...real, add: undefined }));
        }
        // Debian's openssl reads OPENSSLDIR/openssl.cnf (Alpine's package ships its own /etc/ssl/openssl.cnf).
        if ("openssl" in c.executables) copyInto(root, "/usr/lib/ssl/openssl.cnf");
        if (key === "apisix") fs.mkdirSync(path.join(root, "usr/local/apisix/conf"), { recursive: true });
        if (key === "etcd") {
            // etcd's Dockerfile: WORKDIR /var/lib/etcd, and nsswitch.conf for Go's resolver.
            fs.mkdirSync(path.join(root, "var/lib/etcd"), { recursive: true });
            fs.writeFileSync(path.join(root, "etc/nsswitch.conf"), "hosts: files dns\n");
        }
        fs.writeFileSync(
            path.join(root, "etc/passwd"),
            "root:x:0:0:root:/root:/bin/sh\nvault:x:100:1000:vault:/home/vault:/sbin/nologin\ngrafana:x:472:0::/home/grafana:/sbin/nologin\npostgres:x:999:999:postgres:/home/postgres:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
        );
        fs.writeFileSync(path.join(root, "etc/group"), "root:x:0:\nvault:x:1000:vault\npostgres:x:999:\nnogroup:x:65534:\n");
        hash.update(JSON.stringify(plan));
        const tag = `${prefix}/${key.toLowerCase()}:${hash.digest("hex").slice(0, 12)}`;
        if (dockerOk(["image", "inspect", tag])) return { tag, plan };
        const tar = spawnSync("tar", ["-C", root, "-c", "."], { maxBuffer: 1024 * 1024 * 1024 });
        if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
        const PATH = ["/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/opt/rabbitmq/sbin", ...(real?.path ?? []), ...(tlsHelper ? [TLS_HELPER_DIR] : [])].join(":");
        const changes = ["-c", `ENV PATH=${PATH}`];
        for (const [k, v] of Object.entries(real?.env ?? {})) changes.push("-c", `ENV ${k}=${v}`);
        if (real?.user) changes.push("-c", `USER ${real.user}`);
        if (c.entrypoint.length) changes.push("-c", `ENTRYPOINT ${JSON.stringify(c.entrypoint)}`);
        if (c.cmd.length) changes.push("-c", `CMD ${JSON.stringify(c.cmd)}`);
        if (key === "etcd") changes.push("-c", "WORKDIR /var/lib/etcd");
        execFileSync("docker", ["import", ...changes, "-", tag], { input: tar.stdout, stdio: ["pipe", "ignore", "pipe"], maxBuffer: 1024 * 1024 * 1024 });
        return { tag, plan };
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
}
