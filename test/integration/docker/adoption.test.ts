// Adoption against a real swarm (Docker Engine from Debian's docker.io): a stack deployed the way the
// operators' stack files deploy it (`docker stack deploy`, external overlay, named volumes), then the
// import-file generator run against it.
import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { buildImportFile, readLiveSwarm } from "../../../tools/adoption/import-file";
import { Evaluation, evaluateStack, input, ofType, NETWORK, SERVICE } from "../../harness";
import { docker, dockerOk, ensureBusyboxImage, ensureSwarm, removeTaskContainers, sleep, waitForService } from "../../support/docker";

const STACK = "timport";
const NET = "timport-net";
const overrides = { "iklimco:stackName": STACK, "iklimco:network": { name: NET, subnet: "10.231.0.0/16", encrypted: false } };

/** Volume mounts of a recorded service: [source, target]. */
function volumeMounts(s: ReturnType<typeof ofType>[number]): { source: string; target: string }[] {
    return (input(s, "taskSpec.containerSpec.mounts") ?? []).filter((m: { type: string }) => m.type === "volume");
}

/** The operators' way: a compose file per the names, deployed with `docker stack deploy`. */
function operatorsComposeFile(ev: Evaluation, image: string): string {
    const services: Record<string, unknown> = {};
    const volumes: Record<string, unknown> = {};
    for (const s of ofType(ev, SERVICE)) {
        const short = String(input(s, "name")).slice(STACK.length + 1);
        const mounts = volumeMounts(s);
        for (const m of mounts) volumes[m.source.slice(STACK.length + 1)] = {};
        services[short] = {
            image,
            command: ["sleep", "3600"],
            networks: [NET],
            volumes: mounts.map((m) => `${m.source.slice(STACK.length + 1)}:${m.target}`),
            deploy: { replicas: 1, resources: { limits: { memory: "16M" } } },
        };
    }
    return YAML.stringify({ version: "3.8", services, volumes, networks: { [NET]: { external: true } } });
}

describe("adoption: import file from a real swarm", function () {
    this.timeout(300_000);
    let ev: Evaluation;
    let dir: string;

    before(async () => {
        await ensureSwarm();
        const image = ensureBusyboxImage();
        ev = await evaluateStack("prod", { overrides });
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "timport-"));
        if (!dockerOk(["network", "inspect", NET])) docker(["network", "create", "--driver", "overlay", "--attachable", NET]);
        fs.writeFileSync(path.join(dir, "stack.yml"), operatorsComposeFile(ev, image));
        docker(["stack", "deploy", "-c", path.join(dir, "stack.yml"), STACK]);
        // Docker creates a stack's named volumes when a task first starts on the node: wait for every task.
        for (const s of ofType(ev, SERVICE)) await waitForService(String(input(s, "name")), 180_000);
    });

    after(async () => {
        if (dockerOk(["stack", "ls"])) {
            dockerOk(["stack", "rm", STACK]);
            await removeTaskContainers(`label=com.docker.stack.namespace=${STACK}`);
            for (const v of docker(["volume", "ls", "-q", "--filter", `label=com.docker.stack.namespace=${STACK}`]).split("\n").filter(Boolean)) dockerOk(["volume", "rm", v]);
            for (let i = 0; i < 30 && !dockerOk(["network", "rm", NET]) && dockerOk(["network", "inspect", NET]); i++) await sleep(1000);
        }
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("gives every importable network and service of the program the id of its live counterpart", () => {
        const live = readLiveSwarm();
        const report = buildImportFile(ev, live);
        const importable = [...ofType(ev, NETWORK), ...ofType(ev, SERVICE)];
        expect(importable.length).to.be.greaterThan(0);
        expect(report.missing).to.deep.equal([]);
        for (const r of importable) {
            const entry = report.file.resources.find((e) => e.name === r.name && e.type === r.type);
            expect(entry, r.name).to.not.equal(undefined);
            const kind = r.type === NETWORK ? "network" : "service";
            expect(entry!.id).to.equal(docker([kind, "inspect", "--format", "{{.ID}}", String(input(r, "name"))]));
            expect(entry!.provider).to.equal(`${STACK}-docker`);
            expect(report.file.nameTable[`${STACK}-docker`]).to.match(new RegExp(`pulumi:providers:docker::${STACK}-docker$`));
        }
        // Every parent an entry names is declared in the same file, as an empty component.
        const declared = new Set(report.file.resources.map((e) => e.name));
        for (const e of report.file.resources) if (e.parent) expect(declared.has(e.parent), e.parent).to.equal(true);
        // Secrets are never in the import file: they come under management by rotation.
        expect(report.file.resources.some((e) => e.type === "docker:index/secret:Secret")).to.equal(false);
        expect(report.secrets.length).to.be.greaterThan(0);
    });

    it("names every stateful service, volume and the network as the running platform does", () => {
        for (const s of ofType(ev, SERVICE)) {
            const short = String(input(s, "name")).slice(STACK.length + 1);
            expect(input(s, "name")).to.equal(`${STACK}_${short}`);
            // Docker stack deploy names volumes <stack>_<volume>: the program's mount sources must be those.
            for (const m of volumeMounts(s)) {
                expect(m.source.startsWith(`${STACK}_`), m.source).to.equal(true);
                expect(dockerOk(["volume", "inspect", m.source]), `live volume ${m.source}`).to.equal(true);
            }
        }
        expect(ofType(ev, NETWORK).map((n) => input(n, "name"))).to.deep.equal([NET]);
    });

    it("reports program resources with no live counterpart as to be created, not as imports", () => {
        const live = readLiveSwarm();
        const firstService = ofType(ev, SERVICE)[0] ?? ofType(ev, NETWORK)[0];
        const kind = firstService.type === NETWORK ? "network" : "service";
        live[kind].delete(String(input(firstService, "name")));
        const report = buildImportFile(ev, live);
        expect(report.missing.map((m) => m.urn)).to.deep.equal([firstService.urn]);
        expect(report.file.resources.some((e) => e.name === firstService.name && e.type === firstService.type)).to.equal(false);
    });
});

