// Step 22, MongoDB part, in mongosh (run by mongo-entry.sh in a one-shot container on the overlay). The rendered
// prologue (components/init/render.ts) defines IKLIMCO_MONGO_USERS: [{ service, database, user }]; each user's
// password is in the secrets file under its service name. Connects through the replica-set host list, waits
// (bounded) for a writable primary, then for each microservice: creates its user with readWrite on its
// database when missing, grants readWrite again when missing, and resets the password only when logging in
// with it fails. Prints what it changed, never a password.
/* global IKLIMCO_MONGO_USERS, Mongo, sleep, print, quit, process, require */
const fs = require("fs");
const hosts = String(process.env.MONGODB_HOSTS).split(",").map((s) => s.trim()).filter(Boolean).join(",");
const replicaSet = process.env.MONGODB_REPLICA_SET;
const rootUser = process.env.MONGODB_ROOT_USER || "root";
const rootPassword = fs.readFileSync(process.env.MONGODB_ROOT_PASSWORD_FILE, "utf8").replace(/\r?\n$/, "");
const secretsText = fs.readFileSync(process.env.MONGODB_SECRETS_FILE, "utf8");
const passwords = secretsText.trim() ? JSON.parse(secretsText) : {};
const waitSeconds = Number(process.env.INIT_WAIT_SECONDS || 300);
const deadline = Date.now() + waitSeconds * 1000;
const uri = `mongodb://${hosts}/?replicaSet=${encodeURIComponent(replicaSet)}&serverSelectionTimeoutMS=5000&readPreference=primary`;

let admin;
for (;;) {
    try {
        admin = new Mongo(uri).getDB("admin");
        admin.auth(rootUser, rootPassword);
        if (admin.hello().isWritablePrimary) break;
    } catch (e) {
        // not reachable yet, or no primary: look again until the deadline
    }
    if (Date.now() > deadline) {
        print(`mongo init: timed out after ${waitSeconds}s waiting for a writable primary of ${replicaSet} among ${hosts}`);
        quit(3);
    }
    sleep(2000);
}

function canLogin(database, user, pwd) {
    try {
        const db = new Mongo(uri).getDB(database);
        db.auth(user, pwd);
        return true;
    } catch (e) {
        return false;
    }
}

let changes = 0;
for (const u of IKLIMCO_MONGO_USERS) {
    const pwd = passwords[u.service];
    if (typeof pwd !== "string" || !pwd) {
        print(`mongo init: no password was handed over for ${u.service}`);
        quit(2);
    }
    const db = admin.getSiblingDB(u.database);
    const existing = db.getUser(u.user);
    if (!existing) {
        db.createUser({ user: u.user, pwd, roles: [{ role: "readWrite", db: u.database }] });
        print(`mongo init: created user ${u.user} with readWrite on ${u.database}`);
        changes++;
        continue;
    }
    const hasRole = (existing.roles || []).some((r) => r.role === "readWrite" && r.db === u.database);
    if (!hasRole) {
        db.grantRolesToUser(u.user, [{ role: "readWrite", db: u.database }]);
        print(`mongo init: granted readWrite on ${u.database} to ${u.user}`);
        changes++;
    }
    if (!canLogin(u.database, u.user, pwd)) {
        db.updateUser(u.user, { pwd });
        print(`mongo init: reset the password of ${u.user} (the handed-over one did not log in)`);
        changes++;
    }
}
print(`mongo init: ${IKLIMCO_MONGO_USERS.length} users checked, ${changes} changes`);
