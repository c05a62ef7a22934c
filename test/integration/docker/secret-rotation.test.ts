// A secret another stack mounts is never deleted by the platform's rotation. Offline: every
// Swarm secret the microservice program mounts is one the platform keeps on replacement (retainOnDelete), and
// the platform's own secrets are still deleted after their services moved. On the real swarm: the old secret
// is still mounted by a microservice's service when the platform rotates; the delete Pulumi would have sent
// is refused by Swarm (the failure the retain avoids); the retirement step keeps it while mounted, removes it
// once the microservice moved to the new one, never touches a current secret, and a second run does nothing.
import { expect } from "chai";
import * as crypto from "crypto";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { versionedName } from "../../../components/swarm/secret";
import { SECRET, SERVICE, evaluateStack, input, ofType } from "../../harness";
import { docker, dockerAvailable, dockerOk, ensureBusyboxImage, ensureSwarm, waitForService } from "../../support/docker";
import { evaluateMicroservice } from "../../support/microservice-eval";

const SCRIPT = path.join(__dirname, "..", "..", "..", "tools", "adoption", "retire-legacy-secrets.sh");

describe("rotating a secret another stack mounts", function () {
    this.timeout(300_000);

    it("the platform keeps, on replacement, every secret the microservice program mounts; its own secrets it deletes", async () => {
        const platform = await evaluateStack("prod");
        const shared = platform.outputs.sharedSecretNames as string[];
        const approle = platform.outputs.microserviceSecrets as Record<string, { roleId: { name: string }; secretId: { name: string } }>;
        expect(shared).to.include.members([approle["auth-service"].roleId.name, approle["auth-service"].secretId.name]);
        const secrets = ofType(platform, SECRET);
        for (const s of secrets) {
            const name = input(s, "name") as string;
            expect(s.options.retainOnDelete, `${name} retainOnDelete`).to.equal(shared.includes(name));
        }
        // Both kinds exist: the platform's own (deleted after its services moved) and the shared ones.
        expect(secrets.filter((s) => s.options.retainOnDelete).length).to.equal(shared.length);
        expect(secrets.filter((s) => !s.options.retainOnDelete).map((s) => input(s, "name"))).to.satisfy((n: string[]) => n.some((x) => x.startsWith("rabbitmq_erlang_cookie_")));

        // The Vault side of the same credential: the microservices' secret ids stay valid until their TTL (the
        // backup's own, which only the platform uses, is deleted on rotation).
        const secretIds = ofType(platform, "vault:appRole/authBackendRoleSecretId:AuthBackendRoleSecretId");
        for (const s of secretIds) expect(s.options.retainOnDelete, s.name).to.equal(!s.name.includes("backup"));
        expect(secretIds.filter((s) => s.name.includes("backup"))).to.have.length(1);

        const ms = await evaluateMicroservice({ outputs: platform.outputs });
        const [svc] = ofType(ms, SERVICE);
        const mounted = (input(svc, "taskSpec.containerSpec.secrets") as { secretName: string }[]).map((m) => m.secretName);
        expect(mounted.length).to.be.greaterThan(1);
        for (const name of mounted) expect(shared, `${name} is mounted by the microservice stack`).to.include(name);
    });

    describe("on the real swarm", function () {
        const prefix = `fcr7${process.pid}`;
        // The naming key lives in the platform's state; any key names alike for one run.
        const nameKey = crypto.randomBytes(32).toString("base64");
        const logical = `${prefix}-auth-service_vault_secret_id`;
        const idle = `${prefix}-notification-service_vault_secret_id`;
        const oldName = versionedName(nameKey, logical, "secret-id-1");
        const newName = versionedName(nameKey, logical, "secret-id-2");
        const idleName = versionedName(nameKey, idle, "secret-id-1");
        const svc = `${prefix}_auth-service`;
        let dir = "";
        let labels: { label: string; value: string }[] = [];

        before(async function () {
            if (!dockerAvailable()) this.skip();
            await ensureSwarm();
            ensureBusyboxImage();
            dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
            // The labels the program puts on the secret (com.iklimco.secret = its logical name, managed-by).
            const platform = await evaluateStack("prod");
            const programSecret = ofType(platform, SECRET).find((s) => String(input(s, "name")).startsWith("auth-service_vault_secret_id_"))!;
            labels = input(programSecret, "labels");
            expect(labels.map((l) => l.label).sort()).to.deep.equal(["com.iklimco.managed-by", "com.iklimco.secret"]);
        });
        after(() => {
            spawnSync("docker", ["service", "rm", svc], { stdio: "ignore" });
            for (const n of [oldName, newName, idleName]) spawnSync("docker", ["secret", "rm", n], { stdio: "ignore" });
            if (dir) fs.rmSync(dir, { recursive: true, force: true });
        });

        /** `docker secret create` with what the provider sends: the name, the program's labels, the data. */
        const createSecret = (name: string, logicalName: string, value: string) => {
            const args = ["secret", "create"];
            for (const l of labels) args.push("--label", `${l.label}=${l.label === "com.iklimco.secret" ? logicalName : l.value}`);
            docker([...args, name, "-"], value);
        };
        const retire = (...args: string[]) => {
            const keep = path.join(dir, "shared-secrets.txt");
            fs.writeFileSync(keep, `${newName}\n${idleName}\n`);
            return execFileSync("bash", [SCRIPT, "--match", `^${prefix}`, "--rotated", keep, ...args], { encoding: "utf8" });
        };

        it("rotating while the microservice mounts the old secret: no delete, the old one goes once unmounted", async () => {
            createSecret(oldName, logical, "secret-id-1");
            createSecret(idleName, idle, "secret-id-1");
            docker(["service", "create", "--detach", "--quiet", "--name", svc, "--secret", `source=${oldName},target=/run/secrets/auth-service_vault_secret_id`, ensureBusyboxImage(), "sleep", "3600"]);
            await waitForService(svc);

            // The platform's deploy: the new secret is created (create-before-delete) ...
            createSecret(newName, logical, "secret-id-2");
            // ... and the delete of the old one, which the provider would send without retainOnDelete, fails the
            // deploy: Swarm refuses it while another stack's service mounts it.
            const refused = spawnSync("docker", ["secret", "rm", oldName], { encoding: "utf8" });
            expect(refused.status).to.not.equal(0);
            expect(refused.stderr).to.match(/in use by the following service|is in use/);

            // The retirement step after the platform deploy: reports it, removes nothing.
            const first = retire("--apply");
            expect(first).to.include(`keep    ${oldName}: still mounted by ${svc}`);
            expect(first).to.match(/rotated secrets: 0 removed, 1 still in use/);
            expect(dockerOk(["secret", "inspect", oldName])).to.equal(true);

            // The microservice's next deploy moves its service to the new secret at the same target.
            docker(["service", "update", "--detach=false", "--quiet", "--secret-rm", oldName, "--secret-add", `source=${newName},target=/run/secrets/auth-service_vault_secret_id`, svc]);
            const dry = retire();
            expect(dry).to.include(`would remove ${oldName} (rotated, unreferenced)`);
            expect(dockerOk(["secret", "inspect", oldName])).to.equal(true);
            // As the workflows run it: the names from the platform's outputs file (`sharedSecretNames`).
            const outputs = path.join(dir, "outputs.json");
            fs.writeFileSync(outputs, JSON.stringify({ sharedSecretNames: [newName, idleName] }));
            const second = execFileSync("bash", [SCRIPT, "--match", `^${prefix}`, "--apply", "--outputs", outputs], { encoding: "utf8" });
            expect(second).to.include(`removed ${oldName}`);
            expect(second).to.match(/rotated secrets: 1 removed, 0 still in use/);
            expect(dockerOk(["secret", "inspect", oldName])).to.equal(false);
            // Current secrets stay, mounted (the new one) or not (a microservice not deployed yet).
            expect(dockerOk(["secret", "inspect", newName])).to.equal(true);
            expect(dockerOk(["secret", "inspect", idleName])).to.equal(true);
            expect(retire("--apply")).to.match(/rotated secrets: 0 removed, 0 still in use/);
            // An outputs file without the list (a platform not deployed with it) is refused, not read as "keep nothing".
            fs.writeFileSync(outputs, JSON.stringify({ dockerHost: "unix:///var/run/docker.sock" }));
            const refused2 = spawnSync("bash", [SCRIPT, "--match", `^${prefix}`, "--apply", "--outputs", outputs], { encoding: "utf8" });
            expect(refused2.status).to.equal(2);
            expect(refused2.stderr).to.match(/no sharedSecretNames output/);
        });
    });
});
