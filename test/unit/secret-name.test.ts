// Swarm secret names (components/swarm/secret.ts): `<name>_<8 hex>` of an HMAC under a random key that lives
// only in Pulumi's encrypted state, so listing secrets reveals nothing about their values, while a new value
// still gets a new name (rotation by name) and two evaluations name alike.
import { expect } from "chai";
import * as crypto from "crypto";
import * as path from "path";
import { versionedName } from "../../components/swarm/secret";
import { FIXTURES, SECRET, evaluateStack, input, ofType } from "../harness";

const program = path.join(FIXTURES, "builder-program.ts");
const KEY_A = crypto.randomBytes(32).toString("base64");
const KEY_B = crypto.randomBytes(32).toString("base64");

describe("Swarm secret names reveal nothing about the value", () => {
    it("cannot be checked against a guess without the key: the old unkeyed SHA-256 suffix is gone", () => {
        const name = versionedName(KEY_A, "postgres_superuser_password", "Winter2024!");
        const unkeyed = crypto.createHash("sha256").update("postgres_superuser_password").update("\0").update("Winter2024!").digest("hex").slice(0, 8);
        expect(name).to.match(/^postgres_superuser_password_[0-9a-f]{8}$/);
        expect(name.endsWith(unkeyed)).to.equal(false);
        // Another stack (another key) names the same password differently: no dictionary works across stacks.
        expect(versionedName(KEY_B, "postgres_superuser_password", "Winter2024!")).to.not.equal(name);
    });

    it("keeps rotation by name: same key and value, same name; a new value, a new name", () => {
        expect(versionedName(KEY_A, "x", "v1")).to.equal(versionedName(KEY_A, "x", "v1"));
        expect(versionedName(KEY_A, "x", "v2")).to.not.equal(versionedName(KEY_A, "x", "v1"));
    });

    it("draws each secret's key from a RandomBytes child (secret outputs, kept in state), and names alike on two evaluations", async () => {
        const run = () => evaluateStack("prod", { program, secrets: { "test:secretValue": "s3cret-value" } });
        const first = await run();
        const secrets = ofType(first, SECRET);
        expect(secrets.length).to.be.greaterThan(0);
        for (const s of secrets) {
            const keyChild = first.resources.find((r) => r.type === "random:index/randomBytes:RandomBytes" && r.parent === s.parent && r.name.endsWith("-name-key"));
            expect(keyChild, `${s.name} has no naming key`).to.not.equal(undefined);
            expect(input(s, "name")).to.match(/_[0-9a-f]{8}$/);
        }
        const second = await run();
        expect(ofType(second, SECRET).map((s) => input(s, "name"))).to.deep.equal(secrets.map((s) => input(s, "name")));
    });
});
