// The iklimco platform: one Pulumi program replacing the 24-step shell pipeline. This file is the composition
// root: it loads the validated config, builds the components in pipeline order and exports what the deploy
// workflow and operators read. The order between components comes from the data passed between them.
import { CertFlow } from "./components/certs";
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

// --- certs (issue 5) ---
// Steps 20 and 24 (certificates): cert-reloader beside SWAG, cert-distributor on the Vault nodes, the bounded
// wait for the published certificate and the verification that every Vault member serves it. SWAG and the
// Vault members are found by docs/naming.md; the integrator passes their resources for ordering:
// swag: { service, volume }, vault: { serviceNames, services, keyOwner }. Whatever needs the real
// certificate depends on certs.certificateReady; whatever verifies Vault's public name on certs.vaultServesCertificate.
const certs = new CertFlow(`${config.stackName}-certs`, { config, swarm });

export const networkName = swarm.network.name;
export const rabbitmqErlangCookieSecret = infraSecrets.rabbitmqErlangCookie.swarmName;
export const certReloaderService = certs.reloaderName;
export const certDistributorService = certs.distributorName;
export const certVerifyCommand = certs.verifyCommand;
