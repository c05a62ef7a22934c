// The Gitea workflows: valid against the GitHub Actions workflow schema (SchemaStore's, through the npm
// package @action-validator/core; Gitea Actions reads the same format), every production workflow in the
// prod-deploy concurrency group, secrets only from the runner's store, and exactly the commands listed here.
import { validateWorkflow } from "@action-validator/core";
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { CREDENTIAL_NAME } from "../../policies/lib/resources";

/* eslint-disable @typescript-eslint/no-explicit-any */
const ROOT = path.resolve(__dirname, "..", "..");
const DIR = path.join(ROOT, ".gitea", "workflows");
const FILES = fs.readdirSync(DIR).filter((f) => f.endsWith(".yml")).sort();
const load = (f: string) => YAML.parse(fs.readFileSync(path.join(DIR, f), "utf8"));

/** Each step's `run` script as command lines, in order over the jobs. */
function runLines(doc: any): string[] {
    const out: string[] = [];
    for (const job of Object.values<any>(doc.jobs)) for (const step of job.steps ?? []) if (step.run) out.push(...String(step.run).split("\n").map((l) => l.trim()).filter(Boolean));
    return out;
}

/**
 * The commands each workflow runs, in order over its jobs. Changing a workflow's commands means changing this
 * list in the same commit: the review sees both.
 */
const WORKFLOW_COMMANDS: Record<string, string[]> = {
    "preview.yml": [
        "npm ci",
        "npm run build",
        "npm run plan -- --stack prod",
        "npm ci",
        "npm run build",
        "source .gitea/scripts/ssh-agent.sh",
        'pulumi login "$PULUMI_BACKEND_URL"',
        "npm run --silent policy-config -- --stack prod > policy-config.json",
        "pulumi preview --stack prod --policy-pack policies --policy-pack-config policy-config.json --diff --non-interactive 2>&1 | tee preview.txt",
        'npm run --silent post-comment -- --title "pulumi preview (prod)" --file preview.txt',
    ],
    "deploy.yml": [
        "npm ci",
        "npm run build",
        "npm run plan -- --stack prod",
        "source .gitea/scripts/ssh-agent.sh",
        'pulumi login "$PULUMI_BACKEND_URL"',
        "npm run --silent policy-config -- --stack prod > policy-config.json",
        "pulumi up --stack prod --policy-pack policies --policy-pack-config policy-config.json --yes --non-interactive",
        "pulumi stack output --stack prod --json > outputs.json",
        "npm run verify -- --stack prod --outputs outputs.json",
        "tools/adoption/retire-legacy-secrets.sh --apply --outputs outputs.json",
    ],
    // In platform/, then platform/microservice/.
    "microservice-deploy.yml": [
        "npm ci",
        "source ../.gitea/scripts/ssh-agent.sh",
        'pulumi login "$PULUMI_BACKEND_URL"',
        'pulumi stack select --create "$SERVICE-prod"',
        'pulumi config set microservice:envFile "$ENV_FILE"',
        'pulumi config set microservice:digest "$DIGEST"',
        'pulumi config set microservice:platformStack "$PLATFORM_STACK"',
        "printf '%s' \"$HARBOR_PASSWORD\" | pulumi config set --secret microservice:harborPassword",
        'pulumi up --stack "$SERVICE-prod" --policy-pack ../policies --yes --non-interactive',
        'pulumi stack output --stack "$PLATFORM_STACK" --json > platform-outputs.json',
        "../tools/adoption/retire-legacy-secrets.sh --apply --outputs platform-outputs.json",
    ],
};

