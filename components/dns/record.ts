// `GoDaddyRecord`: one GoDaddy record set {domain, type, name, values, ttl} as a Pulumi resource, through the
// dynamic provider in ./godaddy.ts. Its inputs and outputs are the record set only; the GoDaddy key and secret
// reach the provider through the stack config (`configure`), never through this resource (see ./godaddy.ts).
import * as pulumi from "@pulumi/pulumi";
import { PrebuiltDynamicResource, providerCode } from "../prebuilt-dynamic-resource";
import { RecordType, goDaddyRecordProvider } from "./godaddy";

/** The type token the engine, the plan and policies see: `pulumi-nodejs:dynamic/godaddy:GoDaddyRecord`. */
export const GODADDY_RECORD_MODULE = "godaddy";
export const GODADDY_RECORD_KIND = "GoDaddyRecord";
export const GODADDY_RECORD_TYPE = `pulumi-nodejs:dynamic/${GODADDY_RECORD_MODULE}:${GODADDY_RECORD_KIND}`;

export interface GoDaddyRecordArgs {
    domain: pulumi.Input<string>;
    type: pulumi.Input<RecordType>;
    /** Relative to the domain (`api`; `@` is the apex). */
    name: pulumi.Input<string>;
    /** Addresses; order does not matter (the provider sorts them). */
    values: pulumi.Input<pulumi.Input<string>[]>;
    /** Seconds, at least 600 (GoDaddy's minimum). */
    ttl: pulumi.Input<number>;
}

export class GoDaddyRecord extends PrebuiltDynamicResource {
    declare readonly domain: pulumi.Output<string>;
    declare readonly type: pulumi.Output<RecordType>;
    declare readonly name: pulumi.Output<string>;
    declare readonly values: pulumi.Output<string[]>;
    declare readonly ttl: pulumi.Output<number>;
    /** `<name>.<domain>`, as the provider reports it. */
    declare readonly fqdn: pulumi.Output<string>;

    /** `code` is the provider's (components/prebuilt-dynamic-resource.ts); DnsRecords gives all its records the same. */
    constructor(name: string, args: GoDaddyRecordArgs, opts?: pulumi.CustomResourceOptions, code: pulumi.Input<string> = providerCode(goDaddyRecordProvider())) {
        super(
            code,
            name,
            { domain: args.domain, type: args.type, name: args.name, values: args.values, ttl: args.ttl, fqdn: undefined },
            opts,
            GODADDY_RECORD_MODULE,
            GODADDY_RECORD_KIND,
        );
    }
}
