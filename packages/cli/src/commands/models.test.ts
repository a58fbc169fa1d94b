import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TextTokenizer } from '@frugal/models'
import { FIXTURES_DIR, fixtureReference, maxAbsDiff } from '@frugal/models/node'
import { encode } from 'fast-png'
import { describe, expect, it } from 'vitest'
import { runFrugal } from '../testing/run-frugal.ts'

const F = FIXTURES_DIR
const frugal = (...args: string[]) => runFrugal(args)
const tokenizer = TextTokenizer.fromJson(readFileSync(join(F, 'openelm', 'tokenizer.json'), 'utf8'))

function errorOf(stderr: string): { code: string; message: string } {
  return (JSON.parse(stderr.trim().split('\n').pop()!) as { error: { code: string; message: string } }).error
}

/** A copy of a fixture model in a temp folder, to damage. */
function copyModel(name: string): string {
  const root = mkdtempSync(join(tmpdir(), 'frugal-models-'))
  const dir = join(root, name)
  mkdirSync(dir)
  for (const f of ['config.json', 'model.safetensors', 'tokenizer.json'])
    copyFileSync(join(F, name, f), join(dir, f))
  return dir
}

/** A 32×32 RGB PNG of the VLM fixture's reference image (quantised to 8 bits). */
function writeScenePng(file: string): void {
  const px = fixtureReference('vlm').tensor('pixel_values').data
  const data = new Uint8Array(32 * 32 * 3)
  for (let c = 0; c < 3; c++)
    for (let i = 0; i < 32 * 32; i++) data[i * 3 + c] = Math.round(((px[c * 1024 + i]! + 1) / 2) * 255)
  writeFileSync(file, encode({ width: 32, height: 32, data, channels: 3, depth: 8 }))
}

