// Last step of `npm run build`: serialises the program's dynamic providers once, so no run of the program pays
// for Pulumi's closure serialiser (components/prebuilt-dynamic-resource.ts). Writes `<module>.provider.json`
// beside each provider's compiled module, with that module's hash. Running it twice gives the same files.
import * as fs from "fs";
import { goDaddyRecordProvider } from "../components/dns/godaddy";
import { PrebuiltProvider, ProviderSource, prebuiltPath, serializeProvider } from "../components/prebuilt-dynamic-resource";
import { sha256 } from "../components/swarm/manager-script";
import { rootTokenRetirementProvider } from "../components/vault/retire-root";
import { runMain } from "./cli";

/** Every dynamic provider of the program (test/unit/prebuilt-providers.test.ts checks none is missing). */
export const DYNAMIC_PROVIDERS: readonly (() => ProviderSource)[] = [goDaddyRecordProvider, rootTokenRetirementProvider];

export async function writePrebuiltProviders(): Promise<string[]> {
    const written: string[] = [];
    for (const provider of DYNAMIC_PROVIDERS) {
        const source = provider();
        const prebuilt: PrebuiltProvider = { moduleSha256: sha256(fs.readFileSync(source.file)), text: await serializeProvider(source) };
        const file = prebuiltPath(source.file);
        fs.writeFileSync(file, JSON.stringify(prebuilt) + "\n");
        written.push(file);
    }
    return written;
}

if (require.main === module) runMain(writePrebuiltProviders);
