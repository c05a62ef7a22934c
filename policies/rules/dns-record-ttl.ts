// Public DNS records (GoDaddy, components/dns) have a TTL of at least 600 s. The record is a dynamic provider
// resource (type `pulumi-nodejs:dynamic:Resource`), recognised by its inputs {domain, type, name, values, ttl}.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { asDnsRecord } from "../lib/resources";

export const MIN_TTL = 600;

export const dnsRecordTtl: ResourceValidationPolicy = {
    name: "dns-record-ttl",
    description: `Public DNS records have a TTL of at least ${MIN_TTL} seconds (GoDaddy's minimum; lower values are refused or hammer resolvers).`,
    enforcementLevel: "mandatory",
    remediationSteps: "Set iklimco:dns.ttl to 600 or more.",
    validateResource: (args, reportViolation) => {
        const rec = asDnsRecord(args.type, args.props);
        if (!rec) return args.notApplicable("not a DNS record");
        if (!Number.isFinite(rec.ttl) || rec.ttl < MIN_TTL) reportViolation(`${rec.type} ${rec.name}.${rec.domain} has TTL ${rec.ttl}, below ${MIN_TTL}`);
    },
};

