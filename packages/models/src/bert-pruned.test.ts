import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { bertFfnDim, bertHeads } from './config.ts'
import { FIXTURES_DIR } from './fixtures-node.ts'
import { loadModel } from './loader.ts'
import { parseSafetensors, type Tensor, writeSafetensors } from './safetensors.ts'

// The tiny classifier fixture: hidden 16, 2 heads of 8, FFN 32, 2 layers.
const dir = `${FIXTURES_DIR}bert-classifier/`
const config = () => JSON.parse(readFileSync(`${dir}config.json`, 'utf8')) as Record<string, unknown>
const weights = readFileSync(`${dir}model.safetensors`)
const D = 16
const HD = 8

type Tensors = Map<string, Tensor>
const tensors = (): Tensors => new Map(parseSafetensors(weights).tensors)
const L = (i: number) => `bert.encoder.layer.${i}.`

/** Keep rows `keep` of a `[rows, cols]` tensor (or of a vector). */
function rows(t: Tensor, keep: number[]): Tensor {
  const cols = t.shape.length === 2 ? t.shape[1]! : 1
  const data = new Float32Array(keep.length * cols)
  for (const [i, r] of keep.entries()) data.set(t.data.subarray(r * cols, (r + 1) * cols), i * cols)
  return { shape: t.shape.length === 2 ? [keep.length, cols] : [keep.length], data, dtype: t.dtype }
}

/** Keep columns `keep` of a `[rows, cols]` tensor. */
function cols(t: Tensor, keep: number[]): Tensor {
  const [r, c] = t.shape as [number, number]
  const data = new Float32Array(r * keep.length)
  for (let i = 0; i < r; i++)
    for (const [k, j] of keep.entries()) data[i * keep.length + k] = t.data[i * c + j]!
  return { shape: [r, keep.length], data, dtype: t.dtype }
}

/** Zero columns `zero` of a `[rows, cols]` tensor (their inputs then contribute nothing). */
function zeroCols(m: Tensors, name: string, zero: number[]): void {
  const t = m.get(name)!
  const data = new Float32Array(t.data)
  const c = t.shape[1]!
  for (let i = 0; i < t.shape[0]!; i++) for (const j of zero) data[i * c + j] = 0
  m.set(name, { shape: t.shape, data, dtype: t.dtype })
}

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i)

/**
 * Layer 0 loses head 1, layer 1 head 0; the FFNs keep neurons 0..19 and 5..31. A full model whose
 * output projections read nothing from those heads and neurons computes the same function, so both
 * must give the same logits.
 */
function prunedPair(): { dense: Tensors; pruned: Tensors; removedHeads: number[] } {
  const dense = tensors()
  const pruned = tensors()
  const removedHeads = [1, 0]
  const keptFfn = [range(0, 20), range(5, 32)]
  for (const i of [0, 1]) {
    const gone = range(removedHeads[i]! * HD, (removedHeads[i]! + 1) * HD)
    const kept = range(0, D).filter((j) => !gone.includes(j))
    zeroCols(dense, `${L(i)}attention.output.dense.weight`, gone)
    for (const p of ['query', 'key', 'value']) {
      for (const s of ['weight', 'bias']) {
        const name = `${L(i)}attention.self.${p}.${s}`
        pruned.set(name, rows(pruned.get(name)!, kept))
      }
    }
    const o = `${L(i)}attention.output.dense.weight`
    pruned.set(o, cols(pruned.get(o)!, kept))
    const f = keptFfn[i]!
    zeroCols(
      dense,
      `${L(i)}output.dense.weight`,
      range(0, 32).filter((j) => !f.includes(j)),
    )
    for (const s of ['weight', 'bias']) {
      const name = `${L(i)}intermediate.dense.${s}`
      pruned.set(name, rows(pruned.get(name)!, f))
    }
    pruned.set(`${L(i)}output.dense.weight`, cols(pruned.get(`${L(i)}output.dense.weight`)!, f))
  }
  return { dense, pruned, removedHeads }
}

const prunedConfig = (): Record<string, unknown> => ({
  ...config(),
  pruned_heads: { '0': [1], '1': [0] },
  intermediate_sizes: [20, 27],
})