describe('frugal models / generate (native runtime, as a process)', () => {
  it('lists models with architecture, parameters and bytes', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'frugal-empty-'))
    const { code, stdout } = await frugal('models', 'list', '--dir', empty, '--dir', F, '--json')
    expect(code).toBe(0)
    const list = JSON.parse(stdout) as {
      name: string
      architecture: string
      parameters: number
      bytes: number
    }[]
    const elm = list.find((m) => m.name === 'openelm')!
    expect(elm).toMatchObject({ architecture: 'openelm', parameters: 39_696 })
    expect(list.map((m) => m.name)).toEqual(
      expect.arrayContaining(['vlm', 'clip', 'vit', 'bert-reader', 'openelm-kvp']),
    )
  })

  it.each(['wasm', 'ts'])(
    'prints the tokens and the last-position logits of the PyTorch reference (--kernels %s)',
    async (kernels) => {
      const ref = fixtureReference('openelm')
      const { code, stdout } = await frugal(
        'models',
        'logits',
        '--model',
        'openelm',
        '--dir',
        F,
        '--text',
        ref.json.text as string,
        '--json',
        '--kernels',
        kernels,
      )
      expect(code).toBe(0)
      const out = JSON.parse(stdout) as { tokens: number[]; logits: number[] }
      const ids = ref.json.input_ids as number[]
      expect(out.tokens).toEqual(ids)
      const v = 320
      expect(maxAbsDiff(out.logits, ref.tensor('logits').data.subarray((ids.length - 1) * v))).toBeLessThan(
        1e-4,
      )
    },
  )

  it('generates the reference greedy continuation, with and without KV Prediction', async () => {
    const text = fixtureReference('openelm').json.text as string
    const plain = await frugal(
      'generate',
      '--model',
      'openelm',
      '--dir',
      F,
      '--prompt',
      text,
      '--max-tokens',
      '4',
      '--json',
    )
    expect(plain.code).toBe(0)
    const p = JSON.parse(plain.stdout) as Record<string, unknown>
    expect(p).toMatchObject({ promptTokens: 28, generatedTokens: 4, backend: 'native' })
    expect(p.text).toBe(tokenizer.decode(fixtureReference('openelm').json.greedy_tokens as number[]))
    expect(p.ttftMs).toBeGreaterThan(0)
    expect(p.tokensPerS).toBeGreaterThan(0)
    const kv = await frugal(
      'generate',
      '--model',
      'openelm',
      '--dir',
      F,
      '--prompt',
      text,
      '--max-tokens',
      '4',
      '--kv-prediction',
      'openelm-aux',
      '--json',
    )
    expect(kv.code).toBe(0)
    const k = JSON.parse(kv.stdout) as { text: string; prefillFlops: number }
    expect(k.text).toBe(tokenizer.decode(fixtureReference('openelm-kvp').json.greedy_tokens as number[]))
    expect(k.prefillFlops).toBeLessThan(p.prefillFlops as number)
  })

  it.each([
    ['openelm', 'onnx'],
    ['openelm', 'onnx-node'],
    ['openelm-aux', 'onnx'],
    ['openelm-aux', 'onnx-node'],
  ] as const)(
    'generates the reference greedy continuation of %s on its ONNX export with --backend %s',
    async (model, backend) => {
      // openelm's export reruns the sequence each step; openelm-aux's carries a KV cache (past_key_values / present).
      const ref = fixtureReference(model)
      const text = fixtureReference('openelm').json.text as string
      const r = await frugal(
        'generate',
        '--model',
        model,
        '--dir',
        F,
        '--prompt',
        text,
        '--max-tokens',
        '4',
        '--backend',
        backend,
        '--json',
      )
      expect(r.code).toBe(0)
      const out = JSON.parse(r.stdout) as { text: string; backend: string; generatedTokens: number }
      expect(out).toMatchObject({ backend, generatedTokens: 4 })
      expect(out.text).toBe(tokenizer.decode(ref.json.greedy_tokens as number[]))
    },
  )

  it.each([
    [['generate', '--model', 'no-such-model', '--prompt', 'x'], 'UNKNOWN_MODEL'],
    [['generate', '--model', 'openelm', '--prompt', 'word '.repeat(80)], 'CONTEXT_OVERFLOW'],
    [['generate', '--model', 'openelm-f16', '--prompt', 'x', '--backend', 'onnx'], 'UNAVAILABLE'],
    [
      [
        'generate',
        '--model',
        'openelm',
        '--prompt',
        'x',
        '--backend',
        'onnx',
        '--kv-prediction',
        'openelm-aux',
      ],
      'UNAVAILABLE',
    ],
    [['generate', '--model', 'openelm', '--prompt', 'x', '--backend', 'tpu'], 'INVALID_ARGUMENT'],
    [['generate', '--model', 'openelm', '--prompt', 'x', '--temperature', '-1'], 'INVALID_ARGUMENT'],
    [['generate', '--model', 'vit', '--prompt', 'x'], 'UNSUPPORTED_ARCHITECTURE'],
    [
      ['generate', '--model', 'openelm', '--prompt', 'x', '--kv-prediction', 'vit'],
      'UNSUPPORTED_ARCHITECTURE',
    ],
  ])('refuses %j with a typed error', async (args, code) => {
    const r = await frugal(...args, '--dir', F, '--json')
    expect(r.code).toBe(1)
    expect(errorOf(r.stderr).code).toBe(code)
  })

  it('refuses a truncated weight file and a config that disagrees with its weights, naming the tensor', async () => {
    const truncated = copyModel('openelm')
    const w = readFileSync(join(truncated, 'model.safetensors'))
    writeFileSync(join(truncated, 'model.safetensors'), w.subarray(0, w.length - 100))
    const a = await frugal('generate', '--model', truncated, '--prompt', 'x', '--json')
    expect(a.code).toBe(1)
    expect(errorOf(a.stderr).code).toBe('CORRUPT')
    const mismatch = copyModel('openelm')
    const cfg = JSON.parse(readFileSync(join(mismatch, 'config.json'), 'utf8'))
    cfg.model_dim = 48
    writeFileSync(join(mismatch, 'config.json'), JSON.stringify(cfg))
    const b = await frugal('generate', '--model', mismatch, '--prompt', 'x', '--json')
    expect(b.code).toBe(1)
    expect(errorOf(b.stderr)).toMatchObject({
      code: 'CONFIG_MISMATCH',
      message: expect.stringContaining('transformer.'),
    })
  })

  it('scores a text file in bits per byte, also from a predicted KV cache', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'frugal-lm-')), 'text.txt')
    const text =
      'Fellow-Citizens of the Senate and House of Representatives: the state of the Union is strong.'
    writeFileSync(file, text)
    const a = await frugal('eval', 'lm', '--model', 'openelm', '--dir', F, '--text', file, '--json')
    expect(a.code).toBe(0)
    const r = JSON.parse(a.stdout) as { bitsPerByte: number; tokens: number; bytes: number }
    expect(r.bytes).toBe(Buffer.byteLength(text))
    expect(r.bitsPerByte).toBeGreaterThan(1)
    expect(r.bitsPerByte).toBeLessThan(12)
    const b = await frugal(
      'eval',
      'lm',
      '--model',
      'openelm',
      '--dir',
      F,
      '--text',
      file,
      '--kv-prediction',
      'openelm-aux',
      '--json',
    )
    expect(b.code).toBe(0)
    const k = JSON.parse(b.stdout) as { scored: string; baseBitsPerByte: number; bitsPerByte: number }
    expect(k.scored).toBe('continuation')
    expect(k.baseBitsPerByte).toBeGreaterThan(0)
  })
})