describe("adoption: retiring legacy Swarm secrets on a real swarm", function () {
    this.timeout(180_000);
    const script = path.join(__dirname, "..", "..", "..", "tools", "adoption", "retire-legacy-secrets.sh");
    const run = (...args: string[]) => execFileSync("bash", [script, "--match", "^tretire_", ...args], { encoding: "utf8" });
    const svc = "tretire_app";

    before(async () => {
        await ensureSwarm();
        const image = ensureBusyboxImage();
        for (const n of ["tretire_cookie", "tretire_orphan"]) if (!dockerOk(["secret", "inspect", n])) docker(["secret", "create", n, "-"], "legacy-value");
        if (!dockerOk(["secret", "inspect", "tretire_cookie_0a1b2c3d"])) {
            docker(["secret", "create", "--label", "com.iklimco.managed-by=pulumi", "tretire_cookie_0a1b2c3d", "-"], "legacy-value");
        }
        if (!dockerOk(["service", "inspect", svc])) {
            docker(["service", "create", "--detach", "--name", svc, "--secret", "source=tretire_cookie,target=tretire_cookie", image, "sleep", "3600"]);
        }
    });

    after(() => {
        dockerOk(["service", "rm", svc]);
        for (const n of ["tretire_cookie", "tretire_orphan", "tretire_cookie_0a1b2c3d"]) dockerOk(["secret", "rm", n]);
    });

    it("reports without --apply, keeps what a service mounts, removes the unreferenced, and is a no-op the second time", async () => {
        const dry = run();
        expect(dry).to.match(/keep {4}tretire_cookie: still mounted/);
        expect(dry).to.match(/would remove tretire_orphan/);
        expect(dockerOk(["secret", "inspect", "tretire_orphan"])).to.equal(true);

        // What `pulumi up` does: the service moves to the managed copy at the same target path.
        docker(["service", "update", "--detach", "--secret-rm", "tretire_cookie", "--secret-add", "source=tretire_cookie_0a1b2c3d,target=tretire_cookie", svc]);
        const mounted = docker(["service", "inspect", "--format", "{{range .Spec.TaskTemplate.ContainerSpec.Secrets}}{{.SecretName}}={{.File.Name}} {{end}}", svc]);
        expect(mounted.trim()).to.equal("tretire_cookie_0a1b2c3d=tretire_cookie");

        const applied = run("--apply");
        expect(applied).to.match(/removed tretire_cookie\n/);
        expect(applied).to.match(/removed tretire_orphan/);
        expect(dockerOk(["secret", "inspect", "tretire_cookie"])).to.equal(false);
        expect(dockerOk(["secret", "inspect", "tretire_cookie_0a1b2c3d"]), "the managed copy stays").to.equal(true);
        expect(run("--apply")).to.match(/legacy secrets: 0 removed, 0 still in use/);
    });
});
