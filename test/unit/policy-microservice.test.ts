// The microservice deploy model: the deploy/prod.env parser, MicroserviceDeploy inside the stand-in platform
// (test/fixtures/prod-platform-program.ts), and the per-service program (microservice/program.ts) planned offline
// with the platform stack's outputs stood in for (offline:stackOutputs).
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DeployEnvError, parseDeployEnv } from "../../components/microservice/env-file";
import { evaluateProgram } from "../../tools/offline/engine";
import { POLICIES } from "../../policies/all";
import { runPolicies } from "../../policies/lib/run";
import { plannedResources } from "../../tools/offline/policy";
import { FIXTURES, SERVICE, comesAfter, evaluateStack, input, named, ofType } from "../harness";

const DIGEST = `sha256:${"ab".repeat(32)}`;
const ENV = [
    "# auth-service deploy settings",
    "DEPLOY_SERVICE_NAME=auth-service",
    "DEPLOY_IMAGE_REPOSITORY=harbor.iklim.co/iklimco/auth-service",
    "DEPLOY_HEALTHCHECK='wget -qO- http://127.0.0.1:8080/actuator/health'",
    "DEPLOY_REPLICAS=3",
    'SPRING_PROFILES_ACTIVE="prod"',
    "LOG_LEVEL=info",
].join("\n");

