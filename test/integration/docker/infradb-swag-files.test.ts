// Step 9 for real: the script the program ships (components/infra-db/swag-files.sh), fed the very stdin the
// program renders, writes SWAG's files with their modes, is idempotent, never prints the GoDaddy secret, and
// restarts SWAG on the real swarm only when a file changed and the service exists.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RUNNER } from "../../../components/swarm";
import { docker, dockerAvailable, dockerOk, ensureBusyboxImage, ensureSwarm } from "../../support/docker";
import { evaluateStack, named } from "../../harness";

const STACK = `tinfra-${process.pid}-s9`;
const SERVICE = `${STACK}_swag`;

function run(stdin: string): { status: number | null; out: string } {
    const r = spawnSync("bash", ["-c", RUNNER([])], { input: stdin, encoding: "utf8", timeout: 200_000 });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const forceUpdate = () => Number(docker(["service", "inspect", SERVICE, "--format", "{{.Spec.TaskTemplate.ForceUpdate}}"]));

describe("step 9: swag-files.sh on this machine and the real swarm", function () {
    this.timeout(300_000);
    let dir = "";
    let stdin = "";
    let serviceCreated = false;

    before(async function () {
        if (!dockerAvailable()) this.skip();
        await ensureSwarm();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "tinfra-swagfiles-"));
        const ev = await evaluateStack("prod", {
            overrides: {
                "iklimco:stackName": STACK,
                "iklimco:docker": { host: "unix:///var/run/docker.sock" },
                "iklimco:paths": {
                    swagCertDir: `${dir}/ssl`,
                    swagDnsConfigDir: `${dir}/swag/dns-conf`,
                    swagSiteConfsDir: `${dir}/swag/site-confs`,
                    swagProxyConfsDir: `${dir}/swag/proxy-confs`,
                },
            },
            secrets: { "iklimco:godaddyKey": "gd-key-s9-0123", "iklimco:godaddySecret": "gd-secret-s9-4567" },
        });
        stdin = named(ev, `${STACK}-infra-db-swag-files`).plainInputs.stdin as string;
    });

    after(() => {
        if (serviceCreated) spawnSync("docker", ["service", "rm", SERVICE], { stdio: "ignore" });
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("writes the files with their modes, changes nothing on a second run, and never prints the secret", () => {
        const first = run(stdin);
        expect(first.status, first.out).to.equal(0);
        expect(first.out).to.include(`${SERVICE} is not running yet`);
        const ini = path.join(dir, "swag/dns-conf/godaddy.ini");
        expect(fs.statSync(ini).mode & 0o777).to.equal(0o600);
        expect(fs.readFileSync(ini, "utf8")).to.match(/^dns_godaddy_key = gd-key-s9-0123$/m);
        for (const n of ["api", "apigw", "grafana", "rabbitmq"]) {
            const f = path.join(dir, `swag/proxy-confs/${n}.subdomain.conf`);
            expect(fs.statSync(f).mode & 0o777, n).to.equal(0o644);
            expect(fs.readFileSync(f, "utf8")).to.include(`server_name ${n}.iklim.co;`);
        }
        expect(fs.existsSync(path.join(dir, "swag/site-confs/default.conf"))).to.equal(true);
        const mtime = fs.statSync(ini).mtimeMs;
        const second = run(stdin);
        expect(second.status, second.out).to.equal(0);
        expect(second.out).to.include("all 6 files up to date");
        expect(fs.statSync(ini).mtimeMs).to.equal(mtime);
        for (const out of [first.out, second.out]) {
            expect(out).to.not.include("gd-secret-s9-4567");
            expect(out).to.not.include("gd-key-s9-0123");
        }
    });

    it("restarts a running SWAG only when a file changed (and repairs a mode change)", () => {
        const image = ensureBusyboxImage();
        docker(["service", "create", "--detach=true", "--quiet", "--name", SERVICE, "--limit-memory", "16M", "--stop-grace-period", "1s", image, "sleep", "2147483647"]);
        serviceCreated = true;
        const before = forceUpdate();
        const unchanged = run(stdin);
        expect(unchanged.status, unchanged.out).to.equal(0);
        expect(forceUpdate()).to.equal(before);

        fs.appendFileSync(path.join(dir, "swag/proxy-confs/api.subdomain.conf"), "# hand edit\n");
        const changed = run(stdin);
        expect(changed.status, changed.out).to.equal(0);
        expect(changed.out).to.include("wrote");
        expect(changed.out).to.include(`${SERVICE} restarted`);
        expect(forceUpdate()).to.equal(before + 1);
        expect(fs.readFileSync(path.join(dir, "swag/proxy-confs/api.subdomain.conf"), "utf8")).to.not.include("hand edit");

        fs.chmodSync(path.join(dir, "swag/dns-conf/godaddy.ini"), 0o644);
        const mode = run(stdin);
        expect(mode.status, mode.out).to.equal(0);
        expect(fs.statSync(path.join(dir, "swag/dns-conf/godaddy.ini")).mode & 0o777).to.equal(0o600);
        expect(forceUpdate()).to.equal(before + 2);
        expect(dockerOk(["service", "inspect", SERVICE])).to.equal(true);
    });
});
