// The stand-in images hold only what their image contract lists: every executable a PATH lookup (or an
// absolute path in a check) could find is a contract executable, busybox itself where the upstream is Alpine,
// or the image's own server where it is real here (PostgreSQL under Patroni, RabbitMQ on Erlang). Built from local files.
import { expect } from "chai";
import { spawnSync } from "child_process";
import { IMAGE_CONTRACTS, ImageKey } from "../../../components/images";
import { ensureContractImage, realServerExtras } from "../../support/contract-images";
import { dockerAvailable, ensureDaemon } from "../../support/docker";

const PATH_DIRS = ["/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin", "/opt/rabbitmq/sbin", "/"];

/** Every file directly in a PATH directory of an image, from `docker export` (no tool needed inside). */
function executablesIn(tag: string, extraDirs: string[]): string[] {
    const id = spawnSync("docker", ["create", tag, "x"], { encoding: "utf8" }).stdout.trim();
    try {
        const tar = spawnSync("bash", ["-c", `docker export ${id} | tar -tv`], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
        const out: string[] = [];
        for (const line of tar.stdout.split("\n")) {
            const m = /^([-l])\S+\s+\S+\s+\d+\s+\S+\s+\S+\s+(.+?)(?: -> .*)?$/.exec(line);
            if (!m) continue;
            const p = "/" + m[2].replace(/^\.?\//, "");
            const dir = p.slice(0, p.lastIndexOf("/")) || "/";
            // /.dockerenv is Docker's marker in every container, not part of the image.
            if ((PATH_DIRS.includes(dir) || extraDirs.includes(dir)) && p !== "/.dockerenv") out.push(p);
        }
        return out.sort();
    } finally {
        spawnSync("docker", ["rm", "-f", id], { stdio: "ignore" });
    }
}

describe("contract stand-in images hold only their contract (docker export of each)", function () {
    this.timeout(600_000);
    before(async function () {
        if (!dockerAvailable()) this.skip();
        await ensureDaemon();
    });

    for (const key of Object.keys(IMAGE_CONTRACTS) as ImageKey[]) {
        it(`${key}: nothing on PATH but its contract's executables`, () => {
            const c = IMAGE_CONTRACTS[key];
            const { tag } = ensureContractImage(key);
            const allowed = new Set(Object.values(c.executables));
            if (c.base === "alpine" && Object.keys(c.executables).length) allowed.add("/bin/busybox");
            // The image's own server where it is real here (PostgreSQL under Patroni, RabbitMQ's Erlang and the
            // coreutils its scripts call): on PATH, but not the program's to call.
            const extra = realServerExtras(key);
            const found = executablesIn(tag, extra.dirs).filter((p) => !extra.dirs.some((d) => p.startsWith(`${d}/`)));
            const unexpected = found.filter((p) => !allowed.has(p) && !extra.files.includes(p));
            expect(unexpected, `${key} (${tag})`).to.deep.equal([]);
            // And every contract executable this machine can provide is there.
            for (const p of allowed) if (p !== "/sbin/su-exec") expect(found, `${key}: ${p}`).to.include(p);
        });
    }

    it("the etcd stand-in has no shell and no wget; the APISIX one no curl or wget", () => {
        const etcd = executablesIn(ensureContractImage("etcd").tag, []);
        expect(etcd).to.deep.equal(["/usr/local/bin/etcd", "/usr/local/bin/etcdctl"]);
        const apisix = executablesIn(ensureContractImage("apisix").tag, []);
        expect(apisix.filter((p) => /\/(curl|wget)$/.test(p))).to.deep.equal([]);
    });
});
