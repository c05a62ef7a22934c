// The rendered infra/DB stack on a real swarm: `docker stack deploy` accepts the very stack file the program
// renders, every service converges, and every secret is readable at its target inside its container.
// Images are swapped for stand-ins built from local files (no image can be pulled here): etcd runs the real
// etcd (Debian's binary on a busybox root) with the rendered environment, data volume and health check; every
// other service runs busybox, its command replaced by a stand-in that serves what its real health check
// probes, and a health check is replaced only where busybox cannot run it (python3, mongosh,
// rabbitmq-diagnostics, curl). Resource limits are made small (shared
// machine), published ports are left to Swarm to pick, and secret names carry this test's prefix.
// Everything created is named `tinfra-<pid>...` and removed afterwards; node labels are removed if added here.
import { expect } from "chai";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stackFileText, stackFilesOf } from "../../tools/offline/compose";
import { docker, dockerAvailable, dockerOk, ensureBusyboxImage, ensureSwarm, sleep, waitForService } from "../support/docker";
import { SECRET, evaluateStack, input, ofType } from "../harness";
import { BUSYBOX } from "../support/busybox-env";

/* eslint-disable @typescript-eslint/no-explicit-any */
const STACK = `tinfra-${process.pid}`;
const LABELS = ["etcd", "db", "mq", "gateway", "edge", "monitoring"];
let applets: Set<string> | undefined;
/** The applets of the host's busybox, the stand-in image's only executable (read on first use). */
const APPLETS = () => (applets ??= new Set(execFileSync(BUSYBOX, ["--list"], { encoding: "utf8" }).split("\n").filter(Boolean)));

/** What the stand-in must serve so that a kept health check passes: an HTTP path or a bare TCP port. */
function probeOf(test: string[]): { port: number; path?: string } | undefined {
    const line = test.slice(1).join(" ");
    const http = /http:\/\/127\.0\.0\.1:(\d+)(\/\S*)?/.exec(line);
    if (http) return { port: Number(http[1]), path: http[2] ?? "/" };
    const nc = /^nc -z 127\.0\.0\.1 (\d+)$/.exec(line);
    if (nc) return { port: Number(nc[1]) };
    return undefined;
}

/** Whether busybox can run a health check as it is. */
function runnable(test: string[]): boolean {
    if (test[0] === "CMD") return APPLETS().has(test[1]);
    if (test[0] === "CMD-SHELL") return APPLETS().has(test[1].trim().split(/\s+/)[0]);
    return false;
}

/** Debian's etcd (dynamically linked against libc only) on a busybox root: real etcd, busybox wget. */
function ensureEtcdImage(busybox: string): string {
    const tag = "tinfra-test/etcd:3.4";
    if (dockerOk(["image", "inspect", tag])) return tag;
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "tinfra-etcd-image-"));
    try {
        const files = ["/usr/bin/etcd", "/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2"];
        for (const f of files) {
            fs.mkdirSync(path.join(root, path.dirname(f)), { recursive: true });
            fs.copyFileSync(fs.realpathSync(f), path.join(root, f));
            fs.chmodSync(path.join(root, f), 0o755);
        }
        const dockerfile = `FROM ${busybox}\nCOPY . /\nENTRYPOINT ["/usr/bin/etcd"]\n`;
        fs.writeFileSync(path.join(root, "Dockerfile"), dockerfile);
        const r = spawnSync("docker", ["build", "-q", "-t", tag, root], { encoding: "utf8", timeout: 300_000, env: { ...process.env, DOCKER_BUILDKIT: "0" } });
        if (r.status !== 0) throw new Error(`building ${tag} failed: ${r.stderr}`);
        return tag;
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
}

export interface StandIn {
    doc: any;
    /** Services whose real health check was kept. */
    keptHealthChecks: string[];
}

export function standIn(doc: any, image: string, secretPrefix: string, etcdImage: string): StandIn {
    const out = JSON.parse(JSON.stringify(doc));
    const kept: string[] = [];
    for (const [name, svc] of Object.entries<any>(out.services)) {
        svc.healthcheck.interval = "2s";
        svc.stop_grace_period = "2s";
        if (svc.deploy.labels["com.iklimco.component"] === "etcd") {
            // The real thing: rendered environment, volume and health check unchanged.
            svc.image = etcdImage;
            svc.deploy.resources = { limits: { cpus: "0.5", memory: "128M" } };
            kept.push(name);
            continue;
        }
        const targets: string[] = (svc.secrets ?? []).map((s: any) => s.target);
        const checks = targets.map((t) => `test -r ${t}`);
        svc.image = image;
        delete svc.command;
        const test: string[] = svc.healthcheck.test;
        const probe = runnable(test) ? probeOf(test) : undefined;
        let serve = "exec sleep 2147483647";
        if (probe) {
            kept.push(name);
            const file = probe.path && probe.path !== "/" ? probe.path : "/index.html";
            serve = `mkdir -p "/www$(dirname ${file})" && echo ok > /www${file} && exec httpd -f -p ${probe.port} -h /www`;
        } else {
            svc.healthcheck.test = ["CMD-SHELL", checks.length ? checks.join(" && ") : "true"];
        }
        // The stand-in fails like the real entrypoints do when a secret file is missing.
        svc.entrypoint = ["/bin/sh", "-c", [...checks.map((c) => `${c} || { echo "missing secret" >&2; exit 1; }`), serve].join("\n")];
        svc.deploy.resources = { limits: { cpus: "0.1", memory: "32M" } };
        if (svc.ports) svc.ports = svc.ports.map((p: any) => ({ target: p.target, protocol: p.protocol, mode: p.mode }));
    }
    for (const s of Object.values<any>(out.secrets)) s.name = `${secretPrefix}${s.name}`;
    return { doc: out, keptHealthChecks: kept };
}

