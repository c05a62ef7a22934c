import { expect } from "chai";
import * as docker from "@pulumi/docker";
import { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { NotApplicableError, PlannedResource, runPolicies, runResourcePolicy, resourceArgs, throwNotApplicable } from "../../policies/lib/run";

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

    it("a validator tied to a type (validateResourceOfType) is not called for another type, and the skip is counted with the analyzer's reason", async () => {
        const called: string[] = [];
        const typed = validateResourceOfType(docker.Service, (_svc, _args, report) => report("service seen"));
        // The validator as the SDK made it, type tag included, recording every resource it is called for.
        const validator = Object.assign((args: ResourceValidationArgs, report: ReportViolation) => {
            called.push(args.name);
            return typed(args, report);
        }, { __pulumiType: (typed as unknown as { __pulumiType: string }).__pulumiType });
        const policy: ResourceValidationPolicy = { name: "services-only", description: "a policy on docker services", enforcementLevel: "mandatory", validateResource: validator };
        const service: PlannedResource = { type: "docker:index/service:Service", name: "svc", urn: "urn:svc", props: {} };
        const network: PlannedResource = { type: "docker:index/network:Network", name: "net", urn: "urn:net", props: {} };
        const run = await runPolicies([policy], [service, network]);
        expect(called).to.deep.equal(["svc"]);
        expect(run.violations).to.deep.equal([{ policy: "services-only", enforcementLevel: "mandatory", urn: "urn:svc", message: "service seen" }]);
        expect(run.notApplicable.get("services-only")).to.equal(1);
        expect(await runResourcePolicy(policy, resourceArgs(network))).to.deep.equal({
            skipped: true,
            reason: "Policy only applies to resources of type 'docker:index/service:Service'",
            violations: [],
        });
        expect(called).to.deep.equal(["svc"]);
    });
});
