// The microservice deploy program's entry, as Pulumi runs it (one stack per microservice, `<svc>-prod`): the
// stack outputs of microservice/program.ts, which the offline engine evaluates the same way.
// First: it must act before anything loads the Pulumi SDK (sdk-start.ts).
import "../sdk-start";
import { declareStack } from "./program";

export = declareStack().then((stack) => stack.outputs);
