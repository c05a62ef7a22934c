// `npm run plan -- --stack <name> [--json]`: evaluates the real program against Pulumi.<name>.yaml under the
// mock engine and prints what it would deploy, with no credentials and no secret values.
import { ConfigError } from "../components/config";
import { evaluateProgram } from "./offline/engine";
import { buildPlan, renderPlanText } from "./offline/plan";
import { listStacks, readStackConfig } from "./offline/stack-config";

interface PlanArgs {
    stack: string;
    json: boolean;
}

function parseArgs(argv: string[]): PlanArgs {
    const args: PlanArgs = { stack: "", json: false };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--json") args.json = true;
        else if (a === "--stack") args.stack = argv[++i] ?? "";
        else if (a.startsWith("--stack=")) args.stack = a.slice("--stack=".length);
        else throw new Error(`unknown argument ${a}; usage: npm run plan -- --stack <${listStacks().join("|")}> [--json]`);
    }
    if (!args.stack) throw new Error(`--stack is required: npm run plan -- --stack <${listStacks().join("|")}> [--json]`);
    return args;
}

async function main(): Promise<number> {
    const args = parseArgs(process.argv.slice(2));
    const cfg = readStackConfig(args.stack);
    const ev = await evaluateProgram({ stack: args.stack, config: cfg.config, secretKeys: cfg.secretKeys });
    const plan = buildPlan(ev, cfg.secrets);
    // Exit only once the text is flushed: a pipe takes 64 KiB at a time and process.exit would cut the rest.
    await new Promise<void>((resolve) => process.stdout.write((args.json ? JSON.stringify(plan, null, 2) : renderPlanText(plan)) + "\n", () => resolve()));
    return 0;
}

main().then(
    (code) => process.exit(code),
    (err) => {
        process.stderr.write(`${err instanceof ConfigError ? err.message : err instanceof Error ? err.message : String(err)}\n`);
        process.exit(err instanceof ConfigError ? 2 : 1);
    },
);
