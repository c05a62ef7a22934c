// Finds mutable module-level state in a TypeScript module, read with the TypeScript compiler's parser: a value a
// module keeps between calls is shared by every evaluation of the program in one process, which is how two
// evaluations end up mixing. What counts (each finding names its line and why):
//   - a top-level `let` or `var`;
//   - a top-level `const` holding a mutable container: an array or object literal, a `new` instance, or a call
//     that makes a fresh array or object (map, filter, slice, Array.from, Object.fromEntries, ...), unless it is
//     `as const` or declared with a read-only type (`readonly T[]`, `Readonly<...>`, `ReadonlyArray`/`Map`/`Set`);
//   - a top-level statement that assigns to, deletes from, or calls a mutating method (push, set, add, ...) on
//     a module-level variable;
//   - a class's static property that is not `readonly`, or that holds a mutable container.
// Functions, classes, imports, types, and constants of primitive or frozen values are fine.
import * as ts from "typescript";

export interface StateFinding {
    line: number;
    /** The declaration or statement, first line only. */
    text: string;
    why: string;
}

const MUTATING_METHODS: ReadonlySet<string> = new Set(["push", "pop", "shift", "unshift", "splice", "sort", "reverse", "fill", "copyWithin", "set", "add", "delete", "clear"]);
// Calls whose result is a fresh, mutable array or object.
const FRESH_CONTAINER_METHODS: ReadonlySet<string> = new Set(["map", "filter", "slice", "concat", "flat", "flatMap", "toSorted", "toReversed", "toSpliced", "split", "keys", "values", "entries"]);
const FRESH_CONTAINER_FUNCTIONS: ReadonlySet<string> = new Set(["Array.from", "Array.of", "Object.assign", "Object.create", "Object.fromEntries", "Object.entries", "Object.keys", "Object.values", "structuredClone", "Array", "Object"]);
const READONLY_TYPE_NAMES: ReadonlySet<string> = new Set(["Readonly", "ReadonlyArray", "ReadonlyMap", "ReadonlySet"]);

/** Is this type node read-only at its top: `readonly T[]`, `readonly [..]`, `Readonly<...>`, `ReadonlyArray<...>`, ...? */
function isReadonlyType(type: ts.TypeNode | undefined): boolean {
    if (!type) return false;
    if (ts.isParenthesizedTypeNode(type)) return isReadonlyType(type.type);
    if (ts.isTypeOperatorNode(type)) return type.operator === ts.SyntaxKind.ReadonlyKeyword;
    if (ts.isTypeReferenceNode(type)) return READONLY_TYPE_NAMES.has(type.typeName.getText());
    if (ts.isTypeLiteralNode(type)) return type.members.every((m) => (ts.isPropertySignature(m) || ts.isIndexSignatureDeclaration(m)) && !!m.modifiers?.some((x) => x.kind === ts.SyntaxKind.ReadonlyKeyword));
    return false;
}

/** Why an initialiser makes a mutable container (undefined when it does not), given the declared type. */
function mutableInitialiser(init: ts.Expression, declared: ts.TypeNode | undefined): string | undefined {
    if (isReadonlyType(declared)) return undefined;
    let e: ts.Expression = init;
    for (;;) {
        if (ts.isParenthesizedExpression(e) || ts.isSatisfiesExpression(e) || ts.isNonNullExpression(e)) e = e.expression;
        else if (ts.isAsExpression(e) || ts.isTypeAssertionExpression(e)) {
            const t = e.type;
            if ((ts.isTypeReferenceNode(t) && t.typeName.getText() === "const") || isReadonlyType(t)) return undefined;
            e = e.expression;
        } else break;
    }
    if (ts.isArrayLiteralExpression(e)) return "an array literal without `as const` or a readonly type";
    if (ts.isObjectLiteralExpression(e)) return "an object literal without `as const` or a readonly type";
    if (ts.isNewExpression(e)) return `a \`new ${e.expression.getText()}\` instance made at module load`;
    if (ts.isCallExpression(e)) {
        const callee = e.expression.getText();
        if (callee === "Object.freeze") return undefined;
        if (FRESH_CONTAINER_FUNCTIONS.has(callee)) return `a fresh container from ${callee}() without a readonly type`;
        if (ts.isPropertyAccessExpression(e.expression) && FRESH_CONTAINER_METHODS.has(e.expression.name.text)) {
            return `a fresh container from .${e.expression.name.text}() without a readonly type`;
        }
    }
    return undefined;
}

/** The identifier at the root of `a.b[c].d`, if any. */
function rootIdentifier(e: ts.Expression): ts.Identifier | undefined {
    let x: ts.Expression = e;
    while (ts.isPropertyAccessExpression(x) || ts.isElementAccessExpression(x) || ts.isParenthesizedExpression(x) || ts.isNonNullExpression(x) || ts.isAsExpression(x) || ts.isTypeAssertionExpression(x) || ts.isSatisfiesExpression(x)) {
        x = x.expression;
    }
    return ts.isIdentifier(x) ? x : undefined;
}

