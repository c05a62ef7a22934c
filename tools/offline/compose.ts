// `npm run plan -- --stack <name> --compose <dir>`: writes the Docker stack files of an offline evaluation,
// rendered from the service builders the program returned in that very evaluation (components/swarm/stack-file.ts).
import * as fs from "fs";
import * as path from "path";
import { ComposeDoc, composeText } from "../../components/swarm/stack-file";
import { Evaluation } from "./engine";

type StackFileModule = typeof import("../../components/swarm/stack-file");

/** The stack files of an evaluation, by file name: the specs of the service builders the program returned. */
export async function stackFilesOf(ev: Evaluation): Promise<Map<string, ComposeDoc>> {
    return ev.load<StackFileModule>("components/swarm/stack-file").renderStackFiles(ev.serviceBuilders, ev.stack);
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
