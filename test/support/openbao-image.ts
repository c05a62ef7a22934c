// A stand-in for `images.vault` (hashicorp/vault, Alpine based) on the real swarm: OpenBao's static binary as
// /bin/vault (the name the program's scripts call) and busybox applets for the tools the program runs in that
// image (its entrypoint, health check and bootstrap jobs). What it holds, and nothing else:
//   /bin/vault (OpenBao's `bao`), /bin/busybox, and the applets
//   sh chmod chown cp date grep head id mkdir mktemp rm sed sleep timeout tr wget
// The Vault image also has su-exec and a `vault` user; the stand-in has neither, so the entrypoint's
// privilege drop is skipped (it checks for both) and the server runs as root here.
// ENV GODEBUG=tlssha1=1: OpenBao 2.7.2's Go refuses a TLS 1.2 client that sends no signature_algorithms, which
// is what busybox-static's own TLS code does; HashiCorp's Vault 1.18 (Go 1.23) accepts it, and the real image's
// busybox wget uses OpenSSL anyway. The setting gives the stand-in the real image's behaviour towards wget.
import { ROOT_AND_NOBODY, ensureRootImage } from "../../tools/offline/root-image";
import { openbaoExecutable } from "./openbao";

export const VAULT_IMAGE_APPLETS = ["sh", "chmod", "chown", "cp", "date", "grep", "head", "id", "mkdir", "mktemp", "rm", "sed", "sleep", "timeout", "tr", "wget"];

/** Builds (once per machine and content) and returns the tag of the stand-in Vault image. */
export function ensureOpenBaoVaultImage(prefix: string): string {
    return ensureRootImage({
        name: `${prefix}/vault`,
        dirs: ["/bin", "/tmp", "/etc", "/run/secrets", "/vault/config", "/vault/data"],
        busybox: VAULT_IMAGE_APPLETS,
        files: { "/bin/vault": { from: openbaoExecutable(), mode: 0o755 }, ...ROOT_AND_NOBODY },
        modes: { "/tmp": 0o1777 },
        env: { PATH: "/bin", GODEBUG: "tlssha1=1" },
    });
}