describe("Gitea workflows", () => {
    it("there are the three workflows: preview, deploy, reusable microservice deploy", () => {
        expect(FILES).to.deep.equal(["deploy.yml", "microservice-deploy.yml", "preview.yml"]);
    });

    for (const f of FILES) {
        it(`${f} is valid YAML that follows the Actions workflow schema`, () => {
            const src = fs.readFileSync(path.join(DIR, f), "utf8");
            expect(() => YAML.parse(src)).to.not.throw();
            const state = validateWorkflow(src);
            expect(state.errors, JSON.stringify(state.errors, null, 1)).to.deep.equal([]);
        });
        it(`${f} calls exactly the commands WORKFLOW_COMMANDS lists, in order`, () => {
            expect(WORKFLOW_COMMANDS, `no command list for ${f}`).to.have.property(f);
            expect(runLines(load(f))).to.deep.equal(WORKFLOW_COMMANDS[f]);
        });
        it(`${f} takes secrets only from the runner's store`, () => {
            const src = fs.readFileSync(path.join(DIR, f), "utf8");
            const doc = load(f);
            const envs: Record<string, unknown>[] = [doc.env ?? {}, ...Object.values<any>(doc.jobs).flatMap((j) => [j.env ?? {}, ...(j.steps ?? []).map((s: any) => s.env ?? {})])];
            for (const env of envs) {
                for (const [k, v] of Object.entries(env)) {
                    if (CREDENTIAL_NAME.test(k)) expect(String(v), k).to.match(/^\$\{\{ secrets\.[A-Z_]+ \}\}$/);
                }
            }
            expect(src).to.not.match(/BEGIN [A-Z ]*PRIVATE KEY|password:[ \t]*[^$\s]/i);
        });
    }

    it("the schema check can fail: a job without runs-on and a misspelt concurrency key are refused", () => {
        expect(validateWorkflow("name: x\non: push\njobs:\n  a:\n    steps: [{run: ls}]\n").errors).to.not.deep.equal([]);
        expect(validateWorkflow("name: x\non: push\nconcurrency: {grop: prod-deploy}\njobs:\n  a:\n    runs-on: x\n    steps: [{run: ls}]\n").errors).to.not.deep.equal([]);
    });

    it("every production workflow is in concurrency group prod-deploy and is never cancelled; previews are not", () => {
        for (const f of ["deploy.yml", "microservice-deploy.yml"]) {
            const doc = load(f);
            expect(doc.concurrency, f).to.deep.equal({ group: "prod-deploy", "cancel-in-progress": false });
        }
        const preview = load("preview.yml");
        expect(preview.concurrency.group).to.not.equal("prod-deploy");
        for (const l of FILES.flatMap((f) => runLines(load(f)))) if (/^pulumi (up|preview)\b/.test(l)) expect(l).to.include("--policy-pack");
    });

    it("pull requests: the offline plan for every PR, the real preview with policies only for this repository's branches, posted on the PR", () => {
        const doc = load("preview.yml");
        expect(Object.keys(doc.on)).to.deep.equal(["pull_request"]);
        expect(doc.jobs["offline-plan"].if).to.equal(undefined);
        expect(runLines({ jobs: { j: doc.jobs["offline-plan"] } })).to.include("npm run plan -- --stack prod");
        expect(JSON.stringify(doc.jobs["offline-plan"])).to.not.include("secrets.");
        expect(doc.jobs.preview.if).to.equal("github.event.pull_request.head.repo.full_name == github.repository");
        const lines = runLines({ jobs: { j: doc.jobs.preview } });
        const preview = lines.findIndex((l) => l.startsWith("pulumi preview --stack prod --policy-pack policies"));
        const post = lines.findIndex((l) => l.startsWith("npm run --silent post-comment"));
        expect(preview).to.be.greaterThan(-1);
        expect(post).to.be.greaterThan(preview);
        expect(doc.jobs.preview.steps.find((s: any) => s.run?.includes("post-comment")).if).to.equal("always()");
    });

    it("deploy: on main, the offline plan gate, pulumi up with policies, then the post-deploy verification", () => {
        const doc = load("deploy.yml");
        expect(doc.on.push.branches).to.deep.equal(["main"]);
        const lines = runLines(doc);
        const gate = lines.indexOf("npm run plan -- --stack prod");
        const up = lines.findIndex((l) => l.startsWith("pulumi up --stack prod --policy-pack policies"));
        const verify = lines.findIndex((l) => l.startsWith("npm run verify -- --stack prod"));
        expect(gate).to.be.greaterThan(-1);
        expect(up).to.be.greaterThan(gate);
        expect(verify).to.be.greaterThan(up);
    });

    it("the reusable microservice workflow takes the service and the tested digest, and deploys with the policy pack", () => {
        const doc = load("microservice-deploy.yml");
        expect(Object.keys(doc.on)).to.deep.equal(["workflow_call"]);
        expect(doc.on.workflow_call.inputs.service.required).to.equal(true);
        expect(doc.on.workflow_call.inputs.digest.required).to.equal(true);
        expect(runLines(doc)).to.include('pulumi up --stack "$SERVICE-prod" --policy-pack ../policies --yes --non-interactive');
    });

    it("what the workflows call exists: npm scripts in package.json, the agent script parses, the programs are there", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        const all = FILES.flatMap((f) => runLines(load(f)));
        for (const l of all) {
            const m = /^npm run (?:--silent )?([\w-]+)/.exec(l);
            if (m) expect(pkg.scripts, m[1]).to.have.property(m[1]);
        }
        expect(spawnSync("bash", ["-n", path.join(ROOT, ".gitea", "scripts", "ssh-agent.sh")]).status).to.equal(0);
        for (const f of ["policies/index.ts", "policies/PulumiPolicy.yaml", "policies/package.json", "microservice/Pulumi.yaml", "microservice/index.ts"]) expect(fs.existsSync(path.join(ROOT, f)), f).to.equal(true);
        expect(JSON.parse(fs.readFileSync(path.join(ROOT, "policies/package.json"), "utf8")).version).to.match(/^\d+\.\d+\.\d+$/);
    });
});
