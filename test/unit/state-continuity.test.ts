// A deployed stack keeps its resources across a rename: every URN the prod stack's state records
// (test/fixtures/prod-urns.txt: the prod program's URNs, as the offline engine records them, before its
// resources took their current names) is
// either still the URN of a resource of the program, or one that a resource's `aliases` names. Anything else
// would be deleted and created again by the next `pulumi up`: a retained command (Vault's init) would run again,
// a service would be replaced. The aliases are read from the registration requests the offline engine records.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { Evaluation, FIXTURES, evaluateStack } from "../harness";

/** The recorded URNs that neither are a resource's URN nor an alias of one. */
function orphaned(recorded: string[], resources: { urn: string; aliases: string[] }[]): string[] {
    const known = new Set(resources.flatMap((r) => [r.urn, ...r.aliases]));
    return recorded.filter((u) => !known.has(u));
}

/**
 * Resources whose name repeats their parent's: the suffix after `<parent name>-` starts with the parent's last
 * word or last two words (`iklimco-vault-init-vault-init`). Children are named from the component's name, so
 * the suffix says only what the child is.
 */
function doubledNames(resources: { urn: string; name: string; parent?: string }[]): string[] {
    const byUrn = new Map(resources.map((r) => [r.urn, r] as const));
    return resources
        .filter((r) => {
            const parent = r.parent ? byUrn.get(r.parent) : undefined;
            if (!parent || !r.name.startsWith(`${parent.name}-`)) return false;
            const suffix = r.name.slice(parent.name.length + 1);
            const words = parent.name.split("-");
            return [words.slice(-1), words.slice(-2)].some((tail) => tail.length && (suffix === tail.join("-") || suffix.startsWith(`${tail.join("-")}-`)));
        })
        .map((r) => r.name);
}

const urn = (type: string, name: string) => `urn:pulumi:prod::iklimco-platform::${type}::${name}`;

describe("renamed resources keep their state (aliases)", () => {
    let ev: Evaluation;
    const recorded = fs.readFileSync(path.join(FIXTURES, "prod-urns.txt"), "utf8").split("\n").filter(Boolean);
    before(async () => {
        ev = await evaluateStack("prod");
    });

    it("the check can fail: a URN that is neither current nor aliased is reported, an aliased one is not", () => {
        const old = urn("iklimco:x:C$command:remote:Command", "c-old");
        const gone = urn("iklimco:x:C$command:remote:Command", "c-gone");
        const resources = [{ urn: urn("iklimco:x:C$command:remote:Command", "c-new"), aliases: [old] }];
        expect(orphaned([old, gone], resources)).to.deep.equal([gone]);
        expect(orphaned([old], [{ ...resources[0], aliases: [] }])).to.deep.equal([old]);
    });

    it("the fixture lists the prod stack's URNs", () => {
        expect(recorded.length).to.be.greaterThan(100);
        for (const u of recorded) expect(u).to.match(/^urn:pulumi:prod::iklimco-platform::[^:]/);
    });

    it("every URN the prod stack recorded is a resource of the program or an alias of one", () => {
        expect(orphaned(recorded, ev.resources)).to.deep.equal([]);
    });

    it("the engine records an alias as a URN formed like the resource's own (type prefixed with the parent's)", () => {
        const init = ev.resources.find((r) => r.name === "iklimco-vault-init-command")!;
        expect(init.urn).to.equal(urn("iklimco:vault:Init$command:remote:Command", "iklimco-vault-init-command"));
        expect(init.aliases).to.deep.equal([urn("iklimco:vault:Init$command:remote:Command", "iklimco-vault-init-vault-init")]);
    });

    it("the doubled-name check can fail: it finds a child named <component>-<component's last words>", () => {
        const parent = { urn: "p", name: "iklimco-vault-init" };
        const child = (name: string) => ({ urn: name, name, parent: "p" });
        expect(doubledNames([parent, child("iklimco-vault-init-vault-init"), child("iklimco-vault-init-init-x"), child("iklimco-vault-init-command")])).to.deep.equal([
            "iklimco-vault-init-vault-init",
            "iklimco-vault-init-init-x",
        ]);
    });

    it("no child's name repeats its component's: the suffix says only what the child is", () => {
        expect(doubledNames(ev.resources)).to.deep.equal([]);
    });
});
