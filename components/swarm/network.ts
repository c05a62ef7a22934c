// The overlay every service joins. Attachable so one-shot jobs can run on it (step 13 is gone), encrypted so
// traffic between nodes (database replication, Vault, RabbitMQ) is IPsec-protected.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

export interface OverlayNetworkArgs {
    name: string;
    subnet: string;
    encrypted: boolean;
    provider: docker.Provider;
}

export function overlayNetwork(resourceName: string, args: OverlayNetworkArgs, opts?: pulumi.CustomResourceOptions): docker.Network {
    return new docker.Network(
        resourceName,
        {
            name: args.name,
            driver: "overlay",
            attachable: true,
            options: args.encrypted ? { encrypted: "true" } : {},
            ipamConfigs: [{ subnet: args.subnet }],
            labels: [{ label: "com.iklimco.managed-by", value: "pulumi" }],
        },
        { ...opts, provider: args.provider },
    );
}
