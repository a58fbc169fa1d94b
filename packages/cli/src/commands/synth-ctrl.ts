import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { createProgress } from '@frugal/bench/node'
import {
  type CtrlInput,
  oracleTagger,
  parsePolicy,
  runCtrlSynth,
  SYNTHESIS_PATHS,
  SynthError,
  type SynthesisPath,
} from '@frugal/synth'
import { readRecordImage, readSceneRecords, writeFileAtomic, writeSceneRecords } from '@frugal/synth/node'
import { type ArgsDef, defineCommand } from 'citty'
import { flag, outDir, SynthFlagError, synthGuarded } from './synth.ts'

const ctrlArgs = {
  in: {
    type: 'string',
    description: 'A scenes folder (scenes.jsonl + images/) to edit (required)',
    valueHint: 'DIR',
  },
  policy: {
    type: 'string',
    description: 'Control policy JSON: {"seed": 1, "ops": [...]} (required)',
    valueHint: 'FILE',
  },
  path: {
    type: 'string',
    description: `Synthesis path: ${SYNTHESIS_PATHS.join(' | ')} (required)`,
    valueHint: 'PATH',
  },
  out: {
    type: 'string',
    description: 'Output folder: scenes.jsonl, images/, report.json (required)',
    valueHint: 'DIR',
  },
  filter: {
    type: 'boolean',
    default: false,
    description: 'Keep only samples whose re-decomposition matches',
  },
  'tagger-error': {
    type: 'string',
    description: 'Error rate of the oracle tagger (default 0)',
    valueHint: 'P',
  },
  quiet: { type: 'boolean', default: false, description: 'No progress bar' },
} as const satisfies ArgsDef

async function readPolicy(file: string) {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new SynthFlagError(
      `--policy ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    )
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new SynthError('INVALID_POLICY', `${file}: not JSON (${(error as Error).message})`)
  }
  try {
    return parsePolicy(value)
  } catch (error) {
    if (error instanceof SynthError)
      throw new SynthError(error.code, `${file}: ${error.message}`, { path: error.path ?? '' })
    throw error
  }
}

/** `frugal synth ctrl`: CtrlSynth over a scenes folder. */
export const synthCtrlCommand = defineCommand({
  meta: { name: 'ctrl', description: 'CtrlSynth: decompose, edit by a policy, recompose and filter samples' },
  args: ctrlArgs,
  run: synthGuarded('ctrl', ctrlArgs, async (args) => {
    const input = resolve(flag(args, 'in', true)!)
    const path = flag(args, 'path', true) as SynthesisPath
    if (!SYNTHESIS_PATHS.includes(path))
      throw new SynthFlagError(`--path must be one of ${SYNTHESIS_PATHS.join(', ')}, got "${path}"`)
    const policyFile = resolve(flag(args, 'policy', true)!)
    const out = outDir(args)
    if (out === input) throw new SynthFlagError('--out must differ from --in')
    const errorText = flag(args, 'tagger-error')
    const errorRate = errorText === undefined ? 0 : Number(errorText)
    if (!(errorRate >= 0 && errorRate <= 1))
      throw new SynthFlagError(`--tagger-error must be in [0, 1], got "${errorText}"`)
    const policy = await readPolicy(policyFile)
    const records = await readSceneRecords(input)
    const inputs: CtrlInput[] = []
    for (const record of records) {
      const image = path.startsWith('image') ? await readRecordImage(input, record) : undefined
      inputs.push(image ? { record, image } : { record })
    }
    const started = performance.now()
    const bar = createProgress('ctrlsynth', inputs.length, { quiet: args['quiet'] === true })
    const { outcomes, report } = await runCtrlSynth(
      inputs,
      {
        policy,
        path,
        filter: args['filter'] === true,
        tagger: oracleTagger({ errorRate, seed: policy.seed }),
      },
      (done) => bar.update(done),
    )
    bar.stop()
    await writeSceneRecords(
      out,
      outcomes.flatMap((o) =>
        o.kept ? [o.png ? { record: o.record, png: o.png } : { record: o.record }] : [],
      ),
    )
    await writeFileAtomic(join(out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`)
    const reasons = Object.entries(report.reasons)
      .filter(([, n]) => n > 0)
      .map(([r, n]) => `${r} ${n}`)
    console.log(
      `${report.kept} of ${report.inputs} kept (${path}${report.filter ? ', filtered' : ''})` +
        (reasons.length ? `; rejected: ${reasons.join(', ')}` : '') +
        ` → ${out} (${((performance.now() - started) / 1000).toFixed(1)} s)`,
    )
  }),
})
