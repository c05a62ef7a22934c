// The seeds' Vault flow (seeds/001) on the real single-node swarm with a real Vault-API server (OpenBao):
// the Vault stack's compose export of the evaluated program (tools/offline/compose.ts), deployed with
// `docker stack deploy` in a stand-in of the Vault image (test/support/openbao-image.ts: the real server binary
// as /bin/vault and busybox applets, nothing the upstream image does not hold). The entrypoint, the server config and
// the health check are the program's, unmodified; TLS comes from the node's ssl directory (the nodeSslDir
// bind). What the test changes in the exported file, because three members share one node here, and why:
//   - the `node.hostname == <config node>` constraints name this node (a swarm of one has one hostname; the
//     `node.labels.vault == true` constraint stays and the node carries the label);
//   - the host-mode published port 8200 becomes one free loopback port per member (three host-mode
//     publishes of one port cannot share a node);
//   - the members use DNS round robin (endpoint_mode: dnsrr): this machine cannot route to Swarm virtual IPs
//     (IPVS), and the members find each other by their overlay names.
// Everything Docker here is named tvbao*; the node carries the `vault` label (test/support/docker.ts ensureSwarm).
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { ServiceSpec } from "../../../components/swarm";
import { distributorSpec } from "../../../components/certs";
import { certificateFiles } from "../../../components/naming";
import { stackFilesOf, stackFileText } from "../../../tools/offline/compose";
import { evaluateStack } from "../../harness";
import { ensureCertToolsImage } from "../../support/cert-tools-image";
import { TestCert, makeCert } from "../../support/certs";
import { docker, dockerAvailable, dockerOk, ensureSwarm, removeTaskContainers, sleep } from "../../support/docker";
import { ApiResponse, openbaoAvailable, vaultApi } from "../../support/openbao";
import { ensureOpenBaoVaultImage } from "../../support/openbao-image";
import { freePort } from "../../support/ports";

const P = "tvbao";
const STACK = P;
const NET = `${P}-net`;
const DOMAIN = "iklim.co";
const HOST = `vault.${DOMAIN}`;
const MEMBERS = ["vault-1", "vault-2", "vault-3"];
const DISTRIBUTOR = `${P}_cert-distributor`;
const { cert: CERT, key: KEY } = certificateFiles(DOMAIN);

/* eslint-disable @typescript-eslint/no-explicit-any */

