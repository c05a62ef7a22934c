// The operators' running platform, built by hand from their documents (never from the program's renderers), for
// the migration tests on the real swarm: `docker stack deploy` of a compose file under a stack name, so services
// are `<stack>_<name>`. Vault is one service `<stack>_vault` running a real OpenBao (the static `bao` binary in a
// busybox root) whose entrypoint retry-unseals from the `vault_unseal_key` Docker secret; its certificate comes
// from a host directory mounted at /vault/certs (the seeds' /opt/iklimco/ssl). Everything is named from the stack.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ensureRootImage } from "../../tools/offline/root-image";
import { docker, dockerOk } from "./docker";
import { openbaoExecutable } from "./openbao";

const ENTRYPOINT = path.join(__dirname, "..", "fixtures", "legacy", "vault-entrypoint.sh");

/** busybox + the static bao binary; tagged by the binary's and entrypoint's content, built once. */
export function ensureOpenBaoImage(): string {
    return ensureRootImage({
        name: "iklimco-migration/openbao",
        dirs: ["/bin", "/tmp", "/etc", "/run", "/var", "/vault/data", "/vault/certs"],
        busybox: "all",
        files: {
            "/bin/bao": { from: openbaoExecutable(), mode: 0o755 },
            "/bin/vault-entrypoint.sh": { from: ENTRYPOINT, mode: 0o755 },
            "/etc/passwd": { text: "root:x:0:0:root:/root:/bin/sh\n" },
            "/etc/group": { text: "root:x:0:\n" },
        },
        modes: { "/tmp": 0o1777 },
        env: { PATH: "/bin" },
        entrypoint: ["/bin/vault-entrypoint.sh"],
    });
}

/** The legacy compose file: `vault` with its data volume, its certificate directory and a published port. */
export function legacyComposeText(opts: { image: string; certDir: string; port: number; network: string }): string {
    return `version: "3.8"
services:
  vault:
    image: ${opts.image}
    ports:
      - { target: 8200, published: ${opts.port}, protocol: tcp, mode: host }
    volumes:
      - vault_data:/vault/data
      - ${opts.certDir}:/vault/certs:ro
    networks: [net]
    deploy:
      replicas: 1
networks:
  net:
    name: ${opts.network}
    driver: overlay
    attachable: true
volumes:
  vault_data: {}
`;
}

export function deployLegacy(stack: string, compose: string, dir: string): void {
    const file = path.join(dir, "docker-stack-vault.yml");
    fs.writeFileSync(file, compose);
    docker(["stack", "deploy", "-c", file, stack]);
}

export function removeLegacy(stack: string, secrets: string[], network: string): void {
    spawnSync("docker", ["stack", "rm", stack], { stdio: "ignore" });
    for (let i = 0; i < 30; i++) {
        if (!docker(["service", "ls", "-q", "--filter", `label=com.docker.stack.namespace=${stack}`])) break;
        spawnSync("sleep", ["1"]);
    }
    for (const s of secrets) spawnSync("docker", ["secret", "rm", s], { stdio: "ignore" });
    for (let i = 0; i < 30; i++) {
        const vols = docker(["volume", "ls", "-q", "--filter", `label=com.docker.stack.namespace=${stack}`]).split("\n").filter(Boolean);
        const net = dockerOk(["network", "inspect", network]);
        if (!vols.length && !net) return;
        for (const v of vols) spawnSync("docker", ["volume", "rm", v], { stdio: "ignore" });
        if (net) spawnSync("docker", ["network", "rm", network], { stdio: "ignore" });
        spawnSync("sleep", ["1"]);
    }
}
