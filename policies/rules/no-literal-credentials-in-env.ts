// No credential-looking environment variable carries a literal value: env is visible to anyone who can
// `docker service inspect`, lands in the Pulumi state in plain text and in crash dumps. Secrets reach
// containers as Swarm secret files, and the variable names the file (`POSTGRES_PASSWORD_FILE=/run/secrets/...`).
import { ResourceValidationPolicy } from "@pulumi/policy";
import { CREDENTIAL_NAME, TYPES, envMap } from "../lib/resources";

/** Names that reference a secret file rather than carrying one. */
const FILE_REFERENCE = /_FILE$|_PATH$|_DIR$/i;
/**
 * Names that look like credentials but are not: a key's address or size, a public key, etcd's initial cluster
 * token (a cluster identifier that keeps two clusters from merging, not a secret).
 */
const NOT_A_CREDENTIAL = /(_ADDR|_URL|_HOST|_PORT|_NAME|_USER(NAME)?|_MOUNT|_ALGORITHM|_LENGTH|_TTL|_TYPE|_SIZE|PUBLIC_?KEY|INITIAL_CLUSTER_TOKEN)$/i;

export function credentialEnvProblems(env: Record<string, unknown>): string[] {
    const problems: string[] = [];
    for (const name of Object.keys(env).sort()) {
        const value = env[name];
        if (FILE_REFERENCE.test(name)) {
            if (CREDENTIAL_NAME.test(name) && typeof value === "string" && value && !value.startsWith("/")) {
                problems.push(`${name} should name a secret file (/run/secrets/<name>), not carry a value`);
            }
            continue;
        }
        if (!CREDENTIAL_NAME.test(name) || NOT_A_CREDENTIAL.test(name)) continue;
        if (value === undefined || value === null || value === "") continue;
        // Never echo the value: it is the secret.
        problems.push(`${name} carries a literal value; mount it as a Swarm secret and set ${name}_FILE=/run/secrets/<name> instead`);
    }
    return problems;
}

export const noLiteralCredentialsInEnv: ResourceValidationPolicy = {
    name: "no-literal-credentials-in-env",
    description: "No password, key, token or Vault credential is passed as an environment value; secrets reach containers as Swarm secret files (*_FILE).",
    enforcementLevel: "mandatory",
    remediationSteps: "Create the value as a VersionedSecret, mount it through the service builder's `secrets`, and point the service at /run/secrets/<name>.",
    validateResource: (args, reportViolation) => {
        let env: Record<string, unknown>;
        if (args.type === TYPES.service) env = envMap(args.props.taskSpec?.containerSpec?.env);
        else if (args.type === TYPES.container) env = envMap(args.props.envs);
        else return args.notApplicable("only services and containers have an environment");
        for (const p of credentialEnvProblems(env)) reportViolation(p);
    },
};
