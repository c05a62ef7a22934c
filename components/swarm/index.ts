// The Swarm foundation: the explicit Docker provider, the iklimco-net overlay and the service builder that
// every other component declares its services through.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config";
import { overlayNetwork } from "./network";
import { dockerProvider } from "./provider";
import { ServiceBuilder, SwarmContext } from "./service";

export * from "./network";
export * from "./ownership";
export * from "./provider";
export * from "./secret";
export * from "./service";

export interface SwarmFoundationArgs {
    config: Pick<PlatformConfig, "docker" | "network" | "registry" | "secrets" | "stackName">;
}

export class SwarmFoundation extends pulumi.ComponentResource {
    readonly provider: docker.Provider;
    readonly network: docker.Network;
    readonly services: ServiceBuilder;
    readonly ctx: SwarmContext;

    constructor(name: string, args: SwarmFoundationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("iklimco:swarm:Foundation", name, {}, opts);
        const cfg = args.config;
        this.provider = dockerProvider(`${name}-docker`, cfg, { parent: this });
        this.network = overlayNetwork(
            `${name}-net`,
            { name: cfg.network.name, subnet: cfg.network.subnet, encrypted: cfg.network.encrypted, provider: this.provider },
            { parent: this },
        );
        this.ctx = { stackName: cfg.stackName, provider: this.provider, network: this.network };
        this.services = new ServiceBuilder(this.ctx);
        this.registerOutputs({ networkId: this.network.id, networkName: this.network.name });
    }
}
export * from "./manager-script";
