import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { FIXTURES_DIR } from './fixtures-node.ts'
import { loadModel } from './loader.ts'
import { findKvPredictorDir, findModels, resolveModelDir } from './loader-node.ts'
import { parseSafetensors, writeSafetensors } from './safetensors.ts'

const dir = `${FIXTURES_DIR}openelm/`
const config = () => JSON.parse(readFileSync(`${dir}config.json`, 'utf8')) as Record<string, unknown>
const weights = readFileSync(`${dir}model.safetensors`)
const tokenizer = readFileSync(`${dir}tokenizer.json`, 'utf8')

function withTensors(
  edit: (m: Map<string, { shape: readonly number[]; data: Float32Array }>) => void,
): Uint8Array {
  const m = new Map(parseSafetensors(weights).tensors)
  edit(m)
  return writeSafetensors(m)
}

describe('loadModel refuses a model whose parts disagree, naming what', () => {
  it('loads the intact fixture', () => {
    const m = loadModel({ config: config(), weights, tokenizer })
    expect(m.arch).toBe('openelm')
    expect(m.parameters).toBe(m.arch === 'openelm' ? m.model.parameters : -1)
  })

  it.each([
    ['a missing field', (c: Record<string, unknown>) => delete c.model_dim, 'INVALID_CONFIG', 'model_dim'],
    ['a wrong type', (c: Record<string, unknown>) => (c.head_dim = 'eight'), 'INVALID_CONFIG', 'head_dim'],
    [
      'per-layer lists of the wrong length',
      (c: Record<string, unknown>) => (c.num_kv_heads = [1, 2]),
      'INVALID_CONFIG',
      'num_kv_heads',
    ],
    [
      'a RoPE base below 1 (1e-300 overflowed the angles to NaN logits)',
      (c: Record<string, unknown>) => (c.rope_freq_constant = 1e-300),
      'INVALID_CONFIG',
      'rope_freq_constant',
    ],
    [
      'an unknown architecture',
      (c: Record<string, unknown>) => (c.model_type = 'llama'),
      'UNSUPPORTED_ARCHITECTURE',
      'llama',
    ],
    [
      'more layers than the weights hold',
      (c: Record<string, unknown>) => {
        c.num_transformer_layers = 4
        c.num_query_heads = [2, 4, 4, 4]
        c.num_kv_heads = [1, 2, 2, 2]
        c.ffn_multipliers = [0.5, 2.25, 4, 4]
      },
      'CONFIG_MISMATCH',
      'transformer.layers.3.attn_norm.weight',
    ],
    [
      'fewer layers than the weights hold',
      (c: Record<string, unknown>) => {
        c.num_transformer_layers = 2
        c.num_query_heads = [2, 4]
        c.num_kv_heads = [1, 2]
        c.ffn_multipliers = [0.5, 2.25]
      },
      'CONFIG_MISMATCH',
      'transformer.layers.2',
    ],
    [
      'another head count',
      (c: Record<string, unknown>) => (c.num_query_heads = [4, 4, 4]),
      'CONFIG_MISMATCH',
      'transformer.layers.0.attn.qkv_proj.weight',
    ],
  ])('config with %s', (_what, edit, code, fragment) => {
    const c = config()
    edit(c)
    expect(() => loadModel({ config: c, weights, tokenizer })).toThrow(expect.objectContaining({ code }))
    expect(() => loadModel({ config: c, weights, tokenizer })).toThrow(fragment)
  })

  it('a missing tensor', () => {
    const w = withTensors((m) => m.delete('transformer.norm.weight'))
    expect(() => loadModel({ config: config(), weights: w })).toThrow(/transformer\.norm\.weight.*missing/)
  })

  it('a mis-shaped tensor', () => {
    const w = withTensors((m) =>
      m.set('transformer.norm.weight', { shape: [31], data: new Float32Array(31) }),
    )
    expect(() => loadModel({ config: config(), weights: w })).toThrow(
      expect.objectContaining({ code: 'CONFIG_MISMATCH' }),
    )
  })

  it('a truncated safetensors file', () => {
    expect(() => loadModel({ config: config(), weights: weights.subarray(0, weights.length - 10) })).toThrow(
      expect.objectContaining({ code: 'CORRUPT' }),
    )
  })

  it('config.json that is not JSON, and a tokenizer that is not a tokenizer', () => {
    expect(() => loadModel({ config: '{nope', weights })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG' }),
    )
    expect(() => loadModel({ config: config(), weights, tokenizer: '{"a":1}' })).toThrow(
      expect.objectContaining({ code: 'TOKENIZER_FAILED' }),
    )
  })

  it('a tokenizer larger than the vocabulary', () => {
    const c = config()
    c.vocab_size = 300
    c.bos_token_id = 1
    const w = withTensors((m) => {
      const e = m.get('transformer.token_embeddings.weight')!
      m.set('transformer.token_embeddings.weight', { shape: [300, 32], data: e.data.slice(0, 300 * 32) })
    })
    expect(() => loadModel({ config: c, weights: w, tokenizer })).toThrow(/tokenizer\.json has 320 tokens/)
  })
})

describe('model directories', () => {
  it('lists the fixtures with architecture, parameters and bytes', async () => {
    const list = await findModels([FIXTURES_DIR])
    const elm = list.find((m) => m.name === 'openelm')!
    expect(elm.architecture).toBe('openelm')
    expect(elm.parameters).toBeGreaterThan(30_000)
    expect(elm.bytes).toBeGreaterThan(elm.parameters * 4)
    expect(list.map((m) => m.name)).toContain('vlm')
  })

  it('resolves names, refuses unknown ones, and finds the KV predictor of a pair', async () => {
    expect(await resolveModelDir('openelm', [FIXTURES_DIR])).toBe(`${FIXTURES_DIR}openelm`)
    await expect(resolveModelDir('nope', [FIXTURES_DIR])).rejects.toMatchObject({ code: 'UNKNOWN_MODEL' })
    expect(await findKvPredictorDir('openelm', 'openelm-aux', [FIXTURES_DIR])).toBe(
      `${FIXTURES_DIR}openelm-kvp`,
    )
    await expect(findKvPredictorDir('openelm', 'vit', [FIXTURES_DIR])).rejects.toMatchObject({
      code: 'UNKNOWN_MODEL',
    })
  })
})
