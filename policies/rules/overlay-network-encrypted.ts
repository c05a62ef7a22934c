// Docker's overlay security model: the control plane is encrypted out of the box, the data plane only when the
// network is created with `encrypted` (IPsec between nodes). Database replication, Vault and RabbitMQ cross it.
import * as docker from "@pulumi/docker";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

export const overlayNetworkEncrypted: ResourceValidationPolicy = {
    name: "overlay-network-encrypted",
    description: "Every overlay network encrypts its data plane (IPsec between nodes).",
    enforcementLevel: "mandatory",
    remediationSteps: "Keep iklimco:network.encrypted true (options.encrypted on the network).",
    validateResource: validateResourceOfType(docker.Network, (net, args, reportViolation) => {
        if (net.driver !== "overlay") args.notApplicable("not an overlay network");
        const options = (net.options ?? {}) as Record<string, string>;
        if (!("encrypted" in options) || ["false", "0"].includes(String(options.encrypted).toLowerCase())) {
            reportViolation(`overlay network ${net.name ?? args.name} is not encrypted: traffic between nodes would be plain text`);
        }
    }),
};
