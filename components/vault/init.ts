// Vault's initialisation (step 14, Vault part), before the members' services: see bootstrap.ts for the design.
// A transient server on vault-1's node initialises Vault once and escrows the answer; the unseal key becomes the
// `vault_unseal_key` Swarm secret the members mount, the root token a Pulumi secret.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { PlatformConfig } from "../config";
import { PipelineNotes, PipelineRecord } from "../pipeline";
import { VersionedSecret, managerScript, registryEnv } from "../swarm";
import { PLATFORM_SECRETS, initEscrowName } from "../naming";
import { BOOTSTRAP, ENTRYPOINT, INIT_JOB, initCredentials } from "./bootstrap";
import { VaultMember } from "./members";
import { serverConfigJson } from "./server-config";

export interface VaultInitArgs {
    config: Pick<PlatformConfig, "docker" | "domain" | "images" | "paths" | "registry" | "secrets" | "stackName" | "vault">;
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
        const commandName = `${name}-command`;
        const cmd = managerScript(
            commandName,
            {
                config: cfg,
                script: BOOTSTRAP,
                env: {
                    MODE: "init",
                    STACK: cfg.stackName,
                    NETWORK: args.network.name,
                    IMAGE: cfg.images.vault,
                    JOB_SCRIPT: INIT_JOB,
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
                dependsOn: steps.after(commandName, "the transient Vault server needs the step-10 certificate on vault-1's node", args.certificate),
                additionalSecretOutputs: ["stdout"],
                // Runs once: Vault hands out the key only at initialisation, so a re-run could only say
                // "already initialised" and the recorded key must stay. Deleting it must not forget it either.
                ignoreChanges: ["create", "stdin", "triggers", "environment", "connection"],
                retainOnDelete: true,
                // Deployed stacks record this command as `<name>-vault-init`: through the alias their state, Vault's
                // init answer included, stays this command's, so it is never created (and run) again.
                aliases: [{ name: `${name}-vault-init` }],
            },
        );
        this.command = cmd;
        const creds = pulumi
            .all([cmd.stdout, cfg.secrets.vaultUnsealKey ?? "", cfg.secrets.vaultToken ?? ""])
            .apply(([out, key, token]) => {
                // A bad answer is the init command's: the error names it.
                try {
                    return initCredentials(out, { unsealKey: key || undefined, token: token || undefined });
                } catch (err) {
                    throw new pulumi.ResourceError(err instanceof Error ? err.message : String(err), cmd);
                }
            });
        this.unsealKey = new VersionedSecret(
            `${name}-unseal-key`,
            { logicalName: PLATFORM_SECRETS.vaultUnsealKey, value: pulumi.secret(creds.apply((c) => c.unsealKey)), provider: args.dockerProvider },
            { parent: this },
        );
        this.rootToken = pulumi.secret(creds.apply((c) => c.rootToken));
        this.pipeline = steps.record();
        this.registerOutputs({ unsealKeySecret: this.unsealKey.swarmName });
    }
}
