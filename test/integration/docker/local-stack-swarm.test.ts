// The local stack (Pulumi.local.yaml) on a real single-node swarm, as a laptop runs it: its compose export
// (`npm run plan -- --stack local --compose`) deployed with `docker stack deploy`, every image a local tag of a
// contract-true stand-in (test/support/contract-images.ts; nothing is pulled, nothing logs in), every bind
// directory created by the operator's tool (`npm run local-prepare`), and Vault initialised the way the program
// does it before the members start (step 10's placeholder certificate job and step 14's bootstrap, run from the
// evaluated program's own commands). Every service must then converge and report healthy with its REAL health
// check. The Vault stand-in holds OpenBao's `bao` as `vault` on busybox (what hashicorp/vault holds); MongoDB,
// RabbitMQ's server, APISIX, Grafana, SWAG and Patroni's PostgreSQL are documented-contract stand-ins (no such
// servers exist here). Names carry the prefix `tlocal<pid>`; everything created is removed.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { IMAGE_CONTRACTS, ImageKey } from "../../../components/images";
import { NODE_LABELS } from "../../../components/config";
import { initCredentials } from "../../../components/vault/bootstrap";
import { stackFileText, stackFilesOf } from "../../../tools/offline/compose";
import { bindSourcesOf, createDirectories } from "../../../tools/local/prepare";
import { SECRET, evaluateStack, input, ofType } from "../../harness";
import { ensureContractImage } from "../../support/contract-images";
import { containerOf, healthOf, standIn } from "../../support/contract-stack";
import { docker, dockerAvailable, dockerOk, ensureSwarm, removeTaskContainers, sleep, waitForService } from "../../support/docker";

