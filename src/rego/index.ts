// Public surface of the Rego evaluator: engine, values and explain types.

export {
  DEFAULT_STEP_LIMIT,
  type EvalOptions,
  type EvalResult,
  RegoEngine,
  type RegoEngineOptions,
} from "./engine.ts";
export { formatLocation, type SourceLocation } from "./errors.ts";
export { parseModule } from "./parser.ts";
export type { ExplainEntry, ExplainFailure, ExplainTrace } from "./trace.ts";
export { compareValues, equalValues, type RegoObject, RegoSet, type RegoValue, typeNameOf } from "./value.ts";
export { formatValue, fromJson, marshalJson, toJson } from "./value-json.ts";
