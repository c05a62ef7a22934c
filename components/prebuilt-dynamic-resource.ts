// A Pulumi dynamic resource whose provider code `npm run build` serialised ahead of time.
//
// `pulumi.dynamic.Resource` serialises its provider's closure in every run of the program (Pulumi's closure
// serialiser loads TypeScript's parser, opens an inspector session and walks the module tree): about a
// quarter of the program's start-up. The text only changes when the provider's compiled module does, so the
// build serialises each provider once, with the same serialiser (tools/serialize-providers.ts), and stores the
// text beside the module with the module's hash. A resource sends the stored text when the hash matches the
// module it runs, and serialises at run time otherwise (sources run by ts-node, a module changed after the
// build), so `__provider` is always the code of the module that runs.
//
// A provider module keeps its provider's code to itself and Node's built-ins at run time, so its own hash
// covers everything the closure captures (test/unit/prebuilt-providers.test.ts).
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { sha256 } from "./swarm/manager-script";

/** Where a dynamic provider's code lives, and how to make the provider object. */
export interface ProviderSource {
    /** The module holding the provider's code, as it runs (`__filename`). */
    file: string;
    /** A new provider object (serialised into `__provider`; it must hold no secret). */
    make: () => pulumi.dynamic.ResourceProvider;
}

export interface PrebuiltProvider {
    /** sha256 of the module the text was serialised from. */
    moduleSha256: string;
    /** The serialised provider module, as `pulumi.dynamic.Resource` would send it in `__provider`. */
    text: string;
}

/** The prebuilt text's file, beside the module: `godaddy.js` -> `godaddy.provider.json`. */
export function prebuiltPath(moduleFile: string): string {
    return moduleFile.replace(/\.[jt]s$/, "") + ".provider.json";
}

/** Serialises a provider with Pulumi's closure serialiser, as `pulumi.dynamic.Resource` does. */
export async function serializeProvider(source: ProviderSource): Promise<string> {
    const provider = source.make();
    const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    // The text is stored in the state as a plain input: a provider that captured a secret would leak it.
    if (sf.containsSecrets) throw new Error(`the dynamic provider of ${source.file} captures a secret; it must read secrets at run time (configure) instead`);
    return sf.text;
}

/** The prebuilt text for the module that runs now, or undefined when there is none or it was built from other code. */
export function readPrebuilt(moduleFile: string): string | undefined {
    const file = prebuiltPath(moduleFile);
    if (!fs.existsSync(file)) return undefined;
    const prebuilt = JSON.parse(fs.readFileSync(file, "utf8")) as PrebuiltProvider;
    return prebuilt.moduleSha256 === sha256(fs.readFileSync(moduleFile)) ? prebuilt.text : undefined;
}

/**
 * The code to send as `__provider`: the prebuilt text, or the serialisation in progress. A component with many
 * resources of one provider asks once and hands the same code to each.
 */
export function providerCode(source: ProviderSource): pulumi.Input<string> {
    return readPrebuilt(source.file) ?? serializeProvider(source);
}

/** A dynamic resource of type `pulumi-nodejs:dynamic/<module>:<kind>`, like `pulumi.dynamic.Resource`'s. */
export class PrebuiltDynamicResource extends pulumi.CustomResource {
    constructor(code: pulumi.Input<string>, name: string, props: pulumi.Inputs, opts: pulumi.CustomResourceOptions | undefined, module: string, kind: string) {
        if ("__provider" in props) throw new pulumi.ResourceError(`${name}: a dynamic resource must not define the __provider input`, opts?.parent);
        super(`pulumi-nodejs:dynamic/${module}:${kind}`, name, { ...props, __provider: code }, opts);
    }
}
