import { expect } from "chai";
import { createHash } from "crypto";
import { CRITICAL_PATH_STEP_BUDGET, INDEPENDENT_STEPS } from "../../tools/offline/budget";
import { criticalPath, differingResources, orderingEdges, stepWaits } from "../../tools/offline/graph";
import { Evaluation, evaluateStack } from "../harness";

describe("bench budget: the prod deploy graph", () => {
    let ev: Evaluation;
    before(async () => {
        ev = await evaluateStack("prod");
    });

    it("passes through no more pipeline steps on its critical path than CRITICAL_PATH_STEP_BUDGET", () => {
        const budget = CRITICAL_PATH_STEP_BUDGET;
        const cp = criticalPath(ev.resources);
        const names = cp.path.map((u) => ev.byUrn.get(u)?.name).join(" -> ");
        expect(cp.steps.length, `critical path ${names} passes steps ${cp.steps.join(", ")}; budget ${budget} (tools/offline/budget.ts)`).to.be.at.most(budget);
        expect(cp.length).to.be.greaterThan(0);
    });

    it("has a recorded reason for every dependsOn edge that carries no data", async () => {
        const unexplained = orderingEdges(ev.resources, ev.reasons).filter((e) => e.reasons.length === 0);
        expect(unexplained.map((e) => `${ev.byUrn.get(e.from)?.name} after ${ev.byUrn.get(e.to)?.name}`), "note it with PipelineNotes.after(dependent, why, ...)").to.deep.equal([]);
    });

    it("declares the same inputs when evaluated again", async () => {
        const fingerprint = (e: Evaluation) => e.resources.map((r) => ({ urn: r.urn, inputs: createHash("sha256").update(JSON.stringify(r.plainInputs)).digest("hex") }));
        const again = await evaluateStack("prod", { fresh: true });
        expect(differingResources(fingerprint(ev), fingerprint(again))).to.deep.equal([]);
    });
});

describe("bench budget: steps with no data between them run in parallel (prod)", () => {
    let waits: Map<number, Set<number>>;
    let realised: Set<number>;
    before(async () => {
        const ev = await evaluateStack("prod");
        waits = stepWaits(ev.resources);
        realised = new Set(ev.resources.filter((r) => r.custom).flatMap((r) => r.steps));
    });

    for (const { step, notAfter, why } of INDEPENDENT_STEPS) {
        it(`step ${step} does not wait on step ${notAfter}: ${why}`, function () {
            if (!realised.has(step) || !realised.has(notAfter)) this.skip();
            expect([...(waits.get(step) ?? [])]).to.not.include(notAfter);
        });
    }
});
