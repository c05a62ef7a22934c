// A private RabbitMQ node (Debian's rabbitmq-server) for the init tests: its own node name, ports (AMQP,
// distribution, epmd), cookie, data and log directories in a temp dir. Started and stopped by the tests;
// stop() stops the node and the epmd it started, by their own CLI and port, nothing else.
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { sleep } from "./process";

export const RABBITMQ_BIN = "/usr/lib/rabbitmq/bin";
export const RABBITMQCTL = path.join(RABBITMQ_BIN, "rabbitmqctl");

export function rabbitmqAvailable(): boolean {
    return fs.existsSync(path.join(RABBITMQ_BIN, "rabbitmq-server"));
}


/** Waits for `p` at most `ms`; the timer is cleared either way, so nothing keeps the test process alive. */
export async function raceTimeout<T>(p: Promise<T>, ms: number): Promise<T | "timeout"> {
    let timer: NodeJS.Timeout | undefined;
    const t = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), ms)));
    try {
        return await Promise.race([p, t]);
    } finally {
        clearTimeout(timer);
    }
}

export class RabbitNode {
    /** Made by start() (not at construction: a filtered-out suite must leave nothing behind). */
    dir = "";
    readonly node: string;
    readonly cookie = crypto.randomBytes(18).toString("hex").toUpperCase();
    private proc?: ChildProcess;

    constructor(readonly name: string, readonly ports: { amqp: number; dist: number; epmd: number }) {
        this.node = `${name}@localhost`;
    }

    /** The environment the server and the tests' own CLI calls share (the init script gets its own HOME). */
    env(): NodeJS.ProcessEnv {
        return {
            PATH: process.env.PATH,
            LANG: "C.UTF-8",
            HOME: path.join(this.dir, "home"),
            RABBITMQ_NODENAME: this.node,
            RABBITMQ_NODE_PORT: String(this.ports.amqp),
            RABBITMQ_DIST_PORT: String(this.ports.dist),
            ERL_EPMD_PORT: String(this.ports.epmd),
            RABBITMQ_MNESIA_BASE: path.join(this.dir, "mnesia"),
            RABBITMQ_LOG_BASE: path.join(this.dir, "log"),
            RABBITMQ_ENABLED_PLUGINS_FILE: path.join(this.dir, "enabled_plugins"),
            RABBITMQ_CONFIG_FILE: path.join(this.dir, "rabbitmq"),
            RABBITMQ_ADVANCED_CONFIG_FILE: path.join(this.dir, "advanced.config"),
            RABBITMQ_CONF_ENV_FILE: path.join(this.dir, "rabbitmq-env.conf"),
            RABBITMQ_PID_FILE: path.join(this.dir, "pid"),
        };
    }

    ctl(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
        const r = spawnSync(RABBITMQCTL, ["-q", "-n", this.node, ...args], { env: this.env(), input, encoding: "utf8", timeout: 60_000 });
        return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    }

    async start(timeoutMs = 90_000): Promise<void> {
        this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `${this.name}-rabbitmq-`));
        for (const d of ["home", "mnesia", "log"]) fs.mkdirSync(path.join(this.dir, d));
        fs.writeFileSync(path.join(this.dir, "home", ".erlang.cookie"), this.cookie, { mode: 0o600 });
        fs.writeFileSync(path.join(this.dir, "enabled_plugins"), "[].\n");
        const log = fs.openSync(path.join(this.dir, "server.log"), "a");
        this.proc = spawn(path.join(RABBITMQ_BIN, "rabbitmq-server"), [], { env: this.env(), cwd: this.dir, stdio: ["ignore", log, log] });
        const deadline = Date.now() + timeoutMs;
        while (this.ctl(["await_startup", "--timeout", "10"]).status !== 0) {
            if (this.proc.exitCode !== null) throw new Error(`rabbitmq-server exited early; see ${path.join(this.dir, "server.log")}`);
            if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for RabbitMQ node ${this.node}`);
            await sleep(1000);
        }
    }

    async stop(): Promise<void> {
        if (this.proc && this.proc.exitCode === null) {
            const p = this.proc;
            const exited = new Promise<void>((r) => p.once("exit", () => r()));
            this.ctl(["stop"]);
            await raceTimeout(exited, 30_000);
            if (p.exitCode === null) p.kill("SIGKILL");
        }
        if (!this.dir) return;
        spawnSync("epmd", ["-port", String(this.ports.epmd), "-kill"], { stdio: "ignore", timeout: 10_000 });
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}
