// The `npm run plan` command as a function: arguments in, exit code and text out. tools/plan.ts runs it for the
// command line; tests call it in-process with the same arguments. Exit codes: 0 the plan, 1 a mandatory policy
// violation or a failure of the program, 2 a config error (a broken or missing stack file, or any key the schema
// refuses), reported with every problem at once before the program registers anything.
import { ConfigError, ConfigProblem } from "../../components/config";
import { parseArgs as parseCommandLine } from "util";
import { UsageError, withUsage } from "../cli";
import { RunPlanOptions, runPlan } from "./run-plan";
import { listStacks, locateKey, stackFile } from "./stack-config";

export interface PlanArgs {
    stack: string;
    json: boolean;
    /** Print the architecture picture (Mermaid) instead of the plan. */
    mermaid: boolean;
    /** Also write the Docker stack files into this directory. */
    compose?: string;
    /** Read this file instead of Pulumi.<stack>.yaml, like `pulumi --config-file`. */
    configFile?: string;
}

export interface PlanCommandResult {
    code: number;
    stdout: string;
    stderr: string;
    /** The config problems when the code is 2. */
    problems?: ConfigProblem[];
    /**
     * How many resources the program had registered when it stopped (config errors: 0). Undefined when the
     * program never ran (the stack file itself was broken or missing).
     */
    resourcesRegistered?: number;
}

const usage = () => `npm run plan -- --stack <${listStacks().join("|")}> [--json|--mermaid] [--compose <dir>] [--config-file <file>]`;

export function parseArgs(argv: string[]): PlanArgs {
    const { values } = withUsage(usage(), () =>
        parseCommandLine({
            args: argv,
            options: { stack: { type: "string" }, json: { type: "boolean" }, mermaid: { type: "boolean" }, compose: { type: "string" }, "config-file": { type: "string" } },
            strict: true,
            allowPositionals: false,
        }),
    );
    if (values.compose === "") throw new UsageError(`--compose needs a directory\nusage: ${usage()}`);
    if (values["config-file"] === "") throw new UsageError(`--config-file needs a file\nusage: ${usage()}`);
    if (!values.stack) throw new UsageError(`--stack is required\nusage: ${usage()}`);
    return { stack: values.stack, json: values.json ?? false, mermaid: values.mermaid ?? false, compose: values.compose, configFile: values["config-file"] };
}

// The program may run from bin/ while this runs from the sources (or the reverse), so a ConfigError thrown by
// the program can be an instance of the other copy of the class: recognise it by name as well.
export const isConfigError = (err: unknown): err is ConfigError => err instanceof ConfigError || (err instanceof Error && err.name === "ConfigError");

/** `declare`: the program's declareStack when the caller has it loaded (tools/plan.ts); else the engine requires it. */
export async function planCommand(argv: string[], declare?: RunPlanOptions["declare"]): Promise<PlanCommandResult> {
    let args: PlanArgs;
    try {
        args = parseArgs(argv);
    } catch (err) {
        return { code: err instanceof UsageError ? 2 : 1, stdout: "", stderr: `${(err as Error).message}\n` };
    }
    try {
        // The plan, then the policy pack over it: a mandatory violation exits 1.
        const run = await runPlan({ stack: args.stack, json: args.json, mermaid: args.mermaid, compose: args.compose, configFile: args.configFile, declare });
        return { code: run.code, stdout: `${run.stdout}\n`, stderr: run.stderr, resourcesRegistered: run.plan.resources.length };
    } catch (err) {
        if (isConfigError(err)) {
            const registered = (err as { resourcesRegistered?: number }).resourcesRegistered;
            // Point each key at its line in the stack file (a missing key at its parent's).
            const file = args.configFile ?? stackFile(args.stack);
            const problems = err.problems.map((p) => (p.at || /\.yaml:\d+:\d+$/.test(p.key) ? p : { ...p, at: locateKey(file, p.key) }));
            return { code: 2, stdout: "", stderr: `${new ConfigError(problems).message}\n`, problems, resourcesRegistered: registered };
        }
        return { code: 1, stdout: "", stderr: `${err instanceof Error ? err.message : String(err)}\n` };
    }
}