describe('frugal vqa / eval vqa', () => {
  it('answers a question, with and without dropping the visual tokens', async () => {
    const png = join(mkdtempSync(join(tmpdir(), 'frugal-vqa-')), 'scene.png')
    writeScenePng(png)
    const q = [
      'vqa',
      '--model',
      'vlm',
      '--dir',
      F,
      '--image',
      png,
      '--question',
      'how many red circles?',
      '--json',
    ]
    const plain = await frugal(...q)
    expect(plain.code).toBe(0)
    const p = JSON.parse(plain.stdout) as {
      answer: string
      prefillTokensPerLayer: number[]
      prefillFlops: number
    }
    expect(p.prefillTokensPerLayer).toEqual([34, 34, 34])
    const victor = await frugal(...q, '--reduction', 'victor')
    expect(victor.code).toBe(0)
    const v = JSON.parse(victor.stdout) as { prefillTokensPerLayer: number[]; prefillFlops: number }
    expect(v.prefillTokensPerLayer).toEqual([34, 18, 18])
    expect(v.prefillFlops).toBeLessThan(p.prefillFlops)
    const bad = await frugal(...q, '--reduction', 'pumer:keep=2')
    expect(bad.code).toBe(1)
    expect(errorOf(bad.stderr).code).toBe('INVALID_REDUCTION')
    const wrongSize = join(mkdtempSync(join(tmpdir(), 'frugal-vqa-')), 'big.png')
    writeFileSync(
      wrongSize,
      encode({ width: 8, height: 8, data: new Uint8Array(8 * 8 * 3), channels: 3, depth: 8 }),
    )
    const big = await frugal(
      'vqa',
      '--model',
      'vlm',
      '--dir',
      F,
      '--image',
      wrongSize,
      '--question',
      'q?',
      '--json',
    )
    expect(errorOf(big.stderr).code).toBe('INVALID_ARGUMENT')
  })

  it('evaluates a scenes folder: accuracy per type, throughput, prefill tokens per layer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'frugal-scenes-'))
    mkdirSync(join(dir, 'images'))
    writeScenePng(join(dir, 'images', 's0.png'))
    const ask = await frugal(
      'vqa',
      '--model',
      'vlm',
      '--dir',
      F,
      '--image',
      join(dir, 'images', 's0.png'),
      '--question',
      'what colour?',
      '--json',
    )
    const answer = (JSON.parse(ask.stdout) as { answer: string }).answer
    const qa = [
      { question: 'what colour?', answer: answer.toUpperCase(), type: 'colour-of' },
      { question: 'how many?', answer: 'certainly not this', type: 'count' },
    ]
    writeFileSync(
      join(dir, 'scenes.jsonl'),
      `${JSON.stringify({ id: 's0', image: 'images/s0.png', qa, captions: [] })}\n`,
    )
    const r = await frugal(
      'eval',
      'vqa',
      '--model',
      'vlm',
      '--dir',
      F,
      '--data',
      dir,
      '--reduction',
      'pumer:keep=0.5,merge=0.25',
      '--json',
    )
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout) as Record<string, unknown>
    expect(out).toMatchObject({ n: 2, byType: { count: 0 } })
    expect(out.samplesPerS).toBeGreaterThan(0)
    expect((out.prefillTokensPerLayer as number[]).length).toBe(3)
    const limited = await frugal(
      'eval',
      'vqa',
      '--model',
      'vlm',
      '--dir',
      F,
      '--data',
      dir,
      '--limit',
      '1',
      '--json',
    )
    expect(JSON.parse(limited.stdout)).toMatchObject({ n: 1, accuracy: 1, byType: { 'colour-of': 1 } })
    writeFileSync(join(dir, 'scenes.jsonl'), '{"id":"s0","qa":[]}\n')
    const bad = await frugal('eval', 'vqa', '--model', 'vlm', '--dir', F, '--data', dir, '--json')
    expect(errorOf(bad.stderr)).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining(':1: image'),
    })
  })

  it('evaluates the output of frugal synth scenes, with and without a reduction', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'frugal-synth-')), 'scenes')
    const made = await frugal(
      'synth',
      'scenes',
      '--n',
      '2',
      '--seed',
      '3',
      '--size',
      '32',
      '--split',
      'test',
      '--out',
      dir,
      '--quiet',
    )
    expect(made.code).toBe(0)
    const lines = readFileSync(join(dir, 'scenes.jsonl'), 'utf8').trim().split('\n')
    const qa = lines.flatMap((l) => (JSON.parse(l) as { qa: { type: string }[] }).qa)
    const plain = await frugal('eval', 'vqa', '--model', 'vlm', '--dir', F, '--data', dir, '--json')
    expect(plain.code).toBe(0)
    const p = JSON.parse(plain.stdout) as {
      n: number
      byType: Record<string, number>
      prefillTokensPerLayer: number[]
    }
    expect(p.n).toBe(qa.length)
    expect(Object.keys(p.byType).sort()).toEqual([...new Set(qa.map((q) => q.type))].sort())
    const reduced = await frugal(
      'eval',
      'vqa',
      '--model',
      'vlm',
      '--dir',
      F,
      '--data',
      dir,
      '--reduction',
      'victor+tome:r=2',
      '--json',
    )
    const r = JSON.parse(reduced.stdout) as { n: number; prefillTokensPerLayer: number[] }
    expect(r.n).toBe(qa.length)
    // ToMe removes 2 tokens in each of the 2 ViT layers; Victor then drops the remaining 12 visual tokens after layer 0.
    expect(r.prefillTokensPerLayer[0]).toBeCloseTo(p.prefillTokensPerLayer[0]! - 4, 5)
    expect(r.prefillTokensPerLayer[1]).toBeCloseTo(p.prefillTokensPerLayer[1]! - 16, 5)
  })
})
