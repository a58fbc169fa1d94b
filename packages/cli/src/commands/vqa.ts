import {
  answerQuestion,
  type LoadedModel,
  ModelError,
  parseReductionSpec,
  REDUCTION_SPEC_HELP,
} from '@frugal/models'
import { defineCommand } from 'citty'
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

/** The VLM and tokenizer of a loaded model, or a typed refusal. */
export function vlmOf(m: LoadedModel, name: string) {
  if (m.arch !== 'frugal_vlm') {
    throw new ModelError(
      'UNSUPPORTED_ARCHITECTURE',
      `${name} is a ${m.arch} model; this needs a vision-language model`,
    )
  }
  if (!m.tokenizer) throw new ModelError('MODEL_LOAD_FAILED', `${name} has no tokenizer.json`)
  return {
    vlm: m.model,
    tokenizer: m.tokenizer,
    template: m.config.prompt_template ?? undefined,
  }
}

/** `frugal vqa`: answer a question about a PNG with a VLM, optionally token-reduced. */
export const vqaCommand = defineCommand({
  meta: {
    name: 'vqa',
    description: `Answer a question about an image with a vision-language model.\n\n--reduction ${REDUCTION_SPEC_HELP}`,
  },
  args: {
    model: { type: 'string', description: 'VLM name or folder', valueHint: 'NAME|DIR' },
    image: { type: 'string', description: 'PNG of the model image size', valueHint: 'FILE.png' },
    question: { type: 'string', description: 'The question', valueHint: 'TEXT' },
    reduction: {
      type: 'string',
      description: 'Token reduction SPEC (see above; default none)',
      valueHint: 'SPEC',
    },
    'max-tokens': { type: 'string', description: 'Answer tokens at most (default 8)', valueHint: 'N' },
    dir: { type: 'string', description: 'Also search this folder for models (repeatable)', valueHint: 'DIR' },
    kernels: KERNELS_ARG,
    json: { type: 'boolean', default: false, description: 'Print JSON' },
  },
  run: ({ args, rawArgs }) =>
    modelGuarded('vqa', args.json, async () => {
      for (const f of ['model', 'image', 'question'] as const) {
        if (!args[f]) throw new ModelError('INVALID_ARGUMENT', `--${f} is required`)
      }
      const spec = parseReductionSpec(args.reduction ?? 'none')
      const maxTokens = intFlag(args['max-tokens'], 'max-tokens', 1, 1000, 8)
      await setKernels(args.kernels)
      const m = await loadNamedModel(args.model!, modelRoots(repeated(rawArgs, 'dir')))
      const { vlm, tokenizer, template } = vlmOf(m, args.model!)
      const pixels = await readImage(args.image!, vlm.config.vision_config)
      const a = await answerQuestion(vlm, tokenizer, pixels, args.question!, {
        spec,
        maxTokens,
        promptTemplate: template,
      })
      if (args.json) console.log(JSON.stringify({ ...a, reduction: args.reduction ?? 'none' }))
      else console.log(a.answer)
    }),
})
