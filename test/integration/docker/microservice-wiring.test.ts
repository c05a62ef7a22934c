// The microservice program reaches Vault at a name that resolves on the overlay and that
// the Vault certificate covers, and mounts the password secrets the platform made for it. Offline: the
// address, the members' alias and the mounts, from the evaluated programs. On the real swarm: a stand-in
// microservice deployed from the microservice program's own service spec (the image replaced by a stand-in:
// Harbor cannot be reached here; no placement constraint, so the shared test node's labels are left alone)
// logs in to a real OpenBao over verified TLS with its AppRole (role and policy as the platform declares
// them) and reads its database password from its mounted file.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import { versionedName } from "../../../components/swarm/secret";
import { RecordedResource, SERVICE, evaluateStack, input, ofType } from "../../harness";
import { docker, dockerAvailable, ensureSwarm, sleep, waitForService } from "../../support/docker";
import { evaluateMicroservice } from "../../support/microservice-eval";
import { openbaoAvailable } from "../../support/openbao";
import { ensureBaoImage, startOpenBao, wildcardPki } from "../../support/openbao-swarm";

const DOMAIN = "iklim.co";
/** Does a certificate name (`*.iklim.co`) cover a host name, by RFC 6125 (one label for the wildcard)? */
const covers = (san: string, host: string) => (san.startsWith("*.") ? host.split(".").slice(1).join(".") === san.slice(2) && host.split(".").length === san.split(".").length : san === host);

const byName = (rs: RecordedResource[], name: string) => rs.find((r) => r.inputs.name === name);

