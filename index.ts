// The iklimco platform: one Pulumi program replacing the 24-step shell pipeline. This file is the composition
// root: it loads the validated config, builds the components in pipeline order and exports what the deploy
// workflow and operators read. The order between components comes from the data passed between them.
import { loadConfig } from "./components/config";
import { InfraSecrets } from "./components/infra-db/secrets";
import { resetPipeline } from "./components/pipeline";
import { SwarmFoundation } from "./components/swarm";

const steps = resetPipeline();

// Steps 5 and 6: the prod env and the service secret files are the stack config, validated before anything.
const config = loadConfig();

// Steps 3, 8 and 12 (network): the manager's Docker engine over SSH with Harbor auth, and iklimco-net.
const swarm = new SwarmFoundation(config.stackName, { config });
steps.realise(3, swarm.provider);
steps.realise(8, swarm.provider);
steps.realise(12, swarm.network);

// Step 11: generated infrastructure secrets.
const infraSecrets = steps.realise(11, new InfraSecrets(`${config.stackName}-infra-secrets`, { config, provider: swarm.provider }));

// --- vault (issue 4) ---
// Steps 10, 14 (Vault): TLS placeholder, the Vault members and their bootstrap. Steps 14 and 16: the root
// token's retirement and Vault as code with the per-service AppRole Swarm secrets (components/vault). The
// certificate flow goes between the two (its `vault` args from `vault`, `tlsReady` from its verification).
import { Vault, VaultConfiguration } from "./components/vault";
const vault = new Vault(`${config.stackName}-vault`, { config, swarm });
const vaultConfig = new VaultConfiguration(`${config.stackName}-vault-config`, { config, swarm, vault });

export const networkName = swarm.network.name;
export const rabbitmqErlangCookieSecret = infraSecrets.rabbitmqErlangCookie.swarmName;
export const vaultAddress = vaultConfig.address;
export const vaultServices = vault.serviceNames;
export const vaultUnsealKeySecret = vault.unsealKey.swarmName;
export const microserviceSecrets = vaultConfig.microserviceSecrets();
