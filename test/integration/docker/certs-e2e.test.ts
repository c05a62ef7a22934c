// End to end on the real single-node swarm: a stand-in SWAG config volume, the real cert-reloader and
// cert-distributor (the ServiceSpecs the component builds, run with `docker service create` in a stand-in
// image with sh, openssl and the docker CLI), and a stand-in Vault member that serves TLS from /vault/certs
// with `openssl s_server` and answers /v1/sys/health 503 (sealed) for its first seconds, then 200 (what the
// retry-unseal loop does). The StorageBox and the node's ssl dir are host directories under a temp dir.
// Everything Docker here is prefixed `tcerts`.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { shippedScript } from "../../../components/shell";
import { ServiceSpec } from "../../../components/swarm";
import { SCRIPTS_DIR, composedScript, distributorSpec, readScript, reloaderSpec } from "../../../components/certs";
import { certificateFiles } from "../../../components/naming";
import { RUNNER, scriptStdin } from "../../../components/swarm";
import { ensureCertToolsImage } from "../../support/cert-tools-image";
import { ensureContractImage } from "../../support/contract-images";
import { TestCert, makeCert } from "../../support/certs";
import { docker, dockerAvailable, dockerOk, ensureSwarm, removeTaskContainers, sleep, waitForService } from "../../support/docker";

const P = "tcerts";
const DOMAIN = "iklim.test";
const NET = `${P}-net`;
const VOLUME = `${P}_swag-config`;
const VAULT = `${P}_vault-1`;
const RELOADER = `${P}_cert-reloader`;
const DISTRIBUTOR = `${P}_cert-distributor`;
const { cert: CERT, key: KEY } = certificateFiles(DOMAIN);

/** `docker service create` from a ServiceSpec as the service builder would declare it. */
function createService(spec: ServiceSpec): void {
    const args = ["service", "create", "--detach", "--quiet", "--name", `${P}_${spec.name}`, "--network", `name=${NET},alias=${spec.name}`];
    if ("global" in spec.mode) args.push("--mode", "global");
    else args.push("--replicas", String(spec.mode.replicas));
    for (const c of spec.constraints) args.push("--constraint", c);
    for (const [k, v] of Object.entries(spec.env ?? {})) {
        if (typeof v !== "string") throw new Error(`env ${k} is not a plain string in the test`);
        args.push("--env", `${k}=${v}`);
    }
    for (const m of spec.mounts ?? []) args.push("--mount", `type=${m.type},source=${m.source},target=${m.target}${m.readOnly ? ",readonly" : ""}`);
    for (const [k, v] of Object.entries(spec.labels ?? {})) args.push("--label", `${k}=${v}`);
    const hc = spec.healthcheck;
    if (hc.test[0] !== "CMD-SHELL") throw new Error("the test only translates CMD-SHELL health checks");
    args.push("--health-cmd", hc.test[1], "--health-interval", "5s", "--health-retries", String(hc.retries ?? 3));
    args.push("--restart-delay", "2s", spec.image, ...(spec.command ?? []));
    docker(args);
}

function removeEverything(): void {
    for (const s of [RELOADER, DISTRIBUTOR, VAULT]) if (dockerOk(["service", "inspect", s])) dockerOk(["service", "rm", s]);
}

async function removeWhenFree(kind: "volume" | "network", name: string): Promise<void> {
    for (let i = 0; i < 90; i++) {
        if (!dockerOk([kind, "inspect", name])) return;
        // Removal of a swarm network is asynchronous: keep looking until it is gone.
        dockerOk([kind, "rm", name]);
        await sleep(1000);
    }
    throw new Error(`${kind} ${name} is still there after 90 s (in use by something else?)`);
}

