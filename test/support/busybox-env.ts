// A PATH holding only busybox applets, so a script runs with the tools the Alpine-based Vault image has
// (busybox ash, wget, timeout, sed, ...) and cannot lean on the host's GNU tools by accident.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync } from "child_process";

const BUSYBOX = fs.existsSync("/bin/busybox") ? "/bin/busybox" : "/usr/bin/busybox";

export function busyboxPath(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tvault-bb-"));
    const applets = execFileSync(BUSYBOX, ["--list"], { encoding: "utf8" }).split("\n").filter(Boolean);
    for (const a of applets) fs.symlinkSync(BUSYBOX, path.join(dir, a));
    return dir;
}

export { BUSYBOX };
