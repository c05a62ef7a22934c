// How the policies recognise the platform's resources: by Pulumi type, and for Swarm services by the labels
// the service builder (components/swarm/service.ts) sets on every service.
import { HOUSE_DEFAULTS } from "../../components/swarm/service";

/* eslint-disable @typescript-eslint/no-explicit-any */
export const TYPES = {
    service: "docker:index/service:Service",
    container: "docker:index/container:Container",
    network: "docker:index/network:Network",
    secret: "docker:index/secret:Secret",
    remoteImage: "docker:index/remoteImage:RemoteImage",
    registryImage: "docker:index/registryImage:RegistryImage",
    tag: "docker:index/tag:Tag",
    serviceConfig: "docker:index/serviceConfig:ServiceConfig",
    vaultPolicy: "vault:index/policy:Policy",
    vaultAudit: "vault:index/audit:Audit",
    vaultAuthBackend: "vault:index/authBackend:AuthBackend",
    vaultMount: "vault:index/mount:Mount",
    approleRole: "vault:appRole/authBackendRole:AuthBackendRole",
    dynamic: "pulumi-nodejs:dynamic:Resource",
} as const;

/** Components whose members keep state and form a quorum: they must survive one node and update stop-first. */
export const STATEFUL_COMPONENTS = ["etcd", "patroni", "postgres", "mongodb", "rabbitmq", "vault"] as const;

/** Labels as the docker provider takes them: a list of {label, value}. A map is accepted too. */
export function labelMap(labels: unknown): Record<string, string> {
    if (Array.isArray(labels)) {
        const out: Record<string, string> = {};
        for (const l of labels) if (l && typeof l.label === "string") out[l.label] = String(l.value);
        return out;
    }
    if (labels && typeof labels === "object") return { ...(labels as Record<string, string>) };
    return {};
}

export interface ServiceFacts {
    name: string;
    component?: string;
    /** The service's own statefulness label, or undefined when it carries none. */
    statefulLabel?: boolean;
    /** Stateful by label or by component. */
    stateful: boolean;
    image?: string;
    replicas?: number;
    global: boolean;
    constraints: string[];
    /** Node names the service is pinned to (`node.hostname == <node>`). */
    pinnedNodes: string[];
    maxReplicasPerNode?: number;
}

export function serviceFacts(props: Record<string, any>): ServiceFacts {
    const labels = labelMap(props.labels);
    const component = labels[HOUSE_DEFAULTS.componentLabel];
    const rawStateful = labels[HOUSE_DEFAULTS.statefulLabel];
    const statefulLabel = rawStateful === undefined ? undefined : rawStateful === "true";
    const constraints: string[] = props.taskSpec?.placement?.constraints ?? [];
    const pinnedNodes = constraints.map((c) => /^node\.hostname\s*==\s*(\S+)$/.exec(c.trim())?.[1]).filter((n): n is string => !!n);
    return {
        name: String(props.name ?? ""),
        component,
        statefulLabel,
        stateful: statefulLabel === true || (component !== undefined && (STATEFUL_COMPONENTS as readonly string[]).includes(component)),
        image: props.taskSpec?.containerSpec?.image,
        replicas: props.mode?.replicated?.replicas,
        global: props.mode?.global === true,
        constraints,
        pinnedNodes,
        maxReplicasPerNode: props.taskSpec?.placement?.maxReplicas,
    };
}

/** Env as a map, from the service's map or a container's `K=V` list. */
export function envMap(env: unknown): Record<string, unknown> {
    if (Array.isArray(env)) {
        const out: Record<string, unknown> = {};
        for (const e of env) {
            const s = String(e);
            const i = s.indexOf("=");
            out[i < 0 ? s : s.slice(0, i)] = i < 0 ? "" : s.slice(i + 1);
        }
        return out;
    }
    return env && typeof env === "object" ? (env as Record<string, unknown>) : {};
}

/**
 * The GoDaddy DNS record is a dynamic provider resource (components/dns). A dynamic resource has the generic
 * type `pulumi-nodejs:dynamic:Resource`, or `pulumi-nodejs:dynamic/<module>:<Kind>` when it names itself (the DNS
 * component's GoDaddyRecord is `pulumi-nodejs:dynamic/godaddy:GoDaddyRecord`): either is recognised as a record
 * by its inputs `{domain, type, name, values, ttl}`, so the rule does not depend on how the record is named.
 */
export const isDynamicType = (type: string) => type === TYPES.dynamic || type.startsWith("pulumi-nodejs:dynamic/");

export interface DnsRecordProps {
    domain: string;
    type: string;
    name: string;
    values: string[];
    ttl: number;
}

export function asDnsRecord(type: string, props: Record<string, any>): DnsRecordProps | undefined {
    if (!isDynamicType(type)) return undefined;
    const keys = ["domain", "type", "name", "values", "ttl"];
    if (!keys.every((k) => k in props)) return undefined;
    return { domain: props.domain, type: props.type, name: props.name, values: Array.isArray(props.values) ? props.values : [props.values], ttl: Number(props.ttl) };
}

/** Credential-looking names: what a password, key, token or Vault credential is called in env. */
export const CREDENTIAL_NAME = /(^|_)(PASS|PASSWORD|PASSWD|PWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIALS?|AUTH_?KEY|ROLE_?ID|SECRET_?ID|UNSEAL_?KEYS?|COOKIE|KEY)(_|$)/i;