describe("certificate flow end to end on a real swarm (tcerts)", function () {
    this.timeout(900_000);
    let tmp: string;
    let box: string;
    let nodeSsl: string;
    let image: string;
    let vaultFakeImage: string;
    let nodeName: string;
    let certs: Record<"placeholder" | "first" | "renewed" | "corrupt", TestCert>;
    let members: string;

    /** Runs a POSIX script with common.sh (as shipped) in the stand-in image on the overlay (where vault-1 resolves). */
    function onOverlay(script: string): string {
        const r = spawnSync("docker", ["run", "--rm", "-i", "--network", NET, image, "sh", "-s"], {
            input: `${shippedScript(path.join(SCRIPTS_DIR, "common.sh"))}\n${script}`,
            encoding: "utf8",
            timeout: 60_000,
        });
        return r.stdout.trim();
    }
    const served = () => onOverlay('PROBE_TIMEOUT=5; echo "$(served_fingerprint vault-1:8200)|$(served_not_after vault-1:8200)"').split("|");

    async function waitServed(fingerprint: string, timeoutMs: number): Promise<void> {
        const deadline = Date.now() + timeoutMs;
        let last: string[] = [];
        while (Date.now() < deadline) {
            last = served();
            if (last[0] === fingerprint) return;
            await sleep(500);
        }
        throw new Error(`stand-in Vault did not serve ${fingerprint} within ${timeoutMs / 1000}s (serves: ${last.join(" ")})\n${logs(DISTRIBUTOR)}`);
    }

    /** SWAG's renewal as certbot does it: new files in archive/, then the live/ symlinks switched (in the
     *  fuller image: this stands for SWAG, not for cert-tools). */
    function swagRenews(c: TestCert, n: number, key = c.key): void {
        const input = path.join(tmp, `in-${n}`);
        fs.mkdirSync(input);
        fs.copyFileSync(c.cert, path.join(input, "fullchain.pem"));
        fs.copyFileSync(key, path.join(input, "privkey.pem"));
        const le = "/config/etc/letsencrypt";
        docker(["run", "--rm", "-v", `${VOLUME}:/config`, "-v", `${input}:/in:ro`, vaultFakeImage, "sh", "-ec",
            `mkdir -p ${le}/archive/${DOMAIN} ${le}/live/${DOMAIN}
             cp /in/fullchain.pem ${le}/archive/${DOMAIN}/fullchain${n}.pem
             cp /in/privkey.pem ${le}/archive/${DOMAIN}/privkey${n}.pem
             chmod 600 ${le}/archive/${DOMAIN}/privkey${n}.pem
             ln -sfn ../../archive/${DOMAIN}/fullchain${n}.pem ${le}/live/${DOMAIN}/fullchain.pem
             ln -sfn ../../archive/${DOMAIN}/privkey${n}.pem ${le}/live/${DOMAIN}/privkey.pem`]);
    }

    async function waitForLog(service: string, line: RegExp, timeoutMs: number): Promise<void> {
        const deadline = Date.now() + timeoutMs;
        while (!line.test(logs(service))) {
            if (Date.now() > deadline) throw new Error(`${service} did not log ${line} within ${timeoutMs / 1000}s:\n${logs(service)}`);
            await sleep(500);
        }
    }

    function logs(service: string): string {
        return spawnSync("docker", ["service", "logs", "--raw", service], { encoding: "utf8", timeout: 30_000 }).stdout ?? "";
    }

    /** verify.sh as the deploy runs it: WAIT lets the distributor finish its rolling restart (unseal included). */
    function verify(expectNotAfter: string, wait = 90) {
        const r = spawnSync("bash", [path.join(SCRIPTS_DIR, "verify.sh")], {
            env: {
                PATH: process.env.PATH,
                RELOADER_SERVICE: RELOADER,
                DISTRIBUTOR_SERVICE: DISTRIBUTOR,
                VAULT_MEMBERS: members,
                NETWORK: NET,
                SWAG_CERT_DIR: box,
                CERT_FILE_NAME: CERT,
                CERT_TOOLS_IMAGE: image,
                TLS_SERVER_NAME: `vault.${DOMAIN}`,
                EXPECT_NOT_AFTER: expectNotAfter,
                WAIT: String(wait),
            },
            encoding: "utf8",
            timeout: 300_000,
        });
        return { status: r.status, out: `${r.stdout}${r.stderr}` };
    }

    before(async function () {
        if (!dockerAvailable()) throw new Error("docker.io is not installed (.ci/run installs it)");
        await ensureSwarm();
        // cert-reloader, cert-distributor and the probes run in the cert-tools stand-in that holds only its
        // image contract (components/images.ts); the Vault member stand-in (openssl s_server) keeps a fuller image.
        image = ensureContractImage("certTools").tag;
        vaultFakeImage = ensureCertToolsImage(P);
        nodeName = docker(["info", "--format", "{{.Name}}"]);
        members = `${nodeName}=${VAULT}=vault-1:8200`;
        removeEverything();
        await removeWhenFree("volume", VOLUME);
        await removeWhenFree("network", NET);
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), `${P}-e2e-`));
        box = path.join(tmp, "storagebox", "ssl");
        nodeSsl = path.join(tmp, "node", "ssl");
        fs.mkdirSync(box, { recursive: true });
        fs.mkdirSync(nodeSsl, { recursive: true });
        const made = path.join(tmp, "made");
        certs = {
            placeholder: makeCert(made, "placeholder", DOMAIN, 2),
            first: makeCert(made, "first", DOMAIN, 30),
            renewed: makeCert(made, "renewed", DOMAIN, 90),
            corrupt: makeCert(made, "corrupt", DOMAIN, 120),
        };
        docker(["network", "create", "--driver", "overlay", "--attachable", NET]);
        docker(["volume", "create", VOLUME]);
        // Step 10's placeholder in the node's ssl dir, so the stand-in Vault can start before anything is published.
        fs.copyFileSync(certs.placeholder.cert, path.join(nodeSsl, CERT));
        fs.copyFileSync(certs.placeholder.key, path.join(nodeSsl, KEY));
        const health = (code: string) => `printf 'HTTP/1.0 ${code}\\r\\nContent-Type: application/json\\r\\n\\r\\n{}\\n'`;
        docker(["service", "create", "--detach", "--quiet", "--name", VAULT, "--network", `name=${NET},alias=vault-1`,
            "--mount", `type=bind,source=${nodeSsl},target=/vault/certs,readonly`, "--update-order", "stop-first", "--update-monitor", "2s",
            // DNS round robin: this machine cannot route to Swarm VIPs (IPVS), task addresses work.
            "--endpoint-mode", "dnsrr",
            vaultFakeImage, "sh", "-c",
            `mkdir -p /srv/v1/sys && cd /srv && ${health("503 Service Unavailable")} > v1/sys/health
             (sleep 3; ${health("200 OK")} > v1/sys/h && mv v1/sys/h v1/sys/health) &
             exec openssl s_server -quiet -accept 8200 -HTTP -cert /vault/certs/${CERT} -key /vault/certs/${KEY}`]);
        await waitForService(VAULT, 120_000);
        await waitServed(certs.placeholder.fingerprint, 60_000);
    });

    after(async function () {
        if (process.env.TCERTS_KEEP) return;
        removeEverything();
        await removeTaskContainers(`name=${P}_`);
        await removeWhenFree("volume", VOLUME);
        await removeWhenFree("network", NET);
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("publishes SWAG's certificate, syncs it to the node, restarts Vault onto it, and verification passes", async () => {
        swagRenews(certs.first, 1);
        createService(reloaderSpec({ stackName: P, image, domain: DOMAIN, swagVolume: VOLUME, swagNode: nodeName, swagCertDir: box, intervalSeconds: 2 }));
        const distributor = distributorSpec({
            stackName: P, image, domain: DOMAIN, swagCertDir: box, nodeSslDir: nodeSsl, vaultMembers: members,
            tlsServerName: `vault.${DOMAIN}`, intervalSeconds: 2, restartTimeoutSeconds: 120,
        });
        // Placed as declared: the test node carries the `vault` label (ensureSwarm).
        expect(distributor.constraints).to.include("node.labels.vault == true");
        createService(distributor);
        await waitForService(RELOADER, 120_000);
        // Step 20 exactly as the manager command runs it (RUNNER + stdin), against the reloader's output.
        const step20 = spawnSync("bash", ["-c", RUNNER([])], {
            input: scriptStdin(readScript("step20.sh"), { CERT_TOOLS_IMAGE: image, CHECK_SCRIPT: composedScript("wait-cert"), SWAG_CERT_DIR: box, DOMAIN, CERT_FILE_NAME: CERT, KEY_FILE_NAME: KEY, TIMEOUT: "120" }),
            encoding: "utf8",
            timeout: 400_000,
        });
        expect(step20.status, `${step20.stdout}${step20.stderr}`).to.equal(0);
        expect(step20.stdout).to.include(`certificate for *.${DOMAIN} is in /certs (notAfter=${certs.first.notAfter}`);
        await waitForService(DISTRIBUTOR, 120_000);
        await waitServed(certs.first.fingerprint, 180_000);
        expect(fs.readFileSync(path.join(box, CERT), "utf8")).to.equal(fs.readFileSync(certs.first.cert, "utf8"));
        expect(fs.statSync(path.join(nodeSsl, KEY)).mode & 0o777).to.equal(0o600);
        const v = verify(certs.first.notAfter);
        expect(v.status, v.out).to.equal(0);
        expect(v.out).to.include(`serves notAfter=${certs.first.notAfter}`);
        // The distributor's own line may come a poll after the verification already saw the member unsealed.
        await waitForLog(DISTRIBUTOR, new RegExp(`restarted ${VAULT}: serves notAfter=${certs.first.notAfter} and is unsealed`), 60_000);
    });

    it("rolls a renewal through: the reloader publishes it, the distributor restarts Vault once, verification sees the new notAfter", async () => {
        const tasksBefore = docker(["service", "ps", "-q", VAULT]).split("\n").length;
        swagRenews(certs.renewed, 2);
        await waitServed(certs.renewed.fingerprint, 180_000);
        const v = verify(certs.renewed.notAfter);
        expect(v.status, v.out).to.equal(0);
        expect(v.out).to.include(`serves notAfter=${certs.renewed.notAfter}`);
        // The verification fails, naming the node and what it serves, when the expectation is not met.
        const stale = verify(certs.first.notAfter, 0);
        expect(stale.status).to.equal(1);
        expect(stale.out).to.include(`node ${nodeName}: Vault member ${VAULT} serves notAfter=${certs.renewed.notAfter}, expected ${certs.first.notAfter}`);
        // Nothing changes while nothing changes: a few more distributor passes restart nothing.
        await sleep(8000);
        expect(docker(["service", "ps", "-q", VAULT]).split("\n").length).to.equal(tasksBefore + 1);
    });

    it("refuses a corrupted renewal (key not matching) and keeps serving the current certificate", async () => {
        const tasksBefore = docker(["service", "ps", "-q", VAULT]).split("\n").length;
        swagRenews(certs.corrupt, 3, certs.first.key);
        await waitForLog(RELOADER, /refused SWAG's certificate .*does not match certificate fullchain\.pem; keeping the published one/, 60_000);
        // Give the distributor several passes: it must neither sync nor restart anything.
        await sleep(8000);
        expect(fs.readFileSync(path.join(box, CERT), "utf8")).to.equal(fs.readFileSync(certs.renewed.cert, "utf8"));
        expect(fs.readFileSync(path.join(nodeSsl, CERT), "utf8")).to.equal(fs.readFileSync(certs.renewed.cert, "utf8"));
        expect(served()[0]).to.equal(certs.renewed.fingerprint);
        expect(docker(["service", "ps", "-q", VAULT]).split("\n").length).to.equal(tasksBefore);
        const v = verify(certs.renewed.notAfter);
        expect(v.status, v.out).to.equal(0);
        // The composed scripts the services ran are the component's.
        expect(docker(["service", "inspect", "--format", "{{json .Spec.TaskTemplate.ContainerSpec.Args}}", RELOADER])).to.include("cert-reloader");
        expect(composedScript("reloader")).to.include("refused SWAG's certificate");
    });
});
