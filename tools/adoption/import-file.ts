// Adoption without recreation: reads the live swarm with the docker CLI and writes a Pulumi import file that
// maps each importable resource the program declares (networks, services, volumes) to the live object of the
// same name. `pulumi import --file` then brings them into the state, and the first `pulumi preview` shows
// updates in place instead of replacements, because the program uses the names the running platform uses.
import { execFileSync } from "child_process";
import { Evaluation, RecordedResource } from "../offline/engine";

export const IMPORTABLE: Record<string, "network" | "service" | "volume"> = {
    "docker:index/network:Network": "network",
    "docker:index/service:Service": "service",
    "docker:index/volume:Volume": "volume",
};

/** Live objects by kind: name -> id (for volumes the id is the name). */
export type LiveSwarm = Record<"network" | "service" | "volume", Map<string, string>>;

export interface ImportEntry {
    type: string;
    name: string;
    id?: string;
    parent?: string;
    provider?: string;
    component?: boolean;
}

export interface ImportFile {
    nameTable: Record<string, string>;
    resources: ImportEntry[];
}

export interface ImportReport {
    file: ImportFile;
    /** Program resources with a live counterpart, by Swarm name. */
    matched: { urn: string; liveName: string; id: string }[];
    /** Program resources with no live counterpart: `pulumi up` will create them. */
    missing: { urn: string; liveName: string }[];
    /** Swarm secrets: never importable (their data cannot be read back); brought under management by rotation. */
    secrets: { urn: string; liveName: string }[];
}

function dockerLines(host: string | undefined, args: string[]): string[] {
    const env = host ? { ...process.env, DOCKER_HOST: host } : process.env;
    return execFileSync("docker", args, { encoding: "utf8", env, stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 })
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean);
}

function servicePairs(host: string | undefined): Map<string, string> {
    const ids = dockerLines(host, ["service", "ls", "-q"]);
    if (!ids.length) return new Map();
    return new Map(
        dockerLines(host, ["service", "inspect", "--format", "{{.ID}}\t{{.Spec.Name}}", ...ids]).map((l) => {
            const [id, name] = l.split("\t");
            return [name, id] as const;
        }),
    );
}

/** Reads networks, services and volumes from the manager's engine (`host` as DOCKER_HOST, e.g. ssh://...). */
export function readLiveSwarm(host?: string): LiveSwarm {
    const pairs = (args: string[]) =>
        new Map(
            dockerLines(host, args).map((l) => {
                const [id, name] = l.split("\t");
                return [name, id] as const;
            }),
        );
    return {
        network: pairs(["network", "ls", "--no-trunc", "--format", "{{.ID}}\t{{.Name}}"]),
        // `docker service ls` shortens ids and has no --no-trunc: inspect gives the full id the provider imports.
        service: servicePairs(host),
        volume: new Map(dockerLines(host, ["volume", "ls", "--format", "{{.Name}}"]).map((n) => [n, n] as const)),
    };
}

function ancestors(ev: Evaluation, r: RecordedResource): RecordedResource[] {
    const out: RecordedResource[] = [];
    let cur = r.parent ? ev.byUrn.get(r.parent) : undefined;
    while (cur) {
        out.unshift(cur);
        cur = cur.parent ? ev.byUrn.get(cur.parent) : undefined;
    }
    return out;
}

/**
 * The import file for an evaluated program against a live swarm. Component parents are declared as empty
 * components in the same file (the engine creates them); the provider is referenced through the name
 * table, so it must exist in the stack first (docs/runbook.md: `pulumi up --target <provider urn>`).
 */
export function buildImportFile(ev: Evaluation, live: LiveSwarm): ImportReport {
    const file: ImportFile = { nameTable: {}, resources: [] };
    const matched: ImportReport["matched"] = [];
    const missing: ImportReport["missing"] = [];
    const secrets: ImportReport["secrets"] = [];
    const components = new Map<string, ImportEntry>();
    for (const r of ev.resources) {
        if (r.type === "docker:index/secret:Secret") {
            secrets.push({ urn: r.urn, liveName: String(r.plainInputs.name) });
            continue;
        }
        const kind = IMPORTABLE[r.type];
        if (!kind) continue;
        const liveName = String(r.plainInputs.name);
        const id = live[kind].get(liveName);
        if (!id) {
            missing.push({ urn: r.urn, liveName });
            continue;
        }
        matched.push({ urn: r.urn, liveName, id });
        for (const a of ancestors(ev, r)) {
            if (!components.has(a.urn)) {
                const parent = a.parent ? ev.byUrn.get(a.parent) : undefined;
                components.set(a.urn, { type: a.type, name: a.name, component: true, ...(parent ? { parent: parent.name } : {}) });
            }
        }
        const parent = r.parent ? ev.byUrn.get(r.parent) : undefined;
        const provider = r.provider ? ev.byUrn.get(r.provider) : undefined;
        if (provider) file.nameTable[provider.name] = provider.urn;
        file.resources.push({ type: r.type, name: r.name, id, ...(parent ? { parent: parent.name } : {}), ...(provider ? { provider: provider.name } : {}) });
    }
    file.resources.unshift(...components.values());
    return { file, matched, missing, secrets };
}
