// The commands a POSIX sh / bash script runs: the words at command position, through `$(...)`, backticks,
// pipelines, `if`/`while`/`case`, function bodies and `exec`/`timeout`/`su-exec` prefixes (and the shell
// library's `with_opts` and `wait_until`, which run the command they are given). A function's commands count
// only when the script refers to the function (calls it, hands its name to wait_until, at_exit or trap, or
// assigns it to a variable), so the bundled shell library adds only what a script uses. Builtins, keywords,
// the script's own functions and words built from variables are left out. A reader for the image contracts'
// test (which executables a script needs inside its image), not a full shell parser: it is tested on the
// constructs the program's scripts use.
const KEYWORDS = new Set(["if", "then", "else", "elif", "fi", "do", "done", "while", "until", "for", "in", "case", "esac", "!", "{", "}", "function", "time", "[[", "]]"]);
/** Builtins of dash, busybox ash and bash that the scripts use: never looked up on PATH. */
export const SHELL_BUILTINS = new Set([
    ".", ":", "[", "alias", "bg", "break", "cd", "command", "compgen", "continue", "declare", "echo", "eval", "exec", "exit", "export", "false", "fg",
    "getopts", "hash", "jobs", "kill", "local", "mapfile", "printf", "pwd", "read", "readarray", "readonly", "return", "set", "shift", "source",
    "test", "times", "trap", "true", "type", "ulimit", "umask", "unalias", "unset", "wait",
]);
/** Commands whose next word (after their own options) is another command. */
const PREFIXES: Record<string, (rest: string[]) => number> = {
    exec: (r) => r.findIndex((w) => !w.startsWith("-")),
    command: (r) => (r[0] === "-v" || r[0] === "-V" ? -1 : r.findIndex((w) => !w.startsWith("-"))),
    // timeout [options] DURATION COMMAND
    timeout: (r) => {
        let i = 0;
        while (i < r.length && r[i].startsWith("-")) i += r[i] === "-s" || r[i] === "-k" ? 2 : 1;
        return i + 1 < r.length ? i + 1 : -1;
    },
    "su-exec": (r) => (r.length > 1 ? 1 : -1),
    // components/shell/lib.sh: with_opts OPTIONS COMMAND...; wait_until SECONDS INTERVAL DESCRIPTION COMMAND...
    with_opts: (r) => (r.length > 1 ? 1 : -1),
    wait_until: (r) => (r.length > 3 ? 3 : -1),
    nohup: () => 0,
    env: (r) => r.findIndex((w) => !w.startsWith("-") && !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w)),
};

type Tok = { t: "w"; v: string } | { t: "op"; v: string };
/** A substitution's script, and the index of the token it sits in (whose function it belongs to). */
type Nested = { text: string; at: number };

/** Removes here-document bodies (their text is data, not commands). */
function stripHeredocs(src: string): string {
    const lines = src.split("\n");
    const out: string[] = [];
    for (let i = 0; i < lines.length; i++) {
        out.push(lines[i]);
        const m = /<<-?\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\1/.exec(lines[i].replace(/<<</g, ""));
        if (!m) continue;
        while (i + 1 < lines.length && lines[i + 1].replace(/^\t+/, "") !== m[2]) i++;
        i++;
    }
    return out.join("\n");
}

/** Finds the `)` closing a `$(` that starts at `from` (just after the paren), honouring quotes and nesting. */
function closeParen(s: string, from: number): number {
    let depth = 1;
    for (let i = from; i < s.length; i++) {
        const c = s[i];
        if (c === "\\") i++;
        else if (c === "'") i = s.indexOf("'", i + 1);
        else if (c === '"') i = closeDouble(s, i + 1);
        else if (c === "(") depth++;
        else if (c === ")" && --depth === 0) return i;
        if (i < 0) break;
    }
    return s.length;
}

