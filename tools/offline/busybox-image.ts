// A stand-in Docker image from Debian's busybox-static, for the bench's and the tests' stand-in services: no image
// can be pulled on the machines that run them, so a root holding busybox and links to its applets is imported
// (tools/offline/root-image.ts), once per machine and content.
import { ROOT_AND_NOBODY, ensureRootImage } from "./root-image";

/** The image `name:<content hash>`: busybox with links to `applets` (every applet when absent). */
export function ensureBusyboxImage(name: string, applets?: string[]): string {
    return ensureRootImage({
        name,
        dirs: ["/bin", "/tmp", "/etc", "/run", "/var"],
        busybox: applets ?? "all",
        files: ROOT_AND_NOBODY,
        env: { PATH: "/bin" },
    });
}
