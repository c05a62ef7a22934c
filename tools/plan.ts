// `npm run plan -- --stack <name> [--json]`: evaluates the real program against Pulumi.<name>.yaml under the
// mock engine and prints what it would deploy, with no credentials and no secret values.
import { ConfigError } from "../components/config";
import { writeStackFiles } from "./offline/compose";
import { evaluateProgram } from "./offline/engine";
import { buildPlan, renderPlanText } from "./offline/plan";
import { listStacks, readStackConfig } from "./offline/stack-config";

interface PlanArgs {
    stack: string;
    json: boolean;
    /** Also write the Docker stack files into this directory. */
    compose?: string;
}

function parseArgs(argv: string[]): PlanArgs {
    const args: PlanArgs = { stack: "", json: false };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--json") args.json = true;
        else if (a === "--stack") args.stack = argv[++i] ?? "";
        else if (a.startsWith("--stack=")) args.stack = a.slice("--stack=".length);
        else if (a === "--compose") args.compose = argv[++i] ?? "";
        else if (a.startsWith("--compose=")) args.compose = a.slice("--compose=".length);
        else throw new Error(`unknown argument ${a}; usage: npm run plan -- --stack <${listStacks().join("|")}> [--json] [--compose <dir>]`);
    }
    if (args.compose === "") throw new Error("--compose needs a directory");
    if (!args.stack) throw new Error(`--stack is required: npm run plan -- --stack <${listStacks().join("|")}> [--json]`);
    return args;
}

async function main(): Promise<number> {
    const args = parseArgs(process.argv.slice(2));
    const cfg = readStackConfig(args.stack);
    const ev = await evaluateProgram({ stack: args.stack, config: cfg.config, secretKeys: cfg.secretKeys });
    const plan = buildPlan(ev, cfg.secrets);
    if (args.compose) for (const f of await writeStackFiles(ev, args.compose)) process.stderr.write(`wrote ${f}\n`);
    process.stdout.write((args.json ? JSON.stringify(plan, null, 2) : renderPlanText(plan)) + "\n");
    return 0;
}

main().then(
    (code) => process.exit(code),
    (err) => {
        process.stderr.write(`${err instanceof ConfigError ? err.message : err instanceof Error ? err.message : String(err)}\n`);
        process.exit(err instanceof ConfigError ? 2 : 1);
    },
);
