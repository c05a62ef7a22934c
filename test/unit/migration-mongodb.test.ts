// The MongoDB phase of the migration against MongoDB's documented replica-set contract (no MongoDB server runs
// here): the planned replSetReconfig sequence moves the set from the legacy members to the program's, one voting
// member at a time, with new members voting only after their initial sync.
import { expect } from "chai";
import { RsConfig, checkReconfigRules, planMembershipMove } from "../../tools/migration/mongodb";

const legacy3: RsConfig = {
    _id: "rs0",
    version: 4,
    members: [0, 1, 2].map((i) => ({ _id: i, host: `iklimco_mongodb${i + 1}:27017`, priority: 1, votes: 1 })),
};
const target3 = ["mongodb-1:27017", "mongodb-2:27017", "mongodb-3:27017"];

describe("migration from the running platform: MongoDB membership move (documented replica-set contract, no server)", () => {
    it("migration from the running platform: MongoDB's reconfig rules hold at every step, and the set ends with exactly the program's members (contract)", () => {
        const steps = planMembershipMove(legacy3, target3);
        expect(checkReconfigRules(legacy3, steps)).to.deep.equal([]);
        const last = [...steps].reverse().find((s) => s.kind === "reconfig")!;
        expect(last.kind === "reconfig" && last.config.members.map((m) => m.host)).to.deep.equal(target3);
        expect(last.kind === "reconfig" && last.config.members.every((m) => m.votes === 1 && m.priority === 1)).to.equal(true);
        // Every new member waits for its initial sync before its vote.
        for (const host of target3) {
            const wait = steps.findIndex((s) => s.kind === "wait-secondary" && s.host === host);
            const vote = steps.findIndex((s) => s.kind === "reconfig" && s.config.members.some((m) => m.host === host && m.votes === 1));
            expect(wait, host).to.be.greaterThan(-1);
            expect(vote, host).to.be.greaterThan(wait);
        }
        // The legacy primary steps down only once new voters can be elected, before any legacy member leaves.
        const down = steps.findIndex((s) => s.kind === "step-down");
        const firstRemove = steps.findIndex((s) => s.kind === "reconfig" && s.why.startsWith("remove"));
        expect(down).to.be.lessThan(firstRemove);
        // New _ids never reuse a legacy one.
        expect(last.kind === "reconfig" && last.config.members.map((m) => m._id)).to.deep.equal([3, 4, 5]);
    });

    it("migration from the running platform: the rule check catches a plan that changes two voters at once (contract)", () => {
        const bad = [{ kind: "reconfig" as const, why: "add two voters", config: { ...legacy3, version: 5, members: [...legacy3.members, { _id: 3, host: "a:1", priority: 1, votes: 1 }, { _id: 4, host: "b:1", priority: 1, votes: 1 }] } }];
        expect(checkReconfigRules(legacy3, bad).join("\n")).to.contain("2 voting members change at once");
    });

    it("migration from the running platform: a single legacy member moves to three without ever losing its primary's majority (contract)", () => {
        const one: RsConfig = { _id: "rs0", version: 1, members: [{ _id: 0, host: "iklimco_mongodb:27017", priority: 1, votes: 1 }] };
        const steps = planMembershipMove(one, target3);
        expect(checkReconfigRules(one, steps)).to.deep.equal([]);
    });
});
