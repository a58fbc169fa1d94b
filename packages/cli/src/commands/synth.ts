import { existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { createProgress } from '@frugal/bench/node'
import { generateFactWorld, parseCombo, SPLITS, type Split, SynthError } from '@frugal/synth'
import { writeFactWorld, writeScenes } from '@frugal/synth/node'
import { type ArgsDef, type CommandDef, defineCommand } from 'citty'
import { synthCtrlCommand } from './synth-ctrl.ts'

/** A bad command line: reported as `frugal synth <cmd>: <message>` with exit code 2. */
export class SynthFlagError extends Error {}

export type SynthArgs = Record<string, string | boolean | string[] | undefined>

/** Runs a subcommand body: flag errors exit 2, refused input (a SynthError) exits 1 with its code. */
export function synthGuarded<A extends ArgsDef>(
  name: string,
  args: A,
  body: (args: SynthArgs) => Promise<void>,
): CommandDef<A>['run'] {
  return async ({ args: parsed, rawArgs }) => {
    try {
      const known = new Set(['help', 'h', ...Object.keys(args)])
      for (const raw of rawArgs) {
        if (!raw.startsWith('--')) continue
        const flag = raw.slice(2).split('=')[0]!
        const bare = flag.startsWith('no-') ? flag.slice(3) : flag
        if (!known.has(flag) && !known.has(bare))
          throw new SynthFlagError(`unknown flag --${flag} (see --help)`)
      }
      await body(parsed as unknown as SynthArgs)
    } catch (error) {
      if (error instanceof SynthFlagError || error instanceof SynthError) {
        const code = error instanceof SynthError ? ` [${error.code}]` : ''
        console.error(`frugal synth ${name}: ${error.message}${code}`)
        process.exitCode = error instanceof SynthFlagError ? 2 : 1
        return
      }
      throw error
    }
  }
}

/** The string value of `--flag`; refuses a repeated or empty flag, and a missing one when required. */
export function flag(args: SynthArgs, name: string, required = false): string | undefined {
  const v = args[name]
  if (Array.isArray(v)) throw new SynthFlagError(`--${name} was given more than once`)
  if (v === true || v === '') throw new SynthFlagError(`--${name} needs a value`)
  if (v === undefined || v === false) {
    if (required) throw new SynthFlagError(`--${name} is required`)
    return undefined
  }
  return v
}

/** An integer flag in [min, max]. */
export function intFlag(args: SynthArgs, name: string, min: number, max: number, fallback?: number): number {
  const v = flag(args, name, fallback === undefined)
  if (v === undefined) return fallback!
  const n = Number(v)
  if (!/^-?\d+$/.test(v.trim()) || n < min || n > max)
    throw new SynthFlagError(`--${name} must be an integer in [${min}, ${max}], got "${v}"`)
  return n
}

function numberFlag(args: SynthArgs, name: string, min: number, max: number): number | undefined {
  const v = flag(args, name)
  if (v === undefined) return undefined
  const n = Number(v)
  if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max)
    throw new SynthFlagError(`--${name} must be a number in [${min}, ${max}], got "${v}"`)
  return n
}

/** The `--out` folder: refused when it exists as a file. */
export function outDir(args: SynthArgs): string {
  const out = resolve(flag(args, 'out', true)!)
  if (existsSync(out) && !statSync(out).isDirectory())
    throw new SynthFlagError(`--out ${out} is not a folder`)
  return out
}

const scenesArgs = {
  n: { type: 'string', description: 'Number of scenes (required)', valueHint: 'N' },
  seed: { type: 'string', description: 'World seed; same seed, same bytes (required)', valueHint: 'S' },
  out: {
    type: 'string',
    description: 'Output folder: scenes.jsonl + images/<id>.png (required)',
    valueHint: 'DIR',
  },
  split: { type: 'string', description: `Split: ${SPLITS.join(' | ')} (default train; seeds never overlap)` },
  size: { type: 'string', description: 'Image width and height in pixels (default 96)', valueHint: 'PX' },
  'long-tail': {
    type: 'string',
    description: 'Zipf exponent of shape–colour frequencies (default 0: uniform)',
    valueHint: 'A',
  },
  'caption-noise': {
    type: 'string',
    description: 'Share of captions made misaligned or partial (default 0)',
    valueHint: 'P',
  },
  holdout: {
    type: 'string',
    description: 'Combos never shown in train, e.g. "red star,blue circle"',
    valueHint: 'LIST',
  },
  quiet: { type: 'boolean', default: false, description: 'No progress bar' },
} as const satisfies ArgsDef

