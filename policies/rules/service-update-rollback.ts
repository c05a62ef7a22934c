// An update that fails must roll back by itself: the deploy workflow runs unattended.
import * as docker from "@pulumi/docker";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

export const serviceUpdateRollback: ResourceValidationPolicy = {
    name: "service-update-rollback",
    description: "Every Swarm service has an update config that rolls back automatically on failure, and a rollback config.",
    enforcementLevel: "mandatory",
    remediationSteps: "Declare the service through the service builder: updateConfig.failureAction = rollback with a rollbackConfig.",
    validateResource: validateResourceOfType(docker.Service, (svc, _args, reportViolation) => {
        const update = svc.updateConfig;
        if (!update) reportViolation("the service has no update config");
        else if (update.failureAction !== "rollback") reportViolation(`update failureAction is "${update.failureAction ?? "pause (default)"}", not rollback`);
        if (update && !update.monitor) reportViolation("update config has no monitor period: failures after start would not trigger the rollback");
        if (!svc.rollbackConfig) reportViolation("the service has no rollback config");
    }),
};