const ASSIGNMENTS: ReadonlySet<ts.SyntaxKind> = new Set([
    ts.SyntaxKind.EqualsToken,
    ts.SyntaxKind.PlusEqualsToken,
    ts.SyntaxKind.MinusEqualsToken,
    ts.SyntaxKind.AsteriskEqualsToken,
    ts.SyntaxKind.SlashEqualsToken,
    ts.SyntaxKind.PercentEqualsToken,
    ts.SyntaxKind.AsteriskAsteriskEqualsToken,
    ts.SyntaxKind.AmpersandEqualsToken,
    ts.SyntaxKind.BarEqualsToken,
    ts.SyntaxKind.CaretEqualsToken,
    ts.SyntaxKind.LessThanLessThanEqualsToken,
    ts.SyntaxKind.GreaterThanGreaterThanEqualsToken,
    ts.SyntaxKind.GreaterThanGreaterThanGreaterThanEqualsToken,
    ts.SyntaxKind.BarBarEqualsToken,
    ts.SyntaxKind.AmpersandAmpersandEqualsToken,
    ts.SyntaxKind.QuestionQuestionEqualsToken,
]);

/** What a top-level expression does to a module-level variable (undefined when nothing). */
function topLevelMutation(e: ts.Expression, moduleNames: Set<string>): string | undefined {
    const isModuleVar = (target: ts.Expression) => {
        const id = rootIdentifier(target);
        return id !== undefined && (moduleNames.has(id.text) || id.text === "exports" || id.text === "module");
    };
    if (ts.isBinaryExpression(e) && ASSIGNMENTS.has(e.operatorToken.kind) && isModuleVar(e.left)) return "an assignment to a module-level variable";
    if ((ts.isPrefixUnaryExpression(e) || ts.isPostfixUnaryExpression(e)) && (e.operator === ts.SyntaxKind.PlusPlusToken || e.operator === ts.SyntaxKind.MinusMinusToken) && isModuleVar(e.operand)) {
        return "an increment of a module-level variable";
    }
    if (ts.isDeleteExpression(e) && isModuleVar(e.expression)) return "a delete from a module-level variable";
    if (ts.isCallExpression(e)) {
        const callee = e.expression;
        if (ts.isPropertyAccessExpression(callee) && MUTATING_METHODS.has(callee.name.text) && isModuleVar(callee.expression)) return `a .${callee.name.text}() on a module-level variable`;
        const name = callee.getText();
        if ((name === "Object.assign" || name === "Object.defineProperty" || name === "Object.setPrototypeOf") && e.arguments.length && isModuleVar(e.arguments[0])) return `${name}() on a module-level variable`;
    }
    return undefined;
}

/** Every mutable module-level state the module declares, in source order. */
export function moduleStateFindings(source: string, fileName = "module.ts"): StateFinding[] {
    const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    const findings: StateFinding[] = [];
    const report = (node: ts.Node, why: string) =>
        findings.push({ line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1, text: node.getText(sf).split("\n")[0].trim(), why });

    // Names bound at module level (variables, functions, classes, imports): what a top-level statement may not change.
    const moduleNames = new Set<string>();
    const bind = (name: ts.BindingName) => {
        if (ts.isIdentifier(name)) moduleNames.add(name.text);
        else for (const el of name.elements) if (!ts.isOmittedExpression(el)) bind(el.name);
    };
    for (const st of sf.statements) {
        if (ts.isVariableStatement(st)) st.declarationList.declarations.forEach((d) => bind(d.name));
        else if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isEnumDeclaration(st)) && st.name) moduleNames.add(st.name.text);
        else if (ts.isImportDeclaration(st) && st.importClause) {
            if (st.importClause.name) moduleNames.add(st.importClause.name.text);
            const nb = st.importClause.namedBindings;
            if (nb && ts.isNamespaceImport(nb)) moduleNames.add(nb.name.text);
            if (nb && ts.isNamedImports(nb)) nb.elements.forEach((el) => moduleNames.add(el.name.text));
        } else if (ts.isImportEqualsDeclaration(st)) moduleNames.add(st.name.text);
    }

    const visitTopLevel = (st: ts.Statement) => {
        if (ts.isVariableStatement(st)) {
            const isConst = (st.declarationList.flags & ts.NodeFlags.Const) !== 0;
            for (const d of st.declarationList.declarations) {
                if (!isConst) {
                    report(d, `a module-level ${st.declarationList.flags & ts.NodeFlags.Let ? "let" : "var"}`);
                    continue;
                }
                const why = d.initializer ? mutableInitialiser(d.initializer, d.type) : undefined;
                if (why) report(d, why);
            }
        } else if (ts.isExpressionStatement(st)) {
            const why = topLevelMutation(st.expression, moduleNames);
            if (why) report(st, why);
        } else if (ts.isClassDeclaration(st)) {
            for (const m of st.members) {
                if (!ts.isPropertyDeclaration(m) || !m.modifiers?.some((x) => x.kind === ts.SyntaxKind.StaticKeyword)) continue;
                if (!m.modifiers.some((x) => x.kind === ts.SyntaxKind.ReadonlyKeyword)) report(m, "a static property that is not readonly");
                else if (m.initializer) {
                    const why = mutableInitialiser(m.initializer, m.type);
                    if (why) report(m, `a static property holding ${why}`);
                }
            }
        } else if (ts.isBlock(st) || ts.isIfStatement(st) || ts.isForStatement(st) || ts.isForOfStatement(st) || ts.isForInStatement(st) || ts.isWhileStatement(st) || ts.isDoStatement(st) || ts.isTryStatement(st)) {
            // Code that runs at module load inside a block still changes the module's variables.
            const inner = (n: ts.Node): void => {
                if (ts.isFunctionLike(n) || ts.isClassLike(n)) return;
                if (ts.isExpressionStatement(n)) {
                    const why = topLevelMutation(n.expression, moduleNames);
                    if (why) report(n, why);
                }
                ts.forEachChild(n, inner);
            };
            ts.forEachChild(st, inner);
        }
    };
    sf.statements.forEach(visitTopLevel);
    return findings;
}
