// The microservice program's own stack config (namespace `microservice:`), validated like the platform's: every
// problem at once, each with its key, what was expected (with an example) and what was found, and the fix for a
// secret written in plain text, before the program registers anything. It does not share the platform schema:
// its keys are the deploy workflow's inputs, and the service's settings come from its deploy/prod.env.
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, ConfigProblem } from "../config";
import { isDnsLabel, urlProblem } from "../config-values";
import { DeployEnv, DeployEnvError, isDigest, readDeployEnv } from "./env-file";

export const MICROSERVICE_NAMESPACE = "microservice";

export interface MicroserviceConfig {
    settings: DeployEnv;
    digest: string;
    platformStack: string;
    /** Set only to override the platform's `vaultServiceAddress`. */
    vaultAddr: string | undefined;
    stackName: string;
    harborPassword: pulumi.Output<string>;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const isConfigSecret: (key: string) => boolean = require("@pulumi/pulumi/runtime/config").isConfigSecret;

/** Reads and checks the microservice program's config; throws a ConfigError listing every problem. */
export function loadMicroserviceConfig(): MicroserviceConfig {
    const cfg = new pulumi.Config(MICROSERVICE_NAMESPACE);
    const problems: ConfigProblem[] = [];
    const key = (k: string) => `${MICROSERVICE_NAMESPACE}:${k}`;
    const found = (v: string | undefined) => (v === undefined ? "nothing (the key is not set)" : JSON.stringify(v));

    const envFile = cfg.get("envFile");
    let settings: DeployEnv | undefined;
    if (!envFile || !fs.existsSync(envFile)) {
        problems.push({ key: key("envFile"), expected: "the path of the service's deploy env file, e.g. deploy/prod.env", found: envFile ? `${JSON.stringify(envFile)}, which does not exist` : found(envFile) });
    } else {
        try {
            settings = readDeployEnv(envFile);
        } catch (err) {
            if (!(err instanceof DeployEnvError)) throw err;
            for (const p of err.problems) problems.push({ key: `${key("envFile")} (${envFile})`, expected: "a valid deploy setting", found: p });
        }
    }

    const platformStack = cfg.get("platformStack");
    if (!platformStack || !/^[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+$/.test(platformStack)) {
        problems.push({ key: key("platformStack"), expected: "the platform stack as <organization>/<project>/<stack>, e.g. organization/iklimco-platform/prod", found: found(platformStack) });
    }

    const digest = cfg.get("digest") ?? settings?.digest;
    if (!digest || !isDigest(digest)) {
        problems.push({
            key: key("digest"),
            expected: "a tested digest sha256:<64 hex> is required (workflow input or DEPLOY_IMAGE_DIGEST), e.g. sha256:" + "0".repeat(64),
            found: found(digest),
        });
    }

    // Unset: the platform's `vaultServiceAddress` (Vault's name on the overlay, which its certificate covers).
    const vaultAddr = cfg.get("vaultAddr");
    const vaultProblem = vaultAddr === undefined ? undefined : urlProblem(vaultAddr, ["https"]);
    if (vaultProblem) problems.push({ key: key("vaultAddr"), expected: `Vault's https address on the overlay under a name its certificate covers, e.g. https://vault.iklim.co:8200 (${vaultProblem})`, found: found(vaultAddr) });

    const stackName = cfg.get("stackName") ?? "iklimco";
    if (!isDnsLabel(stackName)) problems.push({ key: key("stackName"), expected: "the platform's stackName, a lower-case DNS label, e.g. iklimco", found: found(stackName) });

    const passwordFix = `pulumi config set --secret ${key("harborPassword")} '<harbor robot token>'`;
    if (cfg.get("harborPassword") === undefined) {
        problems.push({ key: key("harborPassword"), expected: "a secret: the Harbor robot account password", found: "nothing (the secret is not set)", fix: passwordFix });
    } else if (!isConfigSecret(key("harborPassword"))) {
        problems.push({ key: key("harborPassword"), expected: "a secret, encrypted in the stack file", found: "a plain-text value", fix: passwordFix });
    }

    if (problems.length || !settings || !digest || !platformStack) throw new ConfigError(problems);
    return { settings, digest, platformStack, vaultAddr, stackName, harborPassword: cfg.requireSecret("harborPassword") };
}
