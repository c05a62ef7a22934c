// Step 21's planner (components/init/scripts/rs-planner.js), the very file mongosh loads, required here:
// every case the issue lists, in the shapes replSetGetStatus / replSetGetConfig really return (pure: no MongoDB
// is needed, and none exists on this machine).
import { expect } from "chai";
import * as path from "path";
import { SCRIPTS_DIR } from "../../components/init/render";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const planner = require(path.join(SCRIPTS_DIR, "rs-planner.js"));

const RS = "rs0";
// How a real member compares names: the same node however the operator spelled it.
const same = (a: string, b: string) => b !== "none" && planner.normaliseHost(a) === planner.normaliseHost(b);
const DESIRED = ["mongo-1:27017", "mongo-2:27017", "mongo-3:27017"];
const uninit = (host: string) => ({ host, reachable: true, status: { ok: 0, code: 94, codeName: "NotYetInitialized", errmsg: "no replset config has been received" } });
const member = (id: number, host: string, state: "PRIMARY" | "SECONDARY", self = false) => ({ _id: id, name: host, stateStr: state, state: state === "PRIMARY" ? 1 : 2, self });

function initialised(host: string, primary: string, members: string[]) {
    return {
        host,
        reachable: true,
        status: { ok: 1, set: RS, myState: same(host, primary) ? 1 : 2, members: members.map((m, i) => member(i, m, same(m, primary) ? "PRIMARY" : "SECONDARY", same(m, host))) },
        config: { _id: RS, version: 3, members: members.map((m, i) => ({ _id: i, host: m })) },
    };
}

const plan = (observations: unknown[], desired = DESIRED) => planner.planReplicaSet({ replicaSet: RS, desired, observations });

describe("replica-set planner (step 21, pure)", () => {
    it("uninitialised everywhere: initiates once, with every member of DATABASE_MONGODB_HOST, on the first", () => {
        const d = plan(DESIRED.map(uninit));
        expect(d.action).to.equal("initiate");
        expect(d.target).to.equal("mongo-1:27017");
        expect(d.config).to.deep.equal({ _id: RS, members: DESIRED.map((h, i) => ({ _id: i, host: h })) });
    });

    it("uninitialised but a member does not answer: waits instead of initiating (it may hold a set already)", () => {
        const d = plan([uninit("mongo-1:27017"), uninit("mongo-2:27017"), { host: "mongo-3:27017", reachable: false, error: "connect ECONNREFUSED" }]);
        expect(d.action).to.equal("wait");
        expect(d.reason).to.include("mongo-3:27017");
    });

    it("fully configured: nothing to do, on the primary", () => {
        const obs = DESIRED.map((h) => initialised(h, "mongo-2:27017", DESIRED));
        expect(plan(obs)).to.deep.equal({ action: "none", target: "mongo-2:27017", extra: [] });
    });

    it("one member missing: adds only that one, on the primary; never re-initiates although the new member is empty", () => {
        const have = DESIRED.slice(0, 2);
        const obs = [initialised("mongo-1:27017", "mongo-1:27017", have), initialised("mongo-2:27017", "mongo-1:27017", have), uninit("mongo-3:27017")];
        expect(plan(obs)).to.deep.equal({ action: "add", target: "mongo-1:27017", members: ["mongo-3:27017"], extra: [] });
    });

    it("a member present under another spelling (case, no port, trailing dot) is not added again", () => {
        const spelled = ["MONGO-1", "mongo-2.:27017", "Mongo-3.:27017"];
        const obs = [initialised("mongo-1", "MONGO-1", spelled), initialised("mongo-2:27017", "MONGO-1", spelled), initialised("mongo-3", "MONGO-1", spelled)];
        const d = plan(obs, ["mongo-1:27017", "Mongo-2", "mongo-3:27017"]);
        expect(d).to.deep.equal({ action: "none", target: "mongo-1:27017", extra: [] });
    });

    it("the node observed is not primary: the decision runs against the primary it names", () => {
        // Only a secondary answered: the planner names the primary to connect to instead of acting there.
        const onlySecondary = [initialised("mongo-2:27017", "mongo-3:27017", DESIRED), { host: "mongo-1:27017", reachable: false }, { host: "mongo-3:27017", reachable: false }];
        const d = plan(onlySecondary);
        expect(d.action).to.equal("wait");
        expect(d.primary).to.equal("mongo-3:27017");
        // Once the primary answers, changes target it even though the first member in the list is a secondary.
        const have = DESIRED.slice(0, 2).concat(["mongo-3:27017"]).slice(1);
        const obs = [uninit("mongo-1:27017"), initialised("mongo-2:27017", "mongo-3:27017", have), initialised("mongo-3:27017", "mongo-3:27017", have)];
        expect(plan(obs)).to.deep.equal({ action: "add", target: "mongo-3:27017", members: ["mongo-1:27017"], extra: [] });
    });

    it("no primary elected yet: waits", () => {
        const obs = DESIRED.map((h) => {
            const o = initialised(h, "none", DESIRED);
            o.status.members.forEach((m) => ((m.stateStr = "SECONDARY"), (m.state = 2)));
            o.status.myState = 2;
            return o;
        });
        expect(plan(obs).action).to.equal("wait");
    });

    it("never removes: a member in the set but not in DATABASE_MONGODB_HOST is only reported", () => {
        const members = [...DESIRED, "mongo-old:27017"];
        const obs = DESIRED.map((h) => initialised(h, "mongo-1:27017", members));
        const d = plan(obs);
        expect(d).to.deep.equal({ action: "none", target: "mongo-1:27017", extra: ["mongo-old:27017"] });
    });

    it("refuses a member of another set and a mongod without --replSet", () => {
        const other = initialised("mongo-1:27017", "mongo-1:27017", DESIRED);
        other.status.set = "rs9";
        expect(plan([other]).action).to.equal("fail");
        const noRepl = { host: "mongo-1:27017", reachable: true, status: { ok: 0, code: 76, codeName: "NoReplicationEnabled" } };
        expect(plan([noRepl, uninit("mongo-2:27017"), uninit("mongo-3:27017")])).to.deep.include({ action: "fail" });
    });

    it("normalises host spellings and numbers a new member after the highest _id", () => {
        expect(planner.normaliseHost("Mongo-1.")).to.equal("mongo-1:27017");
        expect(planner.normaliseHost("[::1]")).to.equal("[::1]:27017");
        expect(planner.parseHostList("a:1, A:1 ,b")).to.deep.equal(["a:1", "b:27017"]);
        expect(() => planner.normaliseHost("a:99999")).to.throw(/bad port/);
        expect(planner.nextMember({ members: [{ _id: 0 }, { _id: 5 }] }, "x:1")).to.deep.equal({ _id: 6, host: "x:1" });
    });
});
