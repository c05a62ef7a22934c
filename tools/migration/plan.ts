// The migration's dry run: from the live swarm, the program's target names (from evaluating it), the stack's
// config secrets and the last backup, the whole plan of the migration, and every reason to refuse it. Pure: the
// CLI (tools/migrate.ts) feeds it what it read; the tests feed it a real swarm's answers.
import { swagConfigVolume } from "../../components/naming";
import { LEGACY_KINDS, LegacyKind, PHASES, Phase, approleSecretNames, kindOf } from "./legacy";

export interface LiveService {
    name: string;
    /** Desired and running tasks (`docker service ls` REPLICAS: running/desired). */
    running: number;
    desired: number;
    /** Labelled `com.iklimco.managed-by=pulumi`: created by the program (or by this migration for it). */
    managed?: boolean;
}

export interface LiveSecret {
    name: string;
    labels: Record<string, string>;
}

export interface LiveState {
    services: LiveService[];
    volumes: string[];
    secrets: LiveSecret[];
}

/** What the program will create, read from its evaluation (never re-derived here). */
export interface TargetLayout {
    services: string[];
    volumes: string[];
    /** Logical names of its Swarm secrets (the name before `_<hash8>`). */
    secretLogicalNames: string[];
    microservices: string[];
}

export interface BackupRecord {
    /** ISO time the backup phase finished. */
    takenAt: string;
    files: { name: string; bytes: number; sha256: string }[];
}

export interface PlanInput {
    stack: string;
    live: LiveState;
    target: TargetLayout;
    /** Config secret keys the stack has set (without the `iklimco:` namespace). */
    configSecrets: ReadonlySet<string>;
    backup?: BackupRecord;
    /**
     * Phases done and not rolled back (from the migration's state file). Once the vault phase is done, `pulumi
     * up` has created (or is about to create) the program's members and their volumes: those are expected then,
     * not clashes.
     */
    done?: ReadonlySet<Phase>;
    now: Date;
    maxBackupAgeMs: number;
}

export interface PlanStep {
    phase: Phase;
    action: string;
    rollback: string;
}

export interface MigrationPlan {
    /** Legacy services found, by phase (or "import" for the stateless ones the program adopts by name). */
    legacy: Record<string, string[]>;
    steps: PlanStep[];
    /** Every precondition that does not hold: the migration refuses while this is not empty. */
    refusals: string[];
    /** Things worth knowing that do not block. */
    notes: string[];
}

const STATEFUL_TARGET = /^(vault|patroni|rabbitmq|mongodb|etcd)-\d+$/;

function formatAge(ms: number): string {
    const m = Math.round(ms / 60_000);
    return m < 120 ? `${m} min` : `${Math.round(m / 60)} h`;
}

