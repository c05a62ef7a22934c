// A stand-in for `images.certTools` as the Vault backup service and its snapshot-directory job use it, built
// from local files (no image can be pulled). It holds a subset of what the image contract for cert-tools lists
// (Alpine: busybox applets, crond, curl, openssl, the docker CLI), and nothing beyond it:
//   /bin/busybox with the applets   sh cat chmod cp date grep gzip head ls mkdir mv od rm sed sleep sort tail tr wc
//   /usr/sbin/crond (busybox's, as Alpine links it), /usr/bin/curl (the host's, with the libraries ldd lists),
//   Alpine's /root and /var/spool/cron/crontabs directories (busybox crond's job child changes into the user's
//   home, else into /var/spool/cron, and dies if neither exists: the job then never runs),
//   an empty /etc/ssl/certs/ca-certificates.crt (the trust store's path; a test mounts its CA there, standing
//   for the public roots that trust the production certificate).
// openssl and the docker CLI are in the real image but not used by the backup, so they are left out.
import { ROOT_AND_NOBODY, ensureRootImage } from "../../tools/offline/root-image";

export const BACKUP_IMAGE_APPLETS = ["sh", "cat", "chmod", "cp", "date", "grep", "gzip", "head", "ls", "mkdir", "mv", "od", "rm", "sed", "sleep", "sort", "tail", "tr", "wc"];

export function ensureBackupImage(prefix: string): string {
    return ensureRootImage({
        name: `${prefix}/cert-tools-backup`,
        dirs: ["/bin", "/usr/bin", "/usr/sbin", "/tmp", "/root", "/var/spool/cron/crontabs", "/etc/ssl/certs", "/run/secrets"],
        busybox: BACKUP_IMAGE_APPLETS,
        files: {
            "/usr/sbin/crond": { link: "../../bin/busybox" },
            "/usr/bin/curl": { from: "/usr/bin/curl", libraries: true, mode: 0o755 },
            "/etc/ssl/certs/ca-certificates.crt": { text: "" },
            ...ROOT_AND_NOBODY,
        },
        modes: { "/tmp": 0o1777 },
        env: { PATH: "/usr/sbin:/usr/bin:/bin" },
    });
}
