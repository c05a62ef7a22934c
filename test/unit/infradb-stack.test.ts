// The rendered Docker stack files and the Pulumi resources agree service by service, because both come from
// the same ServiceSpecs (the renderer reads the builders of the very evaluation that registered the resources).
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { stackFilesOf } from "../../tools/offline/compose";
import { Evaluation, SECRET, SERVICE, evaluateStack, input, ofType, planStack } from "../harness";

/* eslint-disable @typescript-eslint/no-explicit-any */
function compareService(ev: Evaluation, svc: any, key: string, stackName: string, doc: any): void {
    const r = ofType(ev, SERVICE).find((s) => input(s, "name") === `${stackName}_${key}`);
    expect(r, `a docker.Service for ${key}`).to.not.equal(undefined);
    const c = input(r!, "taskSpec.containerSpec");
    expect(svc.image, key).to.equal(c.image);
    expect(svc.deploy.replicas, key).to.equal(input(r!, "mode.replicated.replicas"));
    expect(svc.deploy.placement.constraints, key).to.deep.equal(input(r!, "taskSpec.placement.constraints"));
    expect(svc.entrypoint ?? null, key).to.deep.equal(c.commands ?? null);
    expect(svc.command ?? null, key).to.deep.equal(c.args ?? null);
    expect(svc.environment ?? {}, key).to.deep.equal(c.env ?? {});
    expect(svc.hostname ?? null, key).to.equal(c.hostname ?? null);
    // Secrets: the external name the stack file refers to is the Swarm secret the resource mounts, same target.
    const rendered = (svc.secrets ?? []).map((m: any) => ({ name: doc.secrets[m.source].name, target: m.target, uid: m.uid, gid: m.gid, mode: m.mode })).sort((a: any, b: any) => (a.name < b.name ? -1 : 1));
    const declared = (c.secrets ?? []).map((m: any) => ({ name: m.secretName, target: m.fileName, uid: m.fileUid, gid: m.fileGid, mode: m.fileMode })).sort((a: any, b: any) => (a.name < b.name ? -1 : 1));
    expect(rendered, key).to.deep.equal(declared);
    for (const d of declared) expect(ofType(ev, SECRET).map((s) => input(s, "name")), key).to.include(d.name);
    // Mounts: volumes carry their full Swarm names.
    const mounts = (svc.volumes ?? []).map((m: any) => ({ type: m.type, source: m.type === "volume" ? doc.volumes[m.source].name : m.source, target: m.target, readOnly: m.read_only }));
    expect(mounts, key).to.deep.equal(c.mounts ?? []);
    expect(svc.deploy.update_config.order, key).to.equal(input(r!, "updateConfig.order"));
    expect(svc.deploy.update_config.failure_action, key).to.equal(input(r!, "updateConfig.failureAction"));
    expect(svc.deploy.rollback_config.order, key).to.equal(input(r!, "rollbackConfig.order"));
    expect(svc.healthcheck.test, key).to.deep.equal(c.healthcheck.tests);
    expect(svc.healthcheck.start_period, key).to.equal(c.healthcheck.startPeriod);
    expect(Object.values(svc.networks as Record<string, { aliases: string[] }>)[0].aliases, key).to.deep.equal(input(r!, "taskSpec.networksAdvanceds")[0].aliases);
    expect(svc.deploy.resources.limits.memory, key).to.equal(`${input(r!, "taskSpec.resources.limits.memoryBytes") / 1024 / 1024}M`);
    const ports = (svc.ports ?? []).map((p: any) => ({ targetPort: p.target, publishedPort: p.published, publishMode: p.mode, protocol: p.protocol }));
    expect(ports, key).to.deep.equal(input(r!, "endpointSpec.ports") ?? []);
    expect(Object.entries(svc.deploy.labels).map(([label, value]) => ({ label, value })).sort((a, b) => (a.label < b.label ? -1 : 1)), key).to.deep.equal(input(r!, "labels"));
}

