export { BenchError, type BenchErrorCode, type BenchErrorDetails } from './errors.ts'
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
  RESULT_SCHEMA_VERSION,
  ResultSchema,
  resultJsonSchema,
  SCENARIOS,
  type ScenarioName,
} from './schema.ts'
