// The post-deploy verification (`npm run verify`) against the real Docker swarm.
import { expect } from "chai";
import { problemsOf, verify } from "../../../tools/verify";
import { docker, dockerOk, ensureBusyboxImage, ensureSwarm, waitForService } from "../../support/docker";

describe("verify (post-deploy, real Docker swarm)", function () {
    this.timeout(180000);
    const stack = `policytest${process.pid}`;
    const created: string[] = [];
    const create = (name: string, extra: string[]) => {
        docker(["service", "create", "--detach", "--name", `${stack}_${name}`, "--label", `com.docker.stack.namespace=${stack}`, "--label", "com.iklimco.managed-by=pulumi", ...extra]);
        created.push(`${stack}_${name}`);
    };
    let image: string;
    before(async () => {
        await ensureSwarm();
        image = ensureBusyboxImage();
    });
    after(() => {
        for (const s of created) if (dockerOk(["service", "inspect", s])) docker(["service", "rm", s]);
    });

    it("passes when every managed service runs its replicas, and names a service that does not, within a bounded wait", async () => {
        create("ok", ["--replicas", "1", image, "sleep", "3600"]);
        await waitForService(`${stack}_ok`);
        const good = await verify({ stackName: stack, timeoutMs: 30000, pollMs: 1000 });
        expect(good.problems).to.deep.equal([]);
        expect(good.states.map((s) => s.name)).to.deep.equal([`${stack}_ok`]);
        // No node carries this label: the task stays pending, as a failed placement after a deploy would.
        create("stuck", ["--replicas", "1", "--constraint", "node.labels.policytest-nowhere == true", image, "sleep", "3600"]);
        const started = Date.now();
        const bad = await verify({ stackName: stack, timeoutMs: 4000, pollMs: 1000 });
        expect(Date.now() - started).to.be.lessThan(60000);
        expect(bad.problems).to.deep.equal([`${stack}_stuck: 0/1 replicas running`]);
    });

    it("an empty stack is a failure, and a rolled-back update is reported without waiting", async () => {
        const none = await verify({ stackName: `${stack}-empty`, timeoutMs: 1000, pollMs: 500 });
        expect(none.problems[0]).to.match(/no service of stack/);
        expect(problemsOf([{ name: "iklimco_api", running: 2, desired: 2, updateState: "rollback_completed" }])).to.deep.equal([
            "iklimco_api: last update rollback completed (the new version is not what runs)",
        ]);
    });
});
