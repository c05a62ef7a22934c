#!/usr/bin/env node
// A contract fake of mongosh + a MongoDB replica set, for the init scripts' tests (no MongoDB exists here).
// It runs a script file the way `mongosh --nodb --quiet <file>` does, with the globals the scripts use (load,
// Mongo, sleep, print, quit, process, require) and the documented behaviour they rely on:
//   - replSetGetStatus on a member with no config throws code 94 NotYetInitialized; on a member of the set it
//     returns { ok: 1, set, myState (1 primary / 2 secondary), members: [{ name, stateStr, self }] };
//   - replSetGetConfig returns { config }; replSetInitiate is refused once a config exists (code 23
//     AlreadyInitialized); replSetReconfig only on the primary (code 10107 NotWritablePrimary) with version+1;
//   - a replica-set connection (replicaSet=...) talks to the primary; db.auth throws "Authentication failed".
// The cluster lives in the JSON file FAKE_MONGO_STATE; every command that changes it is appended to `log`.
"use strict";
const fs = require("fs");
const vm = require("vm");

const stateFile = process.env.FAKE_MONGO_STATE;
const state = JSON.parse(fs.readFileSync(stateFile, "utf8"));
state.log = state.log || [];
const save = () => fs.writeFileSync(stateFile, JSON.stringify(state, null, 2));

class ServerError extends Error {
    constructor(code, codeName, message) {
        super(`MongoServerError: ${message}`);
        this.code = code;
        this.codeName = codeName;
    }
}
class Exit extends Error {
    constructor(code) {
        super(`exit ${code}`);
        this.exitCode = code;
    }
}

// How a member recognises a host name: case-insensitive, default port 27017, no trailing dot.
const norm = (h) => {
    const [name, port] = h.toLowerCase().split(":");
    return `${name.replace(/\.+$/, "")}:${port || 27017}`;
};
const inSet = (host) => state.set && state.set.members.some((m) => norm(m.host) === norm(host));

