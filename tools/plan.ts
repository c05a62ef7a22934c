// `npm run plan -- --stack <name> [--json|--mermaid] [--compose <dir>]`: evaluates the real program against Pulumi.<name>.yaml under the
// mock engine and prints what it would deploy, with no credentials and no secret values, then the policy pack's
// violations; a mandatory one exits 1.
import { parseArgs } from "util";
import { ConfigError } from "../components/config";
import { UsageError, withUsage } from "./cli";
import { assertBuilt } from "./offline/built";
import { runPlan } from "./offline/run-plan";
import { listStacks } from "./offline/stack-config";

interface PlanArgs {
    stack: string;
    json: boolean;
    /** Print the architecture picture (Mermaid) instead of the plan. */
    mermaid: boolean;
    /** Also write the Docker stack files into this directory. */
    compose?: string;
}

function parsePlanArgs(argv: string[]): PlanArgs {
    const usage = `npm run plan -- --stack <${listStacks().join("|")}> [--json|--mermaid] [--compose <dir>]`;
    const { values } = withUsage(usage, () =>
        parseArgs({
            args: argv,
            options: { stack: { type: "string" }, json: { type: "boolean" }, mermaid: { type: "boolean" }, compose: { type: "string" } },
            strict: true,
            allowPositionals: false,
        }),
    );
    if (values.compose === "") throw new UsageError(`--compose needs a directory\nusage: ${usage}`);
    if (!values.stack) throw new UsageError(`--stack is required\nusage: ${usage}`);
    return { stack: values.stack, json: values.json ?? false, mermaid: values.mermaid ?? false, compose: values.compose };
}

async function main(): Promise<number> {
    const args = parsePlanArgs(process.argv.slice(2));
    // `npm run plan` runs the JavaScript in bin/: refuse it when it is older than the sources.
    if (__filename.endsWith(".js")) assertBuilt();
    // The plan, then the policy pack over it: a mandatory violation exits 1.
    const run = await runPlan({ stack: args.stack, json: args.json, mermaid: args.mermaid, compose: args.compose });
    // Exit only once the text is flushed: a pipe takes 64 KiB at a time and process.exit would cut the rest.
    await new Promise<void>((resolve) => process.stdout.write(run.stdout + "\n", () => resolve()));
    if (run.stderr) await new Promise<void>((resolve) => process.stderr.write(run.stderr, () => resolve()));
    return run.code;
}

// The engine reloads the program's modules for each evaluation, so a ConfigError thrown by the program is an
// instance of a fresh copy of the class: recognise it by name as well.
const isConfigError = (err: unknown) => err instanceof ConfigError || (err instanceof Error && err.name === "ConfigError");

main().then(
    (code) => process.exit(code),
    (err) => {
        process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(isConfigError(err) || err instanceof UsageError ? 2 : 1);
    },
);