describe('structurally pruned BERT (pruned_heads, intermediate_sizes)', () => {
  it('computes what the full model computes with those heads and neurons silenced', () => {
    const { dense, pruned } = prunedPair()
    const full = loadModel({ config: config(), weights: writeSafetensors(dense) })
    const cut = loadModel({ config: prunedConfig(), weights: writeSafetensors(pruned) })
    if (full.arch !== 'bert' || cut.arch !== 'bert') throw new Error('not a BERT')
    expect(bertHeads(cut.config, 0)).toBe(1)
    expect(bertFfnDim(cut.config, 1)).toBe(27)
    expect(cut.parameters).toBeLessThan(full.parameters)
    const ids = [2, 17, 40, 99, 311, 5, 3]
    const a = full.model.forward({ ids, attentionMask: [1, 1, 1, 1, 1, 1, 0] })
    const b = cut.model.forward({ ids, attentionMask: [1, 1, 1, 1, 1, 1, 0] })
    const worst = Math.max(...Array.from(a.logits!, (v, j) => Math.abs(v - b.logits![j]!)))
    expect(worst).toBeLessThan(1e-5)
    // FLOPs follow the real widths: per layer and token, 2·(3·D·inner + inner·D) for the projections
    // and 2·2·D·ffn for the FFN; pooler and classifier 2·D·D + 2·D·3.
    const n = ids.length
    const linear = (f: number, inner: number) => 2 * n * (4 * D * inner) + 2 * n * 2 * D * f
    expect(b.flops.linear).toBe(linear(20, HD) + linear(27, HD) + 2 * D * D + 2 * D * 3)
    expect(b.flops.attention).toBe(2 * 4 * n * n * HD)
    expect(a.flops.total).toBeGreaterThan(b.flops.total)
  })

  it('runs a layer whose heads were all removed (only the output bias is left)', () => {
    const c = { ...config(), pruned_heads: { '1': [0, 1] } }
    const m = tensors()
    for (const p of ['query', 'key', 'value']) {
      m.set(`${L(1)}attention.self.${p}.weight`, { shape: [0, D], data: new Float32Array(), dtype: 'F32' })
      m.set(`${L(1)}attention.self.${p}.bias`, { shape: [0], data: new Float32Array(), dtype: 'F32' })
    }
    m.set(`${L(1)}attention.output.dense.weight`, { shape: [D, 0], data: new Float32Array(), dtype: 'F32' })
    const loaded = loadModel({ config: c, weights: writeSafetensors(m) })
    if (loaded.arch !== 'bert') throw new Error('not a BERT')
    const out = loaded.model.forward({ ids: [2, 9, 3] })
    expect(Array.from(out.logits!).every(Number.isFinite)).toBe(true)
  })

  it.each([
    ['a head index past num_attention_heads', { '0': [2] }, undefined, 'pruned_heads.0.0'],
    ['a head listed twice', { '0': [1, 1] }, undefined, 'pruned_heads.0.1'],
    ['a layer that does not exist', { '5': [0] }, undefined, 'pruned_heads.5'],
    ['a non-numeric layer key', { first: [0] }, undefined, 'pruned_heads.first'],
    ['intermediate_sizes of the wrong length', undefined, [32], 'intermediate_sizes'],
    ['a negative FFN width', undefined, [32, -1], 'intermediate_sizes.1'],
  ])('refuses a config with %s (INVALID_CONFIG)', (_what, pruned_heads, intermediate_sizes, path) => {
    const c = { ...config(), pruned_heads, intermediate_sizes }
    const load = () => loadModel({ config: c, weights })
    expect(load).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }))
    expect(load).toThrow(path)
  })

  it.each([
    [
      'pruned_heads that the weights do not reflect',
      { ...config(), pruned_heads: { '1': [0] } },
      'bert.encoder.layer.1.attention.self.query.weight',
    ],
    [
      'intermediate_sizes that the weights do not reflect',
      { ...config(), intermediate_sizes: [32, 20] },
      'bert.encoder.layer.1.intermediate.dense.weight',
    ],
  ])('refuses %s (CONFIG_MISMATCH naming the tensor)', (_what, c, tensor) => {
    const load = () => loadModel({ config: c, weights })
    expect(load).toThrow(expect.objectContaining({ code: 'CONFIG_MISMATCH' }))
    expect(load).toThrow(tensor)
  })

  it('refuses pruned weights under an unpruned config', () => {
    const { pruned } = prunedPair()
    expect(() => loadModel({ config: config(), weights: writeSafetensors(pruned) })).toThrow(
      /attention\.self\.query\.weight.*\[8, 16\]/,
    )
  })
})
