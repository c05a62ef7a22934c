// `npm run --silent policy-config -- --stack <name>`: prints the policy pack config the stack implies (the edge
// nodes' public addresses for dns-record-edge-only, and the one-node relaxations), for
// `pulumi preview|up --policy-pack policies --policy-pack-config <file>`. The offline plan uses the same function.
import { parseArgs } from "util";
import { UsageError, withUsage } from "./cli";
import { policyConfigFromStack } from "./offline/policy";
import { readStackConfig } from "./offline/stack-config";

const USAGE = "npm run --silent policy-config -- --stack <name>";
try {
    const { values } = withUsage(USAGE, () => parseArgs({ args: process.argv.slice(2), options: { stack: { type: "string" } }, strict: true, allowPositionals: false }));
    if (!values.stack) throw new UsageError(`--stack is required\nusage: ${USAGE}`);
    process.stdout.write(JSON.stringify(policyConfigFromStack(readStackConfig(values.stack)), null, 2) + "\n");
} catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
}
