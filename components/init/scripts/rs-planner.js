// Step 21: the MongoDB replica-set planner. Pure: what every reachable member said (replSetGetStatus and
// replSetGetConfig) goes in, one decision comes out. The same file is load()ed by mongosh (mongo-rs.js, in the
// one-shot container) and require()d by the node tests, so it is plain ES2017 with no imports.
//
// Rules:
//   - initiate only when EVERY desired member answered and every one of them reports "not yet initialised"
//     (code 94); a member that is unreachable could be part of a set already, and initiating elsewhere would
//     make a second set, so the decision is then to wait;
//   - once any member reports an initialised set, never initiate again: find the primary, add only the
//     members that are missing (compared after normalising the host spelling), never remove one (members in
//     the set but not in DATABASE_MONGODB_HOST are reported as "extra");
//   - every change runs against the primary; a secondary redirects there; no primary yet means wait.
/* eslint-disable */
(function (root) {
    "use strict";

    var DEFAULT_PORT = 27017;
    var NOT_YET_INITIALIZED = 94;
    var NO_REPLICATION_ENABLED = 76;

    /** "Mongo-1.:27017" and "mongo-1" are the same member: lower-case, no trailing dot, explicit port. */
    function normaliseHost(host, defaultPort) {
        var port = defaultPort || DEFAULT_PORT;
        var h = String(host).trim().toLowerCase();
        var name;
        var p;
        var m6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(h);
        if (m6) {
            name = "[" + m6[1] + "]";
            p = m6[2];
        } else {
            var i = h.lastIndexOf(":");
            if (i >= 0 && h.indexOf(":") === i) {
                name = h.slice(0, i);
                p = h.slice(i + 1);
            } else {
                name = h;
            }
        }
        name = name.replace(/\.+$/, "");
        if (!name) throw new Error("empty MongoDB host in " + JSON.stringify(host));
        var portNumber = p === undefined || p === "" ? port : Number(p);
        if (!(portNumber > 0 && portNumber < 65536) || Math.floor(portNumber) !== portNumber) {
            throw new Error("bad port in MongoDB host " + JSON.stringify(host));
        }
        return name + ":" + portNumber;
    }

    /** DATABASE_MONGODB_HOST ("h1:27017,h2:27017") as a list of distinct normalised hosts, in order. */
    function parseHostList(text, defaultPort) {
        var out = [];
        String(text)
            .split(",")
            .map(function (s) {
                return s.trim();
            })
            .filter(function (s) {
                return s.length > 0;
            })
            .forEach(function (s) {
                var n = normaliseHost(s, defaultPort);
                if (out.indexOf(n) < 0) out.push(n);
            });
        if (out.length === 0) throw new Error("DATABASE_MONGODB_HOST names no member");
        return out;
    }

    function isInitialised(obs) {
        return !!(obs && obs.status && obs.status.ok === 1);
    }

    function primaryFrom(obs, defaultPort) {
        var members = (obs.status && obs.status.members) || [];
        for (var i = 0; i < members.length; i++) {
            if (members[i].stateStr === "PRIMARY" || members[i].state === 1) return normaliseHost(members[i].name, defaultPort);
        }
        return null;
    }

    /**
     * input: {
     *   replicaSet: "rs0",
     *   desired: ["h1:27017", ...]            (DATABASE_MONGODB_HOST, any spelling)
     *   observations: [{ host, reachable, status, config, error }]
     *       status: the replSetGetStatus reply ({ ok: 1, set, myState, members: [{ name, stateStr, self }] })
     *               or its error ({ ok: 0, code: 94, codeName: "NotYetInitialized" })
     *       config: the replSetGetConfig reply's `config` when initialised ({ _id, version, members: [{ _id, host }] })
     *   defaultPort: 27017
     * }
     * output, one of:
     *   { action: "initiate", target, config }              rs.initiate(config) on target
     *   { action: "add", target, members: [host], extra }   rs.add(host) for each, on the primary `target`
     *   { action: "none", target, extra }                   nothing to do
     *   { action: "wait", reason }                          look again later (bounded by the caller)
     *   { action: "fail", reason }                          stop: a human must look
     */
    function planReplicaSet(input) {
        var defaultPort = input.defaultPort || DEFAULT_PORT;
        var desired = parseHostList((input.desired || []).join(","), defaultPort);
        var observations = (input.observations || []).map(function (o) {
            return {
                host: normaliseHost(o.host, defaultPort),
                reachable: o.reachable !== false,
                status: o.status,
                config: o.config,
                error: o.error,
            };
        });

        for (var i = 0; i < observations.length; i++) {
            var o = observations[i];
            if (o.reachable && o.status && o.status.ok !== 1 && o.status.code === NO_REPLICATION_ENABLED) {
                return { action: "fail", reason: o.host + " is not running with --replSet " + input.replicaSet };
            }
            if (isInitialised(o) && o.status.set && o.status.set !== input.replicaSet) {
                return { action: "fail", reason: o.host + " belongs to replica set " + o.status.set + ", not " + input.replicaSet };
            }
        }

        var initialised = observations.filter(function (o) {
            return o.reachable && isInitialised(o);
        });

        if (initialised.length === 0) {
            var unanswered = desired.filter(function (h) {
                return !observations.some(function (o) {
                    return o.host === h && o.reachable && o.status && o.status.code === NOT_YET_INITIALIZED;
                });
            });
            if (unanswered.length > 0) {
                return {
                    action: "wait",
                    reason: "not every member reports an uninitialised set yet (initiating now could split the set): " + unanswered.join(", "),
                };
            }
            return {
                action: "initiate",
                target: desired[0],
                config: {
                    _id: input.replicaSet,
                    members: desired.map(function (h, idx) {
                        return { _id: idx, host: h };
                    }),
                },
            };
        }

        // Initialised: the primary's own view decides; anyone else's view only tells us where the primary is.
        var primary = null;
        var primaryObs = null;
        for (var j = 0; j < initialised.length; j++) {
            if (initialised[j].status.myState === 1) {
                primaryObs = initialised[j];
                primary = initialised[j].host;
                break;
            }
        }
        if (!primaryObs) {
            for (var k = 0; k < initialised.length && !primary; k++) primary = primaryFrom(initialised[k], defaultPort);
            if (!primary) return { action: "wait", reason: "the replica set " + input.replicaSet + " has no primary yet" };
            var seen = observations.filter(function (o) {
                return o.host === primary && o.reachable && isInitialised(o);
            })[0];
            if (!seen) return { action: "wait", reason: "connect to the primary " + primary + " and look again", primary: primary };
            primaryObs = seen;
            if (primaryObs.status.myState !== 1) return { action: "wait", reason: "the primary " + primary + " is changing" };
        }
        if (!primaryObs.config || !primaryObs.config.members) {
            return { action: "wait", reason: "the primary " + primary + " did not return its configuration" };
        }
        var present = primaryObs.config.members.map(function (m) {
            return normaliseHost(m.host, defaultPort);
        });
        var missing = desired.filter(function (h) {
            return present.indexOf(h) < 0;
        });
        var extra = present.filter(function (h) {
            return desired.indexOf(h) < 0;
        });
        if (missing.length > 0) return { action: "add", target: primary, members: missing, extra: extra };
        return { action: "none", target: primary, extra: extra };
    }

    /** The member document rs.add() gets: the next free _id, so nothing existing is renumbered. */
    function nextMember(config, host) {
        var maxId = -1;
        (config.members || []).forEach(function (m) {
            if (m._id > maxId) maxId = m._id;
        });
        return { _id: maxId + 1, host: host };
    }

    var api = { planReplicaSet: planReplicaSet, normaliseHost: normaliseHost, parseHostList: parseHostList, nextMember: nextMember };
    root.IklimcoRsPlanner = api;
    if (typeof module === "object" && module && module.exports) module.exports = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