export function buildPlan(input: PlanInput): MigrationPlan {
    const { stack, live, target } = input;
    const refusals: string[] = [];
    const notes: string[] = [];
    const targetServices = new Set(target.services);
    const legacy: Record<string, string[]> = {};
    const legacyKinds = new Map<Phase | "import", LegacyKind[]>();
    const deployed = input.done?.has("vault") ?? false;

    for (const s of [...live.services].sort((a, b) => a.name.localeCompare(b.name))) {
        const short = s.name.slice(stack.length + 1);
        if (targetServices.has(s.name)) {
            // A live service that already carries one of the program's names for a stateful member: an earlier,
            // unfinished attempt or a clash; either way the plan must not build on it blindly.
            if (STATEFUL_TARGET.test(short)) {
                if (s.managed && deployed) continue;
                refusals.push(`name clash: the live service ${s.name} already has a name the program creates for a stateful member; remove it (or roll the earlier attempt back) first`);
                continue;
            }
            // Same name, no data to move (SWAG's volume aside): the program adopts it by `pulumi import`.
            const same = kindOf(stack, s.name);
            if (same && !same.phase) {
                (legacy.import ??= []).push(s.name);
                continue;
            }
            if (!same) continue;
        }
        const kind = kindOf(stack, s.name);
        if (!kind) continue;
        const group = kind.phase ?? "import";
        (legacy[group] ??= []).push(s.name);
        legacyKinds.set(group, [...(legacyKinds.get(group) ?? []).filter((k) => k !== kind), kind]);
        if (s.desired === 0) notes.push(`${s.name} is scaled to 0 (a phase was run, or it is stopped): nothing is read from it`);
        else if (s.running < s.desired) refusals.push(`member unhealthy: ${s.name} runs ${s.running} of ${s.desired} tasks; wait for it or repair it before migrating`);
    }

    // Volumes: a live volume with a name the program creates would be adopted as-is by the new member.
    const liveVolumes = new Set(live.volumes);
    for (const v of target.volumes) {
        if (liveVolumes.has(v) && v !== swagConfigVolume(stack) && !deployed) refusals.push(`name clash: the volume ${v} exists already; the program's member would start on its content. Remove it if it is left from an earlier attempt`);
    }
    // Secrets: `<logical>_<hash8>` not made by the program.
    const logical = new Set(target.secretLogicalNames);
    for (const sec of live.secrets) {
        const m = /^(.+)_[0-9a-f]{8}$/.exec(sec.name);
        if (m && logical.has(m[1]) && sec.labels["com.iklimco.managed-by"] !== "pulumi") refusals.push(`name clash: the Swarm secret ${sec.name} looks like one of the program's content-named secrets but was not made by it`);
    }

    // Adopted secrets must be in config before their phase.
    const liveSecretNames = new Set(live.secrets.map((s) => s.name));
    for (const kinds of legacyKinds.values()) {
        for (const kind of kinds) {
            for (const key of kind.adopt) {
                if (!input.configSecrets.has(key)) refusals.push(`not adopted: iklimco:${key} is not set, so the program would generate a new one for ${stack}_${kind.name}. Fix: pulumi config set --secret iklimco:${key} '<the running value>'`);
            }
            for (const sec of kind.secrets) if (!liveSecretNames.has(sec)) notes.push(`the legacy secret ${sec} is not in the swarm; its value must come from the StorageBox copy`);
        }
    }

    // The backup.
    if (!input.backup) refusals.push(`no backup: run the backup phase (\`npm run migrate -- backup --stack <pulumi stack>\`) first`);
    else {
        const age = input.now.getTime() - Date.parse(input.backup.takenAt);
        if (!(age <= input.maxBackupAgeMs)) refusals.push(`no fresh backup: the last one is ${formatAge(age)} old (limit ${formatAge(input.maxBackupAgeMs)}); run the backup phase again`);
    }

    // Microservices' AppRole credentials: kept (they are in the Vault snapshot).
    for (const svc of target.microservices) {
        const missing = approleSecretNames(svc).filter((n) => !liveSecretNames.has(n));
        if (missing.length) notes.push(`${svc}: no legacy ${missing.join(", ")}; it gets the program's credentials only`);
    }

    const steps: PlanStep[] = [];
    const has = (p: Phase) => (legacy[p] ?? []).length > 0;
    const memberList = (prefix: string) => target.services.filter((n) => n.startsWith(`${stack}_${prefix}-`) && /^\d+$/.test(n.slice(stack.length + prefix.length + 2)));
    const members = (prefix: string) => memberList(prefix).join(", ");
    steps.push({ phase: "backup", action: `Vault Raft snapshot, pg_dumpall, RabbitMQ definitions and APISIX's etcd keys of the running services, to a dated directory`, rollback: "nothing changed" });
    if (has("vault")) {
        steps.push({ phase: "vault", action: `snapshot ${legacy.vault.join(", ")}; scale it to 0; seed ${target.volumes.find((v) => /vault-1-data$/.test(v)) ?? "vault-1's volume"} by force-restoring the snapshot; pulumi up creates ${members("vault")}, unsealed with iklimco:vaultUnsealKey (the operators' key); check every KV path and each legacy AppRole login`, rollback: `docker service rm ${memberList("vault").join(" ")}; docker service scale ${legacy.vault[0]}=<its replicas>` });
    }
    if (has("postgres")) {
        steps.push({ phase: "postgres", action: `make ${legacy.postgres.join(", ")} read-only through Patroni's configuration; copy roles and every database into ${members("patroni")}; compare row counts; point the services at the program's patroniHosts`, rollback: `reset default_transaction_read_only on the legacy cluster; drop the copied databases from the program's cluster` });
    }
    if (has("rabbitmq")) {
        steps.push({ phase: "rabbitmq", action: `export the definitions of ${legacy.rabbitmq.join(", ")} (refused while a queue holds messages); import them into ${members("rabbitmq")}, which run with the adopted Erlang cookie`, rollback: "clients point back at the legacy node, untouched" });
    }
    if (has("mongodb")) {
        steps.push({ phase: "mongodb", action: `rs.add() ${members("mongodb")} (started with the adopted keyfile) to the running replica set; after their initial sync, rs.stepDown() and rs.remove() ${legacy.mongodb.join(", ")}`, rollback: "rs.remove() the new members while a legacy member remains" });
    }
    if (has("etcd")) steps.push({ phase: "etcd", action: `copy APISIX's keys (/apisix) from ${legacy.etcd.join(", ")} into ${members("etcd")}`, rollback: "APISIX points back at the legacy etcd" });
    if (has("swag")) steps.push({ phase: "swag", action: `copy the certificate volume of ${legacy.swag.join(", ")} into ${swagConfigVolume(stack)}`, rollback: "the legacy volume is untouched" });
    if (legacy.import?.length) notes.push(`adopted by name with pulumi import (docs/runbook.md): ${legacy.import.join(", ")}`);
    const retired = Object.entries(legacy).filter(([p]) => p !== "import" && p !== "swag").flatMap(([, v]) => v);
    steps.push({ phase: "retire", action: `remove ${retired.length ? retired.join(", ") : "nothing"}, their volumes, and the legacy secrets no service mounts (tools/adoption/retire-legacy-secrets.sh --apply)`, rollback: "none: this is the last phase" });
    steps.sort((a, b) => PHASES.indexOf(a.phase) - PHASES.indexOf(b.phase));
    return { legacy, steps, refusals, notes };
}

/** The plan as text for the terminal. */
export function formatPlan(plan: MigrationPlan): string {
    const lines: string[] = [];
    lines.push("Legacy services found:");
    for (const [p, names] of Object.entries(plan.legacy)) lines.push(`  ${p}: ${names.join(", ")}`);
    lines.push("", "Plan:");
    plan.steps.forEach((s, i) => {
        lines.push(`  ${i + 1}. [${s.phase}] ${s.action}`);
        lines.push(`     rollback: ${s.rollback}`);
    });
    if (plan.notes.length) lines.push("", "Notes:", ...plan.notes.map((n) => `  - ${n}`));
    if (plan.refusals.length) lines.push("", `REFUSED (${plan.refusals.length}):`, ...plan.refusals.map((r) => `  - ${r}`));
    else lines.push("", "All preconditions hold.");
    return lines.join("\n");
}

export { LEGACY_KINDS };
