// Real certificates for the certificate-flow tests, made with openssl: self-signed wildcard certificates with a
// chosen lifetime (so each "renewal" has its own notAfter), and their keys.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

export interface TestCert {
    cert: string;
    key: string;
    notAfter: string;
    fingerprint: string;
}

export function openssl(args: string[], input?: string): string {
    return execFileSync("openssl", args, { encoding: "utf8", input, stdio: ["pipe", "pipe", "pipe"] }).trim();
}

/** A self-signed EC certificate for `*.<domain>` valid for `days`, written as <dir>/<name>.crt and .key. */
export function makeCert(dir: string, name: string, domain: string, days: number): TestCert {
    fs.mkdirSync(dir, { recursive: true });
    const cert = path.join(dir, `${name}.crt`);
    const key = path.join(dir, `${name}.key`);
    const r = spawnSync(
        "openssl",
        ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-days", String(days),
            "-subj", `/CN=*.${domain}`, "-addext", `subjectAltName=DNS:*.${domain},DNS:${domain}`],
        { encoding: "utf8" },
    );
    if (r.status !== 0) throw new Error(`openssl req failed: ${r.stderr}`);
    return { cert, key, ...certFacts(cert) };
}

export function certFacts(file: string): { notAfter: string; fingerprint: string } {
    const out = openssl(["x509", "-in", file, "-noout", "-enddate", "-fingerprint", "-sha256"]);
    return {
        notAfter: /notAfter=(.*)/.exec(out)![1].trim(),
        fingerprint: /Fingerprint=(.*)/.exec(out)![1].trim(),
    };
}
