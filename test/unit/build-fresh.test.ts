import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { assertBuilt, staleBuild } from "../../tools/offline/built";
import { assetFiles } from "../../tools/copy-assets";

describe("the compiled program in bin/ is refused when older than its sources", () => {
    let root: string;
    const write = (rel: string, text: string, secondsAgo: number) => {
        const f = path.join(root, rel);
        fs.mkdirSync(path.dirname(f), { recursive: true });
        fs.writeFileSync(f, text);
        const t = new Date(Date.now() - secondsAgo * 1000);
        fs.utimesSync(f, t, t);
    };
    beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), "iklimco-built-"))));
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    it("accepts a bin/ built after every source and script", () => {
        write("index.ts", "export {};\n", 60);
        write("components/x/run.sh", "#!/bin/sh\n", 60);
        write("bin/index.js", "", 10);
        write("bin/components/x/run.sh", "#!/bin/sh\n", 10);
        expect(staleBuild(root)).to.deep.equal([]);
        expect(() => assertBuilt(root)).to.not.throw();
    });

    it("names an edited source, an edited script and a source never built, and says to run npm run build", () => {
        write("index.ts", "export {};\n", 5);
        write("components/x/run.sh", "#!/bin/sh\n", 5);
        write("tools/new.ts", "export {};\n", 60);
        write("bin/index.js", "", 10);
        write("bin/components/x/run.sh", "#!/bin/sh\n", 10);
        expect(staleBuild(root).sort()).to.deep.equal([path.join("components", "x", "run.sh"), "index.ts", path.join("tools", "new.ts")]);
        expect(() => assertBuilt(root)).to.throw(/bin\/ is out of date .*index\.ts.*run `npm run build`/);
    });

    it("the build copies every script the components read: every non-TypeScript file under components/", () => {
        const assets = assetFiles("components");
        expect(assets).to.include(path.join("components", "vault", "vault-init.sh"));
        expect(assets).to.include(path.join("components", "init", "scripts", "rs-planner.js"));
        expect(assets.filter((f) => f.endsWith(".ts"))).to.deep.equal([]);
    });
});