/** The index of the `"` that closes a double-quoted string starting at `from`. */
function closeDouble(s: string, from: number): number {
    for (let i = from; i < s.length; i++) {
        if (s[i] === "\\") i++;
        else if (s[i] === "$" && s[i + 1] === "(") i = closeParen(s, i + 2);
        else if (s[i] === "`") i = s.indexOf("`", i + 1);
        else if (s[i] === '"') return i;
    }
    return s.length;
}

/** The scripts of the `$(...)` and backtick substitutions in a text (double-quoted or arithmetic). */
function substitutionsIn(text: string): string[] {
    const out: string[] = [];
    for (let j = 0; j < text.length; j++) {
        if (text[j] === "\\") j++;
        else if (text[j] === "$" && text[j + 1] === "(" && text[j + 2] === "(") {
            const e = closeParen(text, j + 3);
            out.push(...substitutionsIn(text.slice(j + 3, e)));
            j = e + 1;
        } else if (text[j] === "$" && text[j + 1] === "(") {
            const e = closeParen(text, j + 2);
            out.push(text.slice(j + 2, e));
            j = e;
        } else if (text[j] === "`") {
            const e = text.indexOf("`", j + 1);
            out.push(text.slice(j + 1, e < 0 ? text.length : e));
            j = e < 0 ? text.length : e;
        }
    }
    return out;
}

/** Tokens of a script; the scripts inside `$(...)` and backticks are returned apart in `nested`. */
function tokenize(src: string, nested: Nested[]): Tok[] {
    const s = stripHeredocs(src);
    const toks: Tok[] = [];
    const inner = (...texts: string[]) => nested.push(...texts.map((text) => ({ text, at: toks.length })));
    let word = "";
    let inWord = false;
    const flush = () => {
        if (inWord) toks.push({ t: "w", v: word });
        word = "";
        inWord = false;
    };
    const dollarParen = (i: number): number => {
        if (s[i + 2] === "(") {
            const end = closeParen(s, i + 3);
            // Arithmetic: only the command substitutions inside it run.
            inner(...substitutionsIn(s.slice(i + 3, end)));
            word += "$((…))";
            inWord = true;
            return s[end + 1] === ")" ? end + 1 : end;
        }
        const end = closeParen(s, i + 2);
        inner(s.slice(i + 2, end));
        word += "$(…)";
        inWord = true;
        return end;
    };
    for (let i = 0; i < s.length; i++) {
        const c = s[i];
        if (c === "#" && !inWord) {
            while (i < s.length && s[i] !== "\n") i++;
            i--;
            continue;
        }
        if (c === "\\") {
            if (s[i + 1] === "\n") {
                i++;
                continue;
            }
            word += s[i + 1] ?? "";
            inWord = true;
            i++;
            continue;
        }
        if (c === "'") {
            const end = s.indexOf("'", i + 1);
            word += `'${s.slice(i + 1, end < 0 ? s.length : end)}'`;
            inWord = true;
            i = end < 0 ? s.length : end;
            continue;
        }
        if (c === '"') {
            const end = closeDouble(s, i + 1);
            const quoted = s.slice(i + 1, end);
            // Command substitutions inside double quotes run too.
            inner(...substitutionsIn(quoted));
            word += `"${quoted}"`;
            inWord = true;
            i = end;
            continue;
        }
        if (c === "$" && s[i + 1] === "(") {
            i = dollarParen(i);
            continue;
        }
        if (c === "$" && s[i + 1] === "{") {
            let depth = 0;
            let j = i + 1;
            for (; j < s.length; j++) {
                if (s[j] === "{") depth++;
                else if (s[j] === "}" && --depth === 0) break;
            }
            word += s.slice(i, j + 1);
            inWord = true;
            i = j;
            continue;
        }
        if (c === "`") {
            const end = s.indexOf("`", i + 1);
            inner(s.slice(i + 1, end < 0 ? s.length : end));
            word += "`…`";
            inWord = true;
            i = end < 0 ? s.length : end;
            continue;
        }
        if (c === " " || c === "\t") {
            flush();
            continue;
        }
        if (c === "\n" || c === ";" || c === "&" || c === "|" || c === "(" || c === ")") {
            // `<(` / `>(` process substitution: its inside runs too.
            if (c === "(" && (word.endsWith("<") || word.endsWith(">"))) {
                const end = closeParen(s, i + 1);
                inner(s.slice(i + 1, end));
                word += "(…)";
                i = end;
                continue;
            }
            flush();
            let op = c;
            if ((c === ";" || c === "&" || c === "|") && s[i + 1] === c) op = c + c;
            // `;&`, `|&`, `>&` are rare; `2>&1` stays inside its word because `>` starts a word.
            i += op.length - 1;
            toks.push({ t: "op", v: op === "\n" ? ";" : op });
            continue;
        }
        if ((c === ">" || c === "<") && (!inWord || /^\d+$/.test(word))) {
            // `2>`: the digits are the descriptor, part of the operator.
            word = "";
            inWord = false;
            // A redirection: the operator and, when separate, its target are not commands.
            let j = i;
            while (j < s.length && /[<>&|]/.test(s[j])) j++;
            // `>&2`, `<&-`: the target is part of the operator; otherwise the next word is the target.
            if (s[j - 1] === "&") {
                while (j < s.length && /[0-9-]/.test(s[j])) j++;
                toks.push({ t: "op", v: "redir-closed" });
            } else {
                toks.push({ t: "op", v: "redir" });
            }
            i = j - 1;
            continue;
        }
        word += c;
        inWord = true;
    }
    flush();
    return toks;
}

