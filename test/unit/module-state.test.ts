// No module under components/ keeps mutable state at module level: every value a component returns is built
// per evaluation, so two evaluations of the program in one process (the tests, the benchmark) never mix. The
// checker (test/support/module-state.ts) is shown on small modules first, so a pass on components/ means
// something.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { moduleStateFindings } from "../support/module-state";

const ROOT = path.join(__dirname, "..", "..");
const whys = (source: string) => moduleStateFindings(source).map((f) => f.why);

describe("module-level state: the checker", () => {
    const rejected: { what: string; source: string; why: RegExp }[] = [
        { what: "a top-level let", source: "let current = 0;\nexport function next() { return ++current; }\n", why: /module-level let/ },
        { what: "a top-level var", source: "var seen;\n", why: /module-level var/ },
        { what: "an exported let", source: "export let registry = new Map();\n", why: /module-level let/ },
        { what: "an array literal", source: "const builders: string[] = [];\nexport function add(b: string) { builders.push(b); }\n", why: /array literal/ },
        { what: "an object literal", source: "export const cache = { hits: 0 };\n", why: /object literal/ },
        { what: "an object literal under `satisfies` only", source: "export const C = { a: 1 } satisfies Record<string, number>;\n", why: /object literal/ },
        { what: "a new Map", source: "const byName = new Map<string, number>();\n", why: /new Map/ },
        { what: "a new Set", source: "export const names = new Set<string>();\n", why: /new Set/ },
        { what: "a new WeakMap", source: "const seen = new WeakMap<object, number>();\n", why: /new WeakMap/ },
        { what: "a new Array", source: "const xs = new Array<number>(3);\n", why: /new Array/ },
        { what: "an instance of a class", source: "class Registry { items: string[] = []; }\nexport const registry = new Registry();\n", why: /new Registry/ },
        { what: "a fresh array from .map()", source: "const A = [1, 2] as const;\nexport const B = A.map((x) => x * 2);\n", why: /\.map\(\)/ },
        { what: "a fresh object from Object.fromEntries()", source: "export const C = Object.fromEntries([[\"a\", 1]]);\n", why: /Object\.fromEntries/ },
        { what: "a top-level assignment to a module variable's property", source: "export const STATE = Object.freeze({ n: 0 });\n(STATE as { n: number }).n = 1;\n", why: /assignment to a module-level variable/ },
        { what: "a top-level push onto an imported array", source: "import { LIST } from \"./list\";\nLIST.push(1);\n", why: /\.push\(\) on a module-level variable/ },
        { what: "a top-level Object.assign onto a module variable", source: "import { DEFAULTS } from \"./d\";\nObject.assign(DEFAULTS, { a: 1 });\n", why: /Object\.assign\(\) on a module-level variable/ },
        { what: "a top-level increment", source: "import { counter } from \"./c\";\ncounter.n++;\n", why: /increment/ },
        { what: "an assignment inside a top-level block", source: "import { cfg } from \"./c\";\nif (process.env.X) { cfg.x = 1; }\n", why: /assignment to a module-level variable/ },
        { what: "an assignment to module.exports", source: "module.exports.x = 1;\n", why: /assignment to a module-level variable/ },
        { what: "a static property that is not readonly", source: "export class A { static count = 0; }\n", why: /static property that is not readonly/ },
        { what: "a readonly static array", source: "export class A { static readonly all: string[] = []; }\n", why: /static property holding an array literal/ },
    ];
    for (const r of rejected) {
        it(`rejects ${r.what}`, () => {
            const found = whys(r.source);
            expect(found, JSON.stringify(moduleStateFindings(r.source))).to.have.length.greaterThan(0);
            expect(found.some((w) => r.why.test(w)), found.join("; ")).to.equal(true);
        });
    }

    it("names the line of each finding", () => {
        const f = moduleStateFindings("import * as x from \"x\";\n\nconst ok = 1;\nlet bad = ok;\n");
        expect(f).to.deep.equal([{ line: 4, text: "bad = ok", why: "a module-level let" }]);
    });

    it("accepts constants, frozen and read-only values, functions, classes, and state inside functions", () => {
        const source = [
            'import * as fs from "fs";',
            "export const PORT = 8200;",
            "export const NAME = `vault-${PORT}`;",
            "const RE = /^a+$/;",
            'const SCRIPT = fs.readFileSync("x.sh", "utf8");',
            "export const PORTS = { api: 8200, cluster: 8201 } as const;",
            'export const LABELS = ["a", "b"] as const satisfies readonly string[];',
            'export const RESERVED: readonly string[] = ["sys", "auth"];',
            "export const TABLE: Readonly<Record<string, number>> = { a: 1 };",
            "export const IDS: ReadonlyArray<number> = [1, 2];",
            "export const NAMES: ReadonlySet<string> = new Set([\"a\"]);",
            "export const BY: ReadonlyMap<string, number> = new Map();",
            "export const SHAPE: { readonly a: number } = { a: 1 };",
            "export const FROZEN = Object.freeze({ a: 1 });",
            "export const DOUBLED: readonly number[] = [1, 2].map((x) => x * 2);",
            "export function counter() { let n = 0; const seen: string[] = []; return () => { seen.push(String(n)); return ++n; }; }",
            "export class Notes { readonly items: string[] = []; static readonly KIND = \"notes\"; add(x: string) { this.items.push(x); } }",
            "export const handler = (x: number) => x + 1;",
            "export type T = { a: number };",
            "export interface I { a: number }",
        ].join("\n");
        expect(moduleStateFindings(source)).to.deep.equal([]);
    });
});

describe("module-level state: components/ and the composition (platform.ts)", () => {
    const files = [
        ...fs
            .readdirSync(path.join(ROOT, "components"), { recursive: true, encoding: "utf8" })
            .filter((f) => f.endsWith(".ts"))
            .map((f) => path.join("components", f)),
        "platform.ts",
    ].sort();

    it("finds the component modules to check", () => {
        expect(files).to.include.members([path.join("components", "pipeline.ts"), path.join("components", "swarm", "service.ts")]);
    });

    it("no module under components/, nor platform.ts, holds mutable module-level state", () => {
        const found = files.flatMap((f) => moduleStateFindings(fs.readFileSync(path.join(ROOT, f), "utf8"), f).map((x) => `${f}:${x.line}: ${x.text} (${x.why})`));
        expect(found).to.deep.equal([]);
    });
});
