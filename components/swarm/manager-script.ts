// Runs a script that lives beside its component on the swarm manager: over SSH with the deploy key when the
// Docker host is ssh://, locally (with DOCKER_HOST set) for a local socket. Scripts use the `docker` CLI, and
// one-shot jobs run as containers on the attachable overlay (`docker run --network iklimco-net`), so the
// runner never joins the overlay (step 13 is gone).
//
// Secrets travel in stdin, never on a command line (visible in `ps`) or in SSH environment variables (sshd
// drops them unless AcceptEnv allows): stdin is exported into a 0600 temp file in /dev/shm that the command
// removes on exit, and Pulumi keeps stdin encrypted in the state because it is a secret input.
import * as crypto from "crypto";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config";

/** What a manager script reads of the config: how to reach the manager (`docker.host`, the SSH key). */
export type ManagerConfig = Pick<PlatformConfig, "docker" | "secrets">;
/** What the registry login reads of the config. */
export type RegistryConfig = Pick<PlatformConfig, "registry" | "secrets">;

export interface ManagerScriptArgs {
    config: ManagerConfig;
    /** The script's text, read with shippedScript() from the real file beside the component. */
    script: string;
    /** Positional arguments: not secret (they show in the plan and in `ps`). */
    args?: string[];
    /** Exported into the script's environment; secret values are fine here. */
    env?: Record<string, pulumi.Input<string>>;
    /** Further inputs whose change must re-run the script (rendered files, image references). */
    triggers?: pulumi.Input<unknown>[];
}

export function sha256(text: string | Buffer): string {
    return crypto.createHash("sha256").update(text).digest("hex");
}

/** POSIX single-quoting: safe for any value, including quotes and newlines. */
export function shellQuote(value: string): string {
    return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The connection for ssh:// Docker hosts; undefined when the host is local. The manager's host key is pinned:
 * @pulumi/command verifies the server against `hostKey` (a fixed key; it has no known_hosts option) and would
 * accept any key without it, so config requires docker.hostKey for an ssh:// host and this refuses to build a
 * connection without one.
 */
export function managerConnection(cfg: ManagerConfig): command.types.input.remote.ConnectionArgs | undefined {
    const m = /^ssh:\/\/([^@]+)@([^:/]+)(?::(\d+))?/.exec(cfg.docker.host);
    if (!m) return undefined;
    if (!cfg.docker.hostKey) throw new Error(`docker.hostKey: required for ${cfg.docker.host} (the manager's SSH host key; docs/dependencies.md)`);
    return {
        user: m[1],
        host: m[2],
        port: m[3] ? Number(m[3]) : 22,
        privateKey: cfg.secrets.sshPrivateKey,
        hostKey: cfg.docker.hostKey,
        // Bounded retries: an unreachable manager fails the step instead of hanging the deploy.
        dialErrorLimit: 10,
        perDialTimeout: 15,
    };
}

/**
 * What the provider may log and pass on. A script whose stdout is a secret output (Vault's init answer) logs
 * stderr only; no run gets the previous run's stdout in its environment (PULUMI_COMMAND_STDOUT would carry
 * that answer into the next run's process environment).
 */
export function outputHandling(opts: pulumi.CustomResourceOptions): { logging: "stderr" | "stdoutAndStderr"; addPreviousOutputInEnv: false } {
    const secretStdout = (opts.additionalSecretOutputs ?? []).includes("stdout");
    return { logging: secretStdout ? "stderr" : "stdoutAndStderr", addPreviousOutputInEnv: false };
}

/** The script as it is fed on stdin: strict mode, the environment, then the script itself. */
export function scriptStdin(script: string, env: Record<string, string>): string {
    const exports = Object.keys(env)
        .sort()
        .map((k) => {
            if (!/^[A-Z_][A-Z0-9_]*$/.test(k)) throw new Error(`manager script: bad environment variable name ${k}`);
            return `export ${k}=${shellQuote(env[k])}`;
        });
    return [...exports, script].join("\n");
}

// Reads the script from stdin into a private temp file and runs it there, so commands inside the script
// that read stdin (docker exec -i) cannot swallow the rest of it.
export const RUNNER = (args: string[]) =>
    `d=/dev/shm; [ -d "$d" ] || d=/tmp; f=$(mktemp "$d/iklimco-XXXXXX"); trap 'rm -f "$f"' EXIT; chmod 600 "$f"; cat > "$f"; bash "$f"${args.map((a) => ` ${shellQuote(a)}`).join("")}`;

export function managerScript(name: string, args: ManagerScriptArgs, opts: pulumi.CustomResourceOptions): command.remote.Command | command.local.Command {
    const env = pulumi.all(args.env ?? {}).apply((e) => e as Record<string, string>);
    const stdin = pulumi.secret(env.apply((e) => scriptStdin(args.script, e)));
    const triggers = [sha256(args.script), ...(args.args ?? []), ...(args.triggers ?? [])];
    const create = RUNNER(args.args ?? []);
    const connection = managerConnection(args.config);
    if (connection) {
        return new command.remote.Command(
            name,
            { connection, create, stdin, triggers, ...outputHandling(opts) },
            { ...opts, additionalSecretOutputs: [...(opts.additionalSecretOutputs ?? []), "stdin"] },
        );
    }
    return new command.local.Command(
        name,
        {
            create,
            stdin,
            triggers,
            ...outputHandling(opts),
            interpreter: ["/bin/bash", "-c"],
            environment: { DOCKER_HOST: args.config.docker.host },
        },
        { ...opts, additionalSecretOutputs: [...(opts.additionalSecretOutputs ?? []), "stdin"] },
    );
}

/** Registry login for scripts that start containers from Harbor images on the manager (password via stdin). */
export function registryEnv(cfg: RegistryConfig): Record<string, pulumi.Input<string>> {
    if (!cfg.registry.auth) return {};
    return { REGISTRY: cfg.registry.server, REGISTRY_USER: cfg.registry.username!, REGISTRY_PASSWORD: cfg.secrets.harborPassword! };
}
