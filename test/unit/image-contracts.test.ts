// Every executable the evaluated program runs inside an image (health checks, entrypoints and the scripts
// they run, one-shot jobs started by the manager scripts) is one that image's contract lists
// (components/images.ts), so nothing depends on a tool the upstream image does not ship.
import { expect } from "chai";
import { IMAGE_CONTRACTS, ImageKey, contractAllows } from "../../components/images";
import { bashHttpCheck, httpCheck } from "../../components/infra-db/common";
import { etcdHealthCheck } from "../../components/infra-db/etcd";
import { SERVICE, evaluateStack, ofType } from "../harness";
import { Invocation, invocationsOf, violations } from "../support/image-invocations";
import { scriptCommands } from "../support/shell-commands";
import { readStackConfig } from "../../tools/offline/stack-config";

describe("image contracts: the program runs only what each image ships", function () {
    this.timeout(120_000);

    it("every image in images.* has a contract with its evidence", () => {
        const images = readStackConfig("prod").config["iklimco:images"];
        const keys = Object.keys(typeof images === "string" ? JSON.parse(images) : images).sort();
        expect(Object.keys(IMAGE_CONTRACTS).sort()).to.deep.equal(keys);
        for (const c of Object.values(IMAGE_CONTRACTS)) expect(c.evidence.length, c.key).to.be.greaterThan(40);
        // Distroless etcd: no shell in its contract, so nothing can ask for one.
        expect(contractAllows("etcd", "sh") || contractAllows("etcd", "/bin/sh") || contractAllows("etcd", "wget")).to.equal(false);
        expect(contractAllows("apisix", "curl") || contractAllows("apisix", "wget")).to.equal(false);
    });

    for (const stack of ["prod", "local"]) {
        it(`${stack}: every health check, entrypoint, script and one-shot job names only executables of its image's contract`, async () => {
            const ev = await evaluateStack(stack);
            const cfg = readStackConfig(stack).config["iklimco:images"];
            const images = (typeof cfg === "string" ? JSON.parse(cfg) : cfg) as Record<ImageKey, string>;
            const invocations = invocationsOf(ev, images);
            // Every service's health check and entrypoint is there, and the one-shot jobs of every kind.
            expect(invocations.filter((i) => i.where.endsWith("health check")).length).to.equal(ofType(ev, SERVICE).length);
            const jobImages = new Set(invocations.filter((i) => !ofType(ev, SERVICE).some((s) => i.where.startsWith(`${s.name} `))).map((i) => i.image));
            for (const k of ["certTools", "vault", "mongodb", "rabbitmq", "dbInit"] as ImageKey[]) expect([...jobImages], k).to.include(k);
            expect(violations(invocations)).to.deep.equal([]);
        });
    }

    it("fails for a check that needs more than the contract: wget in distroless etcd, curl in APISIX, a shell form in etcd", () => {
        const bad: Invocation[] = [
            { where: "etcd wget", image: "etcd", argv: httpCheck("http://127.0.0.1:2379/health").slice(1) },
            { where: "apisix curl", image: "apisix", argv: ["curl", "-fsS", "http://127.0.0.1:7085/status/ready"] },
            { where: "etcd shell", image: "etcd", argv: ["/bin/sh", "-c", "/usr/local/bin/etcdctl endpoint health"] },
            { where: "vault script", image: "vault", argv: ["/bin/sh", "-c", "set -e\nx=$(curl -s https://127.0.0.1:8200)\njq . <<<\"$x\""] },
        ];
        const v = violations(bad).join("\n");
        expect(v).to.include('etcd wget: runs "wget"');
        expect(v).to.include('apisix curl: runs "curl"');
        expect(v).to.include('etcd shell: runs "/bin/sh"');
        expect(v).to.include('vault script: runs "curl"');
        expect(v).to.include('vault script: runs "jq"');
        // The checks the program declares instead pass.
        expect(violations([{ where: "etcd", image: "etcd", argv: etcdHealthCheck().slice(1) }, { where: "apisix", image: "apisix", argv: bashHttpCheck(7085, "/status/ready").slice(1) }])).to.deep.equal([]);
    });
});

describe("shell command reader (what the contract test sees in a script)", () => {
    it("finds commands in pipelines, substitutions, conditions, case bodies and behind exec/timeout/su-exec", () => {
        const script = [
            "#!/bin/sh",
            "set -eu # comment with curl",
            'DOCKER="${DOCKER:-docker}"',
            'log() { echo "x: $*" >&2; }',
            'args=(run --rm -e "A=B")',
            'x=$(grep -c y "$f" | head -n 1) || true',
            'if ! status=$(timeout 5 wget -q -O - "$u" 2>"$w/err"); then log "no"; fi',
            'case "$x" in',
            '  *\'"sealed":false\'*) sleep 1 ;;',
            "  a|b) openssl x509 -in f ;;",
            "esac",
            '"$DOCKER" service ls >/dev/null 2>&1',
            "exec su-exec vault vault server",
            "cat <<'EOF'\nnotacommand here\nEOF",
            'echo "$(date +%s) $(( 1 + $(cat n) ))" | tr -d " " > /tmp/h',
            'while IFS= read -r l; do printf "%s" "$l"; done < f',
            '[[ "$l" =~ ^([0-9]+)/([0-9]+) ]] && echo ok',
        ].join("\n");
        expect(scriptCommands(script)).to.deep.equal(["cat", "date", "docker", "grep", "head", "openssl", "sleep", "su-exec", "timeout", "tr", "vault", "wget"]);
    });

    it("counts a function's commands only when the script refers to it: a call, a name handed to wait_until, at_exit or trap, an assignment", () => {
        const lib = [
            "unused() { docker login x; }",
            'helper() { rm -rf "$d"; curl -s "$(jq -r . f)"; }',
            'clock() { date +%s; }',
            'wait_until() { "$@"; sleep 1; }',
            'with_opts() { "$@"; }',
            "ready() { { grep -q x f; } || return 1; }",
        ].join("\n");
        expect(scriptCommands(`${lib}\necho hi`)).to.deep.equal([]);
        expect(scriptCommands(`${lib}\nhelper`)).to.deep.equal(["curl", "jq", "rm"]);
        expect(scriptCommands(`${lib}\nwait_until 5 1 "x" ready`)).to.deep.equal(["grep", "sleep"]);
        expect(scriptCommands(`${lib}\ntrap helper EXIT\nLOG_CLOCK=clock`)).to.deep.equal(["curl", "date", "jq", "rm"]);
        expect(scriptCommands(`${lib}\nwith_opts "$O" timeout 5 wget -q {} u`)).to.deep.equal(["timeout", "wget"]);
    });
});
