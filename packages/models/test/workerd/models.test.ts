import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm'
import { describe, expect, it } from 'vitest'
import kernels from '../../asm/kernels.wasm'
import relaxedKernels from '../../asm/kernels-relaxed.wasm'
import model from '../../fixtures/openelm/model.onnx'
import reference from '../../fixtures/openelm/reference.json' with { type: 'json' }
import { WasmKernels } from '../../src/kernels/wasm.ts'
import { OnnxCausalLM } from '../../src/onnx.ts'
import { loadOnnxWeb } from '../../src/onnx-web.ts'

describe('inside workerd', () => {
  it('runs the WASM kernels from an imported module (both builds)', () => {
    for (const module of [kernels, relaxedKernels]) {
      const k = new WasmKernels(module)
      const rows = 5
      const inDim = 12
      const outDim = 10
      const x = Float32Array.from({ length: rows * inDim }, (_, i) => Math.sin(i))
      const w = Float32Array.from({ length: outDim * inDim }, (_, i) => Math.cos(i))
      const out = new Float32Array(rows * outDim)
      k.linear(out, x, w, rows, inDim, outDim)
      for (let r = 0; r < rows; r++)
        for (let o = 0; o < outDim; o++) {
          let s = 0
          for (let c = 0; c < inDim; c++) s += x[r * inDim + c]! * w[o * inDim + c]!
          expect(out[r * outDim + o]).toBeCloseTo(s, 4)
        }
    }
  })

  it('runs the OpenELM fixture export on onnxruntime-web and reproduces the PyTorch greedy tokens', async () => {
    const ort = await loadOnnxWeb({ wasmModule: ortWasm })
    const lm = await OnnxCausalLM.create(ort, model)
    const tokens: number[] = []
    for await (const t of lm.generate(reference.input_ids, reference.greedy_tokens.length)) tokens.push(t)
    expect(tokens).toEqual(reference.greedy_tokens)
    await lm.release()
  })
})
