// The certificate scripts are real files beside this module (scripts/*.sh). Each loads the shared shell library
// and the certificate functions (scripts/common.sh); shipped, both are bundled into its text
// (components/shell), so every service or command carries one self-contained POSIX sh text and the hash of
// exactly what runs.
import * as crypto from "crypto";
import * as path from "path";
import { shippedScript } from "../shell";

export const SCRIPTS_DIR = path.join(__dirname, "scripts");

/** The scripts the certificate services and steps run inside containers. */
export const CERT_SCRIPTS = ["reloader", "distributor", "wait-cert", "verify-probe"] as const;
export type CertScript = (typeof CERT_SCRIPTS)[number];

/** A script of scripts/ as it is shipped. */
export function readScript(file: string): string {
    return shippedScript(path.join(SCRIPTS_DIR, file));
}

/** A certificate script with its libraries: what a container runs with `sh -c` or `sh -s`. */
export function composedScript(name: CertScript): string {
    return readScript(`${name}.sh`);
}

export function scriptHash(text: string): string {
    return crypto.createHash("sha256").update(text).digest("hex");
}
