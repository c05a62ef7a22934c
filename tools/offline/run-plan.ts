// One offline plan: evaluate the program for a stack, build the plan document, run the policy pack over it.
// `npm run plan` (tools/plan.ts) is this with arguments from the command line; tests call it with a fixture
// program or config overrides. Exit code: 0, or 1 when a mandatory policy is violated.
import { writeStackFiles } from "./compose";
import { EvaluateOptions, Evaluation, evaluateProgram } from "./engine";
import { renderMermaid } from "./mermaid";
import { PlanDocument, buildPlan, renderPlanText } from "./plan";
import { PolicyReport, evaluatePolicies, policyConfigFromStack, renderPolicyText } from "./policy";
import { OfflineStackConfig, readStackConfig } from "./stack-config";

export interface RunPlanOptions {
    stack: string;
    json?: boolean;
    /** Another program than index.ts (tests: a fixture under test/fixtures). */
    program?: string;
    /** The default program's declareStack, already loaded by the caller (EvaluateOptions.declare). */
    declare?: EvaluateOptions["declare"];
    overrides?: Record<string, unknown>;
    secrets?: Record<string, string>;
    /** Print the architecture picture (Mermaid) instead of the plan; policies still decide the exit code. */
    mermaid?: boolean;
    /** Also write the Docker stack files rendered from the same services into this directory. */
    compose?: string;
    /** Read this stack file instead of Pulumi.<stack>.yaml (`--config-file`). */
    configFile?: string;
}

export interface PlanRun {
    code: number;
    stdout: string;
    stderr: string;
    plan: PlanDocument & { policy: PolicyReport };
}

export async function runPlan(opts: RunPlanOptions): Promise<PlanRun> {
    const cfg = readStackConfig(opts.stack, opts.overrides, opts.secrets, opts.configFile);
    return planOf(await evaluateProgram({ stack: opts.stack, config: cfg.config, secretKeys: cfg.secretKeys, program: opts.program, declare: opts.declare }), opts, cfg);
}

/**
 * The plan of an evaluation the caller already has (of `opts`' stack, program, overrides and secrets), with
 * the stack config it was evaluated with, or read again from `opts` when not given.
 */
export async function planOf(ev: Evaluation, opts: RunPlanOptions, stackConfig?: OfflineStackConfig): Promise<PlanRun> {
    const cfg = stackConfig ?? readStackConfig(opts.stack, opts.overrides, opts.secrets, opts.configFile);
    const policy = await evaluatePolicies(ev, policyConfigFromStack(cfg));
    const plan = { ...buildPlan(ev, cfg.secrets), policy };
    const stdout = opts.mermaid ? renderMermaid(ev) : opts.json ? JSON.stringify(plan, null, 2) : `${renderPlanText(plan)}\n\n${renderPolicyText(policy)}`;
    const written = opts.compose ? await writeStackFiles(ev, opts.compose) : [];
    const stderr = written.map((f) => `wrote ${f}\n`).join("") + (policy.mandatory ? `${policy.mandatory} mandatory policy violation(s): this plan must not be applied.\n${renderPolicyText(policy)}\n` : "");
    return { code: policy.mandatory ? 1 : 0, stdout, stderr, plan };
}
