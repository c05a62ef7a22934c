// Steps 21 and 22 (MongoDB part) end to end from the components' own commands, against a contract fake of
// mongosh and a replica set (test/support/fake-mongosh.js: the documented replSetGetStatus / replSetInitiate /
// replSetReconfig / user-command behaviour), since no MongoDB exists on this machine. The scripts run are the
// shipped files: oneshot.sh, mongo-entry.sh, mongo-rs.js with rs-planner.js, and the rendered mongo-init.js.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Evaluation, FIXTURES, evaluateStack, named } from "../harness";
import { runJob, secretValues } from "../support/init-jobs";

const ROOT = "mongo-root-Secret-4712";
const HOSTS = ["mongodb-1:27017", "mongodb-2:27017", "mongodb-3:27017"];
const FAKE_MONGOSH = path.join(__dirname, "..", "support", "fake-mongosh.js");

interface FakeState {
    set: null | { _id: string; version: number; members: { _id: number; host: string }[] };
    primary: string | null;
    down: string[];
    root: { user: string; pwd: string };
    users: Record<string, Record<string, { pwd: string; roles: { role: string; db: string }[] }>>;
    log: string[];
}

describe("mongo replica set and init jobs, end to end (contract fake of mongosh and MongoDB)", function () {
    this.timeout(120_000);
    let ev: Evaluation;
    let dir: string;
    const stateFile = () => path.join(dir, "state.json");
    const write = (s: Partial<FakeState>) =>
        fs.writeFileSync(stateFile(), JSON.stringify({ set: null, primary: null, down: [], root: { user: "root", pwd: ROOT }, users: {}, log: [], ...s }));
    const read = (): FakeState => JSON.parse(fs.readFileSync(stateFile(), "utf8"));
    const env = () => ({ MONGOSH: FAKE_MONGOSH, FAKE_MONGO_STATE: stateFile(), FAKE_DOCKER_PASS: "MONGOSH FAKE_MONGO_STATE" });
    const rs = () => runJob(named(ev, "iklimco-init-mongo-rs-job"), env(), 60_000);
    const init = () => runJob(named(ev, "iklimco-init-databases-mongodb"), env(), 60_000);
    const noSecret = (...texts: string[]) => {
        for (const v of secretValues(ev, { root: ROOT })) for (const t of texts) expect(t).to.not.include(v);
    };

    before(async () => {
        ev = await evaluateStack("prod", { program: path.join(FIXTURES, "init-program.ts"), secrets: { "test:mongoRoot": ROOT } });
    });
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "tinit-mongo-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("uninitialised: initiates once with every member; a second run does nothing", () => {
        write({});
        const first = rs();
        expect(first.status, first.out).to.equal(0);
        expect(read().log).to.deep.equal([`initiate on mongodb-1:27017: ${HOSTS.join(",")}`]);
        const second = rs();
        expect(second.status, second.out).to.equal(0);
        expect(second.out).to.include("all 3 members present, primary mongodb-1:27017; nothing to do");
        expect(read().log).to.have.length(1);
        noSecret(first.out, first.argv, second.out, second.argv);
    });

    it("one member missing: rs.add() of that one only, on the primary (not the first host), ids kept", () => {
        write({ set: { _id: "rs0", version: 4, members: [{ _id: 0, host: "mongodb-1:27017" }, { _id: 3, host: "MONGODB-2" }] }, primary: "MONGODB-2" });
        const r = rs();
        expect(r.status, r.out).to.equal(0);
        expect(read().log).to.deep.equal(["reconfig on mongodb-2:27017: +4=mongodb-3:27017"]);
        expect(read().set!.members.map((m) => m._id)).to.deep.equal([0, 3, 4]);
        noSecret(r.out, r.argv);
    });

    it("two members missing: added one reconfig at a time, each on the primary, then nothing left to do", () => {
        write({ set: { _id: "rs0", version: 1, members: [{ _id: 0, host: "mongodb-3:27017" }] }, primary: "mongodb-3:27017" });
        const r = rs();
        expect(r.status, r.out).to.equal(0);
        expect(read().log).to.deep.equal(["reconfig on mongodb-3:27017: +1=mongodb-1:27017", "reconfig on mongodb-3:27017: +2=mongodb-2:27017"]);
        expect(r.out).to.include("nothing to do");
    });

    it("a member down while uninitialised: waits, bounded by init.waitSeconds, and initiates nothing", async () => {
        write({ down: ["mongodb-3:27017"] });
        const short = await evaluateStack("prod", {
            program: path.join(FIXTURES, "init-program.ts"),
            secrets: { "test:mongoRoot": ROOT },
            overrides: { "iklimco:init": { waitSeconds: 10 } },
        });
        const r = runJob(named(short, "iklimco-init-mongo-rs-job"), env(), 60_000);
        expect(r.status, r.out).to.equal(3);
        expect(read().log).to.deep.equal([]);
        expect(r.out).to.include("waiting: not every member reports an uninitialised set yet (initiating now could split the set): mongodb-3:27017");
        expect(r.out).to.include("timed out after 10s waiting for");
    });

    it("creates each microservice's user once, grants its role, resets only a password that no longer works", () => {
        write({ set: { _id: "rs0", version: 1, members: HOSTS.map((h, i) => ({ _id: i, host: h })) }, primary: "mongodb-2:27017" });
        const first = init();
        expect(first.status, first.out).to.equal(0);
        expect(read().log).to.deep.equal(["createUser user-service@user_profiles", "createUser station-service@stations"]);
        expect(read().users.stations["station-service"].roles).to.deep.equal([{ role: "readWrite", db: "stations" }]);
        const second = init();
        expect(second.status, second.out).to.equal(0);
        expect(second.out).to.include("2 users checked, 0 changes");
        const s = read();
        s.users.stations["station-service"].pwd = "an-old-password";
        fs.writeFileSync(stateFile(), JSON.stringify(s));
        const third = init();
        expect(third.out).to.include("reset the password of station-service").and.include("1 changes");
        noSecret(first.out, first.argv, second.out, third.out, third.argv);
    });
});
