// The iklimco platform: one Pulumi program replacing the 24-step shell pipeline. This file is the composition
// root Pulumi runs: it loads the validated config (steps 5 and 6: the prod env and the service secret files are
// the stack config, checked before anything is registered), declares the platform (platform.ts: the components
// in pipeline order) and exports what the deploy workflow, the operators and the microservice stacks read. The
// offline engine (`npm run plan`, `npm run bench`) calls the same `declarePlatform` under mocks.
// First: it must act before anything loads the Pulumi SDK (sdk-start.ts).
import "./sdk-start";
import { loadConfig } from "./components/config";
import { declarePlatform, platformOutputs } from "./platform";

const platform = declarePlatform(loadConfig());

export = platformOutputs(platform);