/** The external command names a script runs (sorted, unique). Dynamic names (`"$DOCKER"`) are skipped. */
export function scriptCommands(script: string): string[] {
    const functions = new Set<string>();
    // Per function (null: the script's top level): the words at command position, and every word, among which
    // are the names of the functions it refers to.
    const words = new Map<string | null, string[]>();
    const refs = new Map<string | null, Set<string>>();
    const wordsOf = (f: string | null) => words.get(f) ?? words.set(f, []).get(f)!;
    const refsOf = (f: string | null) => refs.get(f) ?? refs.set(f, new Set()).get(f)!;
    const pending: { text: string; fn: string | null }[] = [{ text: script, fn: null }];
    while (pending.length) {
        const { text, fn: outer } = pending.pop()!;
        const nested: Nested[] = [];
        const toks = tokenize(text, nested);
        // Function definitions: `name() {` or `function name`.
        toks.forEach((t, i) => {
            if (t.t === "w" && toks[i + 1]?.v === "(" && toks[i + 2]?.v === ")") functions.add(t.v);
            if (t.t === "w" && t.v === "function" && toks[i + 1]?.t === "w") functions.add(toks[i + 1].v);
        });
        // The function each token belongs to: `{` at command position opens a body (of the function just
        // named, or a group within the current one), `}` closes it.
        const fnAt: (string | null)[] = [];
        const braces: (string | null)[] = [];
        let defining: string | null = null;
        const current = () => (braces.length ? braces[braces.length - 1] : outer);
        let atCommand = true;
        let skipRedirTarget = false;
        let caseState: "none" | "subject" | "pattern" | "body" = "none";
        const caseStack: string[] = [];
        let forHeader = false;
        for (let i = 0; i < toks.length; i++) {
            fnAt[i] = current();
            const t = toks[i];
            if (t.t === "op") {
                if (t.v === "redir" || t.v === "redir-closed") {
                    skipRedirTarget = t.v === "redir";
                    continue;
                }
                skipRedirTarget = false;
                if (caseState === "pattern" && t.v === ")") {
                    caseState = "body";
                    atCommand = true;
                    continue;
                }
                if (t.v === ";;") {
                    caseState = "pattern";
                    continue;
                }
                if (t.v === "(" && caseState === "pattern") continue;
                forHeader = false;
                atCommand = true;
                continue;
            }
            const w = t.v;
            // Every word may name a function the script refers to, except the name in its definition; so may the
            // value of an assignment (`LOG_CLOCK=utc_time`: a function the library calls through the variable).
            if (!(toks[i + 1]?.v === "(" && toks[i + 2]?.v === ")")) refsOf(current()).add(w.replace(/^[A-Za-z_][A-Za-z0-9_]*=/, ""));
            if (skipRedirTarget) {
                skipRedirTarget = false;
                continue;
            }
            if (/^\d*[<>]/.test(w)) {
                // `2>/dev/null` as one word; `2>` alone takes the next word.
                if (/^\d*[<>]+&?$/.test(w)) skipRedirTarget = true;
                continue;
            }
            if (caseState === "subject") {
                if (w === "in") caseState = "pattern";
                continue;
            }
            if (caseState === "pattern") {
                if (w === "esac") {
                    caseState = (caseStack.pop() as typeof caseState) ?? "none";
                    atCommand = false;
                }
                continue;
            }
            if (forHeader) continue;
            if (!atCommand) continue;
            if (w === "{") {
                braces.push(defining ?? current());
                defining = null;
                continue;
            }
            if (w === "}") {
                braces.pop();
                continue;
            }
            if (w === "esac") {
                caseState = (caseStack.pop() as typeof caseState) ?? "none";
                continue;
            }
            if (w === "case") {
                caseStack.push(caseState);
                caseState = "subject";
                continue;
            }
            if (w === "for") {
                forHeader = true;
                continue;
            }
            if (w === "[[") {
                while (i + 1 < toks.length && toks[i + 1].v !== "]]") i++;
                i++;
                atCommand = false;
                continue;
            }
            if (KEYWORDS.has(w)) continue;
            // An array assignment `name=(...)` / `name+=(...)`: its elements are data.
            if (/^[A-Za-z_][A-Za-z0-9_]*\+?=$/.test(w) && toks[i + 1]?.v === "(") {
                while (i + 1 < toks.length && toks[i + 1].v !== ")") i++;
                i++;
                continue;
            }
            if (/^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/.test(w)) continue; // an assignment before the command
            if (toks[i + 1]?.v === "(" && toks[i + 2]?.v === ")") {
                defining = w;
                i += 2;
                continue;
            }
            wordsOf(current()).push(w);
            atCommand = false;
            // `exec su-exec vault vault server`: follow the chain of prefixes to the command they run.
            let rest: string[] = [];
            for (let j = i + 1; j < toks.length && toks[j].t === "w"; j++) rest.push(toks[j].v);
            for (let cmd = w; PREFIXES[cmd]; ) {
                const k = PREFIXES[cmd](rest);
                if (k < 0 || rest[k] === undefined) break;
                cmd = rest[k];
                wordsOf(current()).push(cmd);
                rest = rest.slice(k + 1);
            }
        }
        for (const n of nested) pending.push({ text: n.text, fn: fnAt[Math.min(n.at, toks.length - 1)] ?? outer });
    }
    // What runs: the top level, and every function it refers to, directly or through other functions.
    const reached: (string | null)[] = [null];
    for (let k = 0; k < reached.length; k++) {
        for (const w of refs.get(reached[k]) ?? []) if (functions.has(w) && !reached.includes(w)) reached.push(w);
    }
    // `X="${X:-name}"` then `"$X" ...`: the default is the command the script runs unless told otherwise.
    const defaults = new Map<string, string>();
    for (const m of script.matchAll(/^\s*([A-Za-z_][A-Za-z0-9_]*)="\$\{\1:-([A-Za-z0-9_./-]+)\}"/gm)) defaults.set(m[1], m[2]);
    const found = new Set<string>();
    for (const raw of reached.flatMap((f) => words.get(f) ?? [])) {
        const dyn = /^"?\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?"?$/.exec(raw);
        const w = dyn && defaults.has(dyn[1]) ? defaults.get(dyn[1])! : raw;
        if (/[$`"'*?]/.test(w) || w.includes("…")) continue;
        if (SHELL_BUILTINS.has(w) || functions.has(w) || KEYWORDS.has(w)) continue;
        found.add(w);
    }
    return [...found].sort();
}
