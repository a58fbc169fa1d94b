// Bundled by src/onnx-browser.test.ts and run in headless Chromium: the ONNX backend on
// onnxruntime-web and the WASM kernels, both loaded the way a browser app loads them.
import { WasmKernels } from '../../src/kernels/wasm.ts'
import { OnnxCausalLM } from '../../src/onnx.ts'
import { loadOnnxWeb } from '../../src/onnx-web.ts'

interface BrowserRun {
  tokens: number[]
  want: number[]
  linearError: number
}

declare global {
  interface Window {
    runModels(): Promise<BrowserRun>
  }
}

window.runModels = async () => {
  const ort = await loadOnnxWeb({ wasmPaths: '/ort/' })
  const bytes = new Uint8Array(await (await fetch('/model.onnx')).arrayBuffer())
  const reference = (await (await fetch('/reference.json')).json()) as {
    input_ids: number[]
    greedy_tokens: number[]
  }
  const lm = await OnnxCausalLM.create(ort, bytes)
  const tokens: number[] = []
  for await (const t of lm.generate(reference.input_ids, reference.greedy_tokens.length)) tokens.push(t)
  await lm.release()

  const kernels = new WasmKernels(await WebAssembly.compileStreaming(fetch('/kernels.wasm')))
  const rows = 5
  const inDim = 19
  const outDim = 11
  const x = Float32Array.from({ length: rows * inDim }, (_, i) => Math.sin(i))
  const w = Float32Array.from({ length: outDim * inDim }, (_, i) => Math.cos(i * 0.7))
  const out = new Float32Array(rows * outDim)
  kernels.linear(out, x, w, rows, inDim, outDim)
  let linearError = 0
  for (let r = 0; r < rows; r++)
    for (let o = 0; o < outDim; o++) {
      let s = 0
      for (let i = 0; i < inDim; i++) s += x[r * inDim + i]! * w[o * inDim + i]!
      linearError = Math.max(linearError, Math.abs(out[r * outDim + o]! - s))
    }
  return { tokens, want: reference.greedy_tokens, linearError }
}
