import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { renderConfigDocs } from "../../tools/offline/config-docs";

describe("docs/config.md (generated from the config schema)", () => {
    const committed = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "config.md"), "utf8");

    it("is current: npm run docs:config would write exactly the committed file", () => {
        expect(committed, "docs/config.md is stale: run npm run docs:config and commit it").to.equal(renderConfigDocs());
    });

    it("gives every key an accepted form and an example, and shows no regular expression", () => {
        const rows = committed.split("\n").filter((l) => l.startsWith("| `iklimco:") && !l.includes("pulumi config set"));
        expect(rows.length).to.be.greaterThan(60);
        for (const row of rows) {
            const [, key, form, , example] = row.split(/(?<!\\)\|/).map((c) => c.trim());
            expect(form, `${key} has no form`).to.not.equal("");
            expect(example, `${key} has no example`).to.match(/^`.+`$/);
            expect(form).to.not.match(/\/\^|\\d|\(\?[=:!]/);
        }
    });
});
