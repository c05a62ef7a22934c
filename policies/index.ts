// The CrossGuard policy pack: `pulumi preview --policy-pack policies` and `pulumi up --policy-pack policies`
// load this file. Constructing the PolicyPack starts the analyzer's gRPC server, so nothing else imports it:
// tests and the offline plan import the rules from ./all and run them with ./lib/run.
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, POLICIES } from "./all";

new PolicyPack(PACK_NAME, {
    description: "Checks every plan of the iklimco platform before it is applied: images, secrets, Swarm service defaults, stateful quorum, Vault, DNS, network, providers.",
    enforcementLevel: "mandatory",
    policies: POLICIES,
});
