// `npm run docs:policy`: regenerates the rule table of docs/policy.md from the rule modules.
import * as fs from "fs";
import * as path from "path";
import { POLICY_DOC, withPolicyTable } from "./offline/policy-docs";

const file = path.resolve(__dirname, "..", POLICY_DOC);
fs.writeFileSync(file, withPolicyTable(fs.readFileSync(file, "utf8")));
process.stdout.write(`wrote ${POLICY_DOC}\n`);
