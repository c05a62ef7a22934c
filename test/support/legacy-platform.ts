// The operators' running platform, built by hand from their documents (never from the program's renderers), for
// the migration tests on the real swarm: `docker stack deploy` of a compose file under a stack name, so services
// are `<stack>_<name>`. Vault is one service `<stack>_vault` running a real OpenBao (the static `bao` binary in a
// busybox root) whose entrypoint retry-unseals from the `vault_unseal_key` Docker secret; its certificate comes
// from a host directory mounted at /vault/certs (the seeds' /opt/iklimco/ssl). Everything is named from the stack.
import { execFileSync, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { docker, dockerOk } from "./docker";
import { openbaoBinary } from "./openbao";

const ENTRYPOINT = path.join(__dirname, "..", "fixtures", "legacy", "vault-entrypoint.sh");

/** busybox + the static bao binary; tagged by the binary's and entrypoint's content, built once. */
export function ensureOpenBaoImage(): string {
    // The real binary (PATH may hold wrapper scripts first, e.g. a Python shim): the first candidate that is an ELF file.
    const candidates = (openbaoBinary().includes("/") ? [openbaoBinary()] : execFileSync("sh", ["-c", `which -a ${openbaoBinary()}`], { encoding: "utf8" }).split("\n").filter(Boolean)).map((c) => fs.realpathSync(c));
    const bao = candidates.find((c) => fs.readFileSync(c).subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46])));
    if (!bao) throw new Error(`no ELF bao binary among ${candidates.join(", ")}`);
    const hash = crypto.createHash("sha256").update(fs.statSync(bao).size.toString()).update(fs.readFileSync(ENTRYPOINT)).digest("hex").slice(0, 12);
    const tag = `iklimco-migration/openbao:${hash}`;
    if (dockerOk(["image", "inspect", tag])) return tag;
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "migration-openbao-"));
    try {
        for (const d of ["bin", "tmp", "etc", "run", "var", "vault/data", "vault/certs"]) fs.mkdirSync(path.join(root, d), { recursive: true });
        fs.chmodSync(path.join(root, "tmp"), 0o1777);
        fs.copyFileSync("/bin/busybox", path.join(root, "bin", "busybox"));
        fs.chmodSync(path.join(root, "bin", "busybox"), 0o755);
        for (const a of execFileSync("/bin/busybox", ["--list"], { encoding: "utf8" }).split("\n").filter(Boolean)) if (a !== "busybox") fs.symlinkSync("busybox", path.join(root, "bin", a));
        fs.copyFileSync(bao, path.join(root, "bin", "bao"));
        fs.chmodSync(path.join(root, "bin", "bao"), 0o755);
        fs.copyFileSync(ENTRYPOINT, path.join(root, "bin", "vault-entrypoint.sh"));
        fs.chmodSync(path.join(root, "bin", "vault-entrypoint.sh"), 0o755);
        fs.writeFileSync(path.join(root, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        fs.writeFileSync(path.join(root, "etc", "group"), "root:x:0:\n");
        const tar = spawnSync("tar", ["-C", root, "-c", "."], { maxBuffer: 512 * 1024 * 1024 });
        if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
        execFileSync("docker", ["import", "-c", "ENV PATH=/bin", "-c", 'ENTRYPOINT ["/bin/vault-entrypoint.sh"]', "-", tag], { input: tar.stdout, stdio: ["pipe", "ignore", "pipe"], maxBuffer: 64 * 1024 * 1024 });
        return tag;
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
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
