// The infra/DB stack under the mock engine, for the prod stack config: every service's image, placement,
// volumes, secrets, network, health check and update order; topology strings derived from the node list;
// the step-9 SWAG files; the step table.
import { expect } from "chai";
import * as YAML from "yaml";
import { INFRA_USERS } from "../../components/infra-db/secrets";
import { GODADDY_INI, renderGodaddyIni } from "../../components/infra-db/swag";
import { buildPlan } from "../../tools/offline/plan";
import { readStackConfig } from "../../tools/offline/stack-config";
import { Evaluation, NETWORK, RecordedResource, SECRET, SERVICE, comesAfter, evaluateStack, input, named, ofType } from "../harness";

const prodConfig = readStackConfig("prod").config;
const images = JSON.parse(prodConfig["iklimco:images"]) as Record<string, string>;
const prodNodes = JSON.parse(prodConfig["iklimco:nodes"]) as { name: string; role: string; publicIp: string; labels: string[] }[];
const nodesLabelled = (label: string) => prodNodes.filter((n) => n.labels.includes(label)).map((n) => n.name);

type Expect = { component: string; image: string; stateful: boolean; label: string; members: boolean; replicas?: number };
const KINDS: Record<string, Expect> = {
    etcd: { component: "etcd", image: images.etcd, stateful: true, label: "etcd", members: true },
    patroni: { component: "patroni", image: images.patroni, stateful: true, label: "db", members: true },
    mongodb: { component: "mongodb", image: images.mongodb, stateful: true, label: "db", members: true },
    rabbitmq: { component: "rabbitmq", image: images.rabbitmq, stateful: true, label: "mq", members: true },
    apisix: { component: "apisix", image: images.apisix, stateful: false, label: "gateway", members: false, replicas: 2 },
    swag: { component: "swag", image: images.swag, stateful: false, label: "edge", members: false, replicas: 1 },
    grafana: { component: "grafana", image: images.grafana, stateful: false, label: "monitoring", members: false, replicas: 1 },
};

const label = (s: RecordedResource, key: string) => (input(s, "labels") as { label: string; value: string }[]).find((l) => l.label === key)?.value;
const servicesOf = (ev: Evaluation, component: string) => ofType(ev, SERVICE).filter((s) => label(s, "com.iklimco.component") === component);
// The infra credentials (InfraSecrets); the microservices' and Vault's have their own components and tests.
const secretValues = (ev: Evaluation) => ofType(ev, SECRET).filter((s) => s.name.startsWith("iklimco-infra-secrets-")).map((s) => Buffer.from(input(s, "data"), "base64").toString("utf8"));
const entry = (s: RecordedResource): string[] => input(s, "taskSpec.containerSpec.commands") ?? [];