class DB {
    constructor(conn, name) {
        this.conn = conn;
        this.name = name;
    }
    node() {
        return this.conn.node();
    }
    auth(user, pwd) {
        this.node();
        const ok = (user === state.root.user && pwd === state.root.pwd && this.name === "admin") ||
            (state.users[this.name] && state.users[this.name][user] && state.users[this.name][user].pwd === pwd);
        if (!ok) throw new ServerError(18, "AuthenticationFailed", "Authentication failed.");
        this.conn.authed = true;
        return { ok: 1 };
    }
    getSiblingDB(name) {
        return new DB(this.conn, name);
    }
    hello() {
        const host = this.node();
        return { isWritablePrimary: !!state.set && norm(state.primary || "") === norm(host) };
    }
    requireAuth() {
        if (!this.conn.authed) throw new ServerError(13, "Unauthorized", "command requires authentication");
    }
    requirePrimary() {
        if (!this.hello().isWritablePrimary) throw new ServerError(10107, "NotWritablePrimary", "not primary");
    }
    runCommand(cmd) {
        this.requireAuth();
        const host = this.node();
        if (cmd.replSetGetStatus) {
            if (!inSet(host)) throw new ServerError(94, "NotYetInitialized", "no replset config has been received");
            const primary = state.primary ? norm(state.primary) : null;
            return {
                ok: 1,
                set: state.set._id,
                myState: primary === norm(host) ? 1 : 2,
                members: state.set.members.map((m) => ({ _id: m._id, name: m.host, stateStr: norm(m.host) === primary ? "PRIMARY" : "SECONDARY", self: norm(m.host) === norm(host) })),
            };
        }
        if (cmd.replSetGetConfig) {
            if (!inSet(host)) throw new ServerError(94, "NotYetInitialized", "no replset config has been received");
            return { ok: 1, config: JSON.parse(JSON.stringify(state.set)) };
        }
        if (cmd.replSetInitiate) {
            if (state.set) throw new ServerError(23, "AlreadyInitialized", "already initialized");
            state.set = { _id: cmd.replSetInitiate._id, version: 1, members: cmd.replSetInitiate.members };
            state.primary = host;
            state.log.push(`initiate on ${host}: ${cmd.replSetInitiate.members.map((m) => m.host).join(",")}`);
            save();
            return { ok: 1 };
        }
        if (cmd.replSetReconfig) {
            this.requirePrimary();
            if (cmd.replSetReconfig.version !== state.set.version + 1) throw new ServerError(103, "NewReplicaSetConfigurationIncompatible", "version");
            const before = state.set.members.map((m) => m.host);
            state.set = cmd.replSetReconfig;
            state.log.push(`reconfig on ${host}: +${state.set.members.filter((m) => !before.includes(m.host)).map((m) => `${m._id}=${m.host}`).join(",")}`);
            save();
            return { ok: 1 };
        }
        throw new Error(`fake mongosh: unsupported command ${Object.keys(cmd)[0]}`);
    }
    getUser(user) {
        this.requireAuth();
        const u = state.users[this.name] && state.users[this.name][user];
        return u ? { user, db: this.name, roles: u.roles } : null;
    }
    createUser(doc) {
        this.requirePrimary();
        if (this.getUser(doc.user)) throw new ServerError(51003, "Location51003", `User "${doc.user}@${this.name}" already exists`);
        (state.users[this.name] = state.users[this.name] || {})[doc.user] = { pwd: doc.pwd, roles: doc.roles };
        state.log.push(`createUser ${doc.user}@${this.name}`);
        save();
    }
    grantRolesToUser(user, roles) {
        this.requirePrimary();
        state.users[this.name][user].roles.push(...roles);
        state.log.push(`grantRolesToUser ${user}@${this.name}`);
        save();
    }
    updateUser(user, doc) {
        this.requirePrimary();
        state.users[this.name][user].pwd = doc.pwd;
        state.log.push(`updateUser ${user}@${this.name}`);
        save();
    }
}

class Mongo {
    constructor(uri) {
        const m = /^mongodb:\/\/([^/?]+)\/?\??(.*)$/.exec(uri);
        if (!m) throw new Error(`fake mongosh: bad uri ${uri}`);
        this.hosts = m[1].split(",");
        this.params = new URLSearchParams(m[2]);
        this.authed = false;
    }
    node() {
        if (this.params.get("directConnection") === "true") {
            const h = this.hosts[0];
            if ((state.down || []).map(norm).includes(norm(h))) throw new Error(`MongoNetworkError: connect ECONNREFUSED ${h}`);
            return h;
        }
        // A replica-set connection reaches the primary if it is among the seeds' set and up.
        if (state.set && state.primary && !(state.down || []).map(norm).includes(norm(state.primary))) return state.primary;
        throw new Error("MongoServerSelectionError: Server selection timed out");
    }
    getDB(name) {
        return new DB(this, name);
    }
}

const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const file = args[args.length - 1];
const output = [];
const sandbox = {
    Mongo,
    print: (...a) => {
        const line = a.join(" ");
        output.push(line);
        console.log(line);
    },
    sleep: (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.min(ms, 200)),
    quit: (code) => {
        throw new Exit(code || 0);
    },
    process,
    require,
    JSON,
    Date,
};
sandbox.globalThis = sandbox;
sandbox.load = (p) => vm.runInContext(fs.readFileSync(p, "utf8"), sandbox, { filename: p });
vm.createContext(sandbox);
try {
    vm.runInContext(fs.readFileSync(file, "utf8"), sandbox, { filename: file });
    save();
    process.exit(0);
} catch (e) {
    save();
    if (e instanceof Exit || (e && e.exitCode !== undefined)) process.exit(e.exitCode);
    console.error(String(e && e.message));
    process.exit(1);
}
