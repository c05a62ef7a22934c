import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { POLICIES } from "../../policies/all";
import { POLICY_DOC, renderPolicyTable, withPolicyTable } from "../../tools/offline/policy-docs";

describe("docs/policy.md's rule table (generated from the rule modules)", () => {
    const committed = fs.readFileSync(path.join(__dirname, "..", "..", POLICY_DOC), "utf8");

    it("is current: npm run docs:policy would write exactly the committed file", () => {
        expect(committed, "docs/policy.md is stale: run npm run docs:policy and commit it").to.equal(withPolicyTable(committed));
    });

    it("lists every rule of the pack once, with its level and description", () => {
        const rows = renderPolicyTable().split("\n").slice(2);
        expect(rows.length).to.equal(POLICIES.length);
        for (const p of POLICIES) {
            const row = rows.find((r) => r.startsWith(`| \`${p.name}\` |`));
            expect(row, p.name).to.not.equal(undefined);
            expect(row).to.include(`| ${p.enforcementLevel} |`);
            expect(p.description.length, `${p.name} has no description`).to.be.greaterThan(20);
        }
    });
});
