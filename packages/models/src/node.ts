export { loadWasmKernels } from './kernels/wasm-node.ts'