const scenesCommand = defineCommand({
  meta: { name: 'scenes', description: 'Generate rendered scenes with captions and balanced QA' },
  args: scenesArgs,
  run: synthGuarded('scenes', scenesArgs, async (args) => {
    const n = intFlag(args, 'n', 1, 10_000_000)
    const seed = intFlag(args, 'seed', 0, 2 ** 32 - 1)
    const out = outDir(args)
    const split = (flag(args, 'split') ?? 'train') as Split
    if (!SPLITS.includes(split))
      throw new SynthFlagError(`--split must be one of ${SPLITS.join(', ')}, got "${split}"`)
    const size = intFlag(args, 'size', 16, 1024, 96)
    const holdoutText = flag(args, 'holdout')
    const holdout =
      holdoutText === undefined
        ? []
        : holdoutText
            .split(',')
            .map((c) => c.trim())
            .filter(Boolean)
    holdout.forEach((c, i) => {
      try {
        parseCombo(c, `--holdout[${i}]`)
      } catch (error) {
        throw new SynthFlagError((error as Error).message)
      }
    })
    const bar = createProgress('scenes', n, { quiet: args['quiet'] === true })
    const { count, seconds } = await writeScenes(out, {
      seed,
      n,
      split,
      world: {
        width: size,
        height: size,
        longTail: numberFlag(args, 'long-tail', 0, 10) ?? 0,
        captionNoise: numberFlag(args, 'caption-noise', 0, 1) ?? 0,
        holdout,
      },
      onProgress: (done) => bar.update(done),
    })
    bar.stop()
    console.log(
      `${count} scenes (${split}, seed ${seed}, ${size}×${size}) in ${out}: ${seconds.toFixed(1)} s, ${(count / seconds).toFixed(0)} scenes/s`,
    )
  }),
})

const factsArgs = {
  entities: {
    type: 'string',
    description: 'Number of entities (one passage each), at least 12 (required)',
    valueHint: 'N',
  },
  seed: { type: 'string', description: 'World seed; same seed, same bytes (required)', valueHint: 'S' },
  out: {
    type: 'string',
    description: 'Output folder: BEIR layout + answers.jsonl (required)',
    valueHint: 'DIR',
  },
  questions: { type: 'string', description: 'Number of questions (default: one per entity)', valueHint: 'N' },
} as const satisfies ArgsDef

const factsCommand = defineCommand({
  meta: {
    name: 'facts',
    description: 'Generate a fictional encyclopedia with single- and two-hop questions',
  },
  args: factsArgs,
  run: synthGuarded('facts', factsArgs, async (args) => {
    const entities = intFlag(args, 'entities', 12, 1_000_000)
    const seed = intFlag(args, 'seed', 0, 2 ** 32 - 1)
    const questions = intFlag(args, 'questions', 0, 10 * entities, entities)
    const out = outDir(args)
    const started = performance.now()
    const world = generateFactWorld({ entities, seed, questions })
    await writeFactWorld(out, world)
    const twoHop = world.questions.filter((q) => q.type === 'two-hop').length
    console.log(
      `${world.documents.length} passages, ${world.questions.length} questions (${world.questions.length - twoHop} single-hop, ${twoHop} two-hop) in ${out} (${((performance.now() - started) / 1000).toFixed(1)} s)`,
    )
  }),
})

/** `frugal synth`: synthetic data worlds and CtrlSynth. */
export const synthCommand = defineCommand({
  meta: { name: 'synth', description: 'Synthetic scenes, a fact world for QA, and CtrlSynth edits' },
  subCommands: { scenes: scenesCommand, facts: factsCommand, ctrl: synthCtrlCommand },
})
