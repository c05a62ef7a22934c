// The microservice deploy program: one stack per microservice (`<svc>-prod`), run by the reusable workflow
// .gitea/workflows/microservice-deploy.yml. It reads the service's deploy/prod.env, takes the tested digest,
// and reads what the platform stack owns (network, Docker endpoint, Vault's address, the AppRole and password
// Swarm secrets) through a StackReference, so infra and microservice deploys stay separate stacks that never
// edit each other. The platform's values are read as plain values first (`getOutputDetails`): which password
// secrets a service mounts depends on them, and a plan shows every mount.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { MicroserviceDeploy } from "../components/microservice";
import { loadMicroserviceConfig } from "../components/microservice/config";
import { DeclaredStack } from "../components/declared-stack";
import { approleSecretNames, secretTarget } from "../components/naming";
import { MountableSecret, ServiceBuilder } from "../components/swarm/service";

interface SecretRef {
    id: string;
    name: string;
}

/** The microservice's stack; microservice/index.ts exports its outputs, the offline engine reads all of it. */
export async function declareStack(): Promise<DeclaredStack> {
    // Every config problem at once, before anything is registered (components/microservice/config.ts).
    const cfg = loadMicroserviceConfig();
    const settings = cfg.settings;
    const svc = settings.serviceName;
    const platform = new pulumi.StackReference(cfg.platformStack);
    const read = async <T>(name: string, fix: string): Promise<T> => {
        const d = await platform.getOutputDetails(name);
        const v = (d.value ?? d.secretValue) as T | undefined;
        if (v === undefined) throw new Error(`the platform stack ${cfg.platformStack} exports no ${name}: ${fix}`);
        return v;
    };

    /** Platform outputs this program needs (index.ts exports them). */
    const provider = new docker.Provider("docker", {
        host: platform.requireOutput("dockerHost") as pulumi.Output<string>,
        sshOpts: platform.requireOutput("dockerSshOpts") as pulumi.Output<string[]>,
        registryAuth: [
            {
                address: platform.requireOutput("registryServer") as pulumi.Output<string>,
                username: platform.requireOutput("registryUsername") as pulumi.Output<string>,
                password: cfg.harborPassword,
            },
        ],
    });

    const approle = await read<Record<string, { roleId: SecretRef; secretId: SecretRef }>>("microserviceSecrets", "deploy the platform first");
    const entry = approle[svc];
    if (!entry) throw new Error(`the platform stack has no AppRole secrets for ${svc}: add it to iklimco:microservices`);
    const passwords = (await read<Record<string, Record<string, SecretRef>>>("microserviceDbSecrets", "deploy the platform first"))[svc] ?? {};
    const mountable = (logical: string, ref: SecretRef): MountableSecret => ({ logicalName: logical, secret: { id: ref.id }, swarmName: ref.name, target: secretTarget(logical) });

    const services = new ServiceBuilder({
        stackName: cfg.stackName,
        provider,
        network: { id: platform.requireOutput("networkId") as pulumi.Output<pulumi.ID>, name: platform.requireOutput("networkName") as pulumi.Output<string> },
    });

    const deploy = new MicroserviceDeploy(svc, {
        settings,
        digest: cfg.digest,
        services,
        provider,
        vaultRoleId: mountable(approleSecretNames(svc).roleId, entry.roleId),
        vaultSecretId: mountable(approleSecretNames(svc).secretId, entry.secretId),
        passwords: Object.keys(passwords)
            .sort()
            .map((logical) => mountable(logical, passwords[logical])),
        // Vault's name on the overlay, which its certificate covers (the platform's `vaultServiceAddress`).
        vaultAddr: cfg.vaultAddr ?? (await read<string>("vaultServiceAddress", "deploy the platform first, or set microservice:vaultAddr")),
    });

    return { outputs: { image: deploy.image, serviceName: deploy.service.name }, pipeline: deploy.pipeline, services: [services] };
}
