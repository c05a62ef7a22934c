// Mocha loads the TypeScript tests through ts-node, transpile-only: `npm test` type-checks everything with
// `tsc --noEmit` first. ts-node transpiles with swc (@swc/core), about a third of the CPU of TypeScript's own
// transpiler; set here so the parallel workers and the tools the tests spawn through ts-node inherit it.
process.env.TS_NODE_SWC ??= "true";

module.exports = {
    require: ["ts-node/register/transpile-only"],
    extension: ["ts"],
    timeout: 60000,
    recursive: true,
};
