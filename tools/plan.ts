// `npm run plan -- --stack <name> [--json|--mermaid] [--compose <dir>] [--config-file <file>]`: evaluates the
// real program against Pulumi.<name>.yaml under the mock engine and prints what it would deploy, with no
// credentials and no secret values, then the policy pack's violations; a mandatory one exits 1, a config error 2.
// First: the program's start measures act before anything loads the Pulumi SDK (sdk-start.ts).
import "../sdk-start";
import { assertBuilt } from "./offline/built";
import { planCommand } from "./offline/plan-command";

// `npm run plan` runs the JavaScript in bin/: refuse it when it is older than the sources.
if (__filename.endsWith(".js")) {
    try {
        assertBuilt();
    } catch (err) {
        process.stderr.write(`${(err as Error).message}\n`);
        process.exit(1);
    }
}

// The program (platform.ts, what index.ts declares) is imported here rather than required by path, so the build's
// bundle of this command carries it and the code both use is loaded once; imported once bin/ is known fresh.
planCommand(process.argv.slice(2), async () => (await import("../platform")).declareStack()).then(async (run) => {
    // Exit only once the text is flushed: a pipe takes 64 KiB at a time and process.exit would cut the rest.
    if (run.stdout) await new Promise<void>((resolve) => process.stdout.write(run.stdout, () => resolve()));
    if (run.stderr) await new Promise<void>((resolve) => process.stderr.write(run.stderr, () => resolve()));
    process.exit(run.code);
});
