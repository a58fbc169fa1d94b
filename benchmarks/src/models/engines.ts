/**
 * The engines of the models benchmark, one interface: prefill a prompt on a fresh state, then
 * decode one token at a time on the KV cache. Each returns the greedy next token, so every
 * engine's outputs can be checked against the others.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  freshTokens,
  type KvCache,
  loadModel,
  OnnxCausalLM,
  type OpenElm,
  tsKernels,
  useKernels,
} from '@frugal/models'
import { enableWasmKernels, loadOnnxNode, readModelDir } from '@frugal/models/node'
import { loadOnnxWeb } from '@frugal/models/onnx'

export interface Engine {
  /** Short name in tables and result file names. */
  name: string
  /** What runs underneath (recorded as the result's backend). */
  backend: string
  /** Prefill `ids` on a fresh state; the greedy next token. */
  prefill(ids: readonly number[]): Promise<number>
  /** One token on the current cache; the greedy next token. */
  step(token: number): Promise<number>
  close(): Promise<void>
}

export function argmax(x: ArrayLike<number>): number {
  let best = 0
  for (let i = 1; i < x.length; i++) if (x[i]! > x[best]!) best = i
  return best
}

/** The native runtime on the TypeScript kernels or the WASM SIMD kernels (switched for the whole process). */
export async function nativeEngine(
  dir: string,
  kernels: 'ts' | 'wasm',
  logits: 'last' | 'all' = 'last',
): Promise<Engine> {
  const loaded = loadModel(await readModelDir(dir))
  if (loaded.arch !== 'openelm') throw new Error(`${dir} is not an OpenELM model`)
  const model: OpenElm = loaded.model
  const restore = kernels === 'wasm' ? await enableWasmKernels() : useKernels(tsKernels)
  let cache: KvCache = model.newCache()
  return {
    name: `native-${kernels}${logits === 'all' ? '-all-logits' : ''}`,
    backend: kernels === 'wasm' ? 'frugal-models wasm-simd' : 'frugal-models ts',
    async prefill(ids) {
      cache = model.newCache()
      const out = model.forward(model.embed([...ids]), freshTokens(ids.length), { cache, logits })
      return argmax(out.logits.subarray(out.logits.length - model.vocabSize))
    },
    async step(token) {
      const out = model.forward(model.embed([token]), freshTokens(1, cache.nextPosition), { cache })
      return argmax(out.logits)
    },
    async close() {
      restore()
    },
  }
}

/** The ONNX export on onnxruntime-web (WASM SIMD) or onnxruntime-node (native CPU), one thread. */
export async function onnxEngine(dir: string, which: 'web' | 'node'): Promise<Engine> {
  const ort = which === 'web' ? await loadOnnxWeb() : await loadOnnxNode()
  const lm = await OnnxCausalLM.create(ort, await readFile(join(dir, 'onnx', 'model.onnx')))
  if (!lm.cached) throw new Error('the benchmark export must take a KV cache (past_key_values.*)')
  return {
    name: `onnxruntime-${which}`,
    backend: which === 'web' ? 'onnxruntime-web wasm' : 'onnxruntime-node cpu',
    async prefill(ids) {
      lm.reset()
      return argmax(await lm.forward(ids))
    },
    async step(token) {
      return argmax(await lm.forward([token]))
    },
    async close() {
      await lm.release()
    },
  }
}

/**
 * transformers.js (onnxruntime-node underneath) on the same export. It has no public per-step
 * API with a cache, so `generate(n)` is what it measures: {@link TransformersEngine.generate}.
 */
export interface TransformersEngine {
  name: string
  backend: string
  generate(ids: readonly number[], newTokens: number): Promise<number[]>
  close(): Promise<void>
}

export async function transformersEngine(dir: string): Promise<TransformersEngine> {
  const { AutoModelForCausalLM, env, Tensor } = await import('@huggingface/transformers')
  env.allowRemoteModels = false
  env.localModelPath = `${join(dir, '..')}/`
  env.useFSCache = false
  const name = dir.split('/').filter(Boolean).pop()!
  const model = await AutoModelForCausalLM.from_pretrained(name, {
    dtype: 'fp32',
    device: 'cpu',
    session_options: { intraOpNumThreads: 1, interOpNumThreads: 1 },
  } as never)
  return {
    name: 'transformers.js',
    backend: 'transformers.js 4.3.2 (onnxruntime-node)',
    async generate(ids, newTokens) {
      const input = new Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length])
      const out = (await model.generate({
        input_ids: input,
        max_new_tokens: newTokens,
        do_sample: false,
      } as never)) as {
        data: BigInt64Array
      }
      return Array.from(out.data.subarray(ids.length), Number)
    },
    async close() {
      await model.dispose()
    },
  }
}
