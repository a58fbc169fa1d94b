export { type BenchmarkOptions, runBenchmark } from './bench-node.ts'
export {
  createEnergyMeter,
  type EnergyMeter,
  type EnergyOptions,
  type EnergyReading,
  EstimateMeter,
  lookupTdp,
  PerfMeter,
  RaplMeter,
  TDP_TABLE,
} from './energy-node.ts'
export { ProcessTreeMonitor, processTree } from './proc-node.ts'
export { createProgress, type Progress, type ProgressOptions } from './progress-node.ts'
export {
  collectProvenance,
  detectVirtualisation,
  gitState,
  type ProvenanceOptions,
} from './provenance-node.ts'
export { readResult, writeResult } from './result-file-node.ts'
export { OFFLINE_SENTINELS, type StdioTargetOptions, stdioTarget } from './stdio-target-node.ts'
