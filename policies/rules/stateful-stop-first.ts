// A stateful member owns a volume: start-first would run two writers on it during an update.
import * as docker from "@pulumi/docker";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { HOUSE_DEFAULTS } from "../../components/swarm/service";
import { serviceFacts } from "../lib/resources";

export const statefulStopFirst: ResourceValidationPolicy = {
    name: "stateful-stop-first",
    description: "Stateful services (etcd, Patroni, MongoDB, RabbitMQ, Vault) update and roll back stop-first, never two writers on one volume.",
    enforcementLevel: "mandatory",
    remediationSteps: "Mark the ServiceSpec `stateful: true`; the service builder then updates stop-first.",
    validateResource: validateResourceOfType(docker.Service, (svc, args, reportViolation) => {
        const facts = serviceFacts(svc);
        if (!facts.stateful) args.notApplicable("stateless service");
        if (facts.statefulLabel === false) {
            reportViolation(`component ${facts.component} is stateful but the service is labelled ${HOUSE_DEFAULTS.statefulLabel}=false`);
        }
        // Swarm's default order is stop-first.
        const update = svc.updateConfig?.order ?? "stop-first";
        const rollback = svc.rollbackConfig?.order ?? "stop-first";
        if (update !== "stop-first") reportViolation(`update order is ${update}, not stop-first`);
        if (rollback !== "stop-first") reportViolation(`rollback order is ${rollback}, not stop-first`);
    }),
};
