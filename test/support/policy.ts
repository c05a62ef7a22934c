// Policy test helpers: planned resources from the offline engine's records, and shorthands to run one rule on
// one resource through the same validation args the analyzer builds (policies/lib/run.ts).
import { PolicyPackConfig, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { PlannedResource, resourceArgs, runResourcePolicy, runStackPolicy, stackArgs } from "../../policies/lib/run";
import { Evaluation, RecordedResource } from "../../tools/offline/engine";

/* eslint-disable @typescript-eslint/no-explicit-any */
/** A recorded resource as the policy engine sees it: plain inputs (secrets revealed, as the analyzer does). */
export function planned(ev: Evaluation, r: RecordedResource): PlannedResource {
    const provider = r.provider ? ev.byUrn.get(r.provider) : undefined;
    return {
        type: r.type,
        name: r.name,
        urn: r.urn,
        props: JSON.parse(JSON.stringify(r.plainInputs)),
        provider: provider ? { type: provider.type, urn: provider.urn, name: provider.name, props: provider.plainInputs } : undefined,
        parent: r.parent,
        dependencies: r.dependencies,
    };
}

export function resource(type: string, name: string, props: Record<string, any>, provider: PlannedResource["provider"] | null = EXPLICIT_DOCKER): PlannedResource {
    return { type, name, urn: `urn:pulumi:test::iklimco-platform::${type}::${name}`, props, provider: provider ?? undefined };
}

export const EXPLICIT_DOCKER = { type: "pulumi:providers:docker", urn: "urn:pulumi:test::iklimco-platform::pulumi:providers:docker::iklimco-docker", name: "iklimco-docker", props: {} };
export const EXPLICIT_VAULT = { type: "pulumi:providers:vault", urn: "urn:pulumi:test::iklimco-platform::pulumi:providers:vault::iklimco-vault", name: "iklimco-vault", props: {} };

export async function check(policy: ResourceValidationPolicy, r: PlannedResource, config: PolicyPackConfig = {}) {
    return runResourcePolicy(policy, resourceArgs(r, config, policy.name));
}

export async function checkStack(policy: StackValidationPolicy, rs: PlannedResource[], config: PolicyPackConfig = {}) {
    return runStackPolicy(policy, stackArgs(rs, config, policy.name));
}

export function clone<T>(x: T): T {
    return JSON.parse(JSON.stringify(x));
}
