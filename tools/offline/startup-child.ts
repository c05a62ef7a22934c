// One cold start of the program, run by `npm run bench` as a fresh node process with the environment the
// Pulumi nodejs language host would give it, prepared as `@pulumi/pulumi/cmd/run` prepares one before it loads
// the program (startup.ts startLikeLanguageHost). It runs as the JavaScript `npm run build` puts in bin/, so
// the only TypeScript this process compiles, if any, is the program's, with the options Pulumi would use. The
// SDK's mock monitor stands in for the engine, as in the floor.
//
// Input (env IKLIMCO_BENCH_INPUT): { root, stack, config, secretKeys, program } (coldstart.ts ColdStartInput).
// Output on stdout: the line "evaluated" the moment the program's graph is complete (the benchmark times up to
// it), then one line "result <json>": resources without input values (only a hash of each resource's inputs,
// so no value, secret or not, leaves this process), the ordering reasons by URN, and the start mode.
import { createHash } from "crypto";
import * as path from "path";
import { startLikeLanguageHost } from "./startup";

/* eslint-disable @typescript-eslint/no-require-imports */

interface ChildInput {
    /** The project directory (where Pulumi.yaml is); the language host runs the program from there. */
    root: string;
    stack: string;
    config: Record<string, string>;
    secretKeys: string[];
    program: string;
}

async function main(): Promise<void> {
    const input: ChildInput = JSON.parse(process.env.IKLIMCO_BENCH_INPUT ?? "null");
    if (!input) throw new Error("IKLIMCO_BENCH_INPUT is not set: this file is run by tools/bench.ts");
    const root = path.resolve(input.root);
    process.chdir(root);
    const mode = await startLikeLanguageHost(root);
    // Only now, as cmd/run loads the SDK's runtime after its instrumentation: the engine loads those runtime
    // modules and leaves the SDK's index to the program's own modules (engine.ts).
    const { REPO_ROOT, evaluateProgram }: typeof import("./engine") = require("./engine");
    if (REPO_ROOT !== root) throw new Error(`startup child: the engine's root ${REPO_ROOT} is not the project directory ${root}`);
    const ev = await evaluateProgram({ stack: input.stack, config: input.config, secretKeys: input.secretKeys, program: input.program });
    process.stdout.write("evaluated\n");

    const reasons = ev.reasons;
    const resources = ev.resources.map((r) => ({
        urn: r.urn,
        type: r.type,
        name: r.name,
        custom: r.custom,
        parent: r.parent,
        provider: r.provider,
        dependencies: r.dependencies,
        explicitDependsOn: r.explicitDependsOn,
        steps: r.steps,
        inputs: createHash("sha256").update(JSON.stringify(r.plainInputs)).digest("hex"),
    }));
    process.stdout.write(`result ${JSON.stringify({ mode, resources, reasons })}\n`);
}

main().then(
    () => process.exit(0),
    (err) => {
        process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        process.exit(1);
    },
);