describe("microservice deploy model", function () {
    this.timeout(120000);

    describe("deploy/prod.env", () => {
        it("reads deploy keys with defaults and keeps every other key as sorted plain env", () => {
            const s = parseDeployEnv(ENV);
            expect(s).to.deep.include({ serviceName: "auth-service", repository: "harbor.iklim.co/iklimco/auth-service", prodTag: "prod", replicas: 3, cpus: 0.5, memoryMb: 512, placementLabel: "apps" });
            expect(s.healthcheck).to.equal("wget -qO- http://127.0.0.1:8080/actuator/health");
            expect(Object.keys(s.env)).to.deep.equal(["LOG_LEVEL", "SPRING_PROFILES_ACTIVE"]);
            expect(s.env.SPRING_PROFILES_ACTIVE).to.equal("prod");
        });
        it("reports every problem at once, naming the key or line", () => {
            let err: DeployEnvError | undefined;
            try {
                parseDeployEnv("DEPLOY_IMAGE_REPOSITORY=harbor.iklim.co/iklimco/x:1.0\nnot a line\nDEPLOY_PROD_TAG=latest\nDEPLOY_IMAGE_DIGEST=sha256:zz\nDEPLOY_REPLICAS=0", "x/deploy/prod.env");
            } catch (e) {
                err = e as DeployEnvError;
            }
            expect(err).to.be.instanceOf(DeployEnvError);
            const text = err!.message;
            for (const m of [/x\/deploy\/prod\.env is invalid/, /line 2: expected KEY=VALUE/, /DEPLOY_SERVICE_NAME: required/, /DEPLOY_HEALTHCHECK: required/, /without tag or digest/, /latest is a moving tag/, /DEPLOY_IMAGE_DIGEST: expected sha256/, /DEPLOY_REPLICAS: expected a number >= 1/]) {
                expect(text).to.match(m);
            }
        });
    });

    it("in the platform: promotes the tested digest to the prod tag, then runs it start-first with rollback and the AppRole secret files", async () => {
        const ev = await evaluateStack("prod", { program: path.join(FIXTURES, "prod-platform-program.ts") });
        const remote = named(ev, "fixture-auth-service-tested");
        const tag = named(ev, "fixture-auth-service-tag");
        const pushed = named(ev, "fixture-auth-service-promote");
        const svc = named(ev, "fixture-auth-service-service");
        const digest = input(remote, "name").split("@")[1];
        expect(input(remote, "name")).to.match(/^harbor\.iklim\.co\/iklimco\/auth-service@sha256:[a-f0-9]{64}$/);
        expect(input(tag, "targetImage")).to.equal("harbor.iklim.co/iklimco/auth-service:prod");
        expect(input(pushed, "name")).to.equal("harbor.iklim.co/iklimco/auth-service:prod");
        expect(input(pushed, "keepRemotely")).to.equal(true);
        expect(comesAfter(ev, tag, remote) && comesAfter(ev, pushed, tag) && comesAfter(ev, svc, pushed)).to.equal(true);
        expect(svc.explicitDependsOn).to.include(pushed.urn);
        expect(input(svc, "taskSpec.containerSpec.image")).to.equal(`harbor.iklim.co/iklimco/auth-service:prod@${digest}`);
        expect(input(svc, "updateConfig")).to.deep.include({ order: "start-first", failureAction: "rollback" });
        expect(input(svc, "rollbackConfig.order")).to.equal("start-first");
        const mounts = input(svc, "taskSpec.containerSpec.secrets").map((s: { fileName: string }) => s.fileName).sort();
        expect(mounts).to.deep.equal(["/run/secrets/auth-service_vault_role_id", "/run/secrets/auth-service_vault_secret_id"]);
        expect(input(svc, "taskSpec.containerSpec.env")).to.deep.include({
            VAULT_ROLE_ID_FILE: "/run/secrets/auth-service_vault_role_id",
            VAULT_SECRET_ID_FILE: "/run/secrets/auth-service_vault_secret_id",
            VAULT_ADDR: "https://vault.iklim.co:8200",
        });
        // The role id reaches the container only as a Swarm secret built from the AppRole output, secret all along.
        const roleSecret = ev.resources.find((r) => r.type === "docker:index/secret:Secret" && String(r.inputs.name).startsWith("auth-service_vault_role_id_"))!;
        expect(roleSecret.secretInputs).to.include("data");
    });

    it("the per-service program plans offline from the platform's outputs and passes the mandatory policies", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-ms-"));
        try {
            const envFile = path.join(dir, "prod.env");
            fs.writeFileSync(envFile, ENV);
            const outputs = {
                networkId: "net-123",
                dockerHost: "ssh://deploy@203.0.113.11:22",
                dockerSshOpts: ["-o", "StrictHostKeyChecking=yes"],
                registryServer: "harbor.iklim.co",
                registryUsername: "robot$iklimco+deploy",
                microserviceSecrets: { "auth-service": { roleId: { id: "sec-role", name: "auth-service_vault_role_id_1234abcd" }, secretId: { id: "sec-sid", name: "auth-service_vault_secret_id_9876fedc" } } },
                microserviceDbSecrets: { "auth-service": { "auth-service_db_password": { id: "sec-db", name: "auth-service_db_password_11112222" } } },
                vaultServiceAddress: "https://vault.iklim.co:8200",
            };
            const ev = await evaluateProgram({
                stack: "auth-service-prod",
                project: "iklimco-microservice",
                program: path.join(__dirname, "..", "..", "microservice", "program.ts"),
                config: {
                    "microservice:envFile": envFile,
                    "microservice:digest": DIGEST,
                    "microservice:platformStack": "organization/iklimco-platform/prod",
                    "microservice:harborPassword": "offline-placeholder",
                    "offline:stackOutputs": JSON.stringify(outputs),
                },
                secretKeys: ["microservice:harborPassword"],
            });
            const [svc] = ofType(ev, SERVICE);
            expect(input(svc, "name")).to.equal("iklimco_auth-service");
            expect(input(svc, "taskSpec.containerSpec.image")).to.equal(`harbor.iklim.co/iklimco/auth-service:prod@${DIGEST}`);
            expect(input(svc, "taskSpec.networksAdvanceds")[0].name).to.equal("net-123");
            const secrets = input(svc, "taskSpec.containerSpec.secrets");
            expect(secrets.map((s: { secretId: string; secretName: string }) => [s.secretId, s.secretName])).to.deep.equal([
                ["sec-role", "auth-service_vault_role_id_1234abcd"],
                ["sec-sid", "auth-service_vault_secret_id_9876fedc"],
                ["sec-db", "auth-service_db_password_11112222"],
            ]);
            const provider = ev.resources.find((r) => r.type === "pulumi:providers:docker")!;
            expect(provider.secretInputs).to.include("registryAuth");
            const run = await runPolicies(POLICIES, plannedResources(ev), {});
            expect(run.violations.filter((v) => v.enforcementLevel === "mandatory")).to.deep.equal([]);
            expect(ev.outputs.image).to.equal(`harbor.iklim.co/iklimco/auth-service:prod@${DIGEST}`);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("refuses a deploy without a tested digest, naming what is missing", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-ms-"));
        try {
            const envFile = path.join(dir, "prod.env");
            fs.writeFileSync(envFile, ENV);
            const base = {
                "microservice:envFile": envFile,
                "microservice:platformStack": "o/p/prod",
                "microservice:harborPassword": "x",
                "offline:stackOutputs": JSON.stringify({ networkId: "n", dockerHost: "unix:///x", dockerSshOpts: [], registryServer: "h", registryUsername: "u", microserviceSecrets: { "auth-service": { roleId: { id: "r", name: "r_1" }, secretId: { id: "s", name: "s_1" } } }, microserviceDbSecrets: {}, vaultServiceAddress: "https://vault.h:8200" }),
            };
            let err: Error | undefined;
            await evaluateProgram({ stack: "s", program: path.join(__dirname, "..", "..", "microservice", "program.ts"), config: base, secretKeys: ["microservice:harborPassword"] }).catch((e: Error) => (err = e));
            expect(err?.name).to.equal("ConfigError");
            expect(err?.message).to.match(/microservice:digest: expected a tested digest sha256:<64 hex> is required/);
            expect((err as { resourcesRegistered?: number }).resourcesRegistered).to.equal(0);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("reports every config mistake of the per-service program at once, before anything is registered", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-ms-"));
        try {
            const envFile = path.join(dir, "prod.env");
            fs.writeFileSync(envFile, ENV.replace("DEPLOY_REPLICAS=3", "DEPLOY_REPLICAS=zero"));
            const config = {
                "microservice:envFile": envFile,
                "microservice:platformStack": "prod",
                "microservice:digest": "sha256:abc",
                "microservice:vaultAddr": "vault:8200",
                "microservice:harborPassword": "plain-harbor-pw",
                "offline:stackOutputs": "{}",
            };
            let err: (Error & { problems?: { key: string; fix?: string }[]; resourcesRegistered?: number }) | undefined;
            await evaluateProgram({ stack: "s", program: path.join(__dirname, "..", "..", "microservice", "program.ts"), config, secretKeys: [] }).catch((e) => (err = e));
            expect(err?.name).to.equal("ConfigError");
            expect(err!.resourcesRegistered).to.equal(0);
            const keys = err!.problems!.map((p) => p.key);
            expect(keys).to.include.members(["microservice:platformStack", "microservice:digest", "microservice:vaultAddr", "microservice:harborPassword", `microservice:envFile (${envFile})`]);
            expect(err!.problems!.find((p) => p.key === "microservice:harborPassword")!.fix).to.equal("pulumi config set --secret microservice:harborPassword '<harbor robot token>'");
            expect(err!.message).to.match(/DEPLOY_REPLICAS: expected a number >= 1/);
            expect(err!.message).to.not.include("plain-harbor-pw");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
