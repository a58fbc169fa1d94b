import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { ModelError } from './errors.ts'
import { loadFixture, maxAbsDiff } from './fixtures-node.ts'
import { OnnxCausalLM, OnnxModel, type OrtRuntime } from './onnx.ts'
import { loadOnnxNode } from './onnx-node.ts'
import { loadOnnxWeb } from './onnx-web.ts'
import { referenceEmbedding, TINY_HIDDEN, tinyBertOnnx, tinyWeights } from './tiny-bert-fixture-node.ts'
import { freshTokens } from './tokens.ts'

const FIXTURE = new URL('../fixtures/openelm/', import.meta.url)

/** The F32 tensors of a safetensors file (the fixtures' PyTorch reference outputs). */
async function readReference(url: URL): Promise<Record<string, { data: Float32Array; shape: number[] }>> {
  const bytes = await readFile(url)
  const n = Number(bytes.readBigUInt64LE(0))
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >
  const out: Record<string, { data: Float32Array; shape: number[] }> = {}
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue
    const [a, b] = t.data_offsets
    const raw = bytes.subarray(8 + n + a, 8 + n + b)
    out[name] = {
      data: new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length)),
      shape: t.shape,
    }
  }
  return out
}

const engines: [string, () => Promise<OrtRuntime>][] = [
  ['onnxruntime-web', () => loadOnnxWeb()],
  ['onnxruntime-node', () => loadOnnxNode()],
]

for (const [engine, load] of engines) {
  describe(`ONNX backend on ${engine}`, () => {
    it('runs a whole graph and agrees with the TypeScript reference', async () => {
      const weights = tinyWeights()
      const model = await OnnxModel.create(await load(), tinyBertOnnx(weights))
      expect([...model.inputNames].sort()).toEqual(['attention_mask', 'input_ids', 'token_type_ids'])
      const ids = [2, 4, 5, 3]
      const out = await model.run({
        input_ids: { data: BigInt64Array.from(ids, BigInt), dims: [1, 4] },
        token_type_ids: { data: new BigInt64Array(4), dims: [1, 4] },
        attention_mask: { data: new BigInt64Array(4).fill(1n), dims: [1, 4] },
      })
      const hidden = out['last_hidden_state']!
      expect(hidden.dims).toEqual([1, 4, TINY_HIDDEN])
      // The reference is the mean over the tokens of the graph's per-token output.
      const ref = referenceEmbedding(weights, ids)
      for (let c = 0; c < TINY_HIDDEN; c++) {
        let mean = 0
        for (let t = 0; t < 4; t++) mean += Number(hidden.data[t * TINY_HIDDEN + c]) / 4
        expect(mean).toBeCloseTo(ref[c]!, 5)
      }
      await model.release()
    })

    it('reproduces the PyTorch logits and greedy tokens of the OpenELM fixture export', async () => {
      const reference = JSON.parse(await readFile(new URL('reference.json', FIXTURE), 'utf8')) as {
        input_ids: number[]
        greedy_tokens: number[]
      }
      const tensors = await readReference(new URL('reference.safetensors', FIXTURE))
      const lm = await OnnxCausalLM.create(await load(), await readFile(new URL('model.onnx', FIXTURE)))
      expect(lm.cached).toBe(false)
      const last = await lm.forward(reference.input_ids)
      const logits = tensors['logits']!
      const vocab = logits.shape[1]!
      const want = logits.data.subarray((logits.shape[0]! - 1) * vocab)
      let worst = 0
      for (let v = 0; v < vocab; v++) worst = Math.max(worst, Math.abs(last[v]! - want[v]!))
      expect(worst).toBeLessThan(1e-4)
      const tokens: number[] = []
      for await (const t of lm.generate(reference.input_ids, reference.greedy_tokens.length)) tokens.push(t)
      expect(tokens).toEqual(reference.greedy_tokens)
      await lm.release()
    })

    it('agrees with the native runtime on every position of the fixture', async () => {
      const reference = JSON.parse(await readFile(new URL('reference.json', FIXTURE), 'utf8')) as {
        input_ids: number[]
      }
      const ids = reference.input_ids
      const model = await OnnxModel.create(await load(), await readFile(new URL('model.onnx', FIXTURE)))
      const out = await model.run({
        input_ids: { data: BigInt64Array.from(ids, BigInt), dims: [1, ids.length] },
      })
      const native = await loadFixture('openelm')
      if (native.arch !== 'openelm') throw new Error('not openelm')
      const m = native.model
      const logits = m.forward(m.embed(ids), freshTokens(ids.length), { logits: 'all' }).logits
      expect(out['logits']!.dims).toEqual([1, ids.length, m.vocabSize])
      expect(maxAbsDiff(out['logits']!.data as Float32Array, logits)).toBeLessThan(1e-4)
      await model.release()
    })

    it('refuses a file that is not ONNX and inputs that do not fit', async () => {
      const ort = await load()
      const bad = await OnnxModel.create(ort, new Uint8Array([1, 2, 3])).catch((e: unknown) => e)
      expect(bad).toBeInstanceOf(ModelError)
      expect((bad as ModelError).code).toBe('MODEL_LOAD_FAILED')
      const model = await OnnxModel.create(ort, tinyBertOnnx(tinyWeights()))
      const ids = { data: BigInt64Array.from([2n, 3n]), dims: [1, 2] }
      await expect(model.run({ input_ids: ids, token_type_ids: ids })).rejects.toThrowError(
        /missing ONNX input 'attention_mask'/,
      )
      await expect(
        model.run({ input_ids: ids, token_type_ids: ids, attention_mask: ids, extra: ids }),
      ).rejects.toThrowError(/no input 'extra'/)
      await expect(
        model.run({ input_ids: { data: ids.data, dims: [1, 3] }, token_type_ids: ids, attention_mask: ids }),
      ).rejects.toThrowError(/dims/)
      const notLm = await OnnxCausalLM.create(ort, tinyBertOnnx(tinyWeights())).catch((e: unknown) => e)
      expect((notLm as ModelError).code).toBe('MODEL_LOAD_FAILED')
      await model.release()
    })
  })
}
