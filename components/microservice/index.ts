// One microservice, deployed the way the pipeline document's last section describes: read its deploy/prod.env,
// promote the tested Harbor digest to the stable prod tag, and update its Swarm service start-first with
// automatic rollback, its Vault AppRole credentials mounted as Swarm secret files.
//
// Promotion uses @pulumi/docker 5.2.0 on the manager's engine (the explicit provider, with Harbor auth):
// RemoteImage pulls `<repo>@<digest>`, Tag names it `<repo>:<prodTag>`, RegistryImage pushes that tag. Harbor
// stores the same manifest, so the prod tag and the digest name one image; the service runs
// `<repo>:<prodTag>@<digest>`, so every node runs exactly the tested bytes even if the tag moves later.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { SERVICE_PASSWORD_KINDS, approleSecretNames, secretTarget, servicePasswordSecret } from "../naming";
import { PipelineNotes, PipelineRecord } from "../pipeline";
import { MountableSecret, ServiceBuilder, onLabel } from "../swarm/service";
import { DeployEnv, isDigest } from "./env-file";

export * from "./env-file";

export interface MicroserviceDeployArgs {
    settings: DeployEnv;
    /** The digest the microservice's CI tested (`sha256:...`); overrides the env file's. */
    digest?: string;
    services: ServiceBuilder;
    provider: docker.Provider;
    /** The AppRole credentials as Swarm secrets `<svc>_vault_role_id` and `<svc>_vault_secret_id` (step 16). */
    vaultRoleId: MountableSecret;
    vaultSecretId: MountableSecret;
    /**
     * The service's database and broker passwords the platform made for it (`<svc>_db_password`,
     * `<svc>_mongodb_password`, `<svc>_rabbitmq_password`), each mounted at /run/secrets/<logical name> and
     * named in env as `DB_PASSWORD_FILE`, `MONGODB_PASSWORD_FILE`, `RABBITMQ_PASSWORD_FILE`.
     */
    passwords?: MountableSecret[];
    /** Vault's address on the overlay, https, with a name its certificate covers. */
    vaultAddr: string;
}

export class MicroserviceDeploy extends pulumi.ComponentResource {
    readonly service: docker.Service;
    readonly promoted: docker.RegistryImage;
    /** The image reference the service runs. */
    readonly image: string;
    readonly pipeline: PipelineRecord;

    constructor(name: string, args: MicroserviceDeployArgs, opts?: pulumi.ComponentResourceOptions) {
        super("iklimco:microservice:Deploy", name, {}, opts);
        const steps = new PipelineNotes();
        const s = args.settings;
        const digest = args.digest ?? s.digest;
        if (!digest || !isDigest(digest)) throw new pulumi.ResourceError(`microservice ${s.serviceName}: a tested digest sha256:<64 hex> is required (workflow input or DEPLOY_IMAGE_DIGEST), found ${JSON.stringify(digest)}`, this);
        const approle = approleSecretNames(s.serviceName);
        for (const [what, secret, logical] of [
            ["role id", args.vaultRoleId, approle.roleId],
            ["secret id", args.vaultSecretId, approle.secretId],
        ] as const) {
            const expected = secretTarget(logical);
            if (secret.target !== expected) throw new pulumi.ResourceError(`microservice ${s.serviceName}: the Vault ${what} secret must mount at ${expected}, found ${secret.target}`, this);
        }
        if (!args.vaultAddr.startsWith("https://")) throw new pulumi.ResourceError(`microservice ${s.serviceName}: vaultAddr must be https, found ${args.vaultAddr}`, this);
        const passwords = args.passwords ?? [];
        const passwordEnv: Record<string, string> = {};
        for (const p of passwords) {
            const kind = SERVICE_PASSWORD_KINDS.find((k) => p.logicalName === servicePasswordSecret(s.serviceName, k));
            if (!kind) throw new pulumi.ResourceError(`microservice ${s.serviceName}: expected a password secret <svc>_{db,mongodb,rabbitmq}_password, found ${p.logicalName}`, this);
            if (p.target !== secretTarget(p.logicalName)) throw new pulumi.ResourceError(`microservice ${s.serviceName}: ${p.logicalName} must mount at /run/secrets/${p.logicalName}, found ${p.target}`, this);
            passwordEnv[`${kind.toUpperCase()}_PASSWORD_FILE`] = p.target;
        }

        const tested = new docker.RemoteImage(`${name}-tested`, { name: `${s.repository}@${digest}`, keepLocally: true }, { parent: this, provider: args.provider });
        const prodRef = `${s.repository}:${s.prodTag}`;
        const tag = new docker.Tag(`${name}-tag`, { sourceImage: tested.imageId, targetImage: prodRef }, { parent: this, provider: args.provider });
        // keepRemotely: removing this resource (a later promotion replaces it) must not delete the prod tag in Harbor.
        this.promoted = new docker.RegistryImage(
            `${name}-promote`,
            { name: tag.targetImage, keepRemotely: true, triggers: { digest } },
            { parent: this, provider: args.provider },
        );

        this.image = `${prodRef}@${digest}`;
        const env: Record<string, string> = {
            ...s.env,
            ...passwordEnv,
            VAULT_ADDR: args.vaultAddr,
            VAULT_ROLE_ID_FILE: args.vaultRoleId.target,
            VAULT_SECRET_ID_FILE: args.vaultSecretId.target,
        };
        this.service = args.services.build(
            `${name}-service`,
            {
                name: s.serviceName,
                component: s.serviceName,
                image: this.image,
                // Stateless: the builder updates start-first and rolls back on failure (`docker service update
                // --update-order start-first` with rollback in the old pipeline).
                stateful: false,
                mode: { replicas: s.replicas },
                constraints: [onLabel(s.placementLabel)],
                env: Object.fromEntries(Object.keys(env).sort().map((k) => [k, env[k]])),
                secrets: [{ secret: args.vaultRoleId }, { secret: args.vaultSecretId }, ...passwords.map((secret) => ({ secret }))],
                healthcheck: { test: ["CMD-SHELL", s.healthcheck] },
                resources: { cpus: s.cpus, memoryMb: s.memoryMb },
                labels: { "com.iklimco.microservice": s.serviceName, "com.iklimco.prod-tag": s.prodTag },
            },
            {
                parent: this,
                dependsOn: steps.after(`${name}-service`, "the prod tag is pushed to Harbor before the service moves to it", this.promoted),
            },
        );
        this.pipeline = steps.record();
        this.registerOutputs({ image: this.image, serviceName: this.service.name });
    }
}
