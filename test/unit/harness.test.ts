// The test harness caches whole-program evaluations per process: the same input is evaluated once, any
// difference in the input is a different evaluation, and `fresh` evaluates again for determinism checks.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { stackFilesOf } from "../../tools/offline/compose";
import { REPO_ROOT, evaluateProgram } from "../../tools/offline/engine";
import { evaluateStack, evaluationKey } from "../harness";

describe("test harness: evaluations cached per process", function () {
    this.timeout(120000);

    it("keys on stack, overrides, secrets and program, whatever the order the keys are written in", () => {
        const a = evaluationKey("prod", { overrides: { x: 1, y: { b: 2, a: 1 } }, secrets: { s: "1" } });
        expect(evaluationKey("prod", { secrets: { s: "1" }, overrides: { y: { a: 1, b: 2 }, x: 1 } })).to.equal(a);
        expect(evaluationKey("local", { overrides: { x: 1, y: { b: 2, a: 1 } }, secrets: { s: "1" } })).to.not.equal(a);
        expect(evaluationKey("prod", { overrides: { x: 2, y: { b: 2, a: 1 } }, secrets: { s: "1" } })).to.not.equal(a);
        expect(evaluationKey("prod", { overrides: { x: 1, y: { b: 2, a: 1 } }, secrets: { s: "2" } })).to.not.equal(a);
        expect(evaluationKey("prod", { overrides: { x: 1, y: { b: 2, a: 1 } }, secrets: { s: "1" }, program: "p.ts" })).to.not.equal(a);
        // An override of undefined removes a key: not the same input as leaving the key alone.
        expect(evaluationKey("prod", { overrides: { x: undefined } })).to.not.equal(evaluationKey("prod", {}));
    });

    it("evaluates the same input once, and again only when asked for a fresh evaluation", async () => {
        const first = await evaluateStack("prod");
        expect(await evaluateStack("prod")).to.equal(first);
        const fresh = await evaluateStack("prod", { fresh: true });
        expect(fresh).to.not.equal(first);
        expect(fresh.resources.map((r) => r.urn)).to.deep.equal(first.resources.map((r) => r.urn));
    });

    it("a cached evaluation keeps its own modules after later evaluations (its stack files, not the latest's)", async () => {
        const prod = await evaluateStack("prod");
        const doc = YAML.parse(fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.prod.yaml"), "utf8"));
        const nodes = [...doc.config["iklimco:nodes"], { name: "iklimco-9", role: "worker", publicIp: "203.0.113.19", labels: ["db"] }];
        const bigger = await evaluateStack("prod", { overrides: { "iklimco:nodes": nodes } });
        const services = async (ev: typeof prod) => Object.keys((await stackFilesOf(ev)).get("docker-stack-infra_db-prod.yml")!.services);
        expect(await services(bigger)).to.include("patroni-4");
        expect(await services(prod)).to.not.include("patroni-4");
    });

    it("the engine reuses a file's transpiled code only while its source is unchanged", async () => {
        const dir = path.join(REPO_ROOT, ".cache", "transpile-test");
        const program = path.join(dir, "program.ts");
        fs.mkdirSync(dir, { recursive: true });
        try {
            const outputOf = async (value: number) => {
                fs.writeFileSync(program, `export const value: number = ${value};\n`);
                return (await evaluateProgram({ stack: "prod", config: {}, secretKeys: [], program })).outputs.value;
            };
            expect(await outputOf(1)).to.equal(1);
            expect(await outputOf(1)).to.equal(1);
            expect(await outputOf(2)).to.equal(2);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("every test file is in test/unit, test/integration/docker or test/integration/host (a file elsewhere would never run)", () => {
        const root = path.join(__dirname, "..");
        const stray = fs.readdirSync(root, { recursive: true, encoding: "utf8" })
            .filter((f) => f.endsWith(".test.ts"))
            .filter((f) => !/^(unit|integration\/docker|integration\/host)\//.test(f));
        expect(stray).to.deep.equal([]);
    });

    it("a host integration test uses no Docker: it runs beside the docker streams, which own the one-node swarm", () => {
        const root = path.join(__dirname, "..");
        // The support modules that drive the Docker engine, and what a test file calls to reach it directly.
        const dockerSupport = fs.readdirSync(path.join(root, "support")).filter((f) => /\.ts$/.test(f) && /["'`]docker["'`]|dockerOk\(|docker\(/.test(fs.readFileSync(path.join(root, "support", f), "utf8")));
        expect(dockerSupport).to.include("docker.ts");
        const usesDocker = (text: string) => /["'`]docker["'`]|dockerOk\(|docker\(|root-image|busybox-image/.test(text) || dockerSupport.some((f) => text.includes(`support/${f.replace(/\.ts$/, "")}"`));
        const host = path.join(root, "integration", "host");
        const offenders = fs.readdirSync(host).filter((f) => usesDocker(fs.readFileSync(path.join(host, f), "utf8")));
        expect(offenders).to.deep.equal([]);
        expect(usesDocker('import { docker } from "../../support/docker";')).to.equal(true);
    });

    it("the integration runner's two docker streams run every docker test file, each once: docker-a's list names existing files, docker-b ignores exactly those", () => {
        const script = fs.readFileSync(path.join(REPO_ROOT, "tools", "test-integration.sh"), "utf8");
        const list = /^DOCKER_A=\(([^)]*)\)/m.exec(script);
        expect(list, "DOCKER_A=( ... ) in tools/test-integration.sh").to.not.equal(null);
        const a = list![1].split(/\s+/).filter(Boolean);
        expect(a.length).to.be.greaterThan(0);
        expect(new Set(a).size, "no file listed twice").to.equal(a.length);
        const docker = fs.readdirSync(path.join(REPO_ROOT, "test", "integration", "docker")).filter((f) => f.endsWith(".test.ts")).map((f) => f.replace(/\.test\.ts$/, ""));
        expect(a.filter((f) => !docker.includes(f)), "listed but not a file of test/integration/docker").to.deep.equal([]);
        expect(docker.filter((f) => !a.includes(f)), "docker-b has files of its own").to.not.deep.equal([]);
        // docker-a gets the listed files; docker-b the folder's glob with an --ignore for each of them.
        expect(script).to.match(/a_files\+=\("\$\{DOCKER\}\/\$\{f\}\.test\.ts"\)/);
        expect(script).to.match(/b_ignores\+=\(--ignore "\$\{DOCKER\}\/\$\{f\}\.test\.ts"\)/);
        expect(script).to.match(/run_stream docker-b "\$@" "\$\{b_ignores\[@\]\}" "\$\{DOCKER\}\/\*\*\/\*\.test\.ts"/);
    });

    it("no test or tool reads the README: figures and commands a test checks live in code", () => {
        const root = path.join(__dirname, "..", "..");
        const readers = ["test", "tools"]
            .flatMap((d) => fs.readdirSync(path.join(root, d), { recursive: true, encoding: "utf8" }).map((f) => path.join(d, f)))
            .filter((f) => f.endsWith(".ts") && f !== path.join("test", "unit", "harness.test.ts"))
            .filter((f) => /["'`/]README\.md["'`]/.test(fs.readFileSync(path.join(root, f), "utf8")));
        expect(readers).to.deep.equal([]);
    });
});
