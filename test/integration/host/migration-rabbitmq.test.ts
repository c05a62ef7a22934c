// The RabbitMQ phase of the migration (docs/migration.md, "4. rabbitmq") against two real rabbitmq-server nodes:
// the legacy `iklimco_rabbitmq` with users, vhosts, permissions and a queue, and the program's rabbitmq-1 started
// with the legacy Erlang cookie (adopted, not generated). Definitions are exported and imported; passwords keep
// working because their hashes travel; a queue holding messages makes the move refuse.
import { spawnSync } from "child_process";
import * as path from "path";
import { expect } from "chai";
import { RABBITMQCTL, RabbitNode, rabbitmqAvailable } from "../../support/rabbitmq";
import { RabbitCtl, checkQueuesEmpty, exportDefinitions, moveDefinitions } from "../../../tools/migration/rabbitmq";

/** A node started with a given Erlang cookie: the operators' `rabbitmq_erlang_cookie`. */
class AdoptingNode extends RabbitNode {
    constructor(name: string, ports: { amqp: number; dist: number; epmd: number }, override readonly cookie: string) {
        super(name, ports);
    }
}

function ctlOf(node: RabbitNode, label: string): RabbitCtl {
    return { label, ctl: (args, input) => node.ctl(args, input) };
}

/** rabbitmqctl against `node` with the cookie found in `home` (another node's HOME, i.e. its cookie). */
function ctlWithHome(node: RabbitNode, home: string, args: string[]): number | null {
    return spawnSync(RABBITMQCTL, ["-q", "-n", node.node, ...args], { env: { ...node.env(), HOME: home }, encoding: "utf8", timeout: 60_000 }).status;
}

(rabbitmqAvailable() ? describe : describe.skip)("migration from the running platform: RabbitMQ definitions and the Erlang cookie (real rabbitmq-server)", function () {
    this.timeout(300_000);
    const legacy = new RabbitNode("iklimco-rabbitmq", { amqp: 25872, dist: 25873, epmd: 25369 });
    const target = new AdoptingNode("rabbitmq-1", { amqp: 25882, dist: 25883, epmd: 25379 }, legacy.cookie);
    const stranger = new RabbitNode("stranger", { amqp: 25892, dist: 25893, epmd: 25389 });
    after(async () => {
        await legacy.stop();
        await target.stop();
        await stranger.stop();
    });

    it("migration from the running platform: users, vhosts, permissions and queues survive with their passwords, and the nodes share the operators' Erlang cookie", async () => {
        await Promise.all([legacy.start(), target.start()]);
        const must = (node: RabbitNode, args: string[]) => {
            const r = node.ctl(args);
            expect(r.status, `${args.join(" ")}: ${r.stderr}`).to.equal(0);
            return r.stdout;
        };
        for (const svc of ["auth", "payment"]) {
            must(legacy, ["add_vhost", `/${svc}`]);
            must(legacy, ["add_user", svc, `${svc}-mq-pw`]);
            must(legacy, ["set_permissions", "-p", `/${svc}`, svc, ".*", ".*", ".*"]);
        }
        must(legacy, ["eval", 'rabbit_amqqueue:declare(rabbit_misc:r(<<"/auth">>, queue, <<"orders">>), true, false, [], none, <<"test">>).']);

        // The cookie is the operators': the legacy node's own CLI environment (its HOME holds its cookie) reaches the
        // program's node; a node with another cookie is refused.
        expect(ctlWithHome(target, path.join(legacy.dir, "home"), ["status"]), "legacy cookie reaches rabbitmq-1").to.equal(0);
        await stranger.start();
        expect(ctlWithHome(target, path.join(stranger.dir, "home"), ["status"]), "another cookie is refused").to.not.equal(0);

        const defs = moveDefinitions(ctlOf(legacy, "iklimco_rabbitmq"), ctlOf(target, "iklimco_rabbitmq-1"));
        expect(defs.users.map((u) => u.name)).to.include.members(["auth", "payment"]);

        const after = exportDefinitions(ctlOf(target, "iklimco_rabbitmq-1"));
        expect(after.vhosts.map((v) => v.name)).to.include.members(["/auth", "/payment"]);
        expect((after.queues ?? []).map((q) => `${q.vhost}/${q.name}`)).to.include("/auth/orders");
        for (const svc of ["auth", "payment"]) {
            expect(target.ctl(["authenticate_user", svc, `${svc}-mq-pw`]).status, `${svc} logs in with its old password`).to.equal(0);
            expect(target.ctl(["authenticate_user", svc, "wrong"]).status).to.not.equal(0);
        }
        // Rollback: the legacy node was only read from.
        expect(legacy.ctl(["authenticate_user", "auth", "auth-mq-pw"]).status).to.equal(0);
    });

    it("migration from the running platform: a queue holding messages makes the RabbitMQ move refuse", () => {
        const r = legacy.ctl(["eval", 'rabbit_basic:publish(rabbit_misc:r(<<"/auth">>, exchange, <<"">>), <<"orders">>, [], <<"pending">>).']);
        expect(r.status, r.stderr).to.equal(0);
        const src = ctlOf(legacy, "iklimco_rabbitmq");
        let problems: string[] = [];
        for (let i = 0; i < 20 && problems.length === 0; i++) problems = checkQueuesEmpty(src, exportDefinitions(src));
        expect(problems.join("\n")).to.match(/queue "orders" in vhost "\/auth" on iklimco_rabbitmq holds 1 messages/);
        expect(() => moveDefinitions(src, ctlOf(target, "iklimco_rabbitmq-1"))).to.throw(/holds 1 messages/);
    });
});
