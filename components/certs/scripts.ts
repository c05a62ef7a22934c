// The certificate scripts are real files beside this module (scripts/*.sh). The shell functions they share
// (scripts/common.sh) are prepended when a script is shipped, so every service or command carries one
// self-contained POSIX sh text and the hash of exactly what runs.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

export const SCRIPTS_DIR = path.join(__dirname, "scripts");

/** The scripts shipped with common.sh prepended. */
export const CERT_SCRIPTS = ["reloader", "distributor", "wait-cert", "verify-probe"] as const;
export type CertScript = (typeof CERT_SCRIPTS)[number];

export function readScript(file: string): string {
    return fs.readFileSync(path.join(SCRIPTS_DIR, file), "utf8");
}

/** common.sh followed by the named script: what a container runs with `sh -c` or `sh -s`. */
export function composedScript(name: CertScript): string {
    return `${readScript("common.sh")}\n${readScript(`${name}.sh`)}`;
}

export function scriptHash(text: string): string {
    return crypto.createHash("sha256").update(text).digest("hex");
}
