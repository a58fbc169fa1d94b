import { readFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import {
  answerQuestion,
  bitsPerByte,
  ModelError,
  normaliseAnswer,
  parseReductionSpec,
  REDUCTION_SPEC_HELP,
} from '@frugal/models'
import { findKvPredictorDir, loadModelDir } from '@frugal/models/node'
import { defineCommand } from 'citty'
import { z } from 'zod'
import {
  intFlag,
  KERNELS_ARG,
  loadNamedModel,
  modelGuarded,
  modelRoots,
  readImage,
  repeated,
  setKernels,
} from './model-files-node.ts'
import { vlmOf } from './vqa.ts'

/** `frugal eval lm`: bits per byte of a text file under a decoder (optionally with KV Prediction). */
export const evalLmCommand = defineCommand({
  meta: {
    name: 'lm',
    description: 'Bits per byte of a text file under a decoder: {bitsPerByte, tokens, bytes}',
  },
  args: {
    model: { type: 'string', description: 'Decoder name or folder', valueHint: 'NAME|DIR' },
    text: { type: 'string', description: 'UTF-8 text file', valueHint: 'FILE' },
    'kv-prediction': {
      type: 'string',
      description:
        'Auxiliary model: score the second half of each window from the predicted cache of the first',
      valueHint: 'AUX',
    },
    dir: { type: 'string', description: 'Also search this folder for models (repeatable)', valueHint: 'DIR' },
    kernels: KERNELS_ARG,
    json: { type: 'boolean', default: false, description: 'Print JSON' },
  },
  run: ({ args, rawArgs }) =>
    modelGuarded('eval lm', args.json, async () => {
      if (!args.model) throw new ModelError('INVALID_ARGUMENT', '--model is required')
      if (!args.text) throw new ModelError('INVALID_ARGUMENT', '--text is required')
      const roots = modelRoots(repeated(rawArgs, 'dir'))
      await setKernels(args.kernels)
      const m = await loadNamedModel(args.model, roots)
      if (m.arch !== 'openelm' || !m.tokenizer) {
        throw new ModelError(
          'UNSUPPORTED_ARCHITECTURE',
          `${args.model} is a ${m.arch} model; eval lm needs a decoder`,
        )
      }
      let text: string
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(await readFile(args.text))
      } catch (cause) {
        throw new ModelError('INVALID_ARGUMENT', `--text ${args.text} is not a readable UTF-8 file`, {
          cause,
        })
      }
      let kv: Parameters<typeof bitsPerByte>[3]
      if (args['kv-prediction']) {
        const aux = await loadNamedModel(args['kv-prediction'], roots)
        if (aux.arch !== 'openelm')
          throw new ModelError('UNSUPPORTED_ARCHITECTURE', `${args['kv-prediction']} is not a decoder`)
        const name = (p: string) => p.split(/[\\/]/).filter(Boolean).pop()!
        const pred = await loadModelDir(await findKvPredictorDir(name(m.dir), name(aux.dir), roots))
        if (pred.arch !== 'kv_predictor') throw new ModelError('MODEL_LOAD_FAILED', 'not a KV predictor')
        kv = { aux: aux.model, predictor: pred.model }
      }
      const r = bitsPerByte(m.model, m.tokenizer, text, kv)
      if (args.json) console.log(JSON.stringify(r))
      else console.log(`${r.bitsPerByte.toFixed(4)} bits/byte over ${r.tokens} tokens, ${r.bytes} bytes`)
    }),
})

const sceneLine = z.looseObject({
  id: z.string().min(1),
  image: z.string().min(1),
  qa: z.array(z.looseObject({ question: z.string().min(1), answer: z.string(), type: z.string().min(1) })),
})

/** Read `<dir>/scenes.jsonl` (the layout of `frugal synth scenes`); a bad line refuses the file, naming it. */
async function readScenes(dir: string): Promise<z.infer<typeof sceneLine>[]> {
  const file = join(dir, 'scenes.jsonl')
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (cause) {
    throw new ModelError('INVALID_ARGUMENT', `--data ${dir}: no scenes.jsonl`, { cause })
  }
  const out: z.infer<typeof sceneLine>[] = []
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue
    let json: unknown
    try {
      json = JSON.parse(line)
    } catch (cause) {
      throw new ModelError('INVALID_ARGUMENT', `${file}:${i + 1} is not JSON`, { cause })
    }
    const r = sceneLine.safeParse(json)
    if (!r.success) {
      const issue = r.error.issues[0]!
      throw new ModelError(
        'INVALID_ARGUMENT',
        `${file}:${i + 1}: ${issue.path.join('.') || '(line)'}: ${issue.message}`,
      )
    }
    out.push(r.data)
  }
  return out
}

