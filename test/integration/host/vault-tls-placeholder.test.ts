// Step 10, the Vault TLS placeholder script, run for real with openssl on temp directories.
import { expect } from "chai";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { certificateFiles } from "../../../components/naming";

const SCRIPT = path.join(__dirname, "..", "..", "..", "components", "vault", "tls-placeholder.sh");
const DOMAIN = "iklim.co";
const { cert: CRT, key: KEY } = certificateFiles(DOMAIN);

function run(env: Record<string, string>) {
    return spawnSync("sh", [SCRIPT], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", DOMAIN, CERT_FILE_NAME: CRT, KEY_FILE_NAME: KEY, CERT_NAME: "vault.iklim.co", ...env }, encoding: "utf8", timeout: 60_000 });
}

const openssl = (args: string[], input?: string) => execFileSync("openssl", args, { encoding: "utf8", input, stdio: ["pipe", "pipe", "pipe"] });
const fingerprint = (file: string) => openssl(["x509", "-noout", "-fingerprint", "-sha256", "-in", file]).trim();

describe("vault TLS placeholder (step 10, real openssl)", function () {
    this.timeout(60_000);
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "tvault-tls-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("creates a valid self-signed certificate for vault.<domain> when none is present, with a matching private key", () => {
        const ssl = path.join(dir, "opt", "iklimco", "ssl");
        const r = run({ SSL_DIR: ssl });
        expect(r.status, r.stderr).to.equal(0);
        const crt = path.join(ssl, CRT);
        const key = path.join(ssl, KEY);
        expect(openssl(["x509", "-noout", "-subject", "-in", crt])).to.match(/CN\s*=\s*vault\.iklim\.co/);
        const san = openssl(["x509", "-noout", "-ext", "subjectAltName", "-in", crt]);
        expect(san).to.include("DNS:vault.iklim.co").and.to.include("DNS:*.iklim.co");
        // Valid now, and for the placeholder's lifetime (30 days by default) less a margin.
        expect(spawnSync("openssl", ["x509", "-noout", "-checkend", String(29 * 86400), "-in", crt]).status).to.equal(0);
        const fromCert = openssl(["x509", "-noout", "-pubkey", "-in", crt]);
        const fromKey = openssl(["pkey", "-pubout", "-in", key]);
        expect(fromKey).to.equal(fromCert);
        expect(fs.statSync(key).mode & 0o777).to.equal(0o600);
        expect(fs.readdirSync(ssl).sort()).to.deep.equal([CRT, KEY].sort());
    });

    it("leaves an existing certificate untouched (byte for byte), and a second run changes nothing", () => {
        const ssl = path.join(dir, "ssl");
        fs.mkdirSync(ssl);
        fs.writeFileSync(path.join(ssl, CRT), "the real certificate\n");
        fs.writeFileSync(path.join(ssl, KEY), "the real key\n");
        const before = fs.statSync(path.join(ssl, CRT)).mtimeMs;
        const r = run({ SSL_DIR: ssl });
        expect(r.status, r.stderr).to.equal(0);
        expect(r.stderr).to.include("left untouched");
        expect(fs.readFileSync(path.join(ssl, CRT), "utf8")).to.equal("the real certificate\n");
        expect(fs.readFileSync(path.join(ssl, KEY), "utf8")).to.equal("the real key\n");
        expect(fs.statSync(path.join(ssl, CRT)).mtimeMs).to.equal(before);

        const fresh = path.join(dir, "fresh");
        expect(run({ SSL_DIR: fresh }).status).to.equal(0);
        const first = fingerprint(path.join(fresh, CRT));
        expect(run({ SSL_DIR: fresh }).status).to.equal(0);
        expect(fingerprint(path.join(fresh, CRT))).to.equal(first);
    });

    it("refuses a half-present pair (certificate without key) and touches nothing", () => {
        const ssl = path.join(dir, "ssl");
        fs.mkdirSync(ssl);
        fs.writeFileSync(path.join(ssl, CRT), "only the certificate\n");
        const r = run({ SSL_DIR: ssl });
        expect(r.status).to.equal(1);
        expect(r.stderr).to.include("only one of");
        expect(fs.readdirSync(ssl)).to.deep.equal([CRT]);
    });

    it("gives every member the same shared placeholder, so the Raft peers can trust one another", () => {
        const shared = path.join(dir, "storagebox", "ssl-placeholder");
        const node1 = path.join(dir, "node1");
        const node2 = path.join(dir, "node2");
        expect(run({ SSL_DIR: node1, SHARED_DIR: shared }).status).to.equal(0);
        expect(run({ SSL_DIR: node2, SHARED_DIR: shared }).status).to.equal(0);
        expect(fingerprint(path.join(node1, CRT))).to.equal(fingerprint(path.join(node2, CRT)));
        expect(fs.readFileSync(path.join(node1, KEY), "utf8")).to.equal(fs.readFileSync(path.join(node2, KEY), "utf8"));
        expect(fs.existsSync(path.join(shared, ".lock")), "the lock is released").to.equal(false);
    });

    it("regenerates a shared placeholder that is about to expire, but never a node's own certificate", () => {
        const shared = path.join(dir, "shared");
        fs.mkdirSync(shared);
        openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=old", "-keyout", path.join(shared, KEY), "-out", path.join(shared, CRT)]);
        const old = fingerprint(path.join(shared, CRT));
        const node = path.join(dir, "node");
        expect(run({ SSL_DIR: node, SHARED_DIR: shared }).status).to.equal(0);
        expect(fingerprint(path.join(node, CRT))).to.not.equal(old);
        expect(fingerprint(path.join(node, CRT))).to.equal(fingerprint(path.join(shared, CRT)));
    });
});
