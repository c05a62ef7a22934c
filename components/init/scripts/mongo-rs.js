// Step 21 in mongosh (run by mongo-entry.sh inside a one-shot container of images.mongodb on the overlay).
// Observes every member of DATABASE_MONGODB_HOST directly, asks the planner (rs-planner.js) what to do, does
// that one thing on the member the planner names (the primary once the set exists), and looks again, until
// the planner says there is nothing left to do or the deadline passes. Prints member names, never a password.
/* global load, Mongo, sleep, print, quit, process, require */
load(process.env.RS_PLANNER_FILE);
const planner = globalThis.IklimcoRsPlanner;
const fs = require("fs");

const replicaSet = process.env.MONGODB_REPLICA_SET;
const defaultPort = Number(process.env.MONGODB_PORT || 27017);
const desired = planner.parseHostList(process.env.MONGODB_HOSTS, defaultPort);
const user = process.env.MONGODB_ROOT_USER || "root";
const password = fs.readFileSync(process.env.MONGODB_ROOT_PASSWORD_FILE, "utf8").replace(/\r?\n$/, "");
const waitSeconds = Number(process.env.INIT_WAIT_SECONDS || 300);
const deadline = Date.now() + waitSeconds * 1000;

function admin(host) {
    const conn = new Mongo(`mongodb://${host}/?directConnection=true&serverSelectionTimeoutMS=5000&connectTimeoutMS=5000`);
    const db = conn.getDB("admin");
    try {
        db.auth(user, password);
    } catch (e) {
        // An uninitialised member with no user yet accepts the localhost exception only; report the code.
        if (!/Authentication failed/i.test(String(e && e.message))) throw e;
        throw new Error(`authentication as ${user} failed on ${host}`);
    }
    return db;
}

function observe(host) {
    let db;
    try {
        db = admin(host);
    } catch (e) {
        return { host, reachable: false, error: String((e && e.message) || e) };
    }
    let status;
    try {
        status = db.runCommand({ replSetGetStatus: 1 });
    } catch (e) {
        status = { ok: 0, code: e.code, codeName: e.codeName, errmsg: String(e.message) };
    }
    let config;
    if (status.ok === 1) {
        try {
            config = db.runCommand({ replSetGetConfig: 1 }).config;
        } catch (e) {
            config = undefined;
        }
    }
    return { host, reachable: true, status, config, db };
}

function observeAll(extra) {
    const hosts = desired.slice();
    if (extra && hosts.indexOf(extra) < 0) hosts.push(extra);
    return hosts.map(observe);
}

let redirect = null;
let lastReason = "";
for (;;) {
    const observations = observeAll(redirect);
    const decision = planner.planReplicaSet({ replicaSet, desired, observations, defaultPort });
    const on = (host) => observations.filter((o) => o.host === planner.normaliseHost(host, defaultPort))[0];
    if (decision.action === "none") {
        print(`replica set ${replicaSet}: all ${desired.length} members present, primary ${decision.target}; nothing to do`);
        for (const h of decision.extra) print(`replica set ${replicaSet}: member ${h} is not in DATABASE_MONGODB_HOST; left in place (members are never removed here)`);
        quit(0);
    }
    if (decision.action === "fail") {
        print(`replica set ${replicaSet}: ${decision.reason}`);
        quit(2);
    }
    if (decision.action === "initiate") {
        print(`replica set ${replicaSet}: uninitialised on every member; rs.initiate() on ${decision.target} with ${decision.config.members.map((m) => m.host).join(", ")}`);
        const r = on(decision.target).db.runCommand({ replSetInitiate: decision.config });
        if (r.ok !== 1) {
            print(`replica set ${replicaSet}: rs.initiate() failed: ${r.codeName || r.code}`);
            quit(2);
        }
    } else if (decision.action === "add") {
        // One member per reconfig (MongoDB allows adding one voting member at a time), then look again.
        const host = decision.members[0];
        const primary = on(decision.target);
        const cfg = primary.config;
        cfg.members.push(planner.nextMember(cfg, host));
        cfg.version += 1;
        print(`replica set ${replicaSet}: rs.add(${host}) on the primary ${decision.target}`);
        const r = primary.db.runCommand({ replSetReconfig: cfg });
        if (r.ok !== 1) {
            print(`replica set ${replicaSet}: rs.add(${host}) failed: ${r.codeName || r.code}`);
            quit(2);
        }
    } else {
        if (decision.primary) redirect = decision.primary;
        if (decision.reason !== lastReason) print(`replica set ${replicaSet}: waiting: ${decision.reason}`);
        lastReason = decision.reason;
    }
    if (Date.now() > deadline) {
        print(`replica set ${replicaSet}: timed out after ${waitSeconds}s waiting for: ${lastReason || decision.action}`);
        quit(3);
    }
    sleep(2000);
}
