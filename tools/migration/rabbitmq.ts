// RabbitMQ phase of the migration (docs/migration.md, "4. rabbitmq"): the legacy node's definitions (users with
// their password hashes, vhosts, permissions, policies, exchanges, queues, bindings) are exported and imported
// into the program's rabbitmq-1, whose nodes run with the operators' Erlang cookie (iklimco:rabbitmqErlangCookie).
// Messages are not definitions: the phase refuses while a queue holds messages. `rabbitmqctl` is behind
// `RabbitCtl`, which the tests drive against real rabbitmq-server nodes and the CLI through `docker exec`.

export interface CtlResult {
    status: number | null;
    stdout: string;
    stderr: string;
}

/** `rabbitmqctl` against one node. */
export interface RabbitCtl {
    readonly label: string;
    ctl(args: string[], input?: string): CtlResult;
}

function must(node: RabbitCtl, args: string[], input?: string): string {
    const r = node.ctl(args, input);
    if (r.status !== 0) throw new Error(`rabbitmqctl ${args[0]} on ${node.label} failed: ${(r.stderr || r.stdout).trim()}`);
    return r.stdout;
}

export interface Definitions {
    users: { name: string; password_hash: string; tags: string | string[] }[];
    vhosts: { name: string }[];
    permissions: { user: string; vhost: string; configure: string; write: string; read: string }[];
    queues?: { name: string; vhost: string }[];
    [key: string]: unknown;
}

export function exportDefinitions(node: RabbitCtl): Definitions {
    const out = must(node, ["export_definitions", "-", "--format", "json"]);
    const start = out.indexOf("{");
    if (start < 0) throw new Error(`rabbitmqctl export_definitions on ${node.label} printed no JSON`);
    return JSON.parse(out.slice(start)) as Definitions;
}

export function importDefinitions(node: RabbitCtl, defs: Definitions): void {
    must(node, ["import_definitions", "--format", "json"], JSON.stringify(defs));
}

/** Precondition: every queue is empty (messages do not travel with definitions). */
export function checkQueuesEmpty(node: RabbitCtl, defs: Definitions): string[] {
    const problems: string[] = [];
    for (const v of defs.vhosts) {
        const out = must(node, ["list_queues", "-p", v.name, "--no-table-headers", "name", "messages"]);
        for (const line of out.split("\n").filter((l) => l.trim())) {
            const [name, messages] = line.trim().split(/\s+/);
            if (Number(messages) > 0) problems.push(`queue "${name}" in vhost "${v.name}" on ${node.label} holds ${messages} messages: drain it (stop its publishers, let consumers finish) before the move`);
        }
    }
    return problems;
}

/** What of `defs` the node lacks: users (with the same password hash), vhosts, permissions. */
export function missingDefinitions(node: RabbitCtl, defs: Definitions): string[] {
    const now = exportDefinitions(node);
    const missing: string[] = [];
    for (const u of defs.users) {
        const there = now.users.find((x) => x.name === u.name);
        if (!there) missing.push(`user ${u.name}`);
        else if (there.password_hash !== u.password_hash) missing.push(`user ${u.name}'s password`);
    }
    for (const v of defs.vhosts) if (!now.vhosts.some((x) => x.name === v.name)) missing.push(`vhost ${v.name}`);
    for (const p of defs.permissions) {
        if (!now.permissions.some((x) => x.user === p.user && x.vhost === p.vhost && x.configure === p.configure && x.write === p.write && x.read === p.read)) missing.push(`permission of ${p.user} on ${p.vhost}`);
    }
    for (const q of defs.queues ?? []) if (!(now.queues ?? []).some((x) => x.name === q.name && x.vhost === q.vhost)) missing.push(`queue ${q.vhost}/${q.name}`);
    return missing;
}

/** The whole phase: refuse non-empty queues, export, import, verify. Returns the definitions moved. */
export function moveDefinitions(source: RabbitCtl, target: RabbitCtl): Definitions {
    const defs = exportDefinitions(source);
    const problems = checkQueuesEmpty(source, defs);
    if (problems.length) throw new Error(problems.join("\n"));
    importDefinitions(target, defs);
    const missing = missingDefinitions(target, defs);
    if (missing.length) throw new Error(`RabbitMQ import incomplete on ${target.label}: ${missing.join(", ")}`);
    return defs;
}
