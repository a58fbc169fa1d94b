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
import { describeModelDir } from './index-node.ts'
import { verifyModelFiles } from './manifest.ts'
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
})
