// The stack-file renderer: the services the builder declared, as Docker stack (compose v3.8) files, so
// operators can diff them against the compose files they run today while they migrate. It reads the very
// `ServiceSpec`s and house defaults the docker.Service resources were built from (ServiceBuilder.built),
// never a copy, so the two views cannot drift. Secrets are external (Pulumi creates them, content-hashed),
// and so is the overlay; volumes carry their full Swarm names.
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { stackFileName } from "../naming";
import { BuiltService, HOUSE_DEFAULTS, ServiceBuilder, houseLabels, updateOrder } from "./service";

/* eslint-disable @typescript-eslint/no-explicit-any */
export type ComposeDoc = {
    version: string;
    services: Record<string, any>;
    networks: Record<string, any>;
    volumes: Record<string, any>;
    secrets: Record<string, any>;
};

/** Resolves an Input the renderer needs as plain text; a secret refuses to be written into a stack file. */
async function plain<T>(value: pulumi.Input<T>, what: string): Promise<T> {
    if (!pulumi.Output.isInstance(value)) return value as T;
    const o = value as pulumi.Output<T>;
    if (await (o as unknown as { isSecret: Promise<boolean> }).isSecret) throw new Error(`stack file: ${what} is a secret and cannot be written into a stack file`);
    return new Promise<T>((resolve) => o.apply((v) => resolve(v)));
}

const mb = (n: number) => `${n}M`;
const cpus = (n: number) => String(n);

async function renderService(b: BuiltService, stackName: string, networkKey: string, doc: ComposeDoc): Promise<void> {
    const spec = b.spec;
    const order = updateOrder(spec);
    const labels = houseLabels(stackName, spec);
    const hc = { ...HOUSE_DEFAULTS.healthcheck, ...spec.healthcheck };
    const env: Record<string, string> = {};
    for (const k of Object.keys(spec.env ?? {}).sort()) env[k] = await plain(spec.env![k], `${spec.name}: environment ${k}`);
    const secrets = [];
    for (const m of spec.secrets ?? []) {
        const key = m.secret.logicalName;
        doc.secrets[key] = { external: true, name: await plain(m.secret.swarmName, `${spec.name}: secret name`) };
        secrets.push({ source: key, target: m.target ?? m.secret.target, uid: m.uid ?? "0", gid: m.gid ?? "0", mode: m.mode ?? 0o400 });
    }
    const volumes = (spec.mounts ?? []).map((m) => {
        if (m.type === "volume") doc.volumes[m.source] = { name: m.source };
        return { type: m.type, source: m.source, target: m.target, read_only: m.readOnly ?? false };
    });
    const svc: Record<string, any> = { image: spec.image };
    if (spec.command) svc.entrypoint = spec.command;
    if (spec.args) svc.command = spec.args;
    if (spec.hostname) svc.hostname = spec.hostname;
    if (spec.user) svc.user = spec.user;
    if (Object.keys(env).length) svc.environment = env;
    if (secrets.length) svc.secrets = secrets;
    if (volumes.length) svc.volumes = volumes;
    if (spec.ports?.length) {
        svc.ports = spec.ports.map((p) => ({ target: p.target, published: p.published, protocol: p.protocol ?? "tcp", mode: p.mode ?? "ingress" }));
    }
    svc.networks = { [networkKey]: { aliases: [spec.name, ...(spec.aliases ?? [])] } };
    svc.healthcheck = { test: spec.healthcheck.test, interval: hc.interval, timeout: hc.timeout, retries: hc.retries, start_period: hc.startPeriod };
    svc.stop_grace_period = spec.stopGracePeriod ?? HOUSE_DEFAULTS.stopGracePeriod;
    svc.labels = labels;
    const r = spec.resources;
    const u = HOUSE_DEFAULTS.update;
    const rb = HOUSE_DEFAULTS.rollback;
    const rp = HOUSE_DEFAULTS.restartPolicy;
    svc.deploy = {
        ...("global" in spec.mode ? { mode: "global" } : { mode: "replicated", replicas: spec.mode.replicas }),
        placement: { constraints: [...spec.constraints].sort() },
        resources: {
            limits: { cpus: cpus(r.cpus), memory: mb(r.memoryMb) },
            ...(r.reserveCpus !== undefined || r.reserveMemoryMb !== undefined ? { reservations: { cpus: cpus(r.reserveCpus ?? 0), memory: mb(r.reserveMemoryMb ?? 0) } } : {}),
        },
        restart_policy: { condition: rp.condition, delay: rp.delay, max_attempts: rp.maxAttempts, window: rp.window },
        update_config: { parallelism: u.parallelism, delay: u.delay, failure_action: u.failureAction, monitor: u.monitor, max_failure_ratio: Number(u.maxFailureRatio), order },
        rollback_config: { parallelism: rb.parallelism, delay: rb.delay, failure_action: rb.failureAction, monitor: rb.monitor, max_failure_ratio: Number(rb.maxFailureRatio), order },
        labels,
    };
    doc.services[spec.name] = svc;
}

/**
 * Renders every service the builders built, grouped into stack files by `stackFileName`. Keys are sorted,
 * so the same program renders the same bytes.
 */
export async function renderStackFiles(builders: readonly ServiceBuilder[], stack: string): Promise<Map<string, ComposeDoc>> {
    const files = new Map<string, ComposeDoc>();
    for (const builder of builders) {
        const networkName = await plain(builder.ctx.network.name, "network name");
        for (const b of builder.built) {
            const file = stackFileName(b.spec.component, stack);
            let doc = files.get(file);
            if (!doc) {
                doc = { version: "3.8", services: {}, networks: {}, volumes: {}, secrets: {} };
                files.set(file, doc);
            }
            doc.networks[networkName] = { external: true, name: networkName };
            await renderService(b, builder.ctx.stackName, networkName, doc);
        }
    }
    for (const doc of files.values()) {
        for (const k of ["services", "networks", "volumes", "secrets"] as const) {
            doc[k] = Object.fromEntries(Object.keys(doc[k]).sort().map((key) => [key, doc[k][key]]));
        }
    }
    return files;
}

/** `docker stack deploy` interpolates `${VAR}` and `$VAR` everywhere in the file: every literal `$` is `$$`. */
export function escapeInterpolation<T>(value: T): T {
    if (typeof value === "string") return value.replace(/\$/g, "$$$$") as T;
    if (Array.isArray(value)) return value.map((v) => escapeInterpolation(v)) as T;
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeInterpolation(v)])) as T;
    return value;
}

/** The stack file's text: YAML without anchors (operators diff it), `$` escaped for compose interpolation. */
export function composeText(doc: ComposeDoc): string {
    return YAML.stringify(escapeInterpolation(doc), { lineWidth: 0, aliasDuplicateObjects: false });
}
