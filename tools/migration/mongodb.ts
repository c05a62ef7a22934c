// MongoDB phase of the migration (docs/migration.md, "5. mongodb"), as a pure planner of the replica set's
// configurations. The program's members start with the operators' keyfile (iklimco:mongodbKeyfile) and join the
// running set; the legacy members leave it. Each step is one `replSetReconfig` (or a stepDown) that MongoDB's
// documented rules accept: the version goes up by one, `_id`s are never reused, and a reconfig adds or removes at
// most one voting member (MongoDB 4.4+ refuses more). New members join with votes 0 / priority 0 and get a vote
// only once they report SECONDARY (their initial sync done). No MongoDB server runs here: the sequence is
// checked against those documented rules, not against a server.

export interface RsMember {
    _id: number;
    host: string;
    priority: number;
    votes: number;
}

export interface RsConfig {
    _id: string;
    version: number;
    members: RsMember[];
}

export type MongoStep =
    | { kind: "reconfig"; why: string; config: RsConfig }
    | { kind: "wait-secondary"; host: string }
    | { kind: "step-down"; why: string };

const voters = (c: RsConfig) => c.members.filter((m) => m.votes > 0).map((m) => m.host);

/** The steps from `current` (the legacy members) to a set of exactly `targetHosts`. */
export function planMembershipMove(current: RsConfig, targetHosts: string[]): MongoStep[] {
    if (!targetHosts.length) throw new Error("mongodb: no target member");
    const steps: MongoStep[] = [];
    let cfg: RsConfig = JSON.parse(JSON.stringify(current));
    let nextId = Math.max(-1, ...cfg.members.map((m) => m._id)) + 1;
    const reconfig = (why: string, mutate: (c: RsConfig) => void) => {
        const c: RsConfig = JSON.parse(JSON.stringify(cfg));
        mutate(c);
        c.version = cfg.version + 1;
        cfg = c;
        steps.push({ kind: "reconfig", why, config: c });
    };
    const legacy = cfg.members.filter((m) => !targetHosts.includes(m.host)).map((m) => m.host);
    // 1. Each new member joins without a vote, then gets one once its initial sync is done.
    for (const host of targetHosts) {
        if (cfg.members.some((m) => m.host === host)) continue;
        const id = nextId++;
        reconfig(`add ${host} as a non-voting member (initial sync)`, (c) => c.members.push({ _id: id, host, priority: 0, votes: 0 }));
        steps.push({ kind: "wait-secondary", host });
        reconfig(`give ${host} a vote and priority 1`, (c) => {
            const m = c.members.find((x) => x.host === host)!;
            m.votes = 1;
            m.priority = 1;
        });
    }
    // 2. The legacy members can no longer become primary; the legacy primary steps down to an electable new member.
    for (const host of legacy) {
        if (cfg.members.find((m) => m.host === host)!.priority === 0) continue;
        reconfig(`priority 0 for ${host} (it stays a voter until removed)`, (c) => (c.members.find((x) => x.host === host)!.priority = 0));
    }
    if (legacy.length) steps.push({ kind: "step-down", why: "rs.stepDown() on the primary if it is a legacy member: a new member is elected" });
    // 3. The legacy members leave, one voter at a time.
    for (const host of legacy) reconfig(`remove ${host}`, (c) => (c.members = c.members.filter((m) => m.host !== host)));
    return steps;
}

/** MongoDB's documented reconfig rules, checked along a sequence; returns every violation. */
export function checkReconfigRules(start: RsConfig, steps: MongoStep[]): string[] {
    const problems: string[] = [];
    let prev = start;
    const everUsed = new Map(start.members.map((m) => [m._id, m.host] as const));
    for (const s of steps) {
        if (s.kind !== "reconfig") continue;
        const c = s.config;
        if (c.version !== prev.version + 1) problems.push(`${s.why}: version ${c.version} after ${prev.version}`);
        const ids = c.members.map((m) => m._id);
        if (new Set(ids).size !== ids.length) problems.push(`${s.why}: duplicate _id`);
        for (const m of c.members) {
            if (everUsed.has(m._id) && everUsed.get(m._id) !== m.host) problems.push(`${s.why}: _id ${m._id} reused for ${m.host}`);
            everUsed.set(m._id, m.host);
            if (m.votes === 0 && m.priority !== 0) problems.push(`${s.why}: ${m.host} has priority without a vote`);
        }
        const a = new Set(voters(prev));
        const b = new Set(voters(c));
        const changed = [...a].filter((h) => !b.has(h)).length + [...b].filter((h) => !a.has(h)).length;
        if (changed > 1) problems.push(`${s.why}: ${changed} voting members change at once (at most one per reconfig)`);
        if (b.size === 0) problems.push(`${s.why}: no voting member left`);
        if (!c.members.some((m) => m.priority > 0)) problems.push(`${s.why}: no member can become primary`);
        prev = c;
    }
    return problems;
}
