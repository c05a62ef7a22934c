// The rendered infra/DB stack on a real swarm: `docker stack deploy` accepts the very stack file the program
// renders, every service converges, and every secret is readable at its target inside its container.
// Images are swapped for stand-ins holding only what each image's contract lists (components/images.ts,
// test/support/contract-images.ts): real etcd and etcdctl with no shell, real Patroni with PostgreSQL, python3,
// bash, busybox wget, and documented-contract stand-ins for the other servers. Every health check, command and argument
// runs as rendered; only health-check intervals and grace periods are shortened, resource limits made small
// (shared machine), published ports left to Swarm, and secret names carry this test's prefix.
// Everything created is named `tinfra-<pid>...` and removed afterwards; node labels are removed if added here.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stackFileText, stackFilesOf } from "../../../tools/offline/compose";
import { ImageKey } from "../../../components/images";
import { httpCheck } from "../../../components/infra-db/common";
import { INFRA_USERS } from "../../../components/infra-db/secrets";
import { containerOf, healthOf, listInContainer, readSecretInContainer, standIn } from "../../support/contract-stack";
import { docker, dockerAvailable, dockerOk, ensureSwarm, removeTaskContainers, sleep, waitForService } from "../../support/docker";
import { SECRET, evaluateStack, input, ofType } from "../../harness";
import { readStackConfig } from "../../../tools/offline/stack-config";

/* eslint-disable @typescript-eslint/no-explicit-any */
const STACK = `tinfra-${process.pid}`;

/** A key of the prod stack's config as an object (the offline config holds maps as JSON text). */
function prodValue(key: string): Record<string, unknown> {
    const v: unknown = readStackConfig("prod").config[key];
    return (typeof v === "string" ? JSON.parse(v) : v) as Record<string, unknown>;
}

