import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  type FlopCounter,
  freshTokens,
  type Generation,
  generate,
  generateFrom,
  kvPredictionPrefill,
  type LoadedModel,
  type LogitsSource,
  ModelError,
  type OpenElmConfig,
  type SamplingOptions,
  type TextTokenizer,
} from '@frugal/models'
import { findKvPredictorDir, loadModelDir, loadOnnxNode } from '@frugal/models/node'
import { defineCommand } from 'citty'
import {
  intFlag,
  KERNELS_ARG,
  loadNamedModel,
  modelGuarded,
  modelRoots,
  numberFlag,
  repeated,
  setKernels,
} from './model-files-node.ts'

const BACKENDS = ['native', 'onnx', 'onnx-node'] as const

/** Generation on the whole-graph ONNX export (`model.onnx` next to the weights) with onnxruntime-web or -node. */
async function onnxGeneration(
  backend: 'onnx' | 'onnx-node',
  dir: string,
  ids: number[],
  config: OpenElmConfig,
  tokenizer: TextTokenizer,
  opts: SamplingOptions,
): Promise<Generation> {
  const file = join(dir, 'model.onnx')
  if (!existsSync(file)) throw new ModelError('UNAVAILABLE', `--backend ${backend}: ${dir} has no model.onnx`)
  const ort =
    backend === 'onnx' ? await (await import('@frugal/models/onnx')).loadOnnxWeb() : await loadOnnxNode()
  const { OnnxCausalLM } = await import('@frugal/models/onnx')
  const lm = await OnnxCausalLM.create(ort, await readFile(file))
  let length = 0
  const source: LogitsSource = {
    prefill: async () => {
      length = ids.length
      return lm.forward(ids)
    },
    step: async (id) => {
      length++
      return lm.forward([id])
    },
    hasRoom: () => length < config.max_context_length,
  }
  const eos = config.eos_token_id ?? undefined
  return generateFrom(source, { promptTokens: ids.length, tokenizer, eos }, opts)
}

function decoderOf(m: LoadedModel, name: string) {
  if (m.arch !== 'openelm') {
    throw new ModelError(
      'UNSUPPORTED_ARCHITECTURE',
      `${name} is a ${m.arch} model; generate needs an OpenELM decoder`,
    )
  }
  if (!m.tokenizer) throw new ModelError('MODEL_LOAD_FAILED', `${name} has no tokenizer.json`)
  return { model: m.model, tokenizer: m.tokenizer }
}

