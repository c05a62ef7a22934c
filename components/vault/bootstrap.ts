// Vault bootstrap (step 14, Vault part), split in two so there is no dependency cycle.
//
// The cycle to avoid: the members must mount the `vault_unseal_key` Swarm secret, the secret's value exists
// only once Vault is initialised, and initialising needs a running Vault. If "running Vault" meant the
// members' own services, the graph would be service -> init -> secret -> service.
//
// The design:
//   1. VaultInit runs BEFORE the members' services (after the step-10 certificate). On a first deploy it
//      starts a transient server on vault-1's node, volume, config and overlay name, initialises it through
//      the overlay with one key share, and stops it (vault-bootstrap.sh MODE=init + vault-init.sh). When
//      vault-1 already runs, it asks vault-1; an initialised Vault is never initialised again.
//      Its stdout (Vault's init answer: key and root token) is a secret output of the command. Before the
//      command prints it, the answer is escrowed on the swarm, encrypted under a random key this component
//      makes first (so the key is in the encrypted state before Vault is ever initialised): a run that fails
//      after Vault's init (a dropped session, an engine that dies before recording the output) is recovered
//      by the next run, which prints the same answer again. The escrow is removed by VaultReady, once the
//      members run with the key. See vault-bootstrap.sh and docs/runbook.md. The command runs once: later changes to its inputs are ignored, because Vault gives the key out only at
//      initialisation and a re-run could only answer "already initialised".
//   2. The unseal key becomes the `vault_unseal_key` VersionedSecret, and the members are created with it
//      mounted from their first start (components/vault/stack.ts); their entrypoint unseals each replica.
//      Rotating the key (a new value) makes a new secret and Pulumi rolls the members onto it, one at a time.
//   3. VaultReady runs AFTER the members converged and waits until every member is unsealed; the Vault
//      provider, and so every Vault-as-code resource (step 16), comes after it and uses the root token from 1
//      (or `iklimco:vaultToken` once the root token is retired).
// Data flows init -> secret -> services -> ready -> provider; no arrow points back.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config";
import { PipelineNotes, PipelineRecord } from "../pipeline";
import { VersionedSecret, managerScript } from "../swarm";
import * as docker from "@pulumi/docker";
import * as random from "@pulumi/random";
import { UNSEAL_KEY_SECRET, VAULT_PORTS, VaultMember, serverConfigJson } from "./hcl";
import { registryEnv } from "./tls";

const BOOTSTRAP = fs.readFileSync(path.join(__dirname, "vault-bootstrap.sh"), "utf8");
const INIT = fs.readFileSync(path.join(__dirname, "vault-init.sh"), "utf8");
const READY = fs.readFileSync(path.join(__dirname, "vault-ready.sh"), "utf8");
export const ENTRYPOINT = fs.readFileSync(path.join(__dirname, "vault-entrypoint.sh"), "utf8");

/** The Swarm config that holds the encrypted init answer between Vault's init and the first VaultReady. */
export function initEscrowName(stackName: string): string {
    return `${stackName}_vault_init_escrow`;
}

export interface InitCredentials {
    unsealKey: string;
    rootToken: string;
    /** True when this deploy initialised Vault; false when it adopted an initialised one. */
    initialisedNow: boolean;
}

/**
 * Reads vault-init.sh's answer. Vault's init answer carries the key and the root token; "already initialised"
 * carries neither, so the stack must then hold them (adoption of a Vault initialised elsewhere).
 */
export function initCredentials(stdout: string, adopt: { unsealKey?: string; token?: string }): InitCredentials {
    const line = stdout.trim().split("\n").filter(Boolean).pop() ?? "";
    let answer: { keys_base64?: string[]; root_token?: string; initialized?: boolean };
    try {
        answer = JSON.parse(line);
    } catch {
        throw new Error("vault bootstrap: the init step printed no JSON answer (see the command's log)");
    }
    if (answer.keys_base64?.length && answer.root_token) {
        return { unsealKey: answer.keys_base64[0], rootToken: answer.root_token, initialisedNow: true };
    }
    if (answer.initialized === true) {
        if (!adopt.unsealKey || !adopt.token) {
            throw new Error(
                "vault bootstrap: Vault is already initialised and this stack holds no record of its unseal key and token. " +
                    "Adopt it: pulumi config set --secret iklimco:vaultUnsealKey '<base64 unseal key>' and " +
                    "pulumi config set --secret iklimco:vaultToken '<token>'",
            );
        }
        return { unsealKey: adopt.unsealKey, rootToken: adopt.token, initialisedNow: false };
    }
    throw new Error("vault bootstrap: the init answer has neither keys nor initialized=true");
}

