import * as ortWeb from 'onnxruntime-web/wasm'
import type { OrtRuntime } from './onnx.ts'

export {
  OnnxCausalLM,
  type OnnxCausalLMOptions,
  type OnnxFeed,
  OnnxModel,
  type OnnxOutput,
  type OrtRuntime,
} from './onnx.ts'

let ready: Promise<OrtRuntime> | undefined

/** Options of {@link loadOnnxWeb}. */
export interface OnnxWebOptions {
  /**
   * The precompiled `ort-wasm-simd-threaded.wasm` (in workerd:
   * `import wasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm'`). Needed where the engine
   * may not compile WebAssembly from bytes or cannot locate the file (workerd); elsewhere
   * onnxruntime-web finds and compiles its own file.
   */
  wasmModule?: WebAssembly.Module
  /** Where the browser fetches the .wasm from (onnxruntime-web's `env.wasm.wasmPaths`). */
  wasmPaths?: string
}

/**
 * onnxruntime-web's WASM backend, single-threaded and without a proxy worker, initialised
 * once per isolate. With `wasmModule`, the engine is instantiated from that module through a
 * scoped `WebAssembly.instantiate` shim (only while the backend starts), the recipe that runs
 * in workerd without patching the package.
 */
export function loadOnnxWeb(options: OnnxWebOptions = {}): Promise<OrtRuntime> {
  ready ??= init(options).catch((e) => {
    ready = undefined
    throw e
  })
  return ready
}

async function init(options: OnnxWebOptions): Promise<OrtRuntime> {
  const ort = ortWeb
  ort.env.wasm.numThreads = 1
  ort.env.wasm.proxy = false
  if (options.wasmPaths) ort.env.wasm.wasmPaths = options.wasmPaths
  const module = options.wasmModule
  if (module) {
    // A sentinel binary sends emscripten down its "binary given" path (no fetch, no
    // locateFile); the shim swaps in the precompiled module when that binary is instantiated.
    ort.env.wasm.wasmBinary = new Uint8Array([0])
    const original = WebAssembly.instantiate
    const shim = async (source: unknown, imports?: WebAssembly.Imports) =>
      source instanceof WebAssembly.Module
        ? original(source, imports)
        : { instance: await original(module, imports), module }
    WebAssembly.instantiate = shim as typeof WebAssembly.instantiate
    try {
      // Creating any session starts the backend; the empty model itself is refused.
      await ort.InferenceSession.create(new Uint8Array([0])).catch(() => undefined)
    } finally {
      WebAssembly.instantiate = original
    }
  }
  return ort as unknown as OrtRuntime
}