describe("the seeds' Vault flow on a real swarm: three OpenBao members from the compose export (OpenBao)", function () {
    this.timeout(1_200_000);
    let tmp: string;
    let nodeSsl: string;
    let box: string;
    let nodeName: string;
    let image: string;
    let certs: Record<"first" | "renewed", TestCert>;
    let secretName: string;
    /** Both certificates the members serve in this test, as the client's trust. */
    let caBundle: string;
    let volumes: string[] = [];
    const ports: Record<string, number> = {};
    let rootToken = "";
    /** Figures measured here, printed at the end for docs/vault-openbao.md. */
    const figures: string[] = [];

    /** One request to a member through its published port, TLS checked for the public name against the node's certificates. */
    function api(member: string, method: string, apiPath: string, body?: unknown, token?: string, timeoutMs = 5_000): Promise<ApiResponse> {
        return vaultApi({ address: `https://127.0.0.1:${ports[member]}`, caCert: caBundle, servername: HOST }, method, apiPath, body, token, { timeoutMs });
    }
    const tryApi = (member: string, method: string, apiPath: string, body?: unknown, token?: string, timeoutMs?: number) =>
        api(member, method, apiPath, body, token, timeoutMs).catch((e: Error) => ({ status: 0, body: undefined, text: e.message }) as ApiResponse);

    /** The certificate fingerprint a member serves on its published port (sha256, as openssl prints it). */
    function servedFingerprint(member: string): string {
        const r = spawnSync("sh", ["-c", `echo | timeout 5 openssl s_client -connect 127.0.0.1:${ports[member]} -servername ${HOST} 2>/dev/null | openssl x509 -noout -fingerprint -sha256`], { encoding: "utf8" });
        return (r.stdout.split("=")[1] ?? "").trim();
    }

    async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            const v = await probe();
            if (v !== undefined) return v;
            if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s\n${diagnostics()}`);
            await sleep(500);
        }
    }

    /** The running container of a member's task (empty when none runs). */
    function containerOf(member: string): string {
        return spawnSync("docker", ["ps", "-q", "--filter", `label=com.docker.swarm.service.name=${STACK}_${member}`], { encoding: "utf8" }).stdout.trim().split("\n")[0] ?? "";
    }

    /** `docker service create` from a ServiceSpec (the distributor), as test/certs-e2e.test.ts does. */
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
        const hc = spec.healthcheck;
        if (hc.test[0] !== "CMD-SHELL") throw new Error("the test only translates CMD-SHELL health checks");
        args.push("--health-cmd", hc.test[1], "--health-interval", "5s", "--health-retries", String(hc.retries ?? 3));
        args.push("--restart-delay", "2s", spec.image, ...(spec.command ?? []));
        docker(args);
    }

    const healthy = async (m: string) => (await tryApi(m, "GET", "/v1/sys/health?standbyok=true")).status === 200;

    function logs(service: string): string {
        const r = spawnSync("docker", ["service", "logs", "--raw", service], { encoding: "utf8", timeout: 30_000 });
        return `${r.stdout}${r.stderr}`;
    }
    function diagnostics(): string {
        return MEMBERS.map((m) => `--- ${STACK}_${m}\n${spawnSync("docker", ["service", "ps", "--no-trunc", `${STACK}_${m}`], { encoding: "utf8" }).stdout}${logs(`${STACK}_${m}`).split("\n").slice(-15).join("\n")}`).join("\n");
    }

    async function raftServers(member: string): Promise<{ node_id: string; voter: boolean; leader: boolean }[]> {
        const r = await tryApi(member, "GET", "/v1/sys/storage/raft/configuration", undefined, rootToken);
        return r.status === 200 ? r.body.data.config.servers : [];
    }

    async function removeWhenFree(kind: "volume" | "network" | "secret", name: string): Promise<void> {
        for (let i = 0; i < 90; i++) {
            if (!dockerOk([kind, "inspect", name])) return;
            dockerOk([kind, "rm", name]);
            await sleep(1000);
        }
    }

    function removeServices(): void {
        if (dockerOk(["service", "inspect", DISTRIBUTOR])) dockerOk(["service", "rm", DISTRIBUTOR]);
        dockerOk(["rm", "-f", `${P}-init`]);
        for (const m of MEMBERS) if (dockerOk(["service", "inspect", `${STACK}_${m}`])) dockerOk(["service", "rm", `${STACK}_${m}`]);
    }

    before(async function () {
        if (!dockerAvailable()) throw new Error("docker.io is not installed (tools/test-all.sh installs it)");
        expect(openbaoAvailable(), "bao is installed by tools/test-all.sh").to.equal(true);
        await ensureSwarm();
        nodeName = docker(["info", "--format", "{{.Name}}"]);
        removeServices();
        image = ensureOpenBaoVaultImage(P);
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), `${P}-`));
        nodeSsl = path.join(tmp, "node", "ssl");
        box = path.join(tmp, "storagebox", "ssl");
        fs.mkdirSync(nodeSsl, { recursive: true });
        fs.mkdirSync(box, { recursive: true });
        certs = { first: makeCert(path.join(tmp, "made"), "first", DOMAIN, 30), renewed: makeCert(path.join(tmp, "made"), "renewed", DOMAIN, 90) };
        caBundle = path.join(tmp, "made", "both.pem");
        fs.writeFileSync(caBundle, fs.readFileSync(certs.first.cert, "utf8") + fs.readFileSync(certs.renewed.cert, "utf8"));
        // What step 10 / the distributor leave in the node's ssl dir: the pair, the key 0600.
        fs.copyFileSync(certs.first.cert, path.join(nodeSsl, CERT));
        fs.copyFileSync(certs.first.key, path.join(nodeSsl, KEY));
        fs.chmodSync(path.join(nodeSsl, KEY), 0o600);
        for (const m of MEMBERS) ports[m] = await freePort();

        // The program's own plan for a stack named tvbao on the stand-in image, with this node's ssl dir.
        const prod = (YAML.parse(fs.readFileSync(path.join(__dirname, "..", "..", "..", "Pulumi.prod.yaml"), "utf8")) as { config: Record<string, any> }).config;
        const ev = await evaluateStack("prod", {
            overrides: {
                "iklimco:stackName": STACK,
                "iklimco:network": { ...prod["iklimco:network"], name: NET },
                "iklimco:images": { ...prod["iklimco:images"], vault: image },
                "iklimco:paths": { ...prod["iklimco:paths"], nodeSslDir: nodeSsl },
            },
        });
        const doc = (await stackFilesOf(ev)).get("docker-stack-vault.yml");
        if (!doc) throw new Error("the compose export has no docker-stack-vault.yml");
        expect(Object.keys(doc.services).sort()).to.deep.equal(MEMBERS);
        for (const m of MEMBERS) {
            const svc = doc.services[m];
            const others = svc.deploy.placement.constraints.filter((c: string) => !c.startsWith("node.hostname == "));
            expect(others, "the label constraint stays").to.include("node.labels.vault == true");
            svc.deploy.placement.constraints = [...others, `node.hostname == ${nodeName}`];
            expect(svc.ports).to.deep.equal([{ target: 8200, published: 8200, protocol: "tcp", mode: "host" }]);
            svc.ports = [{ ...svc.ports[0], published: ports[m] }];
            svc.deploy.endpoint_mode = "dnsrr";
            expect(svc.volumes).to.deep.include({ type: "bind", source: nodeSsl, target: "/vault/certs", read_only: true });
        }
        // The file's own prefix on the program's content-named secret, so no other test on the shared swarm sees a
        // secret by the program's name that the program did not make (the migration refuses such a name clash).
        expect(doc.secrets.vault_unseal_key.name).to.match(/^vault_unseal_key_[0-9a-f]{8}$/);
        secretName = `${P}-${doc.secrets.vault_unseal_key.name}`;
        doc.secrets.vault_unseal_key.name = secretName;
        volumes = Object.values(doc.volumes).map((v: any) => v.name);
        // A run cut short leaves its data behind: this cluster starts uninitialised.
        for (const v of volumes) await removeWhenFree("volume", v);
        const file = path.join(tmp, "docker-stack-vault.yml");
        fs.writeFileSync(file, stackFileText(doc));

        await removeWhenFree("network", NET);
        docker(["network", "create", "--driver", "overlay", "--attachable", "--label", `com.iklimco.test=${P}`, NET]);

        // Initialisation, as the bootstrap does it (vault-bootstrap.sh): a transient server on vault-1's volume,
        // config and certificate, then `sys/init` with one share; its answer becomes the Swarm secret.
        const v1 = doc.services["vault-1"];
        docker([
            "run", "-d", "--name", `${P}-init`, "--network", NET, "--network-alias", "vault-1", "--hostname", "vault-1",
            "-v", `${volumes.find((v) => v.includes("vault-1"))}:/vault/data`, "-v", `${nodeSsl}:/vault/certs:ro`,
            "-e", `VAULT_CONFIG_JSON=${v1.environment.VAULT_CONFIG_JSON}`, "-p", `127.0.0.1:${ports["vault-1"]}:8200`,
            "--entrypoint", v1.entrypoint[0], image, ...v1.entrypoint.slice(1),
        ]);
        await waitFor("the transient server answers", 60_000, async () => ((await tryApi("vault-1", "GET", "/v1/sys/seal-status")).status === 200 ? true : undefined));
        const init = await api("vault-1", "PUT", "/v1/sys/init", { secret_shares: 1, secret_threshold: 1 }, undefined, 120_000);
        expect(init.status, init.text).to.equal(200);
        rootToken = init.body.root_token;
        docker(["stop", "-t", "30", `${P}-init`]);
        docker(["rm", `${P}-init`]);
        await removeWhenFree("secret", secretName);
        docker(["secret", "create", "--label", `com.iklimco.test=${P}`, secretName, "-"], init.body.keys_base64[0]);

        const deployed = Date.now();
        docker(["stack", "deploy", "--detach=true", "-c", file, STACK]);
        for (const m of MEMBERS) await waitFor(`${m} unsealed by its own entrypoint`, 240_000, async () => ((await healthy(m)) ? true : undefined));
        await waitFor("three Raft voters", 120_000, async () => {
            const s = await raftServers("vault-1");
            return s.length === 3 && s.every((x) => x.voter) ? true : undefined;
        });
        figures.push(`docker stack deploy to three unsealed members, all Raft voters: ${((Date.now() - deployed) / 1000).toFixed(1)} s`);
    });

    after(async function () {
        if (figures.length) console.log(`\n      measured:\n${figures.map((f) => `        ${f}`).join("\n")}`);
        if (process.env.TVBAO_KEEP) return;
        removeServices();
        await removeTaskContainers(`name=${STACK}_`);
        for (const v of volumes) await removeWhenFree("volume", v);
        if (secretName) await removeWhenFree("secret", secretName);
        await removeWhenFree("network", NET);
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("three members from the compose export form one Raft cluster over TLS, each unsealed by its own entrypoint (OpenBao)", async () => {
        const servers = await raftServers("vault-2");
        expect(servers.map((s) => s.node_id).sort()).to.deep.equal(MEMBERS);
        expect(servers.filter((s) => s.leader)).to.have.length(1);
        for (const m of MEMBERS) {
            expect(servedFingerprint(m), `${m} serves the node's certificate`).to.equal(certs.first.fingerprint);
            // vault-1 unseals at once; a joining member takes the key ("still sealed"), unseals once the leader has
            // replicated to it, and its loop says so at its next look (backoff up to 30 s).
            await waitFor(`${m}'s entrypoint reports it unsealed`, 90_000, async () =>
                /unsealed with the key from \/run\/secrets\/vault_unseal_key|Vault is unsealed/.test(spawnSync("docker", ["logs", containerOf(m)], { encoding: "utf8" }).stderr) ? true : undefined,
            );
        }
        const mount = await api("vault-1", "POST", "/v1/sys/mounts/secret", { type: "kv", options: { version: "2" } }, rootToken);
        expect(mount.status, mount.text).to.be.oneOf([204, 400]);
        const w = await waitFor("a KV write", 30_000, async () => {
            const r = await tryApi("vault-2", "POST", "/v1/secret/data/flow/first", { data: { v: "1" } }, rootToken);
            return r.status === 200 ? r : undefined;
        });
        expect(w.status).to.equal(200);
        // A standby may answer a read from its own Raft copy, a moment behind the leader.
        for (const m of MEMBERS) {
            await waitFor(`${m} reads what vault-2 wrote`, 30_000, async () => {
                const r = await tryApi(m, "GET", "/v1/secret/data/flow/first", undefined, rootToken);
                return r.status === 200 && r.body?.data?.data?.v === "1" ? true : undefined;
            });
        }
    });

    it("the cert-distributor restarts each member onto the renewed certificate and the entrypoint unseals it (OpenBao)", async () => {
        const image2 = ensureCertToolsImage(P);
        fs.copyFileSync(certs.renewed.cert, path.join(box, CERT));
        fs.copyFileSync(certs.renewed.key, path.join(box, KEY));
        const spec = distributorSpec({
            stackName: P, image: image2, domain: DOMAIN, swagCertDir: box, nodeSslDir: nodeSsl,
            vaultMembers: MEMBERS.map((m) => `${nodeName}=${STACK}_${m}=${m}:8200`).join(" "),
            tlsServerName: HOST, intervalSeconds: 2, restartTimeoutSeconds: 240,
        });
        createService(spec);
        const started = Date.now();
        for (const m of MEMBERS) {
            await waitFor(`${m} serves the renewed certificate, unsealed`, 600_000, async () => (servedFingerprint(m) === certs.renewed.fingerprint && (await healthy(m)) ? true : undefined));
        }
        figures.push(`cert-distributor rolled the renewed certificate through 3 members, each unsealed again: ${((Date.now() - started) / 1000).toFixed(1)} s`);
        // The distributor's own line comes once its probe, on the overlay, sees the member unsealed.
        for (const m of MEMBERS) {
            const line = new RegExp(`restarted ${STACK}_${m}: serves notAfter=${certs.renewed.notAfter.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} and is unsealed`);
            await waitFor(`the distributor reports ${m} restarted and unsealed`, 120_000, async () => (line.test(logs(DISTRIBUTOR)) ? true : undefined));
        }
        expect(logs(DISTRIBUTOR).match(/restarting tvbao_vault-\d/g), "one restart per member").to.have.length(3);
        for (const m of MEMBERS) {
            const c = containerOf(m);
            expect(spawnSync("docker", ["logs", c], { encoding: "utf8" }).stderr, `${m}'s new task was unsealed by its entrypoint`).to.match(/unsealed with the key from \/run\/secrets\/vault_unseal_key/);
        }
        expect((await raftServers("vault-3")).map((s) => s.node_id).sort()).to.deep.equal(MEMBERS);
        for (const m of MEMBERS) expect((await api(m, "GET", "/v1/secret/data/flow/first", undefined, rootToken)).body.data.data.v, `data kept through ${m}`).to.equal("1");
        if (dockerOk(["service", "inspect", DISTRIBUTOR])) docker(["service", "rm", DISTRIBUTOR]);
    });

    /**
     * Stops (or kills) the leader's task, then measures, polling the survivors every 100 ms: how long no
     * leader is reported, when a new one is, whether writes go through the survivors, and when the member is
     * back, unsealed by its own loop and a voter again.
     */
    async function loseLeader(how: "stop" | "kill"): Promise<void> {
        const leaderOf = async (m: string): Promise<string | undefined> => {
            const r = await tryApi(m, "GET", "/v1/sys/leader", undefined, undefined, 1000);
            return r.status === 200 && r.body.leader_address ? String(r.body.leader_address) : undefined;
        };
        const before = await leaderOf("vault-1");
        expect(before, "a leader before").to.be.a("string");
        const stopped = MEMBERS.find((m) => before === `https://${m}:8200`)!;
        expect(stopped, `the leader ${before} is a member`).to.be.a("string");
        const survivors = MEMBERS.filter((m) => m !== stopped);
        const container = containerOf(stopped);

        // Poll sys/leader on the survivors every 100 ms, and write then read through them, from the stop on.
        let noLeaderMs = 0;
        let newLeaderAt = 0;
        let writes = 0;
        const okWrites: number[] = [];
        let polling = true;
        const t0 = Date.now();
        const poller = (async () => {
            let last = Date.now();
            while (polling) {
                const leaders = await Promise.all(survivors.map(leaderOf));
                const now = Date.now();
                if (!leaders.some((l) => l)) noLeaderMs += now - last;
                if (!newLeaderAt && leaders.some((l) => l && l !== before)) newLeaderAt = now;
                last = now;
                await sleep(100);
            }
        })();
        const writer = (async () => {
            let i = 0;
            while (polling) {
                const r = await tryApi(survivors[i % 2], "POST", `/v1/secret/data/flow/during-${i}`, { data: { v: String(i) } }, rootToken, 2000);
                writes++;
                if (r.status === 200) okWrites.push(Date.now());
                i++;
                await sleep(200);
            }
        })();
        docker(how === "stop" ? ["stop", "-t", "30", container] : ["kill", container]);
        const stoppedAt = Date.now();
        // Working again: a write through a survivor succeeds after the stop returned (the old leader is gone).
        const workingAt = await waitFor("a write through the survivors after the stop", 180_000, async () => okWrites.find((t) => t > stoppedAt));
        // The member's task comes back (restart policy: any), and its own loop unseals it.
        const back = await waitFor(`${stopped} serves again`, 300_000, async () => (containerOf(stopped) !== container && (await healthy(stopped)) ? Date.now() : undefined));
        await waitFor(`${stopped} unsealed`, 120_000, async () => ((await tryApi(stopped, "GET", "/v1/sys/seal-status")).body?.sealed === false ? true : undefined));
        const unsealedAt = Date.now();
        await waitFor("writes keep going through the survivors", 60_000, async () => (okWrites.filter((t) => t > unsealedAt).length >= 3 ? true : undefined));
        polling = false;
        await writer;
        await poller;
        figures.push(
            `leader task ${how === "stop" ? "stopped (docker stop: SIGTERM, the leader steps down)" : "killed (docker kill: SIGKILL, a crash)"}: ` +
                `writes through the survivors failed until ${workingAt - t0} ms after the ${how} was issued (${workingAt - stoppedAt} ms after it returned); ` +
                `survivors answered "no leader" for ${noLeaderMs} ms in all (polled every 100 ms); ` +
                (newLeaderAt ? `another member reported as leader at ${newLeaderAt - t0} ms` : "the restarted member was leader again") +
                `; ${okWrites.length} of ${writes} writes succeeded`,
        );
        figures.push(`  the ${how === "stop" ? "stopped" : "killed"} member serves again (health 200 on its port) ${back - t0} ms after the ${how} was issued; unsealed at ${unsealedAt - t0} ms`);
        const afterElection = await tryApi(survivors[0], "POST", "/v1/secret/data/flow/after", { data: { v: "after" } }, rootToken);
        expect(afterElection.status, afterElection.text).to.equal(200);

        const servers = await waitFor("three voters again", 120_000, async () => {
            const s = await raftServers(stopped);
            return s.length === 3 && s.every((x) => x.voter) ? s : undefined;
        });
        expect(servers.map((s) => s.node_id).sort()).to.deep.equal(MEMBERS);
        expect(spawnSync("docker", ["logs", containerOf(stopped)], { encoding: "utf8" }).stderr).to.match(/unsealed with the key from \/run\/secrets\/vault_unseal_key/);
        // It serves what was written while it was away (a standby forwards, so read its own Raft copy through it).
        await waitFor(`${stopped} reads the data written while it was away`, 60_000, async () => {
            const r = await tryApi(stopped, "GET", "/v1/secret/data/flow/after", undefined, rootToken);
            return r.status === 200 && r.body.data.data.v === "after" ? true : undefined;
        });
    }

    it("stop the leader's task: the others elect a leader and serve reads and writes; the member comes back, rejoins Raft and is unsealed by its own loop (OpenBao)", async () => {
        await loseLeader("stop");
    });

    it("kill the leader's task (a crash): the same, with no operator (OpenBao)", async () => {
        await loseLeader("kill");
    });
});