function containerOf(service: string): string {
    const id = docker(["ps", "-q", "--filter", `label=com.docker.swarm.service.name=${service}`]).split("\n")[0];
    if (!id) throw new Error(`no running container for ${service}`);
    return id;
}

describe("infra/DB stack on a real swarm (stand-in images: real etcd, busybox for the rest)", function () {
    this.timeout(600_000);
    const created = { secrets: [] as string[], labels: [] as string[], network: "", stack: false, volumes: [] as string[], dir: "" };
    let node = "";

    before(async function () {
        if (!dockerAvailable()) this.skip();
        await ensureSwarm();
    });

    after(async function () {
        this.timeout(180_000);
        if (created.stack) {
            spawnSync("docker", ["stack", "rm", STACK], { stdio: "ignore" });
            for (let i = 0; i < 60; i++) {
                if (!docker(["ps", "-aq", "--filter", `label=com.docker.stack.namespace=${STACK}`])) break;
                await sleep(1000);
            }
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
        for (const l of created.labels) spawnSync("docker", ["node", "update", "--label-rm", l, node], { stdio: "ignore" });
        if (created.dir) fs.rmSync(created.dir, { recursive: true, force: true });
    });

    it("docker stack deploy accepts the rendered stack, every service converges, every secret is readable at its target", async () => {
        const image = ensureBusyboxImage();
        node = docker(["node", "inspect", "self", "--format", "{{.Description.Hostname}}"]);
        const existing = JSON.parse(docker(["node", "inspect", "self", "--format", "{{json .Spec.Labels}}"]) || "{}") ?? {};
        for (const l of LABELS) {
            if (existing[l] === "true") continue;
            docker(["node", "update", "--label-add", `${l}=true`, node]);
            created.labels.push(l);
        }
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
                "iklimco:nodes": [{ name: node, role: "manager", publicIp: "127.0.0.1", labels: LABELS.concat("vault") }],
                "iklimco:replicas": { apisix: 1, grafana: 1 },
                "iklimco:paths": paths,
                "iklimco:dns": { provider: "none" },
            },
        });
        const files = await stackFilesOf(ev);
        // The Vault members go to their own file, as the operators' docker-stack-vault.yml.
        expect([...files.keys()].sort()).to.deep.equal(["docker-stack-infra_db-prod.yml", "docker-stack-vault.yml"]);
        const rendered = files.get("docker-stack-infra_db-prod.yml")!;
        // The certificate services and the Vault backup share this file but not this test: they need the Docker
        // socket, a certificate or a Vault, which this stand-in deployment does not provide. The certificate
        // services run on this swarm in certs-e2e; the backup's scripts are tested against a Vault contract fake.
        for (const key of Object.keys(rendered.services)) if (key.startsWith("cert-") || key === "vault-backup") delete rendered.services[key];
        const { doc, keptHealthChecks } = standIn(rendered, image, "tinfra-", ensureEtcdImage(image));
        // The health checks busybox can run are kept as rendered: etcd's /health, Grafana's, SWAG's port probe.
        expect(keptHealthChecks.sort()).to.deep.equal(["etcd-1", "grafana", "swag"]);

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
                expect(docker(["exec", id, "cat", m.target]), `${n}:${m.target}`).to.equal(expected);
                const mode = docker(["exec", id, "stat", "-c", "%a %u", m.target]);
                expect(mode, `${n}:${m.target}`).to.equal(`${Number(m.mode).toString(8)} ${m.uid}`);
            }
            if (keptHealthChecks.includes(n)) expect(docker(["inspect", "--format", "{{.State.Health.Status}}", id]), n).to.equal("healthy");
        }
        // The placement, volumes and update order Swarm recorded are the rendered ones.
        const etcd = JSON.parse(docker(["service", "inspect", `${STACK}_etcd-1`]))[0].Spec;
        expect(etcd.TaskTemplate.Placement.Constraints.sort()).to.deep.equal([`node.hostname == ${node}`, "node.labels.etcd == true"]);
        expect(etcd.UpdateConfig).to.deep.include({ Order: "stop-first", FailureAction: "rollback" });
        expect(etcd.TaskTemplate.ContainerSpec.Mounts[0]).to.deep.include({ Type: "volume", Source: `${STACK}_etcd-1-data`, Target: "/etcd-data" });
        // etcd is the real one, started from the rendered environment, on its volume: healthy, its own name.
        const etcdId = containerOf(`${STACK}_etcd-1`);
        expect(docker(["exec", etcdId, "wget", "-qO-", "http://127.0.0.1:2379/health"])).to.match(/"health":\s*"true"/);
        expect(docker(["exec", etcdId, "ls", "/etcd-data/member"])).to.include("wal");
        expect(JSON.parse(docker(["inspect", etcdId]))[0].Config.Env).to.include("ETCD_INITIAL_CLUSTER=etcd-1=http://etcd-1:2380");
        // `$` survives the stack file's interpolation: Swarm runs exactly the command that was rendered.
        const grafana = JSON.parse(docker(["service", "inspect", `${STACK}_grafana`]))[0].Spec;
        expect(grafana.TaskTemplate.ContainerSpec.Command).to.deep.equal(doc.services.grafana.entrypoint);
        expect(doc.services.grafana.entrypoint.join(" ")).to.include("$(dirname");
        const swag = JSON.parse(docker(["service", "inspect", `${STACK}_swag`]))[0].Spec;
        expect(swag.UpdateConfig).to.deep.include({ Order: "start-first" });
        for (const v of created.volumes) expect(dockerOk(["volume", "inspect", v]), v).to.equal(true);
    });
});
