import { expect } from "chai";
import { NotApplicableError, throwNotApplicable } from "../../policies/lib/run";

describe("policy runner cost", () => {
    it("notApplicable throws its signal without capturing a stack trace, and leaves the stack trace limit as it was", () => {
        const before = Error.stackTraceLimit;
        let caught: unknown;
        try {
            throwNotApplicable("not a docker service");
        } catch (e) {
            caught = e;
        }
        expect(caught).to.be.instanceOf(NotApplicableError);
        expect((caught as NotApplicableError).reason).to.equal("not a docker service");
        // Only the message line: no "    at ..." frame was captured.
        expect((caught as Error).stack?.split("\n")).to.deep.equal(["Error: not a docker service"]);
        expect(Error.stackTraceLimit).to.equal(before);
        expect(new Error("x").stack?.split("\n").length).to.be.greaterThan(1);
    });
});
