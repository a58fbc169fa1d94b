// Smoke tests of the training recipes: each trains a tiny config for a few steps, and the test checks
// that the loss fell, that the export passes the zoo's layout and manifest checks, and that it loads
// back in the TypeScript runtime. They need PyTorch (`.ci/run` installs it); without it they are
// skipped with the reason, unless FRUGAL_REQUIRE_TORCH=1 (set by .ci/run) makes that a failure.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { kvPredictionPrefill, TextTokenizer } from '@frugal/models'
import { findKvPredictorDir, loadModelDir } from '@frugal/models/node'
import { afterAll, describe, expect, it } from 'vitest'
import { verifyModelFiles } from './manifest.ts'
import { describeModelDir } from './node.ts'
import { findPython, REPO_ROOT } from './python-node.ts'

const probe = findPython()
if (!probe.ok && process.env.FRUGAL_REQUIRE_TORCH === '1') {
  throw new Error(`FRUGAL_REQUIRE_TORCH=1 but ${probe.reason}`)
}
const reason = probe.ok ? '' : `skipped: ${probe.reason}; run .ci/run or see training/README.md`
const work = mkdtempSync(join(tmpdir(), 'frugal-zoo-smoke-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

interface LogEvent {
  event: string
  step: number
  loss?: number
}

/** Run `python -m training.<recipe> --smoke ...` from the repository root; returns its log events. */
function recipe(name: string, out: string, args: string[]): LogEvent[] {
  if (!probe.ok) throw new Error(reason)
  const r = spawnSync(
    probe.python,
    ['-m', `training.${name}`, '--smoke', '--out', join(work, out), ...args],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 280_000,
    },
  )
  if (r.status !== 0) throw new Error(`training.${name} failed (${r.status}):\n${r.stderr.slice(-3000)}`)
  return readFileSync(join(work, out, 'log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as LogEvent)
}

/** Mean of the first and of the last three logged training losses. */
function lossFell(events: LogEvent[]): { first: number; last: number } {
  const losses = events.filter((e) => e.event === 'train').map((e) => e.loss as number)
  expect(losses.length).toBeGreaterThanOrEqual(4)
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
  const r = { first: mean(losses.slice(0, 3)), last: mean(losses.slice(-3)) }
  expect(r.last).toBeLessThan(r.first)
  return r
}

/** The export passes the zoo's layout check and its own manifest entry, and loads in the runtime. */
async function checkExport(dir: string) {
  const entry = await describeModelDir(dir)
  await verifyModelFiles('smoke', entry, async (f) => {
    const p = join(dir, f)
    return existsSync(p) ? new Uint8Array(readFileSync(p)) : undefined
  })
  const loaded = await loadModelDir(dir)
  expect(loaded.parameters).toBe(entry.parameters)
  return { entry, loaded }
}

const TOK = () => join(work, 'tokenizer')
const COMMON = ['--warmup', '2', '--log-every', '5', '--budget-minutes', '4']

describe.skipIf(!probe.ok)(`training recipes (smoke) ${reason}`, { timeout: 300_000 }, () => {
  it('tokenizer: a byte-level BPE that the runtime loads and that round-trips text', () => {
    recipe('tokenizer', 'tokenizer', ['--export', TOK(), '--vocab-size', '400', '--corpora', 'sotu,moby'])
    for (const f of ['tokenizer.json', 'tokenizer-encoder.json']) {
      const tok = TextTokenizer.fromJson(JSON.parse(readFileSync(join(TOK(), f), 'utf8')))
      expect(tok.vocabSize).toBe(400)
      const text = 'Fellow-Citizens of the Senate — naïve whales, 1790!'
      const ids = tok.encode(text, { specialTokens: false }).ids
      expect(tok.decode(Array.from(ids))).toBe(text)
    }
  })

  it('elm: loss falls, the export loads and generates in the runtime', async () => {
    const ev = recipe('elm', 'elm', [
      ...COMMON,
      ...[
        '--size',
        'tiny',
        '--tokenizer',
        join(TOK(), 'tokenizer.json'),
        '--max-steps',
        '30',
        '--batch',
        '4',
      ],
      ...['--context', '64', '--lr', '1e-2', '--eval-windows', '4', '--test-windows', '8'],
    ])
    lossFell(ev)
    const { loaded, entry } = await checkExport(join(work, 'elm/export'))
    expect(entry.task).toBe('causal-lm')
    expect(loaded.arch).toBe('openelm')
  })

  it('kv_predictor: loss falls; the runtime finds the predictor from the pair and prefills with it', async () => {
    const ev = recipe('kv_predictor', 'kvp', [
      ...COMMON,
      ...['--base', join(work, 'elm/export'), '--aux', join(work, 'elm/export')],
      ...['--aux-export', join(work, 'kvp-zoo/frugal-elm-aux'), '--export', join(work, 'kvp-zoo/kvp')],
      ...['--max-steps', '30', '--batch', '4', '--context', '64', '--lr', '1e-2'],
      ...['--prompt-tokens', '16', '--continuation', '4', '--ttft-prompt', '32'],
    ])
    lossFell(ev)
    const { entry } = await checkExport(join(work, 'kvp-zoo/kvp'))
    expect(entry.task).toBe('kv-predictor')
    await checkExport(join(work, 'kvp-zoo/frugal-elm-aux'))
    const dir = await findKvPredictorDir('frugal-elm-base', 'frugal-elm-aux', [join(work, 'kvp-zoo')])
    const [b, a, p] = await Promise.all([
      loadModelDir(join(work, 'elm/export')),
      loadModelDir(join(work, 'kvp-zoo/frugal-elm-aux')),
      loadModelDir(dir),
    ])
    if (b.arch !== 'openelm' || a.arch !== 'openelm' || p.arch !== 'kv_predictor')
      throw new Error('architectures')
    const ids = Array.from(b.tokenizer!.encode('The Union is strong', {}).ids)
    const out = kvPredictionPrefill(b.model, a.model, p.model, ids)
    expect(out.logits.length).toBe(b.model.vocabSize)
    expect(out.logits.every(Number.isFinite)).toBe(true)
  })

  it('enc: MLM loss falls and the encoder loads in the runtime', async () => {
    const ev = recipe('enc', 'enc', [
      ...COMMON,
      ...['--size', 'tiny', '--tokenizer', join(TOK(), 'tokenizer-encoder.json'), '--corpora', 'sotu'],
      ...['--max-steps', '30', '--batch', '8', '--seq', '64', '--lr', '5e-3', '--eval-batches', '2'],
    ])
    lossFell(ev)
    const { entry } = await checkExport(join(work, 'enc/export'))
    expect(entry.task).toBe('feature-extraction')
  })

  it('apt: fine-tuning loss falls; APT exports structurally smaller classifiers at the target densities', async () => {
    const ev = recipe('apt', 'apt', [
      ...COMMON,
      ...['--encoder', join(work, 'enc/export'), '--export', join(work, 'apt-zoo'), '--max-steps', '40'],
      ...['--batch', '16', '--seq', '64', '--lr', '1e-3', '--num-prunings', '3', '--prune-end', '0.5'],
    ])
    // Classification minibatch losses are noisy at this size; the recipe logs the loss on a fixed set of
    // training messages before and after each method.
    const fits = ev.filter((e) => e.event === 'fit') as unknown as {
      method: string
      before: number
      after: number
    }[]
    expect(fits.map((f) => f.method)).toEqual(['ft', 'lora', 'apt', 'apt'])
    for (const f of fits.filter((x) => x.method !== 'apt')) expect(f.after).toBeLessThan(f.before)
    const result = JSON.parse(readFileSync(join(work, 'apt/evaluation.json'), 'utf8')) as {
      results: Record<string, { prunable: number; accuracy: number; masked_accuracy?: number }>
    }
    const full = result.results.ft!.prunable
    for (const d of [0.6, 0.4]) {
      const r = result.results[`apt-${d}`]!
      expect(r.prunable / full).toBeLessThanOrEqual(d + 1e-9)
      expect(r.prunable / full).toBeGreaterThan(d - 0.1)
      // Removing the masked blocks changes nothing: the smaller dense model predicts as the masked one.
      expect(r.accuracy).toBe(r.masked_accuracy)
      expect(result.results[`magnitude-${d}`]!.prunable).toBeLessThanOrEqual(full * d + 1e-9)
    }
    const { loaded } = await checkExport(join(work, 'apt-zoo/frugal-enc-spam'))
    expect(loaded.arch).toBe('bert')
    for (const name of ['frugal-enc-spam-apt60', 'frugal-enc-spam-apt40']) {
      // The structurally pruned exports load in the runtime with their per-layer widths.
      const pruned = await checkExport(join(work, 'apt-zoo', name))
      expect(pruned.entry.task).toBe('text-classification')
      expect(pruned.loaded.parameters).toBeLessThan(loaded.parameters)
    }
  })

  it('reader: span loss falls in every stage; reader and BTR exports pass the checks and load', async () => {
    const ev = recipe('reader', 'reader', [
      ...COMMON,
      ...['--encoder', join(work, 'enc/export'), '--export', join(work, 'reader-zoo'), '--max-steps', '20'],
      ...['--batch', '8', '--q-len', '24', '--p-len', '40', '--btr-layer', '1', '--lr', '3e-3'],
      ...['--train-world', join(work, 'facts-train'), '--test-world', join(work, 'facts-test')],
      ...['--train-entities', '200', '--test-entities', '40'],
    ])
    lossFell(ev)
    const result = JSON.parse(readFileSync(join(work, 'reader/evaluation.json'), 'utf8')) as {
      storage_ratio: number
      exact_match: Record<string, number>
    }
    expect(result.storage_ratio).toBeGreaterThan(16)
    for (const name of ['frugal-reader', 'frugal-reader-btr']) {
      const { entry } = await checkExport(join(work, 'reader-zoo', name))
      expect(entry.task).toBe('extractive-qa')
    }
  })

  it('embed: contrastive loss falls; the Matryoshka embedder loads with its nested dims', async () => {
    const ev = recipe('embed', 'embed', [
      ...COMMON,
      ...['--encoder', join(work, 'enc/export'), '--export', join(work, 'embed/export'), '--max-steps', '30'],
      ...['--batch', '16', '--seq', '64', '--dims', '16', '32', '--corpora', 'sotu', '--no-lsa'],
      ...['--facts-world', join(work, 'facts-train'), '--lr', '3e-3', '--temperature', '0.1'],
    ])
    lossFell(ev)
    const { entry, loaded } = await checkExport(join(work, 'embed/export'))
    expect(entry.task).toBe('text-embedding')
    expect(loaded.config).toMatchObject({ matryoshka_dims: [16, 32] })
  })
})
