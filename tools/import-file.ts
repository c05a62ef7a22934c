// `npm run import-file -- --stack prod [--out import.json] [--host ssh://deploy@manager]`: reads the live swarm
// (the stack's docker.host unless --host says otherwise) and writes the Pulumi import file for adoption.
import * as fs from "fs";
import { parseArgs } from "util";
import { buildImportFile, readLiveSwarm } from "./adoption/import-file";
import { UsageError, withUsage } from "./cli";
import { evaluateProgram } from "./offline/engine";
import { readStackConfig, settingsOf } from "./offline/stack-config";

async function main(): Promise<void> {
    const usage = "npm run import-file -- --stack <name> [--out import.json] [--host <docker host>]";
    const { values } = withUsage(usage, () =>
        parseArgs({ args: process.argv.slice(2), options: { stack: { type: "string" }, out: { type: "string" }, host: { type: "string" } }, strict: true, allowPositionals: false }),
    );
    const stack = values.stack;
    if (!stack) throw new UsageError(`--stack is required\nusage: ${usage}`);
    const out = values.out ?? `import.${stack}.json`;
    const cfg = readStackConfig(stack);
    const ev = await evaluateProgram({ stack, config: cfg.config, secretKeys: cfg.secretKeys });
    const host = values.host ?? settingsOf(cfg).docker.host;
    const report = buildImportFile(ev, readLiveSwarm(host));
    fs.writeFileSync(out, JSON.stringify(report.file, null, 2) + "\n");
    const log = (s: string) => process.stderr.write(s + "\n");
    log(`wrote ${out}: ${report.matched.length} resources to import from ${host}`);
    for (const m of report.matched) log(`  import ${m.liveName} (${m.id})`);
    for (const m of report.missing) log(`  not running, will be created: ${m.liveName}`);
    log(`${report.secrets.length} Swarm secrets cannot be imported (their data is never readable): they are brought`);
    log(`under management by rotation, see docs/runbook.md "Adopt the running platform".`);
}

main().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
});
