// What a program declares, as the offline tools read it. A program module exports `declareStack()`; its Pulumi
// entry (index.ts, microservice/index.ts) exports the same call's outputs, and the offline engine
// (tools/offline/engine.ts) calls it under mocks, so `npm run plan` and `pulumi preview` run the same code.
import { PipelineRecord } from "./pipeline";
import { ServiceBuilder } from "./swarm/service";

export interface DeclaredStack {
    /** The stack outputs, as the Pulumi entry exports them. */
    readonly outputs: Record<string, unknown>;
    /** Which resources realise which pipeline step, and why each ordering edge exists. */
    readonly pipeline: PipelineRecord;
    /** The builders the Swarm services were declared through: the stack-file renderer reads their specs. */
    readonly services: readonly ServiceBuilder[];
}
