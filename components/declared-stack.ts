// What a program declares, as the offline tools read it. A program module (platform.ts, microservice/program.ts,
// the fixture programs) exports `declareStack()`, which the offline engine (tools/offline/engine.ts) calls under
// mocks; the Pulumi entry (index.ts, microservice/index.ts) exports the outputs of the same declaration, so
// `npm run plan` and `pulumi preview` run the same code.
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
