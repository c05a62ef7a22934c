// The naming module (components/naming.ts) is the one place derived names are worked out: docs/naming.md is
// generated from it, the evaluated program gives exactly its names, the operators' documents agree with it, and
// no other source file spells one of its names out.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import {
    BACKUP_APPROLE_NAME,
    PLATFORM_SECRETS,
    SERVICE_PASSWORD_KINDS,
    SWAG_LIVE_FILES,
    approleSecretNames,
    certificateFiles,
    memberName,
    memberVolume,
    secretTarget,
    servicePasswordSecret,
    swagConfigVolume,
    swarmServiceName,
    vaultHostname,
} from "../../components/naming";
import { renderNamingDocs } from "../../tools/offline/naming-docs";
import { readStackConfig, settingsOf } from "../../tools/offline/stack-config";
import { Evaluation, SECRET, SERVICE, evaluateStack, input, named, ofType } from "../harness";

const ROOT = path.join(__dirname, "..", "..");

describe("naming: one module derives every name", function () {
    this.timeout(60_000);
    let ev: Evaluation;
    before(async () => {
        ev = await evaluateStack("prod");
    });

    it("docs/naming.md is current: npm run docs:naming would write exactly the committed file", () => {
        const committed = fs.readFileSync(path.join(ROOT, "docs", "naming.md"), "utf8");
        expect(committed, "docs/naming.md is stale: run npm run docs:naming and commit it").to.equal(renderNamingDocs());
    });

    it("names the certificate files as the operators' documents do (seeds/001: STAR.iklim.co.full.crt, STAR.iklim.co_key.pem)", () => {
        expect(certificateFiles("iklim.co")).to.deep.equal({ cert: "STAR.iklim.co.full.crt", key: "STAR.iklim.co_key.pem" });
        expect(SWAG_LIVE_FILES).to.deep.equal({ cert: "fullchain.pem", key: "privkey.pem" });
        expect(vaultHostname({ domain: "iklim.co", vault: {} })).to.equal("vault.iklim.co");
        expect(vaultHostname({ domain: "iklim.co", vault: { hostname: "bao.iklim.co" } })).to.equal("bao.iklim.co");
    });

    it("every Swarm service of the prod stack is <stackName>_<its overlay alias>, and every volume is a member's or SWAG's", () => {
        const services = ofType(ev, SERVICE);
        expect(services.length).to.be.greaterThan(15);
        const volumes = new Set<string>();
        for (const s of services) {
            const aliases: string[] = input(s, "taskSpec.networksAdvanceds")[0].aliases;
            expect(input(s, "name"), s.name).to.equal(swarmServiceName("iklimco", aliases[0]));
            for (const m of input(s, "taskSpec.containerSpec.mounts") ?? []) if (m.type === "volume") volumes.add(m.source);
        }
        const members = services.map((s) => input(s, "taskSpec.networksAdvanceds")[0].aliases[0] as string).filter((a) => /-\d+$/.test(a));
        expect(members).to.include.members(["etcd-1", "patroni-3", "mongodb-2", "rabbitmq-1", "vault-1"]);
        const expected = new Set([...members.map((m) => memberVolume("iklimco", m)), swagConfigVolume("iklimco")]);
        for (const v of volumes) expect(expected.has(v), `${v} is neither a member's volume nor SWAG's`).to.equal(true);
        expect(volumes.has(memberVolume("iklimco", memberName("vault", 1)))).to.equal(true);
        expect(volumes.has(swagConfigVolume("iklimco"))).to.equal(true);
    });

    it("every Swarm secret is <logical name>_<suffix> of a logical name the module gives, mounted at its target", () => {
        const microservices = settingsOf(readStackConfig("prod")).microservices.map((m) => m.name);
        const logical = new Set<string>([
            ...Object.values(PLATFORM_SECRETS),
            ...[...microservices, BACKUP_APPROLE_NAME].flatMap((s) => Object.values(approleSecretNames(s))),
            ...microservices.flatMap((s) => SERVICE_PASSWORD_KINDS.map((k) => servicePasswordSecret(s, k))),
        ]);
        const secrets = ofType(ev, SECRET);
        expect(secrets.length).to.be.greaterThan(10);
        for (const s of secrets) {
            const label = (input(s, "labels") as { label: string; value: string }[]).find((l) => l.label === "com.iklimco.secret")!.value;
            expect(logical.has(label), `${label} is not a name components/naming.ts gives`).to.equal(true);
            expect(input(s, "name")).to.match(new RegExp(`^${label}_[0-9a-f]{8}$`));
        }
        for (const s of ofType(ev, SERVICE)) {
            for (const m of input(s, "taskSpec.containerSpec.secrets") ?? []) {
                const name = (m.secretName as string).replace(/_[0-9a-f]{8}$/, "");
                // RabbitMQ reads its Erlang cookie only from its home directory: the one secret mounted elsewhere.
                const target = name === PLATFORM_SECRETS.rabbitmqErlangCookie ? "/var/lib/rabbitmq/.erlang.cookie" : secretTarget(name);
                expect(m.fileName, `${s.name} mounts ${name}`).to.equal(target);
            }
        }
    });

    it("the certificate flow's scripts get the certificate's file names from the module", () => {
        const env = (name: string): Record<string, string> => input(named(ev, name), "taskSpec.containerSpec.env");
        for (const svc of ["iklimco-certs-reloader", "iklimco-certs-distributor"]) {
            expect(env(svc), svc).to.include({ CERT_FILE_NAME: certificateFiles("iklim.co").cert, KEY_FILE_NAME: certificateFiles("iklim.co").key });
        }
        expect(input(named(ev, "iklimco-certs-step20"), "stdin")).to.include(`export CERT_FILE_NAME='${certificateFiles("iklim.co").cert}'`);
    });

    it("no other source file spells out a derived name: components, the microservice program, the tools and the shipped scripts call the module or read their environment", () => {
        // What a derived name looks like when it is built by hand instead of by the module.
        const handBuilt: [RegExp, string][] = [
            [/STAR\./, "certificateFiles"],
            [/fullchain\.pem|privkey\.pem/, "SWAG_LIVE_FILES"],
            [/letsencrypt\/live/, "swagLiveDir"],
            [/swag-config/, "swagConfigVolume"],
            [/-data`/, "memberVolume"],
            [/_vault_(role|secret)_id/, "approleSecretNames"],
            [/_password`/, "servicePasswordSecret"],
            [/`vault\.\$\{/, "vaultHostname"],
            [/_vault_init_escrow/, "initEscrowName"],
            [/\/run\/secrets\/\$/, "secretTarget"],
        ];
        // The migration's picture of the running platform is written from the operators' documents on purpose,
        // so that a program that drifted from them is caught; it is not the program's naming.
        const exempt = new Set(["components/naming.ts", "tools/migration/legacy.ts"]);
        const files: string[] = [];
        const walk = (dir: string) => {
            for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
                const rel = path.join(dir, e.name);
                if (e.isDirectory()) walk(rel);
                else if (/\.(ts|sh)$/.test(e.name) && !exempt.has(rel)) files.push(rel);
            }
        };
        for (const d of ["components", "microservice", "tools", "policies"]) walk(d);
        files.push("platform.ts", "index.ts");
        expect(files.length).to.be.greaterThan(80);
        const found: string[] = [];
        for (const f of files) {
            fs.readFileSync(path.join(ROOT, f), "utf8")
                .split("\n")
                .forEach((line, i) => {
                    const code = line.trim();
                    // Comments and error messages explain the names; only code builds them.
                    if (/^(\/\/|\*|\/\*\*|#)/.test(code)) return;
                    for (const [re, fn] of handBuilt) if (re.test(code) && !/Error\(|fail\(|log\(|refusals\.push|`[^`]*must mount at/.test(code)) found.push(`${f}:${i + 1}: use ${fn}: ${code.slice(0, 120)}`);
                });
        }
        expect(found, found.join("\n")).to.deep.equal([]);
    });
});
