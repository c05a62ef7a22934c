// The certificate flow under the mock engine: placement, mounts, Docker socket access, the scripts shipped,
// and the order (after SWAG, step 20 before what uses the certificate, verification after the distributor).
import { expect } from "chai";
import * as path from "path";
import { composedScript, scriptHash } from "../../components/certs";
import { validateSettings } from "../../components/config";
import { Evaluation, FIXTURES, SERVICE, comesAfter, evaluateStack, input, named, ofType } from "../harness";
import { readStackConfig } from "../../tools/offline/stack-config";
import { parseRawValue } from "../../components/config";

const program = path.join(FIXTURES, "certs-program.ts");
type Mount = { type: string; source: string; target: string; readOnly: boolean };
const mounts = (ev: Evaluation, name: string): Mount[] => input(named(ev, name), "taskSpec.containerSpec.mounts");
const env = (ev: Evaluation, name: string): Record<string, string> => input(named(ev, name), "taskSpec.containerSpec.env");

describe("certificate flow (mocks)", () => {
    let ev: Evaluation;
    before(async () => {
        ev = await evaluateStack("prod", { program });
    });

    it("runs cert-reloader once, pinned to SWAG's node, with SWAG's config volume read-only and SWAG_CERT_DIR", () => {
        const r = named(ev, "iklimco-certs-reloader");
        const swag = named(ev, "fixture-swag");
        expect(input(r, "name")).to.equal("iklimco_cert-reloader");
        expect(input(r, "mode")).to.deep.equal({ replicated: { replicas: 1 } });
        expect(input(r, "taskSpec.placement.constraints")).to.deep.equal(["node.hostname == iklimco-edge-1"]);
        expect(input(swag, "taskSpec.placement.constraints")).to.include("node.hostname == iklimco-edge-1");
        expect(mounts(ev, "iklimco-certs-reloader")).to.deep.equal([
            { type: "volume", source: "iklimco_swag-config", target: "/config", readOnly: true },
            { type: "bind", source: "/mnt/storagebox/ssl", target: "/storagebox/ssl", readOnly: false },
        ]);
        expect(env(ev, "iklimco-certs-reloader")).to.include({
            SOURCE_DIR: "/config/etc/letsencrypt/live/iklim.co",
            SWAG_CERT_FILE_NAME: "fullchain.pem",
            SWAG_KEY_FILE_NAME: "privkey.pem",
            TARGET_DIR: "/storagebox/ssl",
            CERT_FILE_NAME: "STAR.iklim.co.full.crt",
            KEY_FILE_NAME: "STAR.iklim.co_key.pem",
        });
        expect(input(r, "taskSpec.containerSpec.image")).to.equal("harbor.iklim.co/iklimco/cert-tools:1.0.0");
    });

    it("runs cert-distributor as a global service on the vault nodes that are managers, with the node's ssl dir", () => {
        const d = named(ev, "iklimco-certs-distributor");
        expect(input(d, "name")).to.equal("iklimco_cert-distributor");
        expect(input(d, "mode")).to.deep.equal({ global: true });
        expect(input(d, "taskSpec.placement.constraints")).to.deep.equal(["node.labels.vault == true", "node.role == manager"]);
        expect(mounts(ev, "iklimco-certs-distributor")).to.deep.include({ type: "bind", source: "/opt/iklimco/ssl", target: "/node/ssl", readOnly: false });
        expect(mounts(ev, "iklimco-certs-distributor")).to.deep.include({ type: "bind", source: "/mnt/storagebox/ssl", target: "/storagebox/ssl", readOnly: false });
        const e = env(ev, "iklimco-certs-distributor");
        expect(e.NODE_NAME).to.equal("{{.Node.Hostname}}");
        // Every member in config order, with the service names the Vault component gave (here the stand-ins).
        expect(e.VAULT_MEMBERS).to.equal("iklimco-1=iklimco_vault-1=vault-1:8200 iklimco-2=iklimco_vault-2=vault-2:8200 iklimco-3=iklimco_vault-3=vault-3:8200");
        expect(e).to.include({ TLS_SERVER_NAME: "vault.iklim.co", KEY_OWNER: "100:1000", LOCK_DIR: "/storagebox/ssl/.distributor/restart.lock" });
        // Every vault node runs a member and a distributor: one member per node, each pinned to it.
        for (const [i, node] of ["iklimco-1", "iklimco-2", "iklimco-3"].entries()) {
            expect(input(named(ev, `fixture-vault-${i + 1}`), "taskSpec.placement.constraints")).to.include(`node.hostname == ${node}`);
        }
    });

    it("gives the Docker socket to the distributor only, read-only, and nothing else publishes ports or mounts it", () => {
        const socketUsers = ofType(ev, SERVICE).filter((s) => (input(s, "taskSpec.containerSpec.mounts") ?? []).some((m: Mount) => m.source === "/var/run/docker.sock"));
        expect(socketUsers.map((s) => s.name)).to.deep.equal(["iklimco-certs-distributor"]);
        expect(mounts(ev, "iklimco-certs-distributor")).to.deep.include({ type: "bind", source: "/var/run/docker.sock", target: "/var/run/docker.sock", readOnly: true });
        expect(input(named(ev, "iklimco-certs-distributor"), "endpointSpec")).to.equal(undefined);
        expect(input(named(ev, "iklimco-certs-reloader"), "endpointSpec")).to.equal(undefined);
        // The only docker commands the distributor's script runs act on the member named in VAULT_MEMBERS. The
        // shared library it carries can log in to a registry, in a function the distributor never calls.
        const shipped = composedScript("distributor");
        const split = shipped.indexOf("# ---- components/certs/scripts/common.sh");
        const dockerCalls = (text: string) => text.split("\n").filter((l) => /(^|[\s|;(])docker\s/.test(l) && !l.trim().startsWith("#") && !l.includes("say "));
        const calls = dockerCalls(shipped.slice(split));
        expect(calls.length).to.be.greaterThan(0);
        for (const c of calls) expect(c).to.match(/docker service (inspect|update --detach --force --quiet) .*"\$_svc"/);
        expect(dockerCalls(shipped.slice(0, split))).to.have.length(1).and.satisfy((l: string[]) => /docker login/.test(l[0]));
        expect(shipped.slice(split)).to.not.include("registry_login");
    });

    it("ships the script files as they are, with their hash as a label so a change updates the service", () => {
        for (const [name, script] of [["iklimco-certs-reloader", "reloader"], ["iklimco-certs-distributor", "distributor"]] as const) {
            const s = named(ev, name);
            const text = composedScript(script);
            expect(input(s, "taskSpec.containerSpec.commands")).to.deep.equal(["/bin/sh", "-c", text, `cert-${script}`]);
            expect(input(s, "labels")).to.deep.include({ label: "com.iklimco.script-sha256", value: scriptHash(text) });
        }
    });

    it("orders the reloader after SWAG, step 20 after the reloader, and what uses the certificate after step 20", () => {
        const reloader = named(ev, "iklimco-certs-reloader");
        const step20 = named(ev, "iklimco-certs-step20");
        expect(comesAfter(ev, reloader, named(ev, "fixture-swag"))).to.equal(true);
        expect(comesAfter(ev, reloader, named(ev, "fixture-swag-config"))).to.equal(true);
        expect(comesAfter(ev, step20, reloader)).to.equal(true);
        expect(step20.steps).to.deep.equal([20]);
        expect(comesAfter(ev, named(ev, "fixture-uses-certificate"), step20)).to.equal(true);
        expect(comesAfter(ev, named(ev, "iklimco-certs-distributor"), step20)).to.equal(true);
        // Nothing of the certificate flow holds SWAG or Vault back.
        expect(comesAfter(ev, named(ev, "fixture-swag"), reloader)).to.equal(false);
        expect(comesAfter(ev, named(ev, "fixture-vault-1"), named(ev, "iklimco-certs-distributor"))).to.equal(false);
        // Each explicit edge carries its reason.
        const reasons = ev.reasons.filter((r) => r.dependent.startsWith("iklimco-certs-")).map((r) => r.dependent).sort();
        expect(reasons).to.deep.equal(["iklimco-certs-distributor", "iklimco-certs-reloader", "iklimco-certs-step20", "iklimco-certs-verify"]);
    });

    it("verifies after the distributor and the Vault members, before what talks to Vault by its public name", () => {
        const verify = named(ev, "iklimco-certs-verify");
        expect(verify.steps).to.deep.equal([24]);
        expect(comesAfter(ev, verify, named(ev, "iklimco-certs-distributor"))).to.equal(true);
        for (const i of [1, 2, 3]) expect(comesAfter(ev, verify, named(ev, `fixture-vault-${i}`))).to.equal(true);
        expect(comesAfter(ev, named(ev, "fixture-talks-to-vault"), verify)).to.equal(true);
        expect(comesAfter(ev, named(ev, "fixture-uses-certificate"), verify)).to.equal(false);
    });

    it("runs step 20 and the verification on the manager with their check scripts and their bounds", () => {
        const step20 = named(ev, "iklimco-certs-step20");
        expect(step20.type).to.equal("command:remote:Command");
        const stdin: string = input(step20, "stdin");
        expect(stdin).to.include("export TIMEOUT='600'").and.include("export SWAG_CERT_DIR='/mnt/storagebox/ssl'");
        expect(stdin).to.include('wait_until "$TIMEOUT" "$POLL" "a valid certificate for');
        expect(input(step20, "triggers")).to.include(scriptHash(composedScript("wait-cert")));
        const verify = named(ev, "iklimco-certs-verify");
        expect(input(verify, "stdin")).to.include("export WAIT='900'").and.include("export NETWORK='iklimco-net'");
        expect(ev.outputs.verifyCommand).to.equal(
            "DOCKER_HOST='ssh://deploy@203.0.113.11:22' CERT_FILE_NAME='STAR.iklim.co.full.crt' CERT_TOOLS_IMAGE='harbor.iklim.co/iklimco/cert-tools:1.0.0' DISTRIBUTOR_SERVICE='iklimco_cert-distributor' " +
                "NETWORK='iklimco-net' RELOADER_SERVICE='iklimco_cert-reloader' SWAG_CERT_DIR='/mnt/storagebox/ssl' TLS_SERVER_NAME='vault.iklim.co' " +
                "VAULT_MEMBERS='iklimco-1=iklimco_vault-1=vault-1:8200 iklimco-2=iklimco_vault-2=vault-2:8200 iklimco-3=iklimco_vault-3=vault-3:8200' bash components/certs/scripts/verify.sh",
        );
    });

    it("produces identical inputs on a second evaluation (no perpetual diff)", async () => {
        const again = await evaluateStack("prod", { program, fresh: true });
        const certsOnly = (e: Evaluation) => e.resources.filter((r) => r.name.startsWith("iklimco-certs")).map((r) => [r.name, r.plainInputs]);
        expect(JSON.stringify(certsOnly(again))).to.equal(JSON.stringify(certsOnly(ev)));
    });

    it("refuses a config with a vault node that is not a manager, saying why", () => {
        const raw = readStackConfig("prod");
        const values: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(raw.config)) if (k.startsWith("iklimco:")) values[k.slice(8)] = parseRawValue(v);
        const nodes = (values.nodes as { name: string; role: string }[]).map((n) => (n.name === "iklimco-3" ? { ...n, role: "worker" } : n));
        const { problems } = validateSettings({ ...values, nodes }, new Set(raw.secretKeys.map((k) => k.slice(8))));
        expect(problems.map((p) => p.key)).to.deep.equal(["iklimco:nodes[2].role"]);
        expect(problems[0].expected).to.include("cert-distributor");
    });
});
