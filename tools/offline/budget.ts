// The critical-path budget the README states: the most pipeline steps the deploy's critical path may pass
// through. The README is the one place the figure is written; the benchmark prints it next to the measured
// value and a unit test fails when the measured value exceeds it.
import * as fs from "fs";
import * as path from "path";

/** The README line that carries the figure, e.g. "Critical-path budget: at most **5** of the 24 pipeline steps". */
export const BUDGET_PATTERN = /^Critical-path budget: at most \*\*(\d+)\*\* of the 24 pipeline steps/m;

export function parseCriticalPathBudget(readme: string): number {
    const m = BUDGET_PATTERN.exec(readme);
    if (!m) throw new Error(`README: no line matching ${BUDGET_PATTERN} (the critical-path budget)`);
    return Number(m[1]);
}

export function readCriticalPathBudget(root: string): number {
    return parseCriticalPathBudget(fs.readFileSync(path.join(root, "README.md"), "utf8"));
}

/**
 * Steps the shell pipeline ran in a row only because shell is sequential: the later one uses nothing the
 * earlier one makes, so the graph must let them run in parallel (checked by the benchmark and
 * test/bench-budget.test.ts once both steps have resources).
 */
export const INDEPENDENT_STEPS: readonly { step: number; notAfter: number; why: string }[] = [
    { step: 23, notAfter: 22, why: "DNS records need SWAG serving, not the database init" },
    { step: 23, notAfter: 21, why: "DNS records need SWAG serving, not the MongoDB replica set" },
    { step: 23, notAfter: 16, why: "DNS records need SWAG serving, not Vault's AppRoles" },
    { step: 19, notAfter: 14, why: "APISIX init needs etcd and APISIX, not the Vault bootstrap" },
    { step: 19, notAfter: 16, why: "APISIX init needs etcd and APISIX, not Vault's AppRoles" },
    { step: 19, notAfter: 22, why: "APISIX init needs etcd and APISIX, not the database init" },
    { step: 21, notAfter: 19, why: "the MongoDB replica set needs MongoDB, not APISIX init" },
    { step: 22, notAfter: 23, why: "database init scripts need the databases, not public DNS" },
    { step: 22, notAfter: 19, why: "database init scripts need the databases, not APISIX init" },
];
