// A service without limits can starve every other service on its node, including the database members and
// Vault that share the managers.
import * as docker from "@pulumi/docker";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

export const serviceResourceLimits: ResourceValidationPolicy = {
    name: "service-resource-limits",
    description: "Every Swarm service has CPU and memory limits, so one runaway service cannot starve its node.",
    enforcementLevel: "mandatory",
    remediationSteps: "Set `resources: { cpus, memoryMb }` in the ServiceSpec.",
    validateResource: validateResourceOfType(docker.Service, (svc, _args, reportViolation) => {
        const limits = svc.taskSpec?.resources?.limits;
        if (!limits?.memoryBytes || limits.memoryBytes <= 0) reportViolation("the service has no memory limit");
        if (!limits?.nanoCpus || limits.nanoCpus <= 0) reportViolation("the service has no CPU limit");
    }),
};