describe("infra/DB stack on a real swarm (contract-true stand-in images; real etcd, Patroni and RabbitMQ, documented-contract stand-ins for the MongoDB, APISIX, Grafana and SWAG servers, which have no server on this machine)", function () {
    this.timeout(600_000);
    const created = { secrets: [] as string[], network: "", stack: false, volumes: [] as string[], dir: "" };
    let node = "";

    before(async function () {
        if (!dockerAvailable()) this.skip();
        await ensureSwarm();
    });

    after(async function () {
        this.timeout(180_000);
        if (created.stack) {
            spawnSync("docker", ["stack", "rm", STACK], { stdio: "ignore" });
            await removeTaskContainers(`label=com.docker.stack.namespace=${STACK}`);
        }
        for (const v of created.volumes) {
            for (let i = 0; i < 10 && dockerOk(["volume", "inspect", v]); i++) {
                if (dockerOk(["volume", "rm", v])) break;
                await sleep(1000);
            }
        }
        for (const s of created.secrets) spawnSync("docker", ["secret", "rm", s], { stdio: "ignore" });
        if (created.network) {
            for (let i = 0; i < 20 && !dockerOk(["network", "rm", created.network]); i++) await sleep(1000);
        }
        if (created.dir) fs.rmSync(created.dir, { recursive: true, force: true });
    });

    it("docker stack deploy accepts the rendered stack, every service converges, every secret is readable at its target", async () => {
        node = docker(["node", "inspect", "self", "--format", "{{.Description.Hostname}}"]);
        created.dir = fs.mkdtempSync(path.join(os.tmpdir(), "tinfra-swag-"));
        const paths = {
            storageBox: created.dir,
            swagCertDir: path.join(created.dir, "ssl"),
            swagDnsConfigDir: path.join(created.dir, "dns-conf"),
            swagSiteConfsDir: path.join(created.dir, "site-confs"),
            swagProxyConfsDir: path.join(created.dir, "proxy-confs"),
            nodeSslDir: path.join(created.dir, "node-ssl"),
        };
        for (const p of Object.values(paths)) fs.mkdirSync(p, { recursive: true });

        const ev = await evaluateStack("prod", {
            overrides: {
                "iklimco:stackName": STACK,
                "iklimco:docker": { host: "unix:///var/run/docker.sock" },
                "iklimco:registry": { server: "harbor.iklim.co", auth: false },
                "iklimco:network": { name: `${STACK}-net`, subnet: "10.231.0.0/24", encrypted: false },
                "iklimco:nodes": [{ name: node, role: "manager", publicIp: "127.0.0.1", labels: ["etcd", "db", "mq", "gateway", "edge", "monitoring", "vault"] }],
                "iklimco:replicas": { apisix: 1, grafana: 1 },
                "iklimco:paths": paths,
                // No public DNS here: the runner reaches Vault privately, and the certificate is self-signed.
                "iklimco:dns": { provider: "none" },
                "iklimco:certificates": { mode: "self-signed" },
                "iklimco:vault": { ...prodValue("iklimco:vault"), runnerAccess: "private", address: "https://127.0.0.1:8200" },
            },
        });
        const files = await stackFilesOf(ev);
        // The Vault members go to their own file, as the operators' docker-stack-vault.yml.
        expect([...files.keys()].sort()).to.deep.equal(["docker-stack-infra_db-prod.yml", "docker-stack-vault.yml"]);
        const rendered = files.get("docker-stack-infra_db-prod.yml")!;
        // The certificate services and the Vault backup share this file but not this test: they need the Docker
        // socket, a certificate or a Vault, which this stand-in deployment does not provide. The certificate
        // services run on this swarm in certs-e2e; the backup runs on this swarm against a real OpenBao in vault-backup-swarm.
        for (const key of Object.keys(rendered.services)) if (key.startsWith("cert-") || key === "vault-backup") delete rendered.services[key];
        const images = readStackConfig("prod").config["iklimco:images"] as unknown as Record<ImageKey, string>;
        const { doc, images: used } = standIn(rendered, typeof images === "string" ? JSON.parse(images) : images, "tinfra-");
        // Every service runs the stand-in of its own image, with its health check and command as rendered.
        expect(used).to.deep.include({ "etcd-1": "etcd", apisix: "apisix", grafana: "grafana", swag: "swag", "patroni-1": "patroni", "mongodb-1": "mongodb", "rabbitmq-1": "rabbitmq" });
        for (const [n, svc] of Object.entries<any>(doc.services)) {
            expect(svc.healthcheck.test, n).to.deep.equal(rendered.services[n].healthcheck.test);
            expect(svc.entrypoint, n).to.deep.equal(rendered.services[n].entrypoint);
            expect(svc.command, n).to.deep.equal(rendered.services[n].command);
        }

        // The external objects Pulumi would have created: the secrets (same values) and the overlay.
        const values = new Map<string, string>();
        for (const s of ofType(ev, SECRET)) values.set(input(s, "name"), Buffer.from(input(s, "data"), "base64").toString("utf8"));
        for (const s of Object.values<any>(doc.secrets)) {
            const original = s.name.slice("tinfra-".length);
            expect(values.has(original), original).to.equal(true);
            if (!dockerOk(["secret", "inspect", s.name])) {
                docker(["secret", "create", s.name, "-"], values.get(original));
                created.secrets.push(s.name);
            }
        }
        docker(["network", "create", "--driver", "overlay", "--attachable", `${STACK}-net`]);
        created.network = `${STACK}-net`;
        created.volumes = Object.values<any>(doc.volumes).map((v) => v.name);

        const file = path.join(created.dir, "stack.yml");
        fs.writeFileSync(file, stackFileText(doc));
        created.stack = true;
        const deploy = spawnSync("docker", ["stack", "deploy", "--detach=true", "-c", file, STACK], { encoding: "utf8", timeout: 120_000 });
        expect(deploy.status, deploy.stderr).to.equal(0);

        const names = Object.keys(doc.services).sort();
        expect(names).to.deep.equal(["apisix", "etcd-1", "grafana", "mongodb-1", "patroni-1", "rabbitmq-1", "swag"]);
        for (const n of names) await waitForService(`${STACK}_${n}`, 180_000);

        for (const n of names) {
            const id = containerOf(`${STACK}_${n}`);
            for (const m of doc.services[n].secrets ?? []) {
                const expected = values.get(doc.secrets[m.source].name.slice("tinfra-".length));
                const file = readSecretInContainer(id, doc.secrets[m.source].name);
                expect(file.content, `${n}:${m.target}`).to.equal(expected);
                expect(`${file.mode.toString(8)} ${file.uid}`, `${n}:${m.target}`).to.equal(`${Number(m.mode).toString(8)} ${m.uid}`);
            }
            // Its real health check, run in an image holding only its contract, passed.
            expect(healthOf(id), n).to.equal("healthy");
        }
        // The placement, volumes and update order Swarm recorded are the rendered ones.
        const etcd = JSON.parse(docker(["service", "inspect", `${STACK}_etcd-1`]))[0].Spec;
        expect(etcd.TaskTemplate.Placement.Constraints.sort()).to.deep.equal([`node.hostname == ${node}`, "node.labels.etcd == true"]);
        expect(etcd.UpdateConfig).to.deep.include({ Order: "stop-first", FailureAction: "rollback" });
        expect(etcd.TaskTemplate.ContainerSpec.Mounts[0]).to.deep.include({ Type: "volume", Source: `${STACK}_etcd-1-data`, Target: "/etcd-data" });
        // etcd is the real one, started from the rendered environment, on its volume: healthy, its own name.
        const etcdId = containerOf(`${STACK}_etcd-1`);
        const etcdctl = spawnSync("docker", ["exec", etcdId, "/usr/local/bin/etcdctl", "--endpoints=http://127.0.0.1:2379", "endpoint", "health"], { encoding: "utf8" });
        expect(etcdctl.status, etcdctl.stderr).to.equal(0);
        expect(etcdctl.stdout + etcdctl.stderr).to.match(/is healthy/);
        expect(listInContainer(etcdId, "/etcd-data/member").some((f) => /^member\/wal\/?$/.test(f))).to.equal(true);
        expect(JSON.parse(docker(["inspect", etcdId]))[0].Config.Env).to.include("ETCD_INITIAL_CLUSTER=etcd-1=http://etcd-1:2380");
        // The distroless etcd stand-in has no shell and no wget, as upstream: the former health check
        // (wget .../health) cannot run there, nor curl in the APISIX one, so such a check fails this test.
        expect(dockerOk(["exec", etcdId, "/bin/sh", "-c", "true"])).to.equal(false);
        expect(dockerOk(["exec", etcdId, ...httpCheck("http://127.0.0.1:2379/health").slice(1)])).to.equal(false);
        expect(dockerOk(["exec", containerOf(`${STACK}_apisix`), "curl", "-fsS", "http://127.0.0.1:7085/status/ready"])).to.equal(false);
        // Patroni is the real one (Debian's, with PostgreSQL) on the real etcd: the one member leads a running primary.
        const patroniId = containerOf(`${STACK}_patroni-1`);
        const primary = spawnSync("docker", ["exec", patroniId, "python3", "-c", "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:8008/primary', timeout=4).status)"], { encoding: "utf8" });
        expect(primary.stdout.trim(), primary.stderr).to.equal("200");
        // RabbitMQ is the real one (Debian's, on Erlang): the admin user exists with the password the entrypoint
        // read from its secret file into rabbitmq.conf.
        const rabbitId = containerOf(`${STACK}_rabbitmq-1`);
        const adminMount = (doc.services["rabbitmq-1"].secrets as any[]).find((m) => /admin/.test(doc.secrets[m.source].name));
        const adminPassword = values.get(doc.secrets[adminMount.source].name.slice("tinfra-".length))!;
        const auth = spawnSync("docker", ["exec", rabbitId, "rabbitmqctl", "-q", "authenticate_user", INFRA_USERS.rabbitmqAdmin, adminPassword], { encoding: "utf8" });
        expect(auth.status, auth.stderr + auth.stdout).to.equal(0);
        // `$` survives the stack file's interpolation: Swarm runs exactly the health check that was rendered.
        const apisix = JSON.parse(docker(["service", "inspect", `${STACK}_apisix`]))[0].Spec;
        expect(apisix.TaskTemplate.ContainerSpec.Healthcheck.Test).to.deep.equal(rendered.services.apisix.healthcheck.test);
        expect(rendered.services.apisix.healthcheck.test.join(" ")).to.include('"$status"');
        const swag = JSON.parse(docker(["service", "inspect", `${STACK}_swag`]))[0].Spec;
        expect(swag.UpdateConfig).to.deep.include({ Order: "start-first" });
        for (const v of created.volumes) expect(dockerOk(["volume", "inspect", v]), v).to.equal(true);
    });
});
