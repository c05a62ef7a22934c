// `npm run plan -- --stack <name> --compose <dir>`: writes the Docker stack files of an offline evaluation,
// rendered from the service builders of that very evaluation (components/swarm/stack-file.ts).
import * as fs from "fs";
import * as path from "path";
import { ComposeDoc, composeText } from "../../components/swarm/stack-file";
import { Evaluation } from "./engine";

type ServiceModule = typeof import("../../components/swarm/service");
type StackFileModule = typeof import("../../components/swarm/stack-file");

/** The stack files of an evaluation, by file name (the builders are read from the evaluation's own modules). */
export async function stackFilesOf(ev: Evaluation): Promise<Map<string, ComposeDoc>> {
    const builders = ev.load<ServiceModule>("components/swarm/service").serviceBuilders();
    return ev.load<StackFileModule>("components/swarm/stack-file").renderStackFiles(builders, ev.stack);
}

export function stackFileText(doc: ComposeDoc): string {
    return "# Rendered by `npm run plan -- --compose` from the Pulumi program's service specs: do not edit.\n" + composeText(doc);
}

export async function writeStackFiles(ev: Evaluation, dir: string): Promise<string[]> {
    fs.mkdirSync(dir, { recursive: true });
    const written: string[] = [];
    for (const [name, doc] of await stackFilesOf(ev)) {
        const file = path.join(dir, name);
        fs.writeFileSync(file, stackFileText(doc));
        written.push(file);
    }
    return written;
}
