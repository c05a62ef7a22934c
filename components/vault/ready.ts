// Vault's readiness (step 14, Vault part), after the members' services converged: waits until every member is
// initialised and unsealed, and removes the escrowed init answer. Vault as code comes after it (bootstrap.ts).
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config";
import { PipelineNotes, PipelineRecord } from "../pipeline";
import { managerScript, registryEnv } from "../swarm";
import { initEscrowName } from "../naming";
import { BOOTSTRAP, READY_JOB } from "./bootstrap";
import { VAULT_PORTS, VaultMember } from "./members";

export interface VaultReadyArgs {
    config: Pick<PlatformConfig, "docker" | "images" | "registry" | "secrets" | "stackName">;
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
        const commandName = `${name}-command`;
        this.command = managerScript(
            commandName,
            {
                config: cfg,
                script: BOOTSTRAP,
                env: {
                    MODE: "ready",
                    STACK: cfg.stackName,
                    NETWORK: args.network.name,
                    IMAGE: cfg.images.vault,
                    JOB_SCRIPT: READY_JOB,
                    MEMBERS: args.members.map((m) => `https://${m.name}:${VAULT_PORTS.api}`).join(" "),
                    ESCROW_NAME: initEscrowName(cfg.stackName),
                    WAIT_SECONDS: "300",
                    ...registryEnv(cfg),
                },
                triggers: args.triggers,
            },
            {
                parent: this,
                dependsOn: steps.after(commandName, "the readiness check runs once every Vault member's service has converged", ...args.services),
                // Deployed stacks record this command as `<name>-vault-ready`: through the alias their state stays its.
                aliases: [{ name: `${name}-vault-ready` }],
            },
        );
        this.pipeline = steps.record();
        this.registerOutputs({});
    }
}
