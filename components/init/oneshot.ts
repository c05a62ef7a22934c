// One one-shot container on the overlay, started from the manager by scripts/oneshot.sh through managerScript.
// Non-secret settings and scripts travel as the container's environment; secrets only on its stdin.
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config";
import { managerScript, sha256 } from "../swarm";
import { readScript } from "./render";

export interface OneShotSpec {
    config: PlatformConfig;
    /** Container name prefix and label (a Docker name). */
    jobName: string;
    image: string;
    network: pulumi.Input<string>;
    /** A bash script run in the container (a real file's text); none: the image's own command. */
    entry?: string;
    /** Single-line, non-secret settings: NAME=VALUE inside the container. */
    env?: Record<string, string>;
    /** Multi-line, non-secret text (scripts, rendered files): NAME inside the container. */
    files?: Record<string, string>;
    /** Rendered text that travels inside stdin: its hash is a trigger (the text itself is not secret). */
    rendered?: Record<string, string>;
    /** The secrets the container reads on stdin. */
    stdin?: pulumi.Input<string>;
    /** Upper bound of the whole run (the scripts bound their own waits below this). */
    timeoutSeconds: number;
}

const NAME = /^[A-Z_][A-Z0-9_]*$/;

/**
 * What re-runs the job: the runner script's hash (managerScript adds it), the entry script's and every file's
 * hash, the image and every setting. All plain, all deterministic; secrets are not here (their change reaches
 * the command through its secret stdin, which Pulumi diffs without showing).
 */
export function oneShotTriggers(spec: Pick<OneShotSpec, "image" | "entry" | "env" | "files" | "rendered">): string[] {
    const env = spec.env ?? {};
    const files = spec.files ?? {};
    const rendered = spec.rendered ?? {};
    return [
        `image=${spec.image}`,
        `entry=${spec.entry ? sha256(spec.entry) : "image-command"}`,
        ...Object.keys(env)
            .sort()
            .map((k) => `env:${k}=${env[k]}`),
        ...Object.keys(files)
            .sort()
            .map((k) => `file:${k}=${sha256(files[k])}`),
        ...Object.keys(rendered)
            .sort()
            .map((k) => `rendered:${k}=${sha256(rendered[k])}`),
    ];
}

/** The environment scripts/oneshot.sh runs with (its stdin on the manager); exported for the tests. */
export function oneShotEnv(name: string, spec: Omit<OneShotSpec, "config">): Record<string, pulumi.Input<string>> {
    const env = spec.env ?? {};
    const files = spec.files ?? {};
    for (const [k, v] of Object.entries(env)) {
        if (!NAME.test(k)) throw new Error(`${name}: bad environment name ${k}`);
        if (/[\r\n]/.test(v)) throw new Error(`${name}: ${k} has a line break; pass multi-line text as a file`);
    }
    for (const k of Object.keys(files)) if (!NAME.test(k)) throw new Error(`${name}: bad file name ${k}`);
    const managerEnv: Record<string, pulumi.Input<string>> = {
        ONESHOT_NAME: spec.jobName,
        ONESHOT_IMAGE: spec.image,
        ONESHOT_NETWORK: spec.network,
        ONESHOT_ENTRY: spec.entry ?? "",
        ONESHOT_TIMEOUT: String(spec.timeoutSeconds),
        ONESHOT_ENV: Object.keys(env)
            .sort()
            .map((k) => `${k}=${env[k]}`)
            .join("\n"),
    };
    for (const k of Object.keys(files).sort()) managerEnv[`ONESHOT_ENV_${k}`] = files[k];
    if (spec.stdin !== undefined) managerEnv.ONESHOT_STDIN = pulumi.secret(spec.stdin);
    return managerEnv;
}

export function oneShot(name: string, spec: OneShotSpec, opts: pulumi.CustomResourceOptions) {
    return managerScript(name, { config: spec.config, script: readScript("oneshot.sh"), env: oneShotEnv(name, spec), triggers: oneShotTriggers(spec) }, opts);
}
