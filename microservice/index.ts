// The microservice deploy program: one stack per microservice (`<svc>-prod`), run by the reusable workflow
// .gitea/workflows/microservice-deploy.yml. It reads the service's deploy/prod.env, takes the tested digest,
// and reads what the platform stack owns (network, Docker endpoint, the AppRole Swarm secrets) through a
// StackReference, so infra and microservice deploys stay separate stacks that never edit each other.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { MicroserviceDeploy } from "../components/microservice";
import { loadMicroserviceConfig } from "../components/microservice/config";
import { resetPipeline } from "../components/pipeline";
import { MountableSecret, ServiceBuilder } from "../components/swarm/service";

resetPipeline();
// Every config problem at once, before anything is registered (components/microservice/config.ts).
const cfg = loadMicroserviceConfig();
const settings = cfg.settings;
const platform = new pulumi.StackReference(cfg.platformStack);

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

const secrets = platform.requireOutput("microserviceSecrets") as pulumi.Output<Record<string, { roleId: { id: string; name: string }; secretId: { id: string; name: string } }>>;
const mount = (which: "roleId" | "secretId", logical: string): MountableSecret => ({
    logicalName: logical,
    secret: {
        id: secrets.apply((m) => {
            const entry = m[settings.serviceName];
            if (!entry) throw new Error(`the platform stack has no AppRole secrets for ${settings.serviceName}: add it to iklimco:microservices`);
            return entry[which].id;
        }),
    },
    swarmName: secrets.apply((m) => m[settings.serviceName][which].name),
    target: `/run/secrets/${logical}`,
});

const services = new ServiceBuilder({
    stackName: cfg.stackName,
    provider,
    network: { id: platform.requireOutput("networkId") as pulumi.Output<pulumi.ID>, name: platform.requireOutput("networkName") as pulumi.Output<string> },
});

const deploy = new MicroserviceDeploy(settings.serviceName, {
    settings,
    digest: cfg.digest,
    services,
    provider,
    vaultRoleId: mount("roleId", `${settings.serviceName}_vault_role_id`),
    vaultSecretId: mount("secretId", `${settings.serviceName}_vault_secret_id`),
    vaultAddr: cfg.vaultAddr,
});

export const image = deploy.image;
export const serviceName = deploy.service.name;
