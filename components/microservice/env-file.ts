// A microservice's `deploy/prod.env` (the pipeline document's microservice deploy model): `KEY=VALUE` lines,
// `#` comments, optional quotes. The DEPLOY_ keys describe the deployment; every other key is the service's
// plain environment. Secrets never belong here: the service reads them from Vault with its AppRole, and the
// policy pack (no-literal-credentials-in-env) refuses a credential-looking key with a value.
import * as fs from "fs";

export interface DeployEnv {
    /** Short Swarm name (`auth-service`): the service is `<stackName>_<name>`. */
    serviceName: string;
    /** Harbor repository without tag (`harbor.iklim.co/iklimco/auth-service`). */
    repository: string;
    /** The stable prod tag the tested digest is promoted to. */
    prodTag: string;
    /** The tested digest, when the file carries it (the workflow input wins). */
    digest?: string;
    replicas: number;
    cpus: number;
    memoryMb: number;
    /** Shell health command run in the container (`CMD-SHELL`). */
    healthcheck: string;
    /** Node label the service is placed on. */
    placementLabel: string;
    /** The service's plain environment, keys sorted. */
    env: Record<string, string>;
}

export class DeployEnvError extends Error {
    constructor(readonly file: string, readonly problems: string[]) {
        super(`${file} is invalid (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "DeployEnvError";
    }
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

export function parseDeployEnv(text: string, file = "deploy/prod.env"): DeployEnv {
    const problems: string[] = [];
    const raw: Record<string, string> = {};
    text.split(/\r?\n/).forEach((line, i) => {
        const t = line.trim();
        if (!t || t.startsWith("#")) return;
        const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(t);
        if (!m) {
            problems.push(`line ${i + 1}: expected KEY=VALUE, found ${JSON.stringify(t.slice(0, 40))}`);
            return;
        }
        let v = m[2].trim();
        if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) v = v.slice(1, -1);
        if (m[1] in raw) problems.push(`line ${i + 1}: ${m[1]} is set twice`);
        raw[m[1]] = v;
    });
    const take = (key: string, fallback?: string): string | undefined => {
        const v = raw[key] ?? fallback;
        if (v === undefined || v === "") problems.push(`${key}: required`);
        return v;
    };
    const num = (key: string, fallback: string, min: number): number => {
        const v = Number(take(key, fallback));
        if (!Number.isFinite(v) || v < min) problems.push(`${key}: expected a number >= ${min}, found ${JSON.stringify(raw[key])}`);
        return v;
    };
    const serviceName = take("DEPLOY_SERVICE_NAME") ?? "";
    if (serviceName && !/^[a-z][a-z0-9-]{0,40}$/.test(serviceName)) problems.push(`DEPLOY_SERVICE_NAME: expected a short lower-case name, found ${JSON.stringify(serviceName)}`);
    const repository = take("DEPLOY_IMAGE_REPOSITORY") ?? "";
    if (repository && /[:@]/.test(repository.replace(/^[^/]*\//, ""))) problems.push("DEPLOY_IMAGE_REPOSITORY: expected a repository without tag or digest");
    const prodTag = take("DEPLOY_PROD_TAG", "prod") ?? "prod";
    if (prodTag === "latest") problems.push("DEPLOY_PROD_TAG: latest is a moving tag; use a stable prod tag such as prod");
    const digest = raw.DEPLOY_IMAGE_DIGEST;
    if (digest !== undefined && !DIGEST.test(digest)) problems.push("DEPLOY_IMAGE_DIGEST: expected sha256:<64 hex>");
    const env: Record<string, string> = {};
    for (const k of Object.keys(raw).sort()) if (!k.startsWith("DEPLOY_")) env[k] = raw[k];
    const result: DeployEnv = {
        serviceName,
        repository,
        prodTag,
        digest,
        replicas: num("DEPLOY_REPLICAS", "2", 1),
        cpus: num("DEPLOY_CPUS", "0.5", 0.01),
        memoryMb: num("DEPLOY_MEMORY_MB", "512", 16),
        healthcheck: take("DEPLOY_HEALTHCHECK") ?? "",
        placementLabel: take("DEPLOY_PLACEMENT_LABEL", "apps") ?? "apps",
        env,
    };
    if (problems.length) throw new DeployEnvError(file, problems);
    return result;
}

export function readDeployEnv(file: string): DeployEnv {
    return parseDeployEnv(fs.readFileSync(file, "utf8"), file);
}

export function isDigest(s: string): boolean {
    return DIGEST.test(s);
}
