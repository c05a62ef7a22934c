// `npm run docs:config`: regenerates docs/config.md from the config schema.
import * as fs from "fs";
import * as path from "path";
import { renderConfigDocs } from "./offline/config-docs";

const file = path.resolve(__dirname, "..", "docs", "config.md");
fs.writeFileSync(file, renderConfigDocs());
process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
