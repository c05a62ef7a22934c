// Runs policies the way the policy SDK's analyzer does (node_modules/@pulumi/policy/server.js), without the gRPC
// server `new PolicyPack` starts: validation args carry type, props, urn, name, opts, provider, stackTags,
// isType/asType, getConfig and a notApplicable() that throws; a validator that throws it is "skipped" for that
// resource, as the analyzer records it. Used by the policy tests and by the offline plan (`npm run plan`).
import {
    EnforcementLevel,
    Policies,
    PolicyPackConfig,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";

/* eslint-disable @typescript-eslint/no-explicit-any */
export interface PlannedResource {
    type: string;
    name: string;
    urn: string;
    props: Record<string, any>;
    /** The provider the resource is registered with; absent means the default provider. */
    provider?: { type: string; urn: string; name: string; props: Record<string, any> };
    parent?: string;
    dependencies?: string[];
}

export interface Violation {
    policy: string;
    enforcementLevel: EnforcementLevel;
    /** URN of the resource in violation, or undefined for the stack as a whole. */
    urn?: string;
    message: string;
}

export interface PolicyRun {
    violations: Violation[];
    /** Policy name to how many resources it did not apply to (notApplicable). */
    notApplicable: Map<string, number>;
}

export class NotApplicableError extends Error {
    constructor(readonly reason?: string) {
        super(reason ?? "Policy does not apply");
    }
}

/**
 * A control-flow signal, thrown once for every (resource, policy) pair a policy does not apply to: thousands per
 * plan at 400 microservices. It carries no stack trace, whose capture was a tenth of such a plan's CPU.
 */
export const throwNotApplicable = (reason?: string): never => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    let signal: NotApplicableError;
    try {
        signal = new NotApplicableError(reason);
    } finally {
        Error.stackTraceLimit = limit;
    }
    throw signal;
};

const EMPTY_OPTS: PolicyResourceOptions = {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
};

function isTypeOf(type: string, resourceClass: any): boolean {
    const t = resourceClass?.__pulumiType;
    if (typeof t === "string" && t) return type === t;
    return typeof resourceClass?.isInstance === "function" && resourceClass.isInstance({ __pulumiType: type }) === true;
}

function configOf(config: PolicyPackConfig, policy: string): any {
    const c = config[policy];
    if (!c || typeof c === "string") return {};
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    const { enforcementLevel, ...rest } = c as Record<string, any>;
    return rest;
}

export function levelOf(policy: { name: string; enforcementLevel?: EnforcementLevel }, config: PolicyPackConfig = {}): EnforcementLevel {
    const c = config[policy.name];
    const fromConfig = typeof c === "string" ? c : c?.enforcementLevel;
    const level = fromConfig ?? policy.enforcementLevel ?? "advisory";
    return level === "remediate" ? "mandatory" : level;
}

/** Validation args for one resource, in the shape the analyzer builds. */
export function resourceArgs(r: PlannedResource, config: PolicyPackConfig = {}, policyName = "", stackTags: ReadonlyMap<string, string> = new Map()): ResourceValidationArgs {
    const args: ResourceValidationArgs = {
        type: r.type,
        props: r.props,
        urn: r.urn,
        name: r.name,
        opts: { ...EMPTY_OPTS, parent: r.parent },
        stackTags,
        isType: (cls: any) => isTypeOf(r.type, cls),
        asType: ((cls: any) => (isTypeOf(r.type, cls) ? r.props : undefined)) as ResourceValidationArgs["asType"],
        getConfig: <T extends object>() => configOf(config, policyName) as T,
        notApplicable: throwNotApplicable,
    };
    if (r.provider) args.provider = r.provider;
    return args;
}

/** Stack validation args over every resource, with parents and dependencies linked as the analyzer does. */
export function stackArgs(resources: PlannedResource[], config: PolicyPackConfig = {}, policyName = "", stackTags: ReadonlyMap<string, string> = new Map()): StackValidationArgs {
    const byUrn = new Map<string, PolicyResource>();
    const out: PolicyResource[] = resources.map((r) => {
        const pr: PolicyResource = {
            type: r.type,
            props: r.props,
            urn: r.urn,
            name: r.name,
            opts: { ...EMPTY_OPTS, parent: r.parent },
            dependencies: [],
            propertyDependencies: {},
            isType: (cls: any) => isTypeOf(r.type, cls),
            asType: ((cls: any) => (isTypeOf(r.type, cls) ? r.props : undefined)) as PolicyResource["asType"],
        };
        if (r.provider) pr.provider = r.provider;
        byUrn.set(r.urn, pr);
        return pr;
    });
    resources.forEach((r, i) => {
        if (r.parent && byUrn.has(r.parent)) out[i].parent = byUrn.get(r.parent);
        out[i].dependencies = (r.dependencies ?? []).map((d) => byUrn.get(d)).filter((d): d is PolicyResource => !!d);
    });
    return { resources: out, stackTags, getConfig: <T extends object>() => configOf(config, policyName) as T, notApplicable: throwNotApplicable };
}

