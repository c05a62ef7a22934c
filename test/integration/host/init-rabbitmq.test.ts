// Step 14, RabbitMQ part, for real: a private node of Debian's rabbitmq-server (ports in this helper's range)
// and the very script the component ships (components/init/scripts/rabbitmq-setup.sh), fed the desired state
// and stdin the component renders (render.ts).
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as path from "path";
import { MicroserviceSpec } from "../../../components/config";
import { SCRIPTS_DIR, rabbitmqInput, rabbitmqUsers, renderRabbitmqDesired } from "../../../components/init/render";
import { RABBITMQCTL, RabbitNode, rabbitmqAvailable } from "../../support/rabbitmq";

function svc(name: string, vhost: string): MicroserviceSpec {
    return { name, vault: { paths: [], write: false }, rabbitmq: { vhost } };
}

(rabbitmqAvailable() ? describe : describe.skip)("rabbitmq setup against a real rabbitmq-server", function () {
    this.timeout(300_000);
    const node = new RabbitNode("tinit", { amqp: 24672, dist: 24673, epmd: 24369 });
    const passwords: Record<string, string> = {};
    const pw = (user: string) => (passwords[user] ??= `rmq-${user}-${crypto.randomBytes(10).toString("hex")}`);

    function run(services: MicroserviceSpec[], deleteRemoved = false): { status: number | null; out: string } {
        const users: Record<string, string> = {};
        for (const u of rabbitmqUsers(services)) users[u.user] = pw(u.user);
        const r = spawnSync("bash", [path.join(SCRIPTS_DIR, "rabbitmq-setup.sh")], {
            input: rabbitmqInput(node.cookie, users),
            encoding: "utf8",
            timeout: 240_000,
            env: {
                PATH: process.env.PATH,
                LANG: "C.UTF-8",
                ERL_EPMD_PORT: String(node.ports.epmd),
                RABBITMQCTL,
                RABBITMQ_NODE: node.node,
                RABBITMQ_DESIRED: renderRabbitmqDesired(services),
                RABBITMQ_DELETE_REMOVED_USERS: String(deleteRemoved),
                INIT_WAIT_SECONDS: "60",
            },
        });
        const out = `${r.stdout}${r.stderr}`;
        expect(out).to.not.include(node.cookie);
        for (const p of Object.values(passwords)) expect(out).to.not.include(p);
        return { status: r.status, out };
    }

    const authenticates = (user: string, password: string) => node.ctl(["authenticate_user", user], `${password}\n`).status === 0;
    const users = () => node.ctl(["list_users", "--no-table-headers"]).stdout;

    const services = [svc("tinit-auth", "tinit"), svc("tinit-users", "tinit"), svc("tinit-notify", "tinit-notifications")];

    before(async () => {
        await node.start();
    });
    after(async () => {
        await node.stop();
    });

    it("first run creates the vhosts, users (with their passwords) and permissions", () => {
        const r = run(services);
        expect(r.status, r.out).to.equal(0);
        expect(r.out).to.include("created vhost tinit\n").and.include("created vhost tinit-notifications").and.include("created user tinit-notify");
        expect(node.ctl(["list_vhosts", "name", "--no-table-headers"]).stdout.split("\n")).to.include.members(["tinit", "tinit-notifications"]);
        expect(authenticates("tinit-auth", pw("tinit-auth"))).to.equal(true);
        expect(authenticates("tinit-auth", "not-the-password")).to.equal(false);
        expect(node.ctl(["list_user_permissions", "tinit-notify", "--no-table-headers"]).stdout.trim()).to.equal("tinit-notifications\t.*\t.*\t.*");
    });

    it("second run is a no-op", () => {
        const before = users();
        const r = run(services);
        expect(r.status, r.out).to.equal(0);
        expect(r.out).to.include("done, 0 changes");
        expect(r.out).to.not.match(/created|reset|set permissions|tagged/);
        expect(users()).to.equal(before);
    });

    it("a rotated password is set again, and only that", () => {
        passwords["tinit-users"] = `rmq-rotated-${crypto.randomBytes(10).toString("hex")}`;
        const r = run(services);
        expect(r.status, r.out).to.equal(0);
        expect(r.out).to.include("reset the password of user tinit-users").and.include("done, 1 changes");
        expect(authenticates("tinit-users", passwords["tinit-users"])).to.equal(true);
    });

    it("a user removed from config is reported and left in place; deleted only when config says so", () => {
        const fewer = services.filter((s) => s.name !== "tinit-users");
        const r = run(fewer);
        expect(r.status, r.out).to.equal(0);
        expect(r.out).to.include("user tinit-users is no longer in config; left in place");
        expect(users()).to.match(/^tinit-users\t/m);
        // The broker's own users (guest, an admin) are never ours to report.
        expect(r.out).to.not.include("user guest");
        const d = run(fewer, true);
        expect(d.status, d.out).to.equal(0);
        expect(d.out).to.include("deleted user tinit-users");
        expect(users()).to.not.match(/^tinit-users\t/m);
    });

    it("fails with a clear, bounded error when the node does not answer", () => {
        const r = spawnSync("bash", [path.join(SCRIPTS_DIR, "rabbitmq-setup.sh")], {
            input: rabbitmqInput(node.cookie, {}),
            encoding: "utf8",
            timeout: 120_000,
            env: { PATH: process.env.PATH, ERL_EPMD_PORT: String(node.ports.epmd), RABBITMQCTL, RABBITMQ_NODE: "nobody@localhost", RABBITMQ_DESIRED: "", INIT_WAIT_SECONDS: "2" },
        });
        expect(r.status).to.equal(3);
        expect(r.stderr).to.include("timed out after 2s waiting for RabbitMQ node nobody@localhost");
        expect(r.stdout + r.stderr).to.not.include(node.cookie);
    });
});

(rabbitmqAvailable() ? describe : describe.skip)("rabbitmq setup job, end to end from the component's command", function () {
    this.timeout(300_000);
    const node = new RabbitNode("tinit2", { amqp: 24682, dist: 24683, epmd: 24379 });
    before(async () => {
        await node.start();
    });
    after(async () => {
        await node.stop();
    });

    it("runs oneshot.sh and rabbitmq-setup.sh as the manager would, and no secret reaches a command line or the output", async () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { evaluateStack, FIXTURES, named } = require("../../harness") as typeof import("../../harness");
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { runJob, secretValues } = require("../../support/init-jobs") as typeof import("../../support/init-jobs");
        const secrets = { "test:rabbitCookie": node.cookie };
        const ev = await evaluateStack("prod", { program: path.join(FIXTURES, "init-program.ts"), secrets, overrides: { "test:rabbitNode": node.node } });
        const job = named(ev, "iklimco-init-rabbitmq-job");
        const env = { RABBITMQCTL, ERL_EPMD_PORT: String(node.ports.epmd), FAKE_DOCKER_PASS: "RABBITMQCTL ERL_EPMD_PORT" };
        const first = runJob(job, env, 240_000);
        expect(first.status, first.out).to.equal(0);
        expect(first.out).to.include("created user auth-service").and.include("created vhost notifications");
        expect(first.argv).to.include("harbor.iklim.co/iklimco/rabbitmq:3.13.7-management");
        const second = runJob(job, env, 240_000);
        expect(second.status, second.out).to.equal(0);
        expect(second.out).to.include("done, 0 changes");
        const values = secretValues(ev, secrets);
        expect(values.length).to.be.greaterThan(4);
        for (const v of values) {
            for (const text of [first.out, first.argv, second.out, second.argv]) expect(text).to.not.include(v);
        }
    });
});
