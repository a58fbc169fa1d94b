/**
 * The compiled WASM kernels of @frugal/ann (popcount Hamming scan, ADC scan; SIMD with a
 * scalar fallback), as runtimes that compile `.wasm` imports deliver them (wrangler/workerd,
 * and bundlers configured to do so). Pass it to `BinaryIndex.useWasm` or `IvfPqIndex.useWasm`.
 * In Node use `loadWasmKernels()` from `@frugal/ann/node`; in a browser without such a bundler,
 * `WebAssembly.compileStreaming(fetch(urlOfThisFile))` (see the package README).
 */
declare const kernels: WebAssembly.Module
export default kernels
