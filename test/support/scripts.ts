// The shell scripts the project ships: every *.sh under components/, tools/ and .gitea/scripts/.
import * as fs from "fs";
import * as path from "path";

export const SHELL_SCRIPT_ROOTS = ["components", "tools", ".gitea/scripts"];

/** Repository-relative paths of every shipped shell script, sorted. */
export function shellScripts(root: string): string[] {
    return SHELL_SCRIPT_ROOTS.flatMap((d) =>
        fs.readdirSync(path.join(root, d), { recursive: true, encoding: "utf8" })
            .filter((f) => f.endsWith(".sh"))
            .map((f) => path.posix.join(d, f.split(path.sep).join("/"))),
    ).sort();
}
