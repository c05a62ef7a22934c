// RabbitMQ for real: the member entrypoint the service runs (components/infra-db/rabbitmq-entrypoint.sh) with
// the rabbitmq.conf the program renders, on Debian's rabbitmq-server (ports moved to free ones on loopback).
// The admin password comes only from its file: the management API accepts it and refuses another; the
// service's own health check command answers with the cookie read from $HOME/.erlang.cookie.
import { expect } from "chai";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { RABBITMQ_ENTRYPOINT, renderRabbitConfig } from "../../../components/infra-db/rabbitmq";
import { freePort } from "../../support/ports";

const SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server";
const available = () => fs.existsSync(SERVER) && fs.existsSync("/usr/lib/rabbitmq/bin/rabbitmq-diagnostics");


function whoami(port: number, user: string, password: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve) => {
        const req = http.get(`http://127.0.0.1:${port}/api/whoami`, { auth: `${user}:${password}`, timeout: 3000 }, (res) => {
            let body = "";
            res.on("data", (d) => (body += d));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on("error", () => resolve({ status: 0, body: "" }));
        req.on("timeout", () => {
            req.destroy();
            resolve({ status: 0, body: "" });
        });
    });
}

describe("RabbitMQ member entrypoint and rendered rabbitmq.conf (real rabbitmq-server)", function () {
    this.timeout(180_000);
    let dir = "";
    let server: ChildProcess | undefined;
    let log = "";
    let env: NodeJS.ProcessEnv = {};
    const password = "Rmq-admin-0123456789";

    before(function () {
        if (!available()) this.skip();
    });

    after(async () => {
        if (server && server.exitCode === null) {
            spawnSync("/usr/lib/rabbitmq/bin/rabbitmqctl", ["stop"], { env, stdio: "ignore", timeout: 60_000 });
            await new Promise<void>((resolve) => {
                const t = setTimeout(() => {
                    server!.kill("SIGKILL");
                    resolve();
                }, 30_000);
                server!.once("exit", () => {
                    clearTimeout(t);
                    resolve();
                });
            });
        }
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("starts with the admin password from its file and the cookie from $HOME/.erlang.cookie", async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "tinfra-rabbitmq-"));
        const [amqp, management, dist] = [await freePort(), await freePort(), await freePort()];
        const node = `tinfra${process.pid}@localhost`;
        fs.writeFileSync(path.join(dir, ".erlang.cookie"), "TINFRACOOKIE0123456789", { mode: 0o400 });
        fs.writeFileSync(path.join(dir, "rabbitmq_admin_password"), password, { mode: 0o400 });
        fs.writeFileSync(path.join(dir, "enabled_plugins"), "[rabbitmq_management].\n");
        // The official image's entrypoint ends in `exec "$@"`; Debian has none, so a shim stands in for it.
        fs.mkdirSync(path.join(dir, "bin"));
        fs.writeFileSync(path.join(dir, "bin", "docker-entrypoint.sh"), '#!/bin/sh\nexec /usr/lib/rabbitmq/bin/"$@"\n', { mode: 0o755 });
        env = {
            PATH: `${path.join(dir, "bin")}:/usr/lib/rabbitmq/bin:${process.env.PATH}`,
            HOME: dir,
            RABBITMQ_NODENAME: node,
            RABBITMQ_CONFIG_FILE: path.join(dir, "rabbitmq.conf"),
            RABBITMQ_ADMIN_PASSWORD_FILE: path.join(dir, "rabbitmq_admin_password"),
            RABBITMQ_ERLANG_COOKIE_FILE: path.join(dir, ".erlang.cookie"),
            RABBITMQ_MNESIA_BASE: path.join(dir, "mnesia"),
            RABBITMQ_LOG_BASE: path.join(dir, "log"),
            RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, "enabled_plugins"),
            RABBITMQ_DIST_PORT: String(dist),
        };
        const conf = renderRabbitConfig({ nodeNames: [node] }, { amqp, management });
        server = spawn("sh", ["-c", RABBITMQ_ENTRYPOINT, "rabbitmq-entrypoint", conf], { env, stdio: ["ignore", "pipe", "pipe"] });
        server.stdout!.on("data", (d) => (log += d));
        server.stderr!.on("data", (d) => (log += d));

        // The service's health check, as rendered: rabbitmq-diagnostics -q ping (bounded).
        const deadline = Date.now() + 120_000;
        let pinged = false;
        while (Date.now() < deadline && server.exitCode === null) {
            if (spawnSync("rabbitmq-diagnostics", ["-q", "ping"], { env, stdio: "ignore", timeout: 20_000 }).status === 0) {
                pinged = true;
                break;
            }
            await new Promise((r) => setTimeout(r, 2000));
        }
        expect(pinged, `rabbitmq-diagnostics ping did not answer within 120 s\n${log.slice(-3000)}`).to.equal(true);
        let ok = { status: 0, body: "" };
        for (let i = 0; i < 30 && ok.status !== 200; i++) {
            ok = await whoami(management, "admin", password);
            if (ok.status !== 200) await new Promise((r) => setTimeout(r, 1000));
        }
        expect(ok.status, ok.body).to.equal(200);
        expect(JSON.parse(ok.body)).to.deep.include({ name: "admin" });
        expect(JSON.stringify(JSON.parse(ok.body).tags)).to.include("administrator");
        expect((await whoami(management, "admin", "wrong-password")).status).to.equal(401);
        // The config file holds the password (0600, in the container only); the log never does.
        expect(fs.statSync(path.join(dir, "rabbitmq.conf")).mode & 0o777).to.equal(0o600);
        expect(log).to.not.include(password);
    });
});
