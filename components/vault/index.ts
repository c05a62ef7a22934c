// Vault, in two components so the certificate flow can sit between them:
//
//   Vault (steps 10, 14, and 15 through the members' convergence):
//     VaultTlsPlaceholder (10) -> VaultInit (14) -> vault_unseal_key -> VaultCluster (14) -> VaultReady (14)
//   VaultConfiguration (configuration.ts; steps 14, 16), after Vault (and after `tlsReady`, e.g. certs.vaultServesCertificate):
//     root token -> RootTokenRetirement -> program AppRole -> vault.Provider -> VaultAccess (16)
//
// The certificate flow needs the members' service names and services (from Vault), and whatever reaches Vault
// by its public name with TLS checked needs the certificate flow's verification: hence the split.
// See bootstrap.ts for why initialisation comes before the members' services (no cycle).
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config";
import { PipelineNotes, PipelineRecord } from "../pipeline";
import { SwarmFoundation, VersionedSecret } from "../swarm";
import { VaultCluster } from "./cluster";
import { VaultInit } from "./init";
import { vaultMembers } from "./members";
import { VaultReady } from "./ready";
import { VaultTlsPlaceholder } from "./tls-placeholder";

export * from "./access";
export * from "./approle";
export * from "./bootstrap";
export * from "./cluster";
export * from "./configuration";
export * from "./init";
export * from "./members";
export * from "./policies";
export * from "./ready";
export * from "./retire-root";
export * from "./server-config";
export * from "./tls-placeholder";

export interface VaultArgs {
    config: Pick<PlatformConfig, "docker" | "domain" | "images" | "nodes" | "paths" | "registry" | "secrets" | "stackName" | "vault">;
    swarm: SwarmFoundation;
}

/** The Vault stack and its bootstrap: steps 10 and 14 (Vault part); step 15 is the members' convergence. */
export class Vault extends pulumi.ComponentResource {
    readonly tls: VaultTlsPlaceholder;
    readonly init: VaultInit;
    readonly cluster: VaultCluster;
    readonly ready: VaultReady;
    /** `vault_unseal_key`, mounted by the members. */
    readonly unsealKey: VersionedSecret;
    /** The members' Swarm service names (`<stackName>_vault-<n>`), in member order. */
    readonly serviceNames: pulumi.Output<string>[];
    /** The root token from initialisation (or the adopted `iklimco:vaultToken`): a Pulumi secret. */
    readonly rootToken: pulumi.Output<string>;
    readonly pipeline: PipelineRecord;

    constructor(name: string, args: VaultArgs, opts?: pulumi.ComponentResourceOptions) {
        super("iklimco:vault:Vault", name, {}, opts);
        const cfg = args.config;
        const swarm = args.swarm;
        const members = vaultMembers(cfg);
        const child = { parent: this };
        const steps = new PipelineNotes();

        this.tls = steps.realise(10, new VaultTlsPlaceholder(`${name}-tls`, { config: cfg, members }, child));
        this.init = steps.realise(
            14,
            steps.fold(new VaultInit(`${name}-init`, { config: cfg, members, network: swarm.network, dockerProvider: swarm.provider, certificate: this.tls.jobs[0] }, child)),
        );
        this.unsealKey = this.init.unsealKey;
        this.rootToken = this.init.rootToken;
        this.cluster = steps.realise(14, steps.fold(new VaultCluster(`${name}-cluster`, { config: cfg, services: swarm.services, members, unsealKey: this.unsealKey, certificates: this.tls.jobs }, child)));
        this.serviceNames = this.cluster.services.map((s) => s.name);
        // Step 15 for Vault is the members' own convergence (convergeConfig: healthy means serving and initialised,
        // sealed or not, see memberSpec); this readiness check (every member unsealed) belongs to the bootstrap
        // (step 14) and gates Vault as code.
        this.ready = steps.realise(
            14,
            steps.fold(new VaultReady(
                `${name}-ready`,
                {
                    config: cfg,
                    members,
                    network: swarm.network,
                    services: this.cluster.services,
                    triggers: [cfg.images.vault, ...this.cluster.specs.map((s) => s.env?.VAULT_CONFIG_JSON ?? "")],
                },
                child,
            )),
        );
        this.pipeline = steps.record();
        this.registerOutputs({ unsealKeySecret: this.unsealKey.swarmName, members: this.serviceNames });
    }
}