describe("infra/DB stack (mocks, prod config)", () => {
    let ev: Evaluation;
    before(async () => {
        ev = await evaluateStack("prod");
    });

    for (const [kind, want] of Object.entries(KINDS)) {
        it(`${kind}: image from config, placement on ${want.label} nodes, volumes, secrets as files, network, health check, update order`, () => {
            const services = servicesOf(ev, want.component).sort((a, b) => (input(a, "name") < input(b, "name") ? -1 : 1));
            const nodes = nodesLabelled(want.label);
            const net = ofType(ev, NETWORK)[0];
            if (want.members) {
                expect(services.map((s) => input(s, "name"))).to.deep.equal(nodes.map((_, i) => `iklimco_${kind}-${i + 1}`));
            } else {
                expect(services.map((s) => input(s, "name"))).to.deep.equal([`iklimco_${kind}`]);
            }
            services.forEach((s, i) => {
                const short = want.members ? `${kind}-${i + 1}` : kind;
                expect(input(s, "taskSpec.containerSpec.image"), short).to.equal(want.image);
                const constraints: string[] = input(s, "taskSpec.placement.constraints");
                expect(constraints).to.include(`node.labels.${want.label} == true`);
                if (want.members) {
                    expect(input(s, "mode.replicated.replicas")).to.equal(1);
                    expect(constraints).to.include(`node.hostname == ${nodes[i]}`);
                    const mounts = input(s, "taskSpec.containerSpec.mounts") as { type: string; source: string }[];
                    expect(mounts.filter((m) => m.type === "volume").map((m) => m.source)).to.deep.equal([`iklimco_${short}-data`]);
                } else {
                    expect(input(s, "mode.replicated.replicas")).to.equal(want.replicas);
                }
                expect(input(s, "taskSpec.networksAdvanceds")[0].name).to.equal(`${net.name}-id`);
                expect(input(s, "taskSpec.networksAdvanceds")[0].aliases[0]).to.equal(short);
                expect(comesAfter(ev, s, net)).to.equal(true);
                expect(input(s, "taskSpec.containerSpec.healthcheck.tests").length).to.be.greaterThan(1);
                const order = want.stateful ? "stop-first" : "start-first";
                expect(input(s, "updateConfig")).to.deep.include({ order, failureAction: "rollback" });
                expect(input(s, "rollbackConfig")).to.deep.include({ order });
                expect(label(s, "com.iklimco.stateful")).to.equal(String(want.stateful));
            });
        });
    }

    it("mounts every credential from a Swarm secret and puts none in env, command or labels", () => {
        const values = secretValues(ev);
        expect(values.length).to.equal(8);
        const mounted = new Set<string>();
        for (const s of ofType(ev, SERVICE)) {
            const spec = JSON.stringify({ env: input(s, "taskSpec.containerSpec.env"), cmd: entry(s), args: input(s, "taskSpec.containerSpec.args"), labels: input(s, "labels") });
            for (const v of values) expect(spec, input(s, "name")).to.not.include(v);
            const env = (input(s, "taskSpec.containerSpec.env") ?? {}) as Record<string, string>;
            for (const k of Object.keys(env)) {
                if (/PASSWORD|_KEY$|SECRET|COOKIE/.test(k)) expect(k, `${input(s, "name")} ${k}`).to.match(/_FILE$/);
            }
            for (const m of input(s, "taskSpec.containerSpec.secrets") ?? []) {
                mounted.add(m.secretName.replace(/_[0-9a-f]{8}$/, ""));
            }
            const targets = (input(s, "taskSpec.containerSpec.secrets") ?? []).map((m: { fileName: string }) => m.fileName);
            for (const [k, v] of Object.entries(env)) if (/(PASSWORD|KEY|SECRET|COOKIE)_+FILE$/.test(k)) expect(targets, `${input(s, "name")} ${k}`).to.include(v);
        }
        // Every infra credential is mounted by some service (others, e.g. vault_unseal_key, come from their components).
        expect([...mounted].sort()).to.include.members([
            "apisix_admin_key",
            "grafana_admin_password",
            "mongodb_keyfile",
            "mongodb_root_password",
            "postgres_replication_password",
            "postgres_superuser_password",
            "rabbitmq_admin_password",
            "rabbitmq_erlang_cookie",
        ]);
    });

    it("uses the configured secrets when set (adoption keeps running passwords) and generates the rest", async () => {
        const adopted = await evaluateStack("prod", { secrets: { "iklimco:postgresSuperuserPassword": "adopted-pg-pass", "iklimco:apisixAdminKey": "adopted-apisix-key" } });
        const values = secretValues(adopted);
        expect(values).to.include("adopted-pg-pass");
        expect(values).to.include("adopted-apisix-key");
        expect(() => named(adopted, "iklimco-infra-secrets-postgres-superuser-password-value")).to.throw(/no resource/);
        expect(named(adopted, "iklimco-infra-secrets-postgres-replication-password-value").type).to.equal("random:index/randomPassword:RandomPassword");
        const pg = ofType(adopted, SECRET).find((s) => input(s, "name").startsWith("postgres_superuser_password_"))!;
        expect(pg.secretInputs).to.deep.equal(["data"]);
    });

    it("mounts the Erlang cookie where RabbitMQ reads it and the Mongo keyfile owner-only", () => {
        for (const s of servicesOf(ev, "rabbitmq")) {
            const cookie = input(s, "taskSpec.containerSpec.secrets").find((m: { secretName: string }) => m.secretName.startsWith("rabbitmq_erlang_cookie_"));
            expect(cookie).to.deep.include({ fileName: "/var/lib/rabbitmq/.erlang.cookie", fileMode: 0o400 });
        }
        for (const s of servicesOf(ev, "mongodb")) {
            const key = input(s, "taskSpec.containerSpec.secrets").find((m: { secretName: string }) => m.secretName.startsWith("mongodb_keyfile_"));
            expect(key).to.deep.include({ fileName: "/run/secrets/mongodb_keyfile", fileMode: 0o400, fileUid: "999" });
            expect(input(s, "taskSpec.containerSpec.args")).to.include.members(["--keyFile", "/run/secrets/mongodb_keyfile", "--replSet", "rs0"]);
        }
    });

    it("orders etcd's dependants after etcd's convergence (step 18) and SWAG after its files (step 9)", () => {
        const etcd = servicesOf(ev, "etcd");
        for (const dep of [...servicesOf(ev, "patroni"), ...servicesOf(ev, "apisix")]) {
            for (const e of etcd) expect(comesAfter(ev, dep, e), `${dep.name} after ${e.name}`).to.equal(true);
        }
        const swag = servicesOf(ev, "swag")[0];
        expect(comesAfter(ev, swag, named(ev, "iklimco-infra-db-swag-files"))).to.equal(true);
        // Services nothing orders stay parallel: MongoDB does not wait for etcd.
        for (const m of servicesOf(ev, "mongodb")) for (const e of etcd) expect(comesAfter(ev, m, e)).to.equal(false);
        const reasons = ev.reasons.map((r) => r.dependent);
        expect(reasons).to.include.members(["iklimco-infra-db-patroni-1", "iklimco-infra-db-apisix", "iklimco-infra-db-swag"]);
    });

    it("realises steps 9, 11, 12, 15 and 18 in the plan", () => {
        const plan = buildPlan(ev, []);
        const stepNames = (n: number) => plan.steps.find((s) => s.number === n)!.resources.map((u) => ev.byUrn.get(u)!.name);
        expect(stepNames(9)).to.deep.equal(["iklimco-infra-db-swag-files"]);
        expect(stepNames(11).filter((n) => n.endsWith("-secret")).length).to.equal(8);
        expect(stepNames(12)).to.include.members(["iklimco-infra-db-etcd-1", "iklimco-infra-db-swag", "iklimco-infra-db-grafana"]);
        expect(stepNames(15)).to.include.members(["iklimco-infra-db-rabbitmq-1", "iklimco-infra-db-patroni-3", "iklimco-infra-db-mongodb-2", "iklimco-infra-db-apisix", "iklimco-infra-db-swag"]);
        expect(stepNames(18)).to.deep.equal(["iklimco-infra-db-etcd-1", "iklimco-infra-db-etcd-2", "iklimco-infra-db-etcd-3"]);
    });

    it("exports the topology the later components read", () => {
        expect(ev.outputs.etcdClientEndpoints).to.deep.equal(["http://etcd-1:2379", "http://etcd-2:2379", "http://etcd-3:2379"]);
        expect(ev.outputs.patroniHosts).to.deep.equal(["patroni-1", "patroni-2", "patroni-3"]);
        expect(ev.outputs.databaseMongodbHost).to.equal("mongodb-1:27017,mongodb-2:27017,mongodb-3:27017");
        expect(ev.outputs.swagNode).to.equal("iklimco-edge-1");
    });
});

