/**
 * The engines of the models benchmark inside workerd, one request per measured operation:
 * `POST /prefill?engine=E&n=256` (a fresh prefill of n prompt ids) and `POST /step?engine=E`
 * (one greedy token on the cache of the last prefill). workerd's clocks do not advance during
 * computation, so the client times the requests; `/noop` measures the round trip alone. The
 * client first uploads the model: `PUT /model/config.json`, `/model/model.safetensors`,
 * `/model/model.onnx` (kept in the isolate's memory).
 */
import {
  freshTokens,
  type Kernels,
  type KvCache,
  loadModel,
  OnnxCausalLM,
  type OpenElm,
  tsKernels,
  useKernels,
  WasmKernels,
} from '@frugal/models'
import kernelsWasm from '@frugal/models/kernels-relaxed.wasm'
import { loadOnnxWeb } from '@frugal/models/onnx'
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm'

const files: { config?: { vocab_size: number }; weights?: ArrayBuffer; onnx?: ArrayBuffer } = {}
let native: OpenElm | undefined
let cache: KvCache | undefined
let lm: OnnxCausalLM | undefined
let next = 0
let restoreKernels: (() => void) | undefined

function argmax(x: ArrayLike<number>): number {
  let best = 0
  for (let i = 1; i < x.length; i++) if (x[i]! > x[best]!) best = i
  return best
}

function nativeModel(): OpenElm {
  if (!native) {
    if (!files.config || !files.weights) throw new Error('upload config.json and model.safetensors first')
    const m = loadModel({ config: files.config, weights: files.weights })
    if (m.arch !== 'openelm') throw new Error('not an OpenELM model')
    native = m.model
  }
  return native
}

let wasmSet: Kernels | undefined

/** One WASM instance for the isolate (its packed weights stay); the dispatch switches per request. */
function setKernels(engine: string): void {
  restoreKernels?.()
  wasmSet ??= new WasmKernels(kernelsWasm).kernels()
  restoreKernels = useKernels(engine === 'native-wasm' ? wasmSet : tsKernels)
}

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url)
    const engine = url.searchParams.get('engine') ?? ''
    if (url.pathname === '/noop') return Response.json({ token: 0 })
    if (request.method === 'PUT' && url.pathname.startsWith('/model/')) {
      const name = url.pathname.slice('/model/'.length)
      if (name === 'config.json') files.config = (await request.json()) as { vocab_size: number }
      else if (name === 'model.safetensors') files.weights = await request.arrayBuffer()
      else if (name === 'model.onnx') files.onnx = await request.arrayBuffer()
      else
        return Response.json(
          { error: { code: 'INVALID_ARGUMENT', message: `unknown file ${name}` } },
          { status: 400 },
        )
      native = undefined
      lm = undefined
      return Response.json({ ok: true })
    }
    if (!['native-ts', 'native-wasm', 'onnxruntime-web'].includes(engine)) {
      return Response.json(
        { error: { code: 'INVALID_ARGUMENT', message: `unknown engine '${engine}'` } },
        { status: 400 },
      )
    }
    if (url.pathname === '/prefill') {
      const n = Number(url.searchParams.get('n') ?? '256')
      const vocab = files.config?.vocab_size ?? 1
      const ids = Array.from({ length: n }, (_, i) => (i * 7919 + 13) % vocab)
      if (engine === 'onnxruntime-web') {
        if (!files.onnx) throw new Error('upload model.onnx first')
        lm ??= await OnnxCausalLM.create(await loadOnnxWeb({ wasmModule: ortWasm }), files.onnx)
        lm.reset()
        next = argmax(await lm.forward(ids))
      } else {
        setKernels(engine)
        const m = nativeModel()
        cache = m.newCache()
        next = argmax(m.forward(m.embed(ids), freshTokens(n), { cache }).logits)
      }
      return Response.json({ token: next })
    }
    if (url.pathname === '/step') {
      if (engine === 'onnxruntime-web') {
        if (!lm)
          return Response.json(
            { error: { code: 'INVALID_ARGUMENT', message: 'prefill first' } },
            { status: 400 },
          )
        next = argmax(await lm.forward([next]))
      } else {
        const m = nativeModel()
        if (!cache)
          return Response.json(
            { error: { code: 'INVALID_ARGUMENT', message: 'prefill first' } },
            { status: 400 },
          )
        next = argmax(m.forward(m.embed([next]), freshTokens(1, cache.nextPosition), { cache }).logits)
      }
      return Response.json({ token: next })
    }
    return Response.json({ error: { code: 'NOT_FOUND', message: url.pathname } }, { status: 404 })
  },
}
