// The one builder of stand-in images (tools/offline/root-image.ts) against the real Docker Engine: an image holds
// exactly the root it was described with (busybox applets, host copies with their libraries, texts, links,
// modes) and the image config asked for; its tag is a hash of that content, so asking again builds nothing,
// and any change of what goes in (a text, a host file's content) gives another tag.
import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RootImage, ensureRootImage, sharedLibraries } from "../../../tools/offline/root-image";
import { docker, dockerAvailable, dockerOk, ensureDaemon } from "../../support/docker";

const NAME = "troot/sample";

/** The paths in an image's filesystem, with a mark for links and the mode of everything else. */
function contents(tag: string): Map<string, string> {
    const id = docker(["create", tag, "true"]);
    try {
        const listing = execFileSync("sh", ["-c", `docker export "$1" | tar -tvf -`, "sh", id], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
        const out = new Map<string, string>();
        for (const line of listing.split("\n").filter(Boolean)) {
            const [perms, , , , , ...rest] = line.split(/\s+/);
            const name = rest.join(" ");
            const arrow = name.indexOf(" -> ");
            const p = `/${(arrow < 0 ? name : name.slice(0, arrow)).replace(/^\.?\//, "").replace(/\/$/, "")}`;
            out.set(p, arrow < 0 ? perms : `link ${name.slice(arrow + 4)}`);
        }
        return out;
    } finally {
        docker(["rm", id]);
    }
}

describe("stand-in image builder (tools/offline/root-image.ts, real Docker)", function () {
    this.timeout(300_000);
    let tmp: string;
    const built: string[] = [];
    const spec = (over: Partial<RootImage> = {}): RootImage => ({
        name: NAME,
        dirs: ["/tmp", "/var/empty"],
        busybox: ["sh", "cat"],
        files: {
            "/usr/bin/openssl": { from: "/usr/bin/openssl", libraries: true, mode: 0o755 },
            "/etc/motd": { text: "hello\n" },
            "/usr/sbin/crond": { link: "../../bin/busybox" },
            "/opt/tool": { from: path.join(tmp, "tool") },
        },
        modes: { "/tmp": 0o1777 },
        env: { PATH: "/usr/bin:/bin", GREETING: "hi" },
        entrypoint: ["/bin/sh", "-c"],
        cmd: ["cat /etc/motd"],
        ...over,
    });

    before(async function () {
        if (!dockerAvailable()) throw new Error("docker.io is not installed (tools/test-all.sh installs it)");
        await ensureDaemon();
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "troot-"));
        fs.writeFileSync(path.join(tmp, "tool"), "#!/bin/sh\necho tool one\n", { mode: 0o700 });
    });
    after(() => {
        for (const t of built) if (dockerOk(["image", "inspect", t])) docker(["image", "rm", t]);
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("holds exactly the root it describes, and the image config asked for", () => {
        const tag = ensureRootImage(spec());
        built.push(tag);
        expect(tag).to.match(/^troot\/sample:[0-9a-f]{12}$/);
        const files = contents(tag);
        const libraries = sharedLibraries(fs.realpathSync("/usr/bin/openssl"));
        expect(libraries.length).to.be.greaterThan(0);
        const expected = ["/bin/busybox", "/bin/sh", "/bin/cat", "/usr/bin/openssl", "/etc/motd", "/usr/sbin/crond", "/opt/tool", ...libraries];
        const regular = [...files.keys()].filter((p) => !files.get(p)!.startsWith("d"));
        // What docker puts in every container's filesystem, which docker export shows too.
        const ownedByDocker = new Set(["/.dockerenv", "/etc/hosts", "/etc/hostname", "/etc/resolv.conf", "/etc/mtab", "/dev/console"]);
        expect(regular.filter((p) => !ownedByDocker.has(p)).sort()).to.deep.equal([...new Set(expected)].sort());
        expect(files.get("/bin/sh")).to.equal("link busybox");
        expect(files.get("/usr/sbin/crond")).to.equal("link ../../bin/busybox");
        expect(files.get("/usr/bin/openssl")).to.equal("-rwxr-xr-x");
        expect(files.get("/opt/tool"), "a copy keeps its mode, readable by all").to.equal("-rwxr--r--");
        expect(files.get("/etc/motd")).to.equal("-rw-r--r--");
        expect(files.get("/tmp")).to.equal("drwxrwxrwt");
        expect(files.get("/var/empty")).to.match(/^d/);
        const config = JSON.parse(docker(["image", "inspect", "--format", "{{json .Config}}", tag]));
        expect(config.Env).to.deep.equal(["PATH=/usr/bin:/bin", "GREETING=hi"]);
        expect(config.Entrypoint).to.deep.equal(["/bin/sh", "-c"]);
        expect(config.Cmd).to.deep.equal(["cat /etc/motd"]);
        expect(docker(["run", "--rm", tag]), "the image runs its command with its own files").to.equal("hello");
    });

    it("is built once: asking again returns the same tag and leaves the image as it was", () => {
        const first = ensureRootImage(spec());
        const id = docker(["image", "inspect", "--format", "{{.Id}}", first]);
        const again = ensureRootImage(spec());
        expect(again).to.equal(first);
        expect(docker(["image", "inspect", "--format", "{{.Id}}", again])).to.equal(id);
    });

    it("gets another tag when anything that goes in changes: a text, a host file's content, the config", () => {
        const base = ensureRootImage(spec());
        const text = ensureRootImage(spec({ files: { ...spec().files, "/etc/motd": { text: "hello again\n" } } }));
        built.push(text);
        expect(text).to.not.equal(base);
        expect(docker(["run", "--rm", text])).to.equal("hello again");
        const stat = fs.statSync(path.join(tmp, "tool"));
        fs.writeFileSync(path.join(tmp, "tool"), "#!/bin/sh\necho tool two\n");
        fs.utimesSync(path.join(tmp, "tool"), stat.atime, stat.mtime); // same size and time: only the content differs
        const content = ensureRootImage(spec());
        built.push(content);
        expect(content).to.not.equal(base);
        expect(docker(["run", "--rm", "--entrypoint", "/opt/tool", content])).to.equal("tool two");
        const config = ensureRootImage(spec({ env: { PATH: "/usr/bin:/bin", GREETING: "hello" } }));
        built.push(config);
        expect(config).to.not.equal(content);
    });
});
