// The offline engine's mocks answer by resource type, never by resource name: a rename must not change what a
// resource is mocked as (the names come from components, the answers stand for providers). Checked two ways:
// the answers themselves, and the mocks' source, where the resource name may feed a value but never a branch.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { computedOutputs } from "../../tools/offline/mocks";

const ROOT = path.join(__dirname, "..", "..");

/** Uses of `isName` nodes that decide a branch: tests of if/switch/case/?:/loops, comparisons, string predicates. */
function branchesOn(source: string, isName: (n: ts.Node) => boolean): string[] {
    const sf = ts.createSourceFile("mocks.ts", source, ts.ScriptTarget.Latest, true);
    const out: string[] = [];
    const comparisons = new Set([ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken, ts.SyntaxKind.EqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsToken]);
    const predicates = new Set(["endsWith", "startsWith", "includes", "match", "test", "search", "indexOf"]);
    const contains = (root: ts.Node | undefined): boolean => {
        let found = false;
        const walk = (n: ts.Node): void => {
            if (found) return;
            if (isName(n)) found = true;
            else ts.forEachChild(n, walk);
        };
        if (root) walk(root);
        return found;
    };
    const visit = (n: ts.Node): void => {
        const decides =
            ((ts.isIfStatement(n) || ts.isWhileStatement(n) || ts.isDoStatement(n) || ts.isSwitchStatement(n)) && contains(n.expression)) ||
            (ts.isCaseClause(n) && contains(n.expression)) ||
            (ts.isConditionalExpression(n) && contains(n.condition)) ||
            (ts.isBinaryExpression(n) && comparisons.has(n.operatorToken.kind) && (contains(n.left) || contains(n.right))) ||
            (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && predicates.has(n.expression.name.text) && (contains(n.expression.expression) || n.arguments.some(contains)));
        if (decides) out.push(n.getText(sf).split("\n")[0]);
        ts.forEachChild(n, visit);
    };
    visit(sf);
    return out;
}

const nameParameter = (n: ts.Node) => ts.isIdentifier(n) && n.text === "name" && !(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n);
const argsName = (n: ts.Node) => ts.isPropertyAccessExpression(n) && n.name.text === "name" && n.expression.getText() === "args";

describe("offline mocks: answers by resource type", () => {
    it("the branch check can fail: it finds a branch on the name, and none on a value made from it", () => {
        expect(branchesOn('function f(type: string, name: string) { if (name.endsWith("-init")) return 1; return `${name}-x`; }', nameParameter)).to.have.length(2);
        expect(branchesOn("const m = { newResource: (args) => (args.name === \"x\" ? 1 : 2) };", argsName)).to.have.length(2);
        expect(branchesOn("function f(type: string, name: string) { switch (type) { case \"a\": return { v: `mock-${name}` }; } }", nameParameter)).to.deep.equal([]);
    });

    it("computedOutputs (tools/offline/mocks.ts) never branches on the resource name", () => {
        expect(branchesOn(fs.readFileSync(path.join(ROOT, "tools", "offline", "mocks.ts"), "utf8"), nameParameter)).to.deep.equal([]);
    });

    for (const file of ["engine.ts", "floor.ts"]) {
        it(`the mocks tools/offline/${file} installs never branch on args.name`, () => {
            expect(branchesOn(fs.readFileSync(path.join(ROOT, "tools", "offline", file), "utf8"), argsName)).to.deep.equal([]);
        });
    }

    it("a command answers as Vault's init does whatever its name, so renaming the init command changes nothing", () => {
        for (const name of ["iklimco-vault-init-command", "anything", "x-vault-init"]) {
            const out = computedOutputs("command:remote:Command", name, {});
            const answer = JSON.parse(String(out.stdout));
            expect(answer.keys_base64, name).to.have.length(1);
            expect(answer.root_token, name).to.match(/^hvs\.mock-root-/);
        }
    });
});
