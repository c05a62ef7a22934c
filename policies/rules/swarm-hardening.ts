// From Docker's Swarm security notes: secrets are files readable only by the service's user (the default
// mode is 0444), and the Docker socket is root on the host for whatever can reach it.
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
