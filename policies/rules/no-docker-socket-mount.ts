// Docker's security notes: whatever reaches the Docker socket is root on the host.
import * as docker from "@pulumi/docker";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

export const noDockerSocketMount: ResourceValidationPolicy = {
    name: "no-docker-socket-mount",
    description: "Services do not mount the Docker socket; whoever reaches it controls the node as root.",
    enforcementLevel: "advisory",
    remediationSteps: "Run the job through a manager command (managerScript) instead of giving a container the socket.",
    validateResource: validateResourceOfType(docker.Service, (svc, _args, reportViolation) => {
        for (const m of svc.taskSpec?.containerSpec?.mounts ?? []) {
            if (/docker\.sock$/.test(String(m.source ?? "")) || /docker\.sock$/.test(String(m.target ?? ""))) reportViolation(`mounts the Docker socket at ${m.target}`);
        }
    }),
};
