// Docker's Swarm secrets notes: secret files are readable only by the service's user (the default mode is 0444).
import * as docker from "@pulumi/docker";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

export const secretFileMode: ResourceValidationPolicy = {
    name: "secret-file-mode",
    description: "Swarm secret files are not world-readable inside the container (mode without the 'other' bits).",
    enforcementLevel: "mandatory",
    remediationSteps: "Mount secrets through the service builder (mode 0400) or set `mode` with no other-read bit.",
    validateResource: validateResourceOfType(docker.Service, (svc, args, reportViolation) => {
        const secrets = svc.taskSpec?.containerSpec?.secrets ?? [];
        if (!secrets.length) args.notApplicable("the service mounts no secret");
        for (const s of secrets) {
            const mode = s.fileMode ?? 0o444;
            if (mode & 0o007) reportViolation(`secret ${s.fileName} has mode ${mode.toString(8)}: readable by every user in the container`);
        }
    }),
};

