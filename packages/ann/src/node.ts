export {
  readIndexFile,
  readNeighborsFile,
  readVectorFile,
  type VectorFile,
  writeFileAtomic,
  writeIndexFile,
  writeIvecsFile,
} from './files-node.ts'
export {
  type AnnBenchmarksFile,
  type Matrix2D,
  metricOfDistance,
  readAnnBenchmarksHdf5,
} from './hdf5-node.ts'
export { loadWasmKernels } from './kernels/wasm-node.ts'
