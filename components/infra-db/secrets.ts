// Step 11: the infrastructure's generated Docker secrets. Each is a content-hashed Swarm secret whose value
// is the configured one (adoption keeps running passwords) or generated once and kept in encrypted state.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config";
import { VersionedSecret, generatedSecret } from "../swarm";

export interface InfraSecretsArgs {
    config: PlatformConfig;
    provider: docker.Provider;
}

export class InfraSecrets extends pulumi.ComponentResource {
    /** `rabbitmq_erlang_cookie`: shared by RabbitMQ nodes and the CLI tools; created once (step 11). */
    readonly rabbitmqErlangCookie: VersionedSecret;

    constructor(name: string, args: InfraSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("iklimco:infra:Secrets", name, {}, opts);
        const child = { parent: this };
        this.rabbitmqErlangCookie = generatedSecret(
            `${name}-rabbitmq-erlang-cookie`,
            // Erlang cookies are plain alphanumerics; RabbitMQ rejects some punctuation.
            { logicalName: "rabbitmq_erlang_cookie", provider: args.provider, length: 48, special: false },
            child,
        );
        this.registerOutputs({ rabbitmqErlangCookie: this.rabbitmqErlangCookie.swarmName });
    }
}