/* eslint-disable @typescript-eslint/no-explicit-any */
const STACK = `tlocal${process.pid}`;
/** Runs one of the evaluated program's local commands (a manager script) as the command provider would. */
function runCommand(r: any, timeoutMs = 360_000): { status: number | null; stdout: string; stderr: string } {
    const res = spawnSync("/bin/bash", ["-c", input(r, "create")], {
        input: String(input(r, "stdin")),
        env: { ...process.env, ...(input(r, "environment") ?? {}) },
        encoding: "utf8",
        timeout: timeoutMs,
    });
    return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe("local stack on a real swarm: its compose export, contract-true stand-in images, every service healthy with its real health check (real etcd, Patroni, RabbitMQ, OpenBao; documented-contract stand-ins for the MongoDB, APISIX, Grafana and SWAG servers)", function () {
    this.timeout(900_000);
    const created = { secrets: [] as string[], network: "", stacks: false, dir: "" };
    let node = "";

    before(async function () {
        if (!dockerAvailable()) this.skip();
        await ensureSwarm();
    });

    after(async function () {
        this.timeout(240_000);
        if (created.stacks) spawnSync("docker", ["stack", "rm", STACK], { stdio: "ignore" });
        for (const s of docker(["service", "ls", "--format", "{{.Name}}", "--filter", `name=${STACK}_`]).split("\n").filter(Boolean)) dockerOk(["service", "rm", s]);
        // With the exited task containers of the one-shot jobs (step 10's node job), which Swarm keeps.
        await removeTaskContainers(`name=${STACK}_`, 90_000);
        for (const v of docker(["volume", "ls", "-q", "--filter", `name=${STACK}_`]).split("\n").filter(Boolean)) {
            for (let i = 0; i < 10 && !dockerOk(["volume", "rm", v]); i++) await sleep(1000);
        }
        for (const s of created.secrets) dockerOk(["secret", "rm", s]);
        if (created.network) for (let i = 0; i < 30 && dockerOk(["network", "inspect", created.network]) && !dockerOk(["network", "rm", created.network]); i++) await sleep(1000);
        if (created.dir) fs.rmSync(created.dir, { recursive: true, force: true });
    });

    it("deploys everything the local stack declares and every service converges healthy", async () => {
        node = docker(["node", "inspect", "self", "--format", "{{.Description.Hostname}}"]);
        // The operator's local images: here, the contract-true stand-ins, under their own tags.
        const images = Object.fromEntries((Object.keys(IMAGE_CONTRACTS) as ImageKey[]).map((k) => [k, ensureContractImage(k).tag])) as Record<ImageKey, string>;
        created.dir = fs.mkdtempSync(path.join(os.tmpdir(), `${STACK}-`));
        const box = path.join(created.dir, "storagebox");
        const ev = await evaluateStack("local", {
            overrides: {
                "iklimco:stackName": STACK,
                "iklimco:network": { name: `${STACK}-net`, subnet: "10.232.0.0/24", encrypted: false },
                "iklimco:nodes": [{ name: node, role: "manager", publicIp: "127.0.0.1", labels: [...NODE_LABELS] }],
                "iklimco:images": images,
                "iklimco:paths": {
                    storageBox: box,
                    swagCertDir: `${box}/ssl`,
                    swagDnsConfigDir: `${box}/swag/dns-conf`,
                    swagSiteConfsDir: `${box}/swag/site-confs`,
                    swagProxyConfsDir: `${box}/swag/proxy-confs`,
                    nodeSslDir: path.join(created.dir, "ssl"),
                },
            },
        });
        // No registry anywhere: registry.auth is off in the local stack, so no command carries a login.
        for (const r of ev.resources.filter((x) => x.type === "command:local:Command")) expect(String(input(r, "stdin")), r.name).to.not.match(/^export REGISTRY(_USER|_PASSWORD)?=/m);

        const files = await stackFilesOf(ev);
        expect([...files.keys()].sort()).to.deep.equal(["docker-stack-infra_db-local.yml", "docker-stack-vault.yml"]);
        // Every bind source the stack declares, created by the operator's tool; the Docker socket must exist.
        const binds = bindSourcesOf(files.values());
        expect(binds.directories).to.include(`${box}/vault-snapshots`).and.to.include(`${box}/swag/site-confs`);
        expect(binds.files).to.deep.equal(["/var/run/docker.sock"]);
        createDirectories(binds.directories);
        expect(createDirectories(binds.directories), "a second run creates nothing").to.deep.equal([]);

        // What Pulumi creates before the stack: the overlay (attachable) and the secrets, same names and values.
        docker(["network", "create", "--driver", "overlay", "--attachable", `${STACK}-net`]);
        created.network = `${STACK}-net`;

        // Step 10 (the node's placeholder certificate) and step 14 (Vault initialised through a transient
        // server on vault-1's volume): the program's own commands, in the program's order.
        const commands = ev.resources.filter((x) => x.type === "command:local:Command");
        const tls = commands.find((c) => c.name.endsWith("-tls-vault-1"))!;
        const init = commands.find((c) => c.name.endsWith("-vault-init-command"))!;
        expect(tls && init, commands.map((c) => c.name).join(", ")).to.not.equal(undefined);
        const step10 = runCommand(tls);
        expect(step10.status, step10.stderr).to.equal(0);
        const step14 = runCommand(init);
        expect(step14.status, step14.stderr).to.equal(0);
        const creds = initCredentials(step14.stdout, {});
        expect(creds.unsealKey).to.match(/^[A-Za-z0-9+/=]{20,}$/);

        const values = new Map<string, string>();
        for (const s of ofType(ev, SECRET)) values.set(input(s, "name"), Buffer.from(input(s, "data"), "base64").toString("utf8"));
        const docs = new Map<string, any>();
        for (const [file, rendered] of files) {
            const { doc } = standIn(rendered, images, `${STACK}-`);
            // Each service runs its rendered health check, command and arguments, unchanged.
            for (const [n, svc] of Object.entries<any>(doc.services)) {
                expect(svc.healthcheck.test, n).to.deep.equal(rendered.services[n].healthcheck.test);
                expect(svc.entrypoint, n).to.deep.equal(rendered.services[n].entrypoint);
                expect(svc.command, n).to.deep.equal(rendered.services[n].command);
            }
            for (const s of Object.values<any>(doc.secrets ?? {})) {
                const original = s.name.slice(`${STACK}-`.length);
                expect(values.has(original), original).to.equal(true);
                // The unseal key is the one step 14 returned (the evaluation only knows a mock of it).
                const value = original.startsWith("vault_unseal_key_") ? creds.unsealKey : values.get(original)!;
                if (!dockerOk(["secret", "inspect", s.name])) {
                    docker(["secret", "create", s.name, "-"], value);
                    created.secrets.push(s.name);
                }
            }
            docs.set(file, doc);
        }

        created.stacks = true;
        // The Vault members first (their own file, as the operators deploy it), then the infra/DB file.
        for (const file of ["docker-stack-vault.yml", "docker-stack-infra_db-local.yml"]) {
            const out = path.join(created.dir, file);
            fs.writeFileSync(out, stackFileText(docs.get(file)));
            const deploy = spawnSync("docker", ["stack", "deploy", "--detach=true", "-c", out, STACK], { encoding: "utf8", timeout: 120_000 });
            expect(deploy.status, deploy.stderr).to.equal(0);
        }

        const names = [...docs.values()].flatMap((d) => Object.keys(d.services)).sort();
        expect(names).to.deep.equal(["apisix", "cert-distributor", "cert-reloader", "etcd-1", "grafana", "mongodb-1", "patroni-1", "rabbitmq-1", "swag", "vault-1", "vault-backup"]);
        for (const n of names) await waitForService(`${STACK}_${n}`, 300_000);
        for (const n of names) expect(healthOf(containerOf(`${STACK}_${n}`)), n).to.equal("healthy");
        // Every service runs the local image the stack file names: nothing was pulled.
        for (const n of names) {
            const spec = JSON.parse(docker(["service", "inspect", `${STACK}_${n}`]))[0].Spec;
            expect(spec.TaskTemplate.ContainerSpec.Image.split("@")[0], n).to.be.oneOf(Object.values(images));
        }
    });
});