describe("infra/DB topology follows the node list", () => {
    it("a fourth db+etcd node changes the initial cluster, Patroni's etcd hosts, APISIX's etcd and DATABASE_MONGODB_HOST consistently", async () => {
        const fourth = { name: "iklimco-4", role: "worker", publicIp: "203.0.113.14", labels: ["etcd", "db"] };
        const ev = await evaluateStack("prod", { overrides: { "iklimco:nodes": [...prodNodes, fourth] } });
        const expectedCluster = [1, 2, 3, 4].map((n) => `etcd-${n}=http://etcd-${n}:2380`).join(",");
        const etcd = servicesOf(ev, "etcd");
        expect(etcd).to.have.length(4);
        for (const s of etcd) expect(input(s, "taskSpec.containerSpec.env").ETCD_INITIAL_CLUSTER).to.equal(expectedCluster);
        expect(input(named(ev, "iklimco-infra-db-etcd-4"), "taskSpec.placement.constraints")).to.include("node.hostname == iklimco-4");

        const patroni = servicesOf(ev, "patroni");
        expect(patroni).to.have.length(4);
        for (const s of patroni) {
            const yaml = YAML.parse(entry(s)[4]);
            expect(yaml.etcd3.hosts).to.deep.equal(["etcd-1:2379", "etcd-2:2379", "etcd-3:2379", "etcd-4:2379"]);
            expect(yaml.scope).to.equal("iklimco-pg");
            expect(yaml.name).to.equal(input(s, "name").replace("iklimco_", ""));
            expect(yaml.postgresql.pg_hba).to.include(`host replication ${INFRA_USERS.postgresReplication} 10.20.0.0/16 scram-sha-256`);
            expect(yaml.postgresql.authentication.superuser).to.deep.equal({ username: "postgres" });
        }
        const apisixYaml = YAML.parse(entry(servicesOf(ev, "apisix")[0])[4]);
        expect(apisixYaml.deployment.etcd.host).to.deep.equal([1, 2, 3, 4].map((n) => `http://etcd-${n}:2379`));
        expect(apisixYaml.deployment.admin.admin_key[0].key).to.equal("${{APISIX_ADMIN_KEY}}");

        expect(servicesOf(ev, "mongodb")).to.have.length(4);
        expect(ev.outputs.databaseMongodbHost).to.equal("mongodb-1:27017,mongodb-2:27017,mongodb-3:27017,mongodb-4:27017");
        expect(input(named(ev, "iklimco-infra-db-mongodb-4"), "taskSpec.containerSpec.mounts")[0].source).to.equal("iklimco_mongodb-4-data");
        // RabbitMQ members follow the mq label, which the fourth node does not carry.
        expect(servicesOf(ev, "rabbitmq")).to.have.length(3);
    });
});

