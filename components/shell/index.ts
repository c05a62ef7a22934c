// How every component reads the shell script it ships. A script names each library it uses (lib.sh here, the
// certificate scripts' common.sh) with a `# shellcheck source=<file>` directive over a guarded `.` line:
//
//   # shellcheck source=components/shell/lib.sh
//   command -v wait_until >/dev/null 2>&1 || . "$(dirname "$0")/../shell/lib.sh"
//
// Run from its file (tests, operators), the script sources the library. Shipped, the text must stand alone: it
// runs as `sh -c <text>`, from a service's environment or from stdin on a remote node, with no file beside it.
// So shippedScript() puts the libraries, in the order they load, right after the script's shebang (which stays
// first: some texts are written to a file and executed) and drops the load lines. The guard is for texts
// concatenated by hand (verify.sh from a checkout): there the library is defined first and the line skips.
// shellcheck follows the same directives, so what it checks is what is bundled.
import * as fs from "fs";
import * as path from "path";

/** What the directives' paths are relative to: the directory holding components/ (bin/ when compiled). */
export const SCRIPT_ROOT = path.join(__dirname, "..", "..");

const DIRECTIVE = /^# shellcheck source=(\S+)$/;
const SHELL_DIRECTIVE = /^# shellcheck shell=\w+\n/;
const GUARDED_SOURCE = /^command -v \w+ >\/dev\/null 2>&1 \|\| \. "\$\(dirname "\$0"\)\/([^"]+)"$/;

/** The files a script sources directly, as the repository-relative paths its directives name. */
function sourcedFiles(file: string): string[] {
    const lines = fs.readFileSync(file, "utf8").split("\n");
    return lines.flatMap((line, i) => {
        const m = DIRECTIVE.exec(line);
        if (!m) return [];
        const where = `${path.relative(SCRIPT_ROOT, file)}:${i + 2}`;
        const source = GUARDED_SOURCE.exec(lines[i + 1] ?? "");
        if (!source) throw new Error(`${where}: a source directive must stand over \`command -v <function> >/dev/null 2>&1 || . "$(dirname "$0")/<file>"\``);
        if (path.resolve(path.dirname(file), source[1]) !== path.resolve(SCRIPT_ROOT, m[1])) throw new Error(`${where}: the directive names ${m[1]}, the line sources ${source[1]}`);
        return [m[1]];
    });
}

/** The libraries a script loads, directly or through another library, in load order (each after its own). */
export function scriptLibraries(file: string): string[] {
    const order: string[] = [];
    const visit = (f: string, chain: string[]) => {
        for (const lib of sourcedFiles(f)) {
            if (chain.includes(lib)) throw new Error(`${lib} sources itself through ${chain.join(" -> ")}`);
            if (order.includes(lib)) continue;
            visit(path.resolve(SCRIPT_ROOT, lib), [...chain, lib]);
            order.push(lib);
        }
    };
    visit(file, []);
    return order;
}

/** A text without its directive-and-load line pairs: bundled, they would only ever skip. */
function withoutLoads(text: string): string {
    const lines = text.split("\n");
    return lines.filter((line, i) => !(DIRECTIVE.test(line) && GUARDED_SOURCE.test(lines[i + 1] ?? "")) && !(GUARDED_SOURCE.test(line) && DIRECTIVE.test(lines[i - 1] ?? ""))).join("\n");
}

/** A script beside a component as it is shipped: its libraries bundled after its shebang (or shell directive). */
export function shippedScript(file: string): string {
    const text = fs.readFileSync(file, "utf8");
    const libs = scriptLibraries(file);
    if (!libs.length) return text;
    const first = text.slice(0, text.indexOf("\n") + 1);
    const shebang = first.startsWith("#!") || SHELL_DIRECTIVE.test(first) ? first : "";
    const bundled = libs.map((lib) => {
        const body = withoutLoads(fs.readFileSync(path.resolve(SCRIPT_ROOT, lib), "utf8").replace(SHELL_DIRECTIVE, ""));
        return `# ---- ${lib} (bundled) ----\n${body.endsWith("\n") ? body : `${body}\n`}`;
    });
    return `${shebang}${bundled.join("")}# ---- ${path.relative(SCRIPT_ROOT, file)} ----\n${withoutLoads(text.slice(shebang.length))}`;
}
