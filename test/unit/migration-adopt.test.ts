// What the migration adopts from stack config instead of generating (docs/migration.md, "Preconditions"): the
// operators' Erlang cookie and MongoDB keyfile become the program's Swarm secrets, with no generator in the
// plan, so the program's nodes can talk to the running ones. Evaluated with the offline engine on the prod stack.
import { expect } from "chai";
import { Evaluation } from "../../tools/offline/engine";
import { evaluateStack } from "../harness";

const SECRET = "docker:index/secret:Secret";

function secretNamed(ev: Evaluation, logical: string) {
    const found = ev.resources.filter((r) => r.type === SECRET && String(r.plainInputs.name).startsWith(`${logical}_`));
    expect(found, logical).to.have.length(1);
    return found[0];
}

function decoded(r: { plainInputs: Record<string, unknown> }): string {
    return Buffer.from(String(r.plainInputs.data), "base64").toString("utf8");
}

describe("migration from the running platform: secrets adopted from config", function () {
    this.timeout(120_000);

    it("migration from the running platform: the Erlang cookie is the configured one, not generated", async () => {
        const ev = await evaluateStack("prod", { secrets: { "iklimco:rabbitmqErlangCookie": "OPERATORSCOOKIE0123456789" } });
        const cookie = secretNamed(ev, "rabbitmq_erlang_cookie");
        expect(decoded(cookie)).to.equal("OPERATORSCOOKIE0123456789");
        expect(cookie.secretInputs).to.include("data");
        expect(ev.resources.some((r) => r.name === "iklimco-infra-secrets-rabbitmq-erlang-cookie-value")).to.equal(false);
    });

    it("migration from the running platform: the MongoDB keyfile is the configured one, not generated", async () => {
        const keyfile = "K".repeat(40) + "operators0keyfile";
        const ev = await evaluateStack("prod", { secrets: { "iklimco:mongodbKeyfile": keyfile } });
        const secret = secretNamed(ev, "mongodb_keyfile");
        expect(decoded(secret)).to.equal(keyfile);
        expect(secret.secretInputs).to.include("data");
        expect(ev.resources.some((r) => r.name === "iklimco-infra-secrets-mongodb-keyfile-value")).to.equal(false);
    });

    it("migration from the running platform: with every adopted secret set, evaluating the program again changes nothing (two evaluations, identical inputs)", async () => {
        const adopted = {
            "iklimco:vaultUnsealKey": "b3BlcmF0b3JzLXVuc2VhbC1rZXk=",
            "iklimco:vaultToken": "operators-token",
            "iklimco:rabbitmqErlangCookie": "OPERATORSCOOKIE0123456789",
            "iklimco:mongodbKeyfile": "operators0keyfile0123456789",
            "iklimco:postgresSuperuserPassword": "legacy-pg",
            "iklimco:postgresReplicationPassword": "legacy-repl",
            "iklimco:mongodbRootPassword": "legacy-mongo",
            "iklimco:rabbitmqAdminPassword": "legacy-mq",
        };
        const snapshot = (ev: Evaluation) => new Map(ev.resources.map((r) => [r.urn, JSON.stringify(r.plainInputs)]));
        const first = snapshot(await evaluateStack("prod", { secrets: adopted }));
        const second = snapshot(await evaluateStack("prod", { secrets: adopted }));
        expect([...second.keys()]).to.deep.equal([...first.keys()]);
        const changed = [...first].filter(([urn, inputs]) => second.get(urn) !== inputs).map(([urn]) => urn);
        expect(changed).to.deep.equal([]);
        // And the adopted values are what the secrets carry, not generated ones.
        const ev = await evaluateStack("prod", { secrets: adopted });
        const generated = ev.resources.filter((r) => r.type === "random:index/randomPassword:RandomPassword").map((r) => r.name);
        for (const name of ["rabbitmq-erlang-cookie", "mongodb-keyfile", "postgres-superuser-password", "postgres-replication-password", "mongodb-root-password", "rabbitmq-admin-password"]) {
            expect(generated, name).to.not.include(`iklimco-infra-secrets-${name}-value`);
        }
    });
});