export interface VaultInitArgs {
    config: PlatformConfig;
    members: VaultMember[];
    network: docker.Network;
    dockerProvider: docker.Provider;
    /** Step 10 on vault-1's node: the transient server needs a certificate to start (ordering only). */
    certificate: pulumi.Resource;
}

export class VaultInit extends pulumi.ComponentResource {
    /** The `vault_unseal_key` Swarm secret the members mount. */
    readonly unsealKey: VersionedSecret;
    /** The root token from initialisation (or the adopted token): a Pulumi secret. */
    readonly rootToken: pulumi.Output<string>;
    readonly command: pulumi.Resource;
    readonly pipeline: PipelineRecord;

    constructor(name: string, args: VaultInitArgs, opts?: pulumi.ComponentResourceOptions) {
        super("iklimco:vault:Init", name, {}, opts);
        const cfg = args.config;
        const steps = new PipelineNotes();
        const first = args.members[0];
        // Made (and recorded in the encrypted state) before the init command runs: it depends on it.
        const escrowKey = new random.RandomPassword(`${name}-escrow-key`, { length: 48, special: false }, { parent: this });
        const cmd = managerScript(
            `${name}-vault-init`,
            {
                config: cfg,
                script: BOOTSTRAP,
                env: {
                    MODE: "init",
                    STACK: cfg.stackName,
                    NETWORK: args.network.name,
                    IMAGE: cfg.images.vault,
                    JOB_SCRIPT: INIT,
                    MEMBER_NAME: first.name,
                    NODE: first.node.name,
                    DATA_VOLUME: first.volume,
                    SSL_DIR: cfg.paths.nodeSslDir,
                    SERVER_CONFIG_JSON: serverConfigJson(cfg, first, args.members),
                    ENTRYPOINT_SCRIPT: ENTRYPOINT,
                    ESCROW_KEY: escrowKey.result,
                    ESCROW_NAME: initEscrowName(cfg.stackName),
                    WAIT_SECONDS: "300",
                    ...registryEnv(cfg),
                },
            },
            {
                parent: this,
                dependsOn: steps.after(`${name}-vault-init`, "the transient Vault server needs the step-10 certificate on vault-1's node", args.certificate),
                additionalSecretOutputs: ["stdout"],
                // Runs once: Vault hands out the key only at initialisation, so a re-run could only say
                // "already initialised" and the recorded key must stay. Deleting it must not forget it either.
                ignoreChanges: ["create", "stdin", "triggers", "environment", "connection"],
                retainOnDelete: true,
            },
        );
        this.command = cmd;
        const creds = pulumi
            .all([cmd.stdout, cfg.secrets.vaultUnsealKey ?? "", cfg.secrets.vaultToken ?? ""])
            .apply(([out, key, token]) => initCredentials(out, { unsealKey: key || undefined, token: token || undefined }));
        this.unsealKey = new VersionedSecret(
            `${name}-unseal-key`,
            { logicalName: UNSEAL_KEY_SECRET, value: pulumi.secret(creds.apply((c) => c.unsealKey)), provider: args.dockerProvider },
            { parent: this },
        );
        this.rootToken = pulumi.secret(creds.apply((c) => c.rootToken));
        this.pipeline = steps.record();
        this.registerOutputs({ unsealKeySecret: this.unsealKey.swarmName });
    }
}

export interface VaultReadyArgs {
    config: PlatformConfig;
    members: VaultMember[];
    network: docker.Network;
    /** The members' services: the check runs once they converged (ordering only). */
    services: pulumi.Resource[];
    /** What a change of must re-run the check (the members' rendered specs). */
    triggers: pulumi.Input<unknown>[];
}

/** Waits until every member is initialised and unsealed: the gate before the Vault provider. */
export class VaultReady extends pulumi.ComponentResource {
    readonly command: pulumi.Resource;
    readonly pipeline: PipelineRecord;

    constructor(name: string, args: VaultReadyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("iklimco:vault:Ready", name, {}, opts);
        const cfg = args.config;
        const steps = new PipelineNotes();
        this.command = managerScript(
            `${name}-vault-ready`,
            {
                config: cfg,
                script: BOOTSTRAP,
                env: {
                    MODE: "ready",
                    STACK: cfg.stackName,
                    NETWORK: args.network.name,
                    IMAGE: cfg.images.vault,
                    JOB_SCRIPT: READY,
                    MEMBERS: args.members.map((m) => `https://${m.name}:${VAULT_PORTS.api}`).join(" "),
                    ESCROW_NAME: initEscrowName(cfg.stackName),
                    WAIT_SECONDS: "300",
                    ...registryEnv(cfg),
                },
                triggers: args.triggers,
            },
            {
                parent: this,
                dependsOn: steps.after(`${name}-vault-ready`, "the readiness check runs once every Vault member's service has converged", ...args.services),
            },
        );
        this.pipeline = steps.record();
        this.registerOutputs({});
    }
}
