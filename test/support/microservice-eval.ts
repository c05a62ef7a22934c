// Evaluates the microservice deploy program (microservice/program.ts) under the offline engine, with the
// platform stack's outputs stood in for (offline:stackOutputs), the way its workflow runs it per service.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Evaluation, evaluateProgram } from "../../tools/offline/engine";

export const TESTED_DIGEST = `sha256:${"ab".repeat(32)}`;

export const AUTH_SERVICE_ENV = [
    "DEPLOY_SERVICE_NAME=auth-service",
    "DEPLOY_IMAGE_REPOSITORY=harbor.iklim.co/iklimco/auth-service",
    "DEPLOY_HEALTHCHECK='wget -qO- http://127.0.0.1:8080/actuator/health'",
    "DEPLOY_REPLICAS=1",
    'SPRING_PROFILES_ACTIVE="prod"',
].join("\n");

export interface MicroserviceEvalOptions {
    envText?: string;
    /** The platform's outputs (index.ts exports), as a StackReference would return them. */
    outputs: Record<string, unknown>;
    /** Extra `microservice:` config (full keys). */
    config?: Record<string, string>;
    digest?: string;
}

export async function evaluateMicroservice(opts: MicroserviceEvalOptions): Promise<Evaluation> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "microservice-eval-"));
    try {
        const envFile = path.join(dir, "prod.env");
        fs.writeFileSync(envFile, opts.envText ?? AUTH_SERVICE_ENV);
        return await evaluateProgram({
            stack: "auth-service-prod",
            project: "iklimco-microservice",
            program: path.join(__dirname, "..", "..", "microservice", "program.ts"),
            config: {
                "microservice:envFile": envFile,
                "microservice:digest": opts.digest ?? TESTED_DIGEST,
                "microservice:platformStack": "organization/iklimco-platform/prod",
                "microservice:harborPassword": "offline-placeholder",
                "offline:stackOutputs": JSON.stringify(opts.outputs),
                ...(opts.config ?? {}),
            },
            secretKeys: ["microservice:harborPassword"],
        });
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