describe("step 9: SWAG files rendered from config", () => {
    const files = (ev: Evaluation) => {
        const env = named(ev, "iklimco-infra-db-swag-files").plainInputs.stdin as string;
        const out: Record<string, { mode: string; content: string }> = {};
        const get = (k: string) => new RegExp(`^export ${k}='([^']*)'$`, "m").exec(env)?.[1];
        const count = Number(get("SWAG_FILE_COUNT"));
        for (let i = 0; i < count; i++) {
            out[get(`SWAG_FILE_${i}_PATH`)!] = { mode: get(`SWAG_FILE_${i}_MODE`)!, content: Buffer.from(get(`SWAG_FILE_${i}_B64`)!, "base64").toString("utf8") };
        }
        return out;
    };

    it("writes the GoDaddy ini that certbot-dns-godaddy reads, as a secret, owner-only", async () => {
        const ev = await evaluateStack("prod", { secrets: { "iklimco:godaddyKey": "gd-key-123", "iklimco:godaddySecret": "gd-secret-456" } });
        const f = files(ev)[`/mnt/storagebox/swag/dns-conf/${GODADDY_INI}`];
        expect(f.mode).to.equal("600");
        const ini = Object.fromEntries(
            f.content
                .split("\n")
                .filter((l) => l && !l.startsWith("#"))
                .map((l) => l.split(/\s*=\s*/)),
        );
        expect(ini).to.deep.equal({ dns_godaddy_key: "gd-key-123", dns_godaddy_secret: "gd-secret-456" });
        expect(f.content).to.equal(renderGodaddyIni("gd-key-123", "gd-secret-456"));
        const cmd = named(ev, "iklimco-infra-db-swag-files");
        expect(cmd.secretInputs).to.include("stdin");
        expect(JSON.stringify(cmd.inputs)).to.not.include("gd-secret-456");
        expect(JSON.stringify(cmd.inputs)).to.not.include("gd-key-123");
    });

    it("renders one server block per dns.records name proxying to the right service and port", async () => {
        const ev = await evaluateStack("prod");
        const all = files(ev);
        const routes: Record<string, string> = { api: "apisix:9080", apigw: "apisix:9080", rabbitmq: "rabbitmq:15672", grafana: "grafana:3000" };
        for (const [name, upstream] of Object.entries(routes)) {
            const conf = all[`/mnt/storagebox/swag/proxy-confs/${name}.subdomain.conf`].content;
            expect(conf.match(/server \{/g)).to.have.length(1);
            expect(conf).to.match(new RegExp(`server_name ${name}\\.iklim\\.co;`));
            expect(conf).to.include("listen 443 ssl;");
            const [app, port] = upstream.split(":");
            expect(conf).to.include(`set $upstream_app ${app};`);
            expect(conf).to.include(`set $upstream_port ${port};`);
            expect(conf).to.include("proxy_pass $upstream_proto://$upstream_app:$upstream_port;");
            // The upstream is a name every member of the service answers to on the overlay.
            const aliases = ofType(ev, SERVICE).flatMap((s) => input(s, "taskSpec.networksAdvanceds")[0].aliases);
            expect(aliases).to.include(app);
        }
        const site = all["/mnt/storagebox/swag/site-confs/default.conf"].content;
        expect(site).to.include("include /config/nginx/proxy-confs/*.subdomain.conf;");
        expect(site).to.include("return 301 https://$host$request_uri;");
        // SWAG's health check probes the location the default site answers.
        expect(site).to.match(/location = \/healthz \{[^}]*return 200/);
        expect(input(servicesOf(ev, "swag")[0], "taskSpec.containerSpec.healthcheck.tests")).to.deep.equal(["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:80/healthz"]);
        // Fewer records, fewer files: the list comes from config.
        const fewer = await evaluateStack("prod", { overrides: { "iklimco:dns": { provider: "godaddy", records: ["api"] } } });
        expect(Object.keys(files(fewer)).filter((p) => p.includes("proxy-confs"))).to.deep.equal(["/mnt/storagebox/swag/proxy-confs/api.subdomain.conf"]);
    });

    it("SWAG bind-mounts the directories step 9 fills, keeps its config volume at /config, publishes 80/443", async () => {
        const ev = await evaluateStack("prod");
        const swag = servicesOf(ev, "swag")[0];
        expect(input(swag, "taskSpec.placement.constraints")).to.include("node.hostname == iklimco-edge-1");
        const mounts = input(swag, "taskSpec.containerSpec.mounts") as { type: string; source: string; target: string }[];
        expect(mounts.map((m) => [m.type, m.source, m.target])).to.deep.equal([
            ["volume", "iklimco_swag-config", "/config"],
            ["bind", "/mnt/storagebox/swag/dns-conf", "/config/dns-conf"],
            ["bind", "/mnt/storagebox/swag/site-confs", "/config/nginx/site-confs"],
            ["bind", "/mnt/storagebox/swag/proxy-confs", "/config/nginx/proxy-confs"],
        ]);
        expect(input(swag, "endpointSpec.ports").map((p: { targetPort: number; publishedPort: number }) => [p.targetPort, p.publishedPort])).to.deep.equal([
            [80, 80],
            [443, 443],
        ]);
        expect(input(swag, "taskSpec.containerSpec.env")).to.deep.include({ URL: "iklim.co", SUBDOMAINS: "wildcard", VALIDATION: "dns", DNSPLUGIN: "godaddy" });
    });
});
