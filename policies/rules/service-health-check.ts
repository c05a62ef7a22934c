// Swarm only knows a task is healthy if it has a health check: without one, start-first updates and
// automatic rollback cannot tell a broken release from a good one.
import * as docker from "@pulumi/docker";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

export const serviceHealthCheck: ResourceValidationPolicy = {
    name: "service-health-check",
    description: "Every Swarm service has a health check, so updates wait for healthy tasks and roll back broken ones.",
    enforcementLevel: "mandatory",
    remediationSteps: "Give the ServiceSpec a `healthcheck.test` (e.g. [\"CMD\", \"pg_isready\"]).",
    validateResource: validateResourceOfType(docker.Service, (svc, _args, reportViolation) => {
        const tests = svc.taskSpec?.containerSpec?.healthcheck?.tests ?? [];
        if (!tests.length) reportViolation("the service has no health check");
        else if (tests[0] === "NONE") reportViolation("the service disables the image's health check (NONE)");
    }),
};