const isStackPolicy = (p: ResourceValidationPolicy | StackValidationPolicy): p is StackValidationPolicy => typeof (p as StackValidationPolicy).validateStack === "function";

/**
 * The analyzer's fast path: a policy with one validator that `validateResourceOfType` tied to a type is not
 * applicable to a resource of another type, and the validator is not called. Returns the reason it records.
 */
export function notApplicableByType(policy: ResourceValidationPolicy, type: string): string | undefined {
    if (Array.isArray(policy.validateResource)) return undefined;
    const only: unknown = (policy.validateResource as { __pulumiType?: unknown } | undefined)?.__pulumiType;
    return typeof only === "string" && only !== "" && only !== type ? `Policy only applies to resources of type '${only}'` : undefined;
}

/** Runs one resource policy on one resource: its violations, or "skipped" when it called notApplicable. */
export async function runResourcePolicy(
    policy: ResourceValidationPolicy,
    args: ResourceValidationArgs,
): Promise<{ skipped: boolean; reason?: string; violations: { message: string }[] }> {
    const byType = notApplicableByType(policy, args.type);
    if (byType) return { skipped: true, reason: byType, violations: [] };
    const violations: { message: string }[] = [];
    const validations = Array.isArray(policy.validateResource) ? policy.validateResource : policy.validateResource ? [policy.validateResource] : [];
    let skipped = false;
    let reason: string | undefined;
    for (const v of validations) {
        try {
            await Promise.resolve(v(args, (message) => violations.push({ message })));
        } catch (e) {
            if (e instanceof NotApplicableError) {
                skipped = true;
                reason = e.reason;
                continue;
            }
            throw new Error(`policy ${policy.name} failed on ${args.urn}: ${e instanceof Error ? e.message : String(e)}`);
        }
    }
    return { skipped, reason, violations };
}

export async function runStackPolicy(
    policy: StackValidationPolicy,
    args: StackValidationArgs,
): Promise<{ skipped: boolean; reason?: string; violations: { message: string; urn?: string }[] }> {
    const violations: { message: string; urn?: string }[] = [];
    try {
        await Promise.resolve(policy.validateStack(args, (message, urn) => violations.push({ message, ...(urn ? { urn } : {}) })));
    } catch (e) {
        if (e instanceof NotApplicableError) return { skipped: true, reason: e.reason, violations };
        throw new Error(`policy ${policy.name} failed on the stack: ${e instanceof Error ? e.message : String(e)}`);
    }
    return { skipped: false, violations };
}

/** Evaluates a whole pack over a planned graph: every resource policy on every resource, then the stack policies. */
export async function runPolicies(policies: Policies, resources: PlannedResource[], config: PolicyPackConfig = {}): Promise<PolicyRun> {
    const violations: Violation[] = [];
    const notApplicable = new Map<string, number>();
    for (const p of policies) {
        const enforcementLevel = levelOf(p, config);
        if (enforcementLevel === "disabled") continue;
        if (isStackPolicy(p)) {
            const res = await runStackPolicy(p, stackArgs(resources, config, p.name));
            if (res.skipped) notApplicable.set(p.name, (notApplicable.get(p.name) ?? 0) + 1);
            for (const v of res.violations) violations.push({ policy: p.name, enforcementLevel, urn: v.urn, message: v.message });
            continue;
        }
        for (const r of resources) {
            if (notApplicableByType(p, r.type)) {
                notApplicable.set(p.name, (notApplicable.get(p.name) ?? 0) + 1);
                continue;
            }
            const res = await runResourcePolicy(p, resourceArgs(r, config, p.name));
            if (res.skipped) notApplicable.set(p.name, (notApplicable.get(p.name) ?? 0) + 1);
            for (const v of res.violations) violations.push({ policy: p.name, enforcementLevel, urn: r.urn, message: v.message });
        }
    }
    return { violations, notApplicable };
}
