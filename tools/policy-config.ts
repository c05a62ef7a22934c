// `npm run --silent policy-config -- --stack <name>`: prints the policy pack config the stack implies (the edge
// nodes' public addresses for dns-record-edge-only, and the one-node relaxations), for
// `pulumi preview|up --policy-pack policies --policy-pack-config <file>`. The offline plan uses the same function.
import { policyConfigFromStack } from "./offline/policy";
import { readStackConfig } from "./offline/stack-config";

const argv = process.argv.slice(2);
const i = argv.indexOf("--stack");
const stack = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith("--stack="))?.slice("--stack=".length);
if (!stack) {
    process.stderr.write("usage: npm run --silent policy-config -- --stack <name>\n");
    process.exit(2);
}
try {
    process.stdout.write(JSON.stringify(policyConfigFromStack(readStackConfig(stack).config), null, 2) + "\n");
} catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
}
