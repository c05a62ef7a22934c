// The one Docker provider every Docker resource uses: the manager's engine over SSH (or a local socket) with
// Harbor registry auth (steps 3 and 8). Default providers are disabled in the stack files, so a resource that
// forgot `provider` fails instead of silently talking to whatever DOCKER_HOST the runner has.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config";

export function dockerProvider(name: string, cfg: Pick<PlatformConfig, "docker" | "registry" | "secrets">, opts?: pulumi.CustomResourceOptions): docker.Provider {
    const registryAuth = cfg.registry.auth
        ? [
              {
                  address: cfg.registry.server,
                  username: cfg.registry.username!,
                  // validateSettings guarantees harborPassword is set whenever registry.auth is true.
                  password: cfg.secrets.harborPassword!,
              },
          ]
        : [];
    return new docker.Provider(
        name,
        {
            host: cfg.docker.host,
            // Host keys are pinned by the sshOpts from config (UserKnownHostsFile/StrictHostKeyChecking): step 3.
            sshOpts: cfg.docker.sshOpts,
            registryAuth,
        },
        opts,
    );
}
