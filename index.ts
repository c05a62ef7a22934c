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
// Steps 10, 14, 15 (Vault) and 16: TLS placeholder, the Vault members and their bootstrap, Vault as code with
// the per-service AppRole Swarm secrets (components/vault).
import { Vault } from "./components/vault";
const vault = new Vault(`${config.stackName}-vault`, { config, swarm });

export const networkName = swarm.network.name;
export const rabbitmqErlangCookieSecret = infraSecrets.rabbitmqErlangCookie.swarmName;
export const vaultAddress = vault.address;
export const vaultUnsealKeySecret = vault.unsealKey.swarmName;
export const vaultServiceSecrets = Object.fromEntries(
    Object.entries(vault.serviceSecrets).map(([svc, s]) => [svc, { roleId: s.roleId.swarmName, secretId: s.secretId.swarmName }]),
);