/** `frugal generate`: text from a decoder, optionally with KV Prediction for the prompt. */
export const generateCommand = defineCommand({
  meta: { name: 'generate', description: 'Generate text with a decoder of the zoo (or a model folder)' },
  args: {
    model: { type: 'string', description: 'Model name or folder', valueHint: 'NAME|DIR' },
    prompt: { type: 'string', description: 'Prompt text', valueHint: 'TEXT' },
    'max-tokens': { type: 'string', description: 'Tokens to generate at most (default 32)', valueHint: 'N' },
    temperature: {
      type: 'string',
      description: 'Sampling temperature; 0 is greedy (default 0)',
      valueHint: 'T',
    },
    'top-k': { type: 'string', description: 'Sample among the k most likely tokens', valueHint: 'K' },
    'top-p': { type: 'string', description: 'Nucleus sampling mass in (0, 1]', valueHint: 'P' },
    seed: { type: 'string', description: 'Sampler seed (default 0)', valueHint: 'S' },
    stop: { type: 'string', description: 'Stop sequence (repeatable)', valueHint: 'TEXT' },
    'kv-prediction': {
      type: 'string',
      description: 'Auxiliary model whose predicted KV cache replaces the base prompt pass (KV Prediction)',
      valueHint: 'AUX',
    },
    backend: {
      type: 'string',
      description: 'native (default) | onnx (onnxruntime-web) | onnx-node',
      valueHint: 'B',
    },
    dir: { type: 'string', description: 'Also search this folder for models (repeatable)', valueHint: 'DIR' },
    kernels: KERNELS_ARG,
    json: {
      type: 'boolean',
      default: false,
      description: 'Print {text, promptTokens, generatedTokens, ttftMs, tokensPerS, ...}',
    },
  },
  run: ({ args, rawArgs }) =>
    modelGuarded('generate', args.json, async () => {
      if (!args.model) throw new ModelError('INVALID_ARGUMENT', '--model is required')
      if (args.prompt === undefined || args.prompt === '')
        throw new ModelError('INVALID_ARGUMENT', '--prompt is required')
      const backend = (args.backend ?? 'native') as (typeof BACKENDS)[number]
      if (!BACKENDS.includes(backend)) {
        throw new ModelError(
          'INVALID_ARGUMENT',
          `--backend must be one of ${BACKENDS.join(', ')}, got "${args.backend}"`,
        )
      }
      if (backend !== 'native' && args['kv-prediction']) {
        throw new ModelError(
          'UNAVAILABLE',
          `--kv-prediction needs the native runtime, not --backend ${backend}`,
        )
      }
      const opts = {
        maxTokens: intFlag(args['max-tokens'], 'max-tokens', 0, 1_000_000, 32),
        temperature: numberFlag(args.temperature, 'temperature', 0, 100, 0),
        topK: args['top-k'] === undefined ? undefined : intFlag(args['top-k'], 'top-k', 1, 1e9, 1),
        topP: args['top-p'] === undefined ? undefined : numberFlag(args['top-p'], 'top-p', 1e-9, 1, 1),
        seed: intFlag(args.seed, 'seed', 0, 2 ** 32 - 1, 0),
        stop: repeated(rawArgs, 'stop'),
      }
      const roots = modelRoots(repeated(rawArgs, 'dir'))
      await setKernels(args.kernels)
      const base = await loadNamedModel(args.model, roots)
      const { model, tokenizer } = decoderOf(base, args.model)
      const ids = tokenizer.encode(args.prompt).ids
      if (ids.length > model.config.max_context_length) {
        throw new ModelError(
          'CONTEXT_OVERFLOW',
          `the prompt has ${ids.length} tokens; ${args.model} has a context of ${model.config.max_context_length}`,
        )
      }
      let prefill = (flops: FlopCounter) => {
        const cache = model.newCache()
        return {
          logits: model.forward(model.embed(ids), freshTokens(ids.length), { cache, flops }).logits,
          cache,
        }
      }
      if (args['kv-prediction']) {
        const auxName = args['kv-prediction']
        const aux = decoderOf(await loadNamedModel(auxName, roots), auxName).model
        const baseName = base.dir.split(/[\\/]/).pop()!
        const auxDirName = auxName.split(/[\\/]/).filter(Boolean).pop()!
        const predictor = await loadModelDir(await findKvPredictorDir(baseName, auxDirName, roots))
        if (predictor.arch !== 'kv_predictor') throw new ModelError('MODEL_LOAD_FAILED', 'not a KV predictor')
        predictor.model.checkPair(model, aux)
        prefill = (flops) => kvPredictionPrefill(model, aux, predictor.model, ids, flops)
      }
      const gen =
        backend === 'native'
          ? generate(model, prefill, { promptTokens: ids.length, tokenizer }, opts)
          : await onnxGeneration(backend, base.dir, ids, model.config, tokenizer, opts)
      if (!args.json) {
        for await (const t of gen) process.stdout.write(t.text)
        process.stdout.write('\n')
        const s = gen.stats
        console.error(
          `${s.promptTokens} prompt tokens, ${s.generatedTokens} generated; TTFT ${s.ttftMs.toFixed(1)} ms, ${s.tokensPerS.toFixed(1)} tokens/s`,
        )
        return
      }
      await gen.complete()
      const s = gen.stats
      console.log(
        JSON.stringify({
          text: gen.text,
          promptTokens: s.promptTokens,
          generatedTokens: s.generatedTokens,
          ttftMs: s.ttftMs,
          tokensPerS: s.tokensPerS,
          finishReason: s.finishReason,
          // The ONNX engines do not report their work.
          prefillFlops: backend === 'native' ? s.prefillFlops : null,
          decodeFlops: backend === 'native' ? s.decodeFlops : null,
          backend,
          kvPrediction: args['kv-prediction'] ?? null,
        }),
      )
    }),
})
