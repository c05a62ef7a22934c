// The local stack as a laptop runs it (docs/local.md): images are local tags (nothing pulled, no login) and
// every directory its services bind is created by `npm run local-prepare`.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stackFilesOf } from "../../tools/offline/compose";
import { readStackConfig } from "../../tools/offline/stack-config";
import { bindSourcesOf, createDirectories, localBindSources, missingImages } from "../../tools/local/prepare";
import { evaluateStack, input } from "../harness";

describe("local stack: runnable on a laptop", function () {
    this.timeout(120_000);

    it("names only local image tags (no registry host) and never logs in to a registry", async () => {
        const raw = readStackConfig("local").config["iklimco:images"] as unknown;
        const images = (typeof raw === "string" ? JSON.parse(raw) : raw) as Record<string, string>;
        for (const [k, ref] of Object.entries(images)) {
            // A first path component with a dot or a port is a registry host; a local tag has none.
            expect(ref, k).to.match(/^iklimco-local\/[a-z0-9-]+:[\w.-]+$/);
        }
        const ev = await evaluateStack("local");
        const registry = readStackConfig("local").config["iklimco:registry"] as unknown;
        expect((typeof registry === "string" ? JSON.parse(registry) : registry).auth).to.equal(false);
        for (const r of ev.resources.filter((x) => x.type === "command:local:Command")) {
            expect(String(input(r, "stdin")), r.name).to.not.match(/^export REGISTRY(_USER|_PASSWORD)?=/m);
        }
        const provider = ev.resources.find((r) => r.type === "pulumi:providers:docker")!;
        const auth = input(provider, "registryAuth");
        expect(typeof auth === "string" ? JSON.parse(auth) : auth).to.deep.equal([]);
    });

    it("local-prepare creates every directory the stack binds (the Vault backup's among them), and only once", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tlocal-prepare-"));
        try {
            const box = path.join(dir, "box");
            const paths = {
                storageBox: box,
                swagCertDir: `${box}/ssl`,
                swagDnsConfigDir: `${box}/swag/dns-conf`,
                swagSiteConfsDir: `${box}/swag/site-confs`,
                swagProxyConfsDir: `${box}/swag/proxy-confs`,
                nodeSslDir: path.join(dir, "node-ssl"),
            };
            const { binds } = await localBindSources("local", { "iklimco:paths": paths });
            // Every bind mount of every service in the compose export is covered.
            const ev = await evaluateStack("local", { overrides: { "iklimco:paths": paths } });
            const all = bindSourcesOf((await stackFilesOf(ev)).values());
            expect(binds).to.deep.equal(all);
            expect(binds.directories).to.include.members([`${box}/vault-snapshots`, `${box}/ssl`, `${box}/swag/dns-conf`, `${box}/swag/site-confs`, `${box}/swag/proxy-confs`, paths.nodeSslDir]);
            expect(binds.files).to.deep.equal(["/var/run/docker.sock"]);
            expect(createDirectories(binds.directories).sort()).to.deep.equal([...binds.directories].sort());
            for (const d of binds.directories) expect(fs.statSync(d).isDirectory(), d).to.equal(true);
            expect(createDirectories(binds.directories)).to.deep.equal([]);
            // A file where a directory must be is an error, not silently accepted.
            fs.rmSync(paths.nodeSslDir, { recursive: true });
            fs.writeFileSync(paths.nodeSslDir, "");
            expect(() => createDirectories(binds.directories)).to.throw(/is not a directory/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("local-prepare names the images the engine does not have", function () {
        if (!fs.existsSync("/var/run/docker.sock")) this.skip();
        expect(missingImages({ etcd: "tlocal-prepare/none:0" })).to.deep.equal(["images.etcd: tlocal-prepare/none:0"]);
    });
});
