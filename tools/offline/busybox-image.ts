// A stand-in Docker image from Debian's busybox-static, for the bench's and the tests' stand-in services: no
// image can be pulled on the machines that run them, so a root folder holding busybox and links to its applets
// is imported (`docker import`), once per machine and tag.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** Imports the image `tag` unless it exists: busybox with links to `applets` (every applet when absent). */
export function ensureBusyboxImage(tag: string, applets?: string[]): string {
    if (spawnSync("docker", ["image", "inspect", tag], { stdio: "ignore" }).status === 0) return tag;
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "iklimco-busybox-"));
    try {
        for (const d of ["bin", "tmp", "etc", "run", "var"]) fs.mkdirSync(path.join(root, d), { recursive: true });
        fs.copyFileSync("/bin/busybox", path.join(root, "bin", "busybox"));
        fs.chmodSync(path.join(root, "bin", "busybox"), 0o755);
        const links = applets ?? execFileSync("/bin/busybox", ["--list"], { encoding: "utf8" }).split("\n").filter(Boolean);
        for (const a of links) if (a !== "busybox") fs.symlinkSync("busybox", path.join(root, "bin", a));
        fs.writeFileSync(path.join(root, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n");
        fs.writeFileSync(path.join(root, "etc", "group"), "root:x:0:\nnogroup:x:65534:\n");
        const tar = spawnSync("tar", ["-C", root, "-c", "."], { maxBuffer: 64 * 1024 * 1024 });
        if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
        execFileSync("docker", ["import", "-c", "ENV PATH=/bin", "-", tag], { input: tar.stdout, stdio: ["pipe", "ignore", "pipe"] });
        return tag;
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
}