/** `frugal eval vqa`: accuracy per question type and prefill cost of a VLM on a scenes folder. */
export const evalVqaCommand = defineCommand({
  meta: {
    name: 'vqa',
    description: `Accuracy of a VLM on a \`frugal synth scenes\` folder, per question type, with its prefill cost.\n\n--reduction ${REDUCTION_SPEC_HELP}`,
  },
  args: {
    model: { type: 'string', description: 'VLM name or folder', valueHint: 'NAME|DIR' },
    data: { type: 'string', description: 'Folder with scenes.jsonl and images/', valueHint: 'DIR' },
    reduction: { type: 'string', description: 'Token reduction SPEC (default none)', valueHint: 'SPEC' },
    limit: { type: 'string', description: 'Evaluate at most N questions', valueHint: 'N' },
    dir: { type: 'string', description: 'Also search this folder for models (repeatable)', valueHint: 'DIR' },
    kernels: KERNELS_ARG,
    json: { type: 'boolean', default: false, description: 'Print JSON' },
  },
  run: ({ args, rawArgs }) =>
    modelGuarded('eval vqa', args.json, async () => {
      if (!args.model) throw new ModelError('INVALID_ARGUMENT', '--model is required')
      if (!args.data) throw new ModelError('INVALID_ARGUMENT', '--data is required')
      const spec = parseReductionSpec(args.reduction ?? 'none')
      const limit = intFlag(args.limit, 'limit', 1, 1e9, Number.MAX_SAFE_INTEGER)
      await setKernels(args.kernels)
      const m = await loadNamedModel(args.model, modelRoots(repeated(rawArgs, 'dir')))
      const { vlm, tokenizer, template } = vlmOf(m, args.model)
      const dir = resolve(args.data)
      const scenes = await readScenes(dir)
      const byType = new Map<string, { right: number; n: number }>()
      const layerTokens = new Float64Array(vlm.decoder.numLayers)
      let n = 0
      let right = 0
      let ms = 0
      outer: for (const scene of scenes) {
        const pixels = await readImage(join(dir, scene.image), vlm.config.vision_config)
        for (const qa of scene.qa) {
          if (n >= limit) break outer
          const a = await answerQuestion(vlm, tokenizer, pixels, qa.question, {
            spec,
            promptTemplate: template,
          })
          ms += a.ms
          const ok = normaliseAnswer(a.answer) === normaliseAnswer(qa.answer)
          const t = byType.get(qa.type) ?? { right: 0, n: 0 }
          t.n++
          if (ok) t.right++
          byType.set(qa.type, t)
          a.prefillTokensPerLayer.forEach((v, i) => {
            layerTokens[i] = layerTokens[i]! + v
          })
          n++
          if (ok) right++
        }
      }
      if (n === 0) throw new ModelError('INVALID_ARGUMENT', `--data ${dir} holds no questions`)
      const result = {
        accuracy: right / n,
        byType: Object.fromEntries([...byType].sort().map(([k, v]) => [k, v.right / v.n])),
        n,
        samplesPerS: (n * 1000) / ms,
        prefillTokensPerLayer: Array.from(layerTokens, (v) => v / n),
        reduction: args.reduction ?? 'none',
        data: dirname(join(dir, 'scenes.jsonl')),
      }
      if (args.json) console.log(JSON.stringify(result))
      else {
        console.log(
          `accuracy ${(result.accuracy * 100).toFixed(1)} % on ${n} questions, ${result.samplesPerS.toFixed(2)} samples/s`,
        )
        for (const [k, v] of Object.entries(result.byType))
          console.log(`  ${k.padEnd(10)} ${(v * 100).toFixed(1)} %`)
        console.log(
          `  prefill tokens per layer: ${result.prefillTokensPerLayer.map((v) => v.toFixed(1)).join(', ')}`,
        )
      }
    }),
})
