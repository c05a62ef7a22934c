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
