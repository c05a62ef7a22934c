// The certificate scripts run for real (/bin/sh, openssl) against certificates made with openssl: what the
// services run in their containers is exactly composedScript(...).
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { composedScript, CertScript } from "../../../components/certs/scripts";
import { SWAG_LIVE_FILES, certificateFiles } from "../../../components/naming";
import { TestCert, makeCert } from "../../support/certs";

const DOMAIN = "iklim.test";
const { cert: CERT, key: KEY } = certificateFiles(DOMAIN);
const FILES = { CERT_FILE_NAME: CERT, KEY_FILE_NAME: KEY };

function run(name: CertScript, env: Record<string, string>, timeoutMs = 30_000) {
    const r = spawnSync("sh", ["-c", composedScript(name), name], {
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ONCE: "1", ...env },
        encoding: "utf8",
        timeout: timeoutMs,
    });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const sha = (f: string) => crypto.createHash("sha256").update(fs.readFileSync(f)).digest("hex");
const mode = (f: string) => fs.statSync(f).mode & 0o777;

describe("certificate scripts (real sh and openssl)", function () {
    this.timeout(60_000);
    let tmp: string;
    let certs: { a: TestCert; b: TestCert; c: TestCert };
    let live: string;
    let box: string;

    before(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tcerts-scripts-"));
        certs = { a: makeCert(path.join(tmp, "made"), "a", DOMAIN, 30), b: makeCert(path.join(tmp, "made"), "b", DOMAIN, 60), c: makeCert(path.join(tmp, "made"), "c", DOMAIN, 90) };
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    // certbot keeps live/<domain>/*.pem as symlinks into archive/; a renewal switches the links.
    function swagHas(c: TestCert, key = c.key): void {
        const n = fs.readdirSync(path.join(live, "..", "..", "archive")).length + 1;
        const archive = path.join(live, "..", "..", "archive");
        fs.copyFileSync(c.cert, path.join(archive, `fullchain${n}.pem`));
        fs.copyFileSync(key, path.join(archive, `privkey${n}.pem`));
        // Readable by all at the source, so a 0600 result is the script's doing, not a copied mode.
        fs.chmodSync(path.join(archive, `privkey${n}.pem`), 0o644);
        for (const [link, file] of [["fullchain.pem", `fullchain${n}.pem`], ["privkey.pem", `privkey${n}.pem`]]) {
            fs.rmSync(path.join(live, link), { force: true });
            fs.symlinkSync(path.join(archive, file), path.join(live, link));
        }
    }

    beforeEach(() => {
        const root = fs.mkdtempSync(path.join(tmp, "case-"));
        live = path.join(root, "letsencrypt", "live", DOMAIN);
        fs.mkdirSync(live, { recursive: true });
        fs.mkdirSync(path.join(root, "letsencrypt", "archive"));
        box = path.join(root, "storagebox", "ssl");
    });

    const reload = () => run("reloader", { SOURCE_DIR: live, SWAG_CERT_FILE_NAME: SWAG_LIVE_FILES.cert, SWAG_KEY_FILE_NAME: SWAG_LIVE_FILES.key, TARGET_DIR: box, ...FILES });

    describe("cert-reloader", () => {
        it("publishes the current certificate on start when the target is missing: full chain, key 0600, one log line", () => {
            swagHas(certs.a);
            const r = reload();
            expect(r.status, r.out).to.equal(0);
            expect(sha(path.join(box, CERT))).to.equal(sha(certs.a.cert));
            expect(sha(path.join(box, KEY))).to.equal(sha(certs.a.key));
            expect(mode(path.join(box, KEY))).to.equal(0o600);
            expect(r.out.trim().split("\n")).to.have.length(1);
            expect(r.out).to.include(`published ${CERT}`).and.include(certs.a.notAfter).and.include(certs.a.fingerprint);
        });

        it("does nothing when nothing changed, and nothing for a touched but identical file (content, not mtime)", () => {
            swagHas(certs.a);
            expect(reload().status).to.equal(0);
            const before = fs.statSync(path.join(box, CERT));
            const again = reload();
            expect(again.status).to.equal(0);
            expect(again.out).to.equal("");
            const future = new Date(Date.now() + 3600_000);
            fs.utimesSync(fs.realpathSync(path.join(live, "fullchain.pem")), future, future);
            const touched = reload();
            expect(touched.out).to.equal("");
            const after = fs.statSync(path.join(box, CERT));
            expect(after.ino).to.equal(before.ino);
            expect(after.mtimeMs).to.equal(before.mtimeMs);
        });

        it("detects a renewal by content even when the mtime is unchanged, and replaces the files by rename", () => {
            swagHas(certs.a);
            expect(reload().status).to.equal(0);
            const old = fs.statSync(path.join(box, CERT));
            const oldKey = fs.statSync(path.join(box, KEY));
            // Overwrite the live files in place with b, then give them back a's old mtimes.
            const liveCert = fs.realpathSync(path.join(live, "fullchain.pem"));
            const liveKey = fs.realpathSync(path.join(live, "privkey.pem"));
            const t = fs.statSync(liveCert);
            fs.copyFileSync(certs.b.cert, liveCert);
            fs.copyFileSync(certs.b.key, liveKey);
            fs.utimesSync(liveCert, t.atime, t.mtime);
            fs.utimesSync(liveKey, t.atime, t.mtime);
            const r = reload();
            expect(r.status, r.out).to.equal(0);
            expect(r.out).to.include(certs.b.notAfter);
            expect(sha(path.join(box, CERT))).to.equal(sha(certs.b.cert));
            expect(sha(path.join(box, KEY))).to.equal(sha(certs.b.key));
            // New inodes: written beside and renamed over, never rewritten in place; no temp file is left.
            expect(fs.statSync(path.join(box, CERT)).ino).to.not.equal(old.ino);
            expect(fs.statSync(path.join(box, KEY)).ino).to.not.equal(oldKey.ino);
            expect(fs.readdirSync(box).sort()).to.deep.equal([CERT, KEY].sort());
            expect(mode(path.join(box, KEY))).to.equal(0o600);
        });

        it("republishes on start when the target differs from SWAG's certificate", () => {
            swagHas(certs.a);
            fs.mkdirSync(box, { recursive: true });
            fs.copyFileSync(certs.c.cert, path.join(box, CERT));
            fs.copyFileSync(certs.c.key, path.join(box, KEY));
            const r = reload();
            expect(r.status, r.out).to.equal(0);
            expect(sha(path.join(box, CERT))).to.equal(sha(certs.a.cert));
        });

        it("refuses a renewal whose key does not match its certificate and keeps the published pair", () => {
            swagHas(certs.a);
            expect(reload().status).to.equal(0);
            const published = [sha(path.join(box, CERT)), sha(path.join(box, KEY))];
            swagHas(certs.b, certs.c.key);
            const r = reload();
            expect(r.status, r.out).to.equal(3);
            expect(r.out).to.match(/refused SWAG's certificate .*key privkey\.pem does not match certificate fullchain\.pem; keeping the published one/);
            expect([sha(path.join(box, CERT)), sha(path.join(box, KEY))]).to.deep.equal(published);
            expect(fs.readdirSync(box).sort()).to.deep.equal([CERT, KEY].sort());
        });

        it("waits, publishing nothing, while SWAG has no certificate yet", () => {
            const r = reload();
            expect(r.status).to.equal(2);
            expect(r.out).to.include(`waiting for SWAG's certificate in ${live}`);
            expect(fs.existsSync(box)).to.equal(false);
        });
    });

    describe("cert-distributor (sync half; its restarts are tested in certs-distributor and, on the real swarm, vault-openbao-swarm)", () => {
        let node: string;
        beforeEach(() => {
            node = path.join(path.dirname(box), "..", "node-ssl");
            fs.mkdirSync(node, { recursive: true });
        });
        const distribute = (extra: Record<string, string> = {}) =>
            run("distributor", {
                SOURCE_DIR: box,
                TARGET_DIR: node,
                ...FILES,
                NODE_NAME: "node-a",
                VAULT_MEMBERS: "",
                LOCK_DIR: path.join(box, ".distributor", "restart.lock"),
                REPORT_DIR: path.join(box, ".distributor", "nodes"),
                ...extra,
            });
        const publish = (c: TestCert, key = c.key) => {
            fs.mkdirSync(box, { recursive: true });
            fs.copyFileSync(c.cert, path.join(box, CERT));
            fs.copyFileSync(key, path.join(box, KEY));
            fs.chmodSync(path.join(box, KEY), 0o644);
        };

        it("syncs the StorageBox pair into the node's ssl dir atomically with the key 0600, and reports it", () => {
            publish(certs.a);
            const r = distribute();
            expect(r.status, r.out).to.equal(0);
            expect(r.out).to.include(`synced ${CERT}`).and.include(certs.a.notAfter);
            expect(sha(path.join(node, CERT))).to.equal(sha(certs.a.cert));
            expect(mode(path.join(node, KEY))).to.equal(0o600);
            expect(fs.readdirSync(node).sort()).to.deep.equal([CERT, KEY].sort());
            const report = fs.readFileSync(path.join(box, ".distributor", "nodes", "node-a"), "utf8");
            expect(report).to.include(`fingerprint=${certs.a.fingerprint}`).and.include(`notAfter=${certs.a.notAfter}`);
        });

        it("does nothing when the node already has the pair", () => {
            publish(certs.a);
            expect(distribute().status).to.equal(0);
            const ino = fs.statSync(path.join(node, CERT)).ino;
            const r = distribute();
            expect(r.status).to.equal(0);
            expect(r.out).to.equal("");
            expect(fs.statSync(path.join(node, CERT)).ino).to.equal(ino);
        });

        it("does not sync a mismatched pair: the node keeps the certificate it has", () => {
            publish(certs.a);
            expect(distribute().status).to.equal(0);
            publish(certs.b, certs.c.key);
            const r = distribute();
            expect(r.out).to.include("not syncing the StorageBox pair").and.include("does not match");
            expect(sha(path.join(node, CERT))).to.equal(sha(certs.a.cert));
            expect(sha(path.join(node, KEY))).to.equal(sha(certs.a.key));
        });
    });

    describe("step 20 wait (wait-cert.sh)", () => {
        const wait = (timeout: string) => run("wait-cert", { CERT_DIR: box, DOMAIN, ...FILES, TIMEOUT: timeout, POLL: "1" });

        it("fails after its bound with an error naming what it waited for", () => {
            const started = Date.now();
            const r = wait("2");
            expect(r.status).to.equal(1);
            expect(Date.now() - started).to.be.lessThan(20_000);
            expect(r.out).to.include(`timed out after 2s waiting for a valid certificate for *.${DOMAIN} in ${box}`).and.include("missing");
        });

        it("passes once a valid pair for *.<domain> is published, and refuses one for another domain", () => {
            fs.mkdirSync(box, { recursive: true });
            const other = makeCert(path.join(tmp, "made"), "other", "example.org", 30);
            fs.copyFileSync(other.cert, path.join(box, CERT));
            fs.copyFileSync(other.key, path.join(box, KEY));
            const wrong = wait("1");
            expect(wrong.status).to.equal(1);
            expect(wrong.out).to.include(`does not name *.${DOMAIN}`).and.include("DNS:*.example.org");
            fs.copyFileSync(certs.a.cert, path.join(box, CERT));
            fs.copyFileSync(certs.a.key, path.join(box, KEY));
            const ok = wait("5");
            expect(ok.status, ok.out).to.equal(0);
            expect(ok.out).to.include(certs.a.notAfter);
        });

        it("refuses a pair whose key does not match", () => {
            fs.mkdirSync(box, { recursive: true });
            fs.copyFileSync(certs.a.cert, path.join(box, CERT));
            fs.copyFileSync(certs.b.key, path.join(box, KEY));
            const r = wait("1");
            expect(r.status).to.equal(1);
            expect(r.out).to.include("does not match");
        });
    });
});
