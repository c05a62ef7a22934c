// The seed server of the vault phase (docs/migration.md, "2. vault", step 4): the program's own transient
// server `<stack>_vault-bootstrap`, started the way components/vault/vault-bootstrap.sh starts it for a first
// initialisation (vault-1's node, data volume, certificate directory, server config, entrypoint and overlay
// name, all read from the evaluated program's VaultInit command, never re-derived), plus one published port so
// the command can restore the snapshot into it. It is removed before `pulumi up`, which then finds vault-1's
// volume initialised and adopts iklimco:vaultUnsealKey/vaultToken.
import { Evaluation, RecordedResource } from "../offline/engine";

/** What vault-bootstrap.sh needs to start the transient server, as the program exports it to the script. */
export interface SeedServerSpec {
    stack: string;
    network: string;
    image: string;
    memberName: string;
    node: string;
    dataVolume: string;
    sslDir: string;
    serverConfigJson: string;
    entrypointScript: string;
}

/** The `export NAME='value'` lines managerScript puts before the script (values quoted by shellQuote). */
export function scriptExports(stdin: string): Record<string, string> {
    const out: Record<string, string> = {};
    const re = /^export ([A-Z_][A-Z0-9_]*)='((?:[^']|'\\'')*)'$/gm;
    for (const m of stdin.matchAll(re)) out[m[1]] = m[2].replace(/'\\''/g, "'");
    return out;
}

/** The command of the program's VaultInit component (found by its parent's type, whatever its name). */
export function vaultInitCommand(ev: Evaluation): RecordedResource | undefined {
    return ev.resources.find((r) => r.type.startsWith("command:") && r.parent !== undefined && ev.byUrn.get(r.parent)?.type === "iklimco:vault:Init");
}

export function seedServerSpec(ev: Evaluation): SeedServerSpec {
    const init = vaultInitCommand(ev);
    if (!init) throw new Error("the evaluated program has no VaultInit command (the command under iklimco:vault:Init): nothing to take vault-1's server from");
    const e = scriptExports(String(init.plainInputs.stdin ?? ""));
    const need = (k: string) => {
        const v = e[k];
        if (!v) throw new Error(`the VaultInit command exports no ${k}`);
        return v;
    };
    return {
        stack: need("STACK"),
        network: need("NETWORK"),
        image: need("IMAGE"),
        memberName: need("MEMBER_NAME"),
        node: need("NODE"),
        dataVolume: need("DATA_VOLUME"),
        sslDir: need("SSL_DIR"),
        serverConfigJson: need("SERVER_CONFIG_JSON"),
        entrypointScript: need("ENTRYPOINT_SCRIPT"),
    };
}

export function seedServiceName(spec: SeedServerSpec): string {
    return `${spec.stack}_vault-bootstrap`;
}

/** `docker service create` arguments of the seed server: vault-bootstrap.sh's, with 8200 published on `port`. */
export function seedServiceArgs(spec: SeedServerSpec, port: number): string[] {
    return [
        "service", "create", "--name", seedServiceName(spec), "--replicas", "1", "--endpoint-mode", "dnsrr",
        "--constraint", `node.hostname == ${spec.node}`,
        "--network", `name=${spec.network},alias=${spec.memberName},alias=vault-bootstrap`,
        "--mount", `type=volume,src=${spec.dataVolume},dst=/vault/data`,
        "--mount", `type=bind,src=${spec.sslDir},dst=/vault/certs,readonly`,
        "--env", `VAULT_CONFIG_JSON=${spec.serverConfigJson}`,
        "--publish", `mode=host,target=8200,published=${port}`,
        "--restart-condition", "on-failure", "--label", "com.iklimco.managed-by=pulumi", "--label", "com.iklimco.purpose=migration-seed",
        "--detach=false", "--quiet", "--entrypoint", "/bin/sh", spec.image, "-c", spec.entrypointScript,
    ];
}
