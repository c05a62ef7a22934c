// etcd phase of the migration (docs/migration.md, "6. etcd"): APISIX keeps its routes, upstreams, services,
// SSL objects and consumers under `/apisix` in etcd. They are copied key by key from the legacy etcd into the
// program's (`etcdctl get --prefix -w json`, then `etcdctl put` with the value on stdin, so any bytes survive),
// and read back. Patroni's keys are not copied: the program's Patroni writes its own. etcdctl runs inside the
// etcd containers (the image's own /usr/local/bin/etcdctl; the image has no shell), behind `EtcdCtl`.
import { CtlResult } from "./rabbitmq";

/** `etcdctl` against one member's client port, run where that member runs. */
export interface EtcdCtl {
    readonly label: string;
    ctl(args: string[], input?: Buffer): CtlResult;
}

/** One key with its value, both base64 as etcdctl's JSON output gives them. */
export interface EtcdKv {
    key: string;
    value: string;
}

export const APISIX_PREFIX = "/apisix";

function must(node: EtcdCtl, args: string[], input?: Buffer): string {
    const r = node.ctl(args, input);
    if (r.status !== 0) throw new Error(`etcdctl ${args[0]} on ${node.label} failed: ${(r.stderr || r.stdout).trim()}`);
    return r.stdout;
}

const text = (b64: string) => Buffer.from(b64, "base64").toString("utf8");

/** Every key under `prefix`, sorted by key. */
export function listPrefix(node: EtcdCtl, prefix: string): EtcdKv[] {
    const out = JSON.parse(must(node, ["get", "--prefix", prefix, "-w", "json"])) as { kvs?: { key: string; value?: string }[] };
    return (out.kvs ?? []).map((kv) => ({ key: kv.key, value: kv.value ?? "" })).sort((a, b) => text(a.key).localeCompare(text(b.key)));
}

export interface EtcdCopyReport {
    /** Keys written by this run (decoded). */
    copied: string[];
    /** Keys the target already held with the same value (a second run copies nothing). */
    unchanged: string[];
}

/**
 * Copies every key under `prefix` from source to target. Refuses, before writing anything, when the target holds
 * one of the keys with another value (the program's APISIX already wrote there: the operator decides). Then
 * reads the target back: every source key must be there with its value.
 */
export function copyPrefix(source: EtcdCtl, target: EtcdCtl, prefix = APISIX_PREFIX): EtcdCopyReport {
    const from = listPrefix(source, prefix);
    const there = new Map(listPrefix(target, prefix).map((kv) => [kv.key, kv.value]));
    const conflicts = from.filter((kv) => there.has(kv.key) && there.get(kv.key) !== kv.value).map((kv) => text(kv.key));
    if (conflicts.length) throw new Error(`the program's etcd (${target.label}) already holds other values for ${conflicts.join(", ")}: nothing was copied; compare them and remove the target's keys if the legacy ones are right`);
    const report: EtcdCopyReport = { copied: [], unchanged: [] };
    for (const kv of from) {
        if (there.get(kv.key) === kv.value) {
            report.unchanged.push(text(kv.key));
            continue;
        }
        must(target, ["put", text(kv.key)], Buffer.from(kv.value, "base64"));
        report.copied.push(text(kv.key));
    }
    const after = new Map(listPrefix(target, prefix).map((kv) => [kv.key, kv.value]));
    const missing = from.filter((kv) => after.get(kv.key) !== kv.value).map((kv) => text(kv.key));
    if (missing.length) throw new Error(`etcd copy incomplete on ${target.label}: ${missing.join(", ")}`);
    return report;
}

/** Rollback: the keys this phase wrote are deleted from the target (what it already held stays). */
export function deleteKeys(target: EtcdCtl, keys: string[]): void {
    for (const k of keys) must(target, ["del", k]);
}