describe("microservice wiring: Vault by a name the certificate covers, the password secrets mounted", function () {
    this.timeout(420_000);

    it("VAULT_ADDR names Vault as the members answer on the overlay and as the certificate covers it; the password secrets are mounted", async () => {
        const platform = await evaluateStack("prod");
        const ms = await evaluateMicroservice({ outputs: platform.outputs });
        const [svc] = ofType(ms, SERVICE);
        const env = input(svc, "taskSpec.containerSpec.env");
        const vaultUrl = new URL(env.VAULT_ADDR);
        expect(vaultUrl.protocol).to.equal("https:");
        expect(vaultUrl.hostname).to.equal(`vault.${DOMAIN}`);
        expect(vaultUrl.port).to.equal("8200");
        // The real certificate is the wildcard (wait-cert.sh accepts only a cert naming *.<domain>).
        expect(covers(`*.${DOMAIN}`, vaultUrl.hostname)).to.equal(true);
        expect(covers(`*.${DOMAIN}`, "vault")).to.equal(false);
        // Every Vault member answers to that name on the overlay.
        for (const n of [1, 2, 3]) {
            const member = byName(ofType(platform, SERVICE), `iklimco_vault-${n}`)!;
            expect(input(member, "taskSpec.networksAdvanceds")[0].aliases, `vault-${n} aliases`).to.include(vaultUrl.hostname);
        }
        // The platform's password secrets for auth-service (postgres and rabbitmq in Pulumi.prod.yaml), mounted.
        const db = (platform.outputs.microserviceDbSecrets as Record<string, Record<string, { id: string; name: string }>>)["auth-service"];
        expect(Object.keys(db).sort()).to.deep.equal(["auth-service_db_password", "auth-service_rabbitmq_password"]);
        const mounts = input(svc, "taskSpec.containerSpec.secrets") as { secretId: string; secretName: string; fileName: string }[];
        for (const [logical, ref] of Object.entries(db)) {
            expect(mounts).to.deep.include.members([{ ...mounts.find((m) => m.fileName === `/run/secrets/${logical}`)!, secretId: ref.id, secretName: ref.name }]);
        }
        expect(env).to.include({ DB_PASSWORD_FILE: "/run/secrets/auth-service_db_password", RABBITMQ_PASSWORD_FILE: "/run/secrets/auth-service_rabbitmq_password" });
    });

    describe("on the real swarm", function () {
        const prefix = `fcr8${process.pid}`;
        const net = `${prefix}-net`;
        const vaultSvc = `${prefix}_vault`;
        const created: { services: string[]; secrets: string[] } = { services: [], secrets: [] };

        before(async function () {
            if (!dockerAvailable() || !openbaoAvailable()) this.skip();
            await ensureSwarm();
        });
        after(async () => {
            for (const s of created.services) spawnSync("docker", ["service", "rm", s], { stdio: "ignore" });
            for (let i = 0; i < 30 && spawnSync("docker", ["network", "rm", net], { stdio: "ignore" }).status !== 0; i++) {
                if (spawnSync("docker", ["network", "inspect", net], { stdio: "ignore" }).status !== 0) break;
                await sleep(1000);
            }
            for (const s of created.secrets) spawnSync("docker", ["secret", "rm", s], { stdio: "ignore" });
        });

        /** A /24 no network on this engine uses. */
        const freeSubnet = (): string => {
            const used = docker(["network", "ls", "-q"]).split("\n").filter(Boolean).flatMap((id) => docker(["network", "inspect", "--format", "{{range .IPAM.Config}}{{.Subnet}} {{end}}", id]).split(/\s+/));
            for (let i = 0; i < 250; i++) {
                const s = `10.213.${(process.pid + i) % 250}.0/24`;
                if (!used.includes(s)) return s;
            }
            throw new Error("no free 10.213.x.0/24");
        };

        it("a stand-in microservice from the program's own spec logs in to Vault over TLS with its AppRole and reads its database password", async () => {
            const subnet = freeSubnet();
            const platform = await evaluateStack("prod", { overrides: { "iklimco:network": { name: net, subnet, encrypted: false } } });
            const netId = docker(["network", "create", "--driver", "overlay", "--attachable", "--subnet", subnet, "--label", `com.iklimco.test=${prefix}`, net]);

            // Vault: the member's overlay aliases as the program declares them, a *.<domain> certificate.
            const member = byName(ofType(platform, SERVICE), "iklimco_vault-1")!;
            const aliases: string[] = input(member, "taskSpec.networksAdvanceds")[0].aliases;
            const pki = wildcardPki(DOMAIN);
            const app = [
                "set -u",
                // What an app does with its env: log in with the AppRole files, then read its password file.
                'until policies=$(bao write -address="$VAULT_ADDR" -field=token_policies auth/approle/login role_id=@"$VAULT_ROLE_ID_FILE" secret_id=@"$VAULT_SECRET_ID_FILE" 2>/tmp/login.err); do cat /tmp/login.err; sleep 2; done',
                'echo "vault login ok at $VAULT_ADDR: policies $policies"',
                'echo "db password from $DB_PASSWORD_FILE: $(wc -c < "$DB_PASSWORD_FILE") bytes, sha256 $(sha256sum < "$DB_PASSWORD_FILE" | cut -d" " -f1)"',
                "touch /tmp/ready",
                "exec sleep 3600",
            ].join("\n");
            const image = ensureBaoImage(pki.caPem, app);
            created.services.push(vaultSvc);
            const bao = await startOpenBao({ service: vaultSvc, network: net, aliases, image, pki });

            // The AppRole as the platform declares it: policy, role settings, secret id.
            const policy = ofType(platform, "vault:index/policy:Policy").find((p) => input(p, "name") === "auth-service" || String(input(p, "name")).includes("auth-service"))!;
            const role = ofType(platform, "vault:appRole/authBackendRole:AuthBackendRole").find((r) => input(r, "roleName") === "auth-service")!;
            const sid = ofType(platform, "vault:appRole/authBackendRoleSecretId:AuthBackendRoleSecretId").find((r) => input(r, "roleName") === "auth-service" || r.name.includes("auth-service"))!;
            expect(input(role, "tokenPolicies")).to.include(input(policy, "name"));
            expect(input(role, "secretIdBoundCidrs")).to.deep.equal([subnet]);
            bao.bao(["auth", "enable", "approle"]);
            bao.bao(["policy", "write", input(policy, "name"), "-"], input(policy, "policy"));
            const r = (k: string) => input(role, k);
            bao.bao([
                "write", "auth/approle/role/auth-service",
                `token_policies=${r("tokenPolicies").join(",")}`, `token_ttl=${r("tokenTtl")}`, `token_max_ttl=${r("tokenMaxTtl")}`,
                `token_bound_cidrs=${r("tokenBoundCidrs").join(",")}`, `secret_id_bound_cidrs=${r("secretIdBoundCidrs").join(",")}`,
                `secret_id_ttl=${r("secretIdTtl")}`, `secret_id_num_uses=${r("secretIdNumUses")}`, `token_type=${r("tokenType")}`, `bind_secret_id=${r("bindSecretId")}`,
            ]);
            const roleId = bao.bao(["read", "-field=role_id", "auth/approle/role/auth-service/role-id"]);
            const secretId = bao.bao(["write", "-f", "-field=secret_id", "auth/approle/role/auth-service/secret-id", `cidr_list=${input(sid, "cidrLists").join(",")}`]);

            // The platform's Swarm secrets (content-hashed names; test-prefixed, the swarm is shared).
            const dbPassword = crypto.randomBytes(24).toString("hex");
            // The naming key lives in the platform's state; any key names alike for one run.
            const nameKey = crypto.randomBytes(32).toString("base64");
            const swarmSecret = (logical: string, value: string) => {
                const name = `${prefix}-${versionedName(nameKey, logical, value)}`;
                const id = docker(["secret", "create", "--label", `com.iklimco.secret=${logical}`, "--label", "com.iklimco.managed-by=pulumi", name, "-"], value);
                created.secrets.push(name);
                return { id, name };
            };
            const outputs = {
                ...platform.outputs,
                networkId: netId,
                networkName: net,
                microserviceSecrets: { "auth-service": { roleId: swarmSecret("auth-service_vault_role_id", roleId), secretId: swarmSecret("auth-service_vault_secret_id", secretId) } },
                microserviceDbSecrets: {
                    "auth-service": {
                        "auth-service_db_password": swarmSecret("auth-service_db_password", dbPassword),
                        "auth-service_rabbitmq_password": swarmSecret("auth-service_rabbitmq_password", crypto.randomBytes(24).toString("hex")),
                    },
                },
            };
            const envText = ["DEPLOY_SERVICE_NAME=auth-service", "DEPLOY_IMAGE_REPOSITORY=harbor.iklim.co/iklimco/auth-service", "DEPLOY_HEALTHCHECK=test -f /tmp/ready", "DEPLOY_REPLICAS=1", "DEPLOY_MEMORY_MB=256"].join("\n");
            const ms = await evaluateMicroservice({ outputs, envText, config: { "microservice:stackName": prefix } });
            const [spec] = ofType(ms, SERVICE);

            // `docker service create` from the program's spec, field by field.
            const c = input(spec, "taskSpec.containerSpec");
            const hc = c.healthcheck;
            const [netSpec] = input(spec, "taskSpec.networksAdvanceds");
            const args = ["service", "create", "--detach", "--quiet", "--name", input(spec, "name")];
            for (const [k, v] of Object.entries(c.env as Record<string, string>)) args.push("--env", `${k}=${v}`);
            for (const s of c.secrets) args.push("--secret", `source=${s.secretName},target=${s.fileName},uid=${s.fileUid},gid=${s.fileGid},mode=0${s.fileMode.toString(8)}`);
            args.push("--network", [`name=${netSpec.name}`, ...netSpec.aliases.map((a: string) => `alias=${a}`)].join(","));
            expect(hc.tests[0]).to.equal("CMD-SHELL");
            args.push("--health-cmd", hc.tests[1], "--health-interval", "2s", "--health-timeout", hc.timeout, "--health-retries", String(hc.retries), "--health-start-period", hc.startPeriod);
            args.push("--limit-memory", String(input(spec, "taskSpec.resources.limits.memoryBytes")));
            for (const l of input(spec, "labels")) args.push("--label", `${l.label}=${l.value}`);
            args.push(image);
            const appSvc = input(spec, "name") as string;
            created.services.push(appSvc);
            docker(args);
            await waitForService(appSvc, 180_000).catch((e: Error) => {
                throw new Error(`${e.message}\n${spawnSync("docker", ["service", "logs", "--raw", appSvc], { encoding: "utf8" }).stdout.slice(-2000)}`);
            });
            // Healthy means /tmp/ready exists: the login and the password read happened.
            let logs = "";
            for (let i = 0; i < 30 && !logs.includes("db password"); i++) {
                logs = docker(["service", "logs", "--raw", appSvc]);
                await sleep(1000);
            }
            expect(logs).to.include(`vault login ok at https://vault.${DOMAIN}:8200: policies [`);
            expect(logs).to.include(input(policy, "name"));
            expect(logs).to.include(`db password from /run/secrets/auth-service_db_password: ${dbPassword.length} bytes, sha256 ${crypto.createHash("sha256").update(dbPassword).digest("hex")}`);
            expect(logs).to.not.include(dbPassword);

            // The old default, and a member name the certificate does not cover, both fail on the same overlay.
            const probe = (addr: string) => spawnSync("docker", ["run", "--rm", "--network", net, image, "bao", "status", `-address=${addr}`], { encoding: "utf8", timeout: 60_000 });
            const oldDefault = probe("https://vault:8200");
            expect(oldDefault.status).to.not.equal(0);
            expect(oldDefault.stderr).to.match(/no such host|server misbehaving|lookup vault/);
            const memberName = probe("https://vault-1:8200");
            expect(memberName.status).to.not.equal(0);
            expect(memberName.stderr).to.match(/certificate is valid for \*\.iklim\.co, not vault-1|x509/);
            const good = probe(`https://vault.${DOMAIN}:8200`);
            expect(good.stdout, good.stderr).to.match(/Sealed\s+false/);
        });
    });
});
