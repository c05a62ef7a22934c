// `npm run docs:naming`: regenerates docs/naming.md from the naming module.
import * as fs from "fs";
import * as path from "path";
import { renderNamingDocs } from "./offline/naming-docs";

const file = path.resolve(__dirname, "..", "docs", "naming.md");
fs.writeFileSync(file, renderNamingDocs());
process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
