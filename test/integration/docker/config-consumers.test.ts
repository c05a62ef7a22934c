// The config schema's bounds checked against the real programs that consume the values: Vault (OpenBao, same
// HTTP API and duration parser) for the AppRole durations and the 768h cap, the Docker Engine for the Swarm
// secret-name limit behind the 37-character microservice name, busybox crond for the schedules the schema takes.
import { expect } from "chai";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseCron, parseDuration } from "../../../components/config-values";
import { validateSettings } from "../../../components/config";
import { dockerAvailable, ensureSwarm } from "../../support/docker";
import { freePort } from "../../support/ports";

const has = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;

describe("config bounds against the real consumers", function () {
    this.timeout(120000);

    describe("Vault (OpenBao dev server): AppRole durations", () => {
        let bao: ChildProcess | undefined;
        let addr = "";
        const api = async (method: string, path: string, body?: unknown) => {
            const r = await fetch(`${addr}/v1/${path}`, { method, headers: { "X-Vault-Token": "root", "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
            const text = await r.text();
            return { status: r.status, json: text ? JSON.parse(text) : {} };
        };
        before(async function () {
            if (!has("bao")) this.skip();
            const port = await freePort();
            addr = `http://127.0.0.1:${port}`;
            bao = spawn("bao", ["server", "-dev", "-dev-root-token-id=root", `-dev-listen-address=127.0.0.1:${port}`], { stdio: "ignore" });
            for (let i = 0; i < 100; i++) {
                try {
                    if ((await fetch(`${addr}/v1/sys/health`)).status === 200) break;
                } catch {
                    /* not listening yet */
                }
                await new Promise((r) => setTimeout(r, 100));
            }
            expect((await api("POST", "sys/auth/approle", { type: "approle" })).status).to.be.below(300);
        });
        after(() => bao?.kill());

        it("every duration the schema accepts, Vault accepts as the same number of seconds", async () => {
            for (const d of ["0s", "45s", "20m", "1h", "720h", "2d"]) {
                expect(parseDuration(d), d).to.be.a("number");
                const w = await api("POST", "auth/approle/role/cfg-durations", { token_ttl: d, secret_id_ttl: d });
                expect(w.status, `${d}: ${JSON.stringify(w.json)}`).to.be.below(300);
                const r = await api("GET", "auth/approle/role/cfg-durations");
                expect(r.json.data.token_ttl, d).to.equal(parseDuration(d));
                expect(r.json.data.secret_id_ttl, d).to.equal(parseDuration(d));
            }
        });

        it("what an operator might write in words, Vault refuses as the schema does", async () => {
            for (const d of ["1 hour", "one hour", "1hour"]) {
                expect(parseDuration(d), d).to.equal(undefined);
                expect((await api("POST", "auth/approle/role/cfg-words", { token_ttl: d })).status, d).to.equal(400);
            }
        });

        it("a token TTL over 768h is cut by Vault, which is why the schema refuses it", async () => {
            const w = await api("POST", "auth/approle/role/cfg-long", { token_ttl: "800h", token_max_ttl: "900h" });
            expect(w.status).to.be.below(300);
            expect(JSON.stringify(w.json.warnings ?? [])).to.match(/greater than the (system|backend).*max|truncated/i);
            expect(parseDuration("768h")).to.equal(768 * 3600);
        });
    });

    describe("Docker Engine: Swarm secret names", () => {
        const created: string[] = [];
        before(async function () {
            if (!dockerAvailable()) this.skip();
            await ensureSwarm();
        });
        after(() => {
            for (const s of created) spawnSync("docker", ["secret", "rm", s], { stdio: "ignore" });
        });

        it("the longest name a 37-character microservice gives (64 characters) is accepted; one more is refused", () => {
            const tag = crypto.randomBytes(2).toString("hex");
            const service = `cfgtest-${tag}-`.padEnd(37, "x");
            const longest = `${service}_rabbitmq_password_${"0".repeat(8)}`;
            expect(longest).to.have.length(64);
            const ok = spawnSync("docker", ["secret", "create", longest, "-"], { input: "v", encoding: "utf8" });
            expect(ok.status, ok.stderr).to.equal(0);
            created.push(longest);
            const tooLong = `${service}x_rabbitmq_password_${"0".repeat(8)}`;
            const refused = spawnSync("docker", ["secret", "create", tooLong, "-"], { input: "v", encoding: "utf8" });
            if (refused.status === 0) created.push(tooLong);
            expect(refused.status, "Docker took a 65-character secret name").to.not.equal(0);
            // And the schema draws the same line.
            const names = (n: string) =>
                validateSettings({ microservices: [{ name: n, rabbitmq: { vhost: "v" } }] }, new Set()).problems.filter((p) => p.key === "iklimco:microservices[0].name");
            expect(names("a".repeat(37))).to.deep.equal([]);
            expect(names("a".repeat(38))).to.have.length(1);
        });
    });

    describe("busybox crond: schedules", () => {
        it("parses every schedule the schema accepts, and reports a parse error for the out-of-range ones the schema refuses", function () {
            if (!has("busybox")) this.skip();
            const accepted = ["0 * * * *", "*/15 1-5 * * 1-5", "5,35 2 1 jan,jul sun", "0 3 * * 0", "30 2 31 12 6"];
            const refused = { "60 * * * *": "60", "0 24 * * *": "24", "0 3 * 13 *": "13", "0 3 * * 7": "7" };
            for (const s of accepted) expect(parseCron(s).problem, s).to.equal(undefined);
            for (const s of Object.keys(refused)) expect(parseCron(s).problem, s).to.be.a("string");
            const log = (schedules: string[]) => {
                const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cfg-crond-"));
                try {
                    fs.writeFileSync(path.join(dir, os.userInfo().username), schedules.map((s) => `${s} true`).join("\n") + "\n");
                    // Foreground, most verbose, log to stderr; it reads the crontab at once, then sleeps: stop it.
                    const r = spawnSync("timeout", ["2", "busybox", "crond", "-f", "-l", "0", "-L", "/dev/stderr", "-c", dir], { encoding: "utf8" });
                    return `${r.stdout}${r.stderr}`;
                } finally {
                    fs.rmSync(dir, { recursive: true, force: true });
                }
            };
            expect(log(accepted)).to.not.match(/parse error/);
            for (const [s, bad] of Object.entries(refused)) expect(log([s]), s).to.include(`parse error at ${bad}`);
        });
    });
});
