export { BenchError, type BenchErrorCode, type BenchErrorDetails } from './errors.ts'
export { type HttpTargetOptions, httpTarget } from './http-target.ts'
export { createRandom, exponential, poissonArrivals, shuffle } from './random.ts'
export { formatReport, REPORT_COLUMNS, reportRow } from './report.ts'
export {
  type RunHooks,
  type RunOutcome,
  resolveScenario,
  runScenario,
  type ScenarioSettings,
  type WindowProbe,
} from './runner.ts'
export {
  type BenchDataset,
  type BenchMethod,
  type BenchMetrics,
  type BenchProvenance,
  type BenchResult,
  type BenchScenario,
  ENERGY_METHODS,
  type EnergyMethod,
  parseResult,
  RESULT_SCHEMA_MINOR,
  RESULT_SCHEMA_VERSION,
  ResultSchema,
  resultJsonSchema,
  SCENARIOS,
  type ScenarioName,
} from './schema.ts'
export {
  ksCriticalValue,
  ksStatisticExponential,
  type LatencySummary,
  percentile,
  summarizeLatency,
} from './stats.ts'
export {
  generationMetrics,
  type StreamObservation,
  type StreamTarget,
  type StreamTargetOptions,
  streamTarget,
} from './stream-target.ts'
export {
  checkOutputs,
  type FunctionTargetOptions,
  functionTarget,
  type OfflineHooks,
  type OfflineRun,
  type Target,
} from './target.ts'
export { VERSION } from './version.ts'
