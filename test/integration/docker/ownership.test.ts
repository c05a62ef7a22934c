// Fields other actors own are not the program's. Offline: every Swarm service the platform
// and the microservice program declare carries `ignoreChanges` for each field in
// components/swarm/ownership.ts. On the real swarm: the very commands the scripts run (swag-files.sh itself,
// and cert-distributor's `docker service update` line read from distributor.sh) change only fields in that
// table, so a refresh after them finds nothing the program would diff.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SERVICE_FIELDS_OWNED_ELSEWHERE, SERVICE_IGNORE_CHANGES } from "../../../components/swarm/ownership";
import { SERVICE, evaluateStack, ofType } from "../../harness";
import { docker, dockerAvailable, ensureBusyboxImage, ensureSwarm, waitForService } from "../../support/docker";
import { evaluateMicroservice } from "../../support/microservice-eval";

const ROOT = path.join(__dirname, "..", "..", "..");

/** Leaf paths (`TaskTemplate.ForceUpdate`) whose values differ between two JSON documents. */
function changedPaths(a: unknown, b: unknown, at = ""): string[] {
    if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
        const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
        return keys.flatMap((k) => changedPaths((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], at ? `${at}.${k}` : k));
    }
    return JSON.stringify(a) === JSON.stringify(b) ? [] : [at];
}

describe("fields other actors own are not drift", function () {
    this.timeout(240_000);

    it("every platform service ignores the fields other actors own; Vault members and SWAG among them", async () => {
        const ev = await evaluateStack("prod");
        const services = ofType(ev, SERVICE);
        expect(services.length).to.be.greaterThan(10);
        for (const s of services) {
            for (const field of SERVICE_IGNORE_CHANGES) expect(s.options.ignoreChanges, `${s.name} ignoreChanges`).to.include(field);
        }
        const names = services.map((s) => String(s.inputs.name));
        // The services the scripts restart are among them (cert-distributor: Vault members; swag-files.sh: SWAG).
        expect(names).to.include.members(["iklimco_vault-1", "iklimco_vault-2", "iklimco_vault-3", "iklimco_swag"]);
        expect(SERVICE_IGNORE_CHANGES).to.include("taskSpec.forceUpdate");
    });

    it("the microservice program's service ignores them too (an operator's --force restart is not drift)", async () => {
        const platform = await evaluateStack("prod");
        const ev = await evaluateMicroservice({ outputs: platform.outputs });
        const [svc] = ofType(ev, SERVICE);
        for (const field of SERVICE_IGNORE_CHANGES) expect(svc.options.ignoreChanges).to.include(field);
    });

    it("each owned field names an input of the docker provider's Service (the path Pulumi diffs)", () => {
        const types = fs.readFileSync(path.join(ROOT, "node_modules", "@pulumi", "docker", "types", "input.d.ts"), "utf8");
        const iface = (name: string) => {
            const m = new RegExp(`export interface ${name} \\{([\\s\\S]*?)\\n\\}`).exec(types);
            if (!m) throw new Error(`no interface ${name} in @pulumi/docker's input types`);
            return m[1];
        };
        for (const f of SERVICE_FIELDS_OWNED_ELSEWHERE) {
            const [top, leaf] = f.input.split(".");
            expect(top).to.equal("taskSpec");
            expect(iface("ServiceTaskSpec")).to.match(new RegExp(`\\n\\s+${leaf}\\?:`));
        }
    });

    describe("on the real swarm", function () {
        const tag = `fcr-own-${process.pid}`;
        const svc = `${tag}_swag`;
        let dir = "";
        before(async function () {
            if (!dockerAvailable()) this.skip();
            await ensureSwarm();
            const image = ensureBusyboxImage();
            dir = fs.mkdtempSync(path.join(os.tmpdir(), `${tag}-`));
            docker(["service", "create", "--detach", "--quiet", "--name", svc, "--label", `com.iklimco.test=${tag}`, "--restart-condition", "any", image, "sleep", "3600"]);
            await waitForService(svc);
        });
        after(() => {
            if (dir) fs.rmSync(dir, { recursive: true, force: true });
            spawnSync("docker", ["service", "rm", svc], { stdio: "ignore" });
        });
        const spec = () => JSON.parse(docker(["service", "inspect", "--format", "{{json .Spec}}", svc]));
        const owned = SERVICE_FIELDS_OWNED_ELSEWHERE.map((f) => f.swarm);

        it("swag-files.sh restarting SWAG changes only fields the program ignores", () => {
            const before = spec();
            const script = path.join(ROOT, "components", "infra-db", "swag-files.sh");
            const run = spawnSync("bash", [script], {
                encoding: "utf8",
                timeout: 180_000,
                env: { ...process.env, SWAG_FILE_COUNT: "1", SWAG_SERVICE: svc, SWAG_FILE_0_PATH: path.join(dir, "site-confs", "default.conf"), SWAG_FILE_0_MODE: "644", SWAG_FILE_0_B64: Buffer.from("server {}\n").toString("base64") },
            });
            expect(run.status, run.stderr).to.equal(0);
            expect(run.stdout).to.include(`${svc} restarted`);
            const changed = changedPaths(before, spec());
            expect(changed).to.include("TaskTemplate.ForceUpdate");
            expect(changed.filter((p) => !owned.includes(p))).to.deep.equal([]);
        });

        it("cert-distributor's restart command changes only fields the program ignores", async () => {
            const text = fs.readFileSync(path.join(ROOT, "components", "certs", "scripts", "distributor.sh"), "utf8");
            const line = /^\s*(docker service update [^"]*)"\$_svc"/m.exec(text);
            expect(line, "the distributor's docker service update line").to.not.equal(null);
            const args = line![1].trim().split(/\s+/).slice(1);
            expect(args).to.include("--force");
            const before = spec();
            docker([...args, svc]);
            await waitForService(svc);
            const changed = changedPaths(before, spec());
            expect(changed).to.include("TaskTemplate.ForceUpdate");
            expect(changed.filter((p) => !owned.includes(p))).to.deep.equal([]);
        });
    });
});
