import * as docker from "@pulumi/docker";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

export const serviceRestartPolicy: ResourceValidationPolicy = {
    name: "service-restart-policy",
    description: "Every long-running Swarm service restarts its tasks when they fail (restart policy `any` or `on-failure`).",
    enforcementLevel: "mandatory",
    remediationSteps: "Declare the service through the service builder, which sets the house restart policy.",
    validateResource: validateResourceOfType(docker.Service, (svc, _args, reportViolation) => {
        const condition = svc.taskSpec?.restartPolicy?.condition;
        if (!condition) reportViolation("the service has no restart policy");
        else if (condition !== "any" && condition !== "on-failure") reportViolation(`the restart condition is "${condition}": failed tasks would stay down`);
    }),
};