describe("stack files rendered from the service specs", () => {
    it("agree with the Pulumi resources service by service (prod)", async () => {
        const ev = await evaluateStack("prod");
        const files = await stackFilesOf(ev);
        // The Vault members go to their own file, as the operators' docker-stack-vault.yml.
        expect([...files.keys()].sort()).to.deep.equal(["docker-stack-infra_db-prod.yml", "docker-stack-vault.yml"]);
        const doc = files.get("docker-stack-infra_db-prod.yml")!;
        const vaultDoc = files.get("docker-stack-vault.yml")!;
        const services = ofType(ev, SERVICE);
        const rendered = [...Object.keys(doc.services), ...Object.keys(vaultDoc.services)].sort();
        expect(rendered).to.deep.equal(services.map((s) => input(s, "name").replace(/^iklimco_/, "")).sort());
        expect(Object.keys(vaultDoc.services).sort()).to.deep.equal(["vault-1", "vault-2", "vault-3"]);
        for (const [key, svc] of Object.entries(doc.services)) compareService(ev, svc, key, "iklimco", doc);
        for (const [key, svc] of Object.entries(vaultDoc.services)) compareService(ev, svc, key, "iklimco", vaultDoc);
        expect(doc.networks).to.deep.equal({ "iklimco-net": { external: true, name: "iklimco-net" } });
        expect(Object.values(doc.secrets).every((s: any) => s.external === true)).to.equal(true);
        // Nothing secret is written into the stack file.
        const text = YAML.stringify(doc);
        for (const s of ofType(ev, SECRET)) expect(text).to.not.include(Buffer.from(input(s, "data"), "base64").toString("utf8"));
    });

    it("follows the config: a fourth db node appears in both views", async () => {
        const nodes = JSON.parse(JSON.stringify(YAML.parse(fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.prod.yaml"), "utf8")).config["iklimco:nodes"]));
        nodes.push({ name: "iklimco-4", role: "worker", publicIp: "203.0.113.14", labels: ["db"] });
        const ev = await evaluateStack("prod", { overrides: { "iklimco:nodes": nodes } });
        const doc = (await stackFilesOf(ev)).get("docker-stack-infra_db-prod.yml")!;
        expect(doc.services["patroni-4"].deploy.placement.constraints).to.include("node.hostname == iklimco-4");
        expect(doc.volumes["iklimco_mongodb-4-data"]).to.deep.equal({ name: "iklimco_mongodb-4-data" });
        for (const [key, svc] of Object.entries(doc.services)) compareService(ev, svc, key, "iklimco", doc);
    });

    it("the plan with --compose <dir> writes it, and --json lists every service", async function () {
        this.timeout(120_000);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tinfra-compose-"));
        try {
            // What `npm run plan -- --stack prod --json --compose <dir>` runs (planOf), over the cached evaluation.
            const run = await planStack({ stack: "prod", json: true, compose: dir });
            expect(run.stderr).to.include(`wrote ${path.join(dir, "docker-stack-infra_db-prod.yml")}`);
            const plan = JSON.parse(run.stdout);
            const names = plan.resources.filter((r: any) => r.type === SERVICE).map((r: any) => r.inputs.name).sort();
            // The infra/DB stack file holds what docker-stack-infra_db-prod.yml held: the infra services and the
            // certificate services beside them, and the Vault backup.
            const expected = ["apisix", "cert-distributor", "cert-reloader", "etcd-1", "etcd-2", "etcd-3", "grafana", "mongodb-1", "mongodb-2", "mongodb-3", "patroni-1", "patroni-2", "patroni-3", "rabbitmq-1", "rabbitmq-2", "rabbitmq-3", "swag", "vault-backup"];
            expect(names).to.include.members(expected.map((n) => `iklimco_${n}`));
            const written = YAML.parse(fs.readFileSync(path.join(dir, "docker-stack-infra_db-prod.yml"), "utf8"));
            expect(Object.keys(written.services).sort()).to.deep.equal(expected);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
