// Where the build steps (tools/copy-assets.ts, tools/bundle.ts) read and write: they run as TypeScript from
// tools/ and compiled from bin/tools/, so the repository is found from this module's own directory.
import * as fs from "fs";
import * as path from "path";

/** The repository: this file's parent as TypeScript (tools/), its grandparent as bin/tools/build-paths.js. */
export const REPO = [path.resolve(__dirname, ".."), path.resolve(__dirname, "..", "..")].find((d) => fs.existsSync(path.join(d, "Pulumi.yaml")))!;
/** The compiled program and tools. */
export const BIN = path.join(REPO, "bin");
