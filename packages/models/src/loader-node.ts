import { existsSync, readdirSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { ModelError } from './errors.ts'
import { type LoadedModel, loadModel, type ModelFiles } from './loader.ts'

/** Read `config.json`, `model.safetensors` and (if present) `tokenizer.json` of a model directory. */
export async function readModelDir(dir: string): Promise<ModelFiles> {
  const path = (f: string) => join(dir, f)
  for (const f of ['config.json', 'model.safetensors']) {
    if (!existsSync(path(f))) throw new ModelError('MODEL_LOAD_FAILED', `${dir}: ${f} is missing`)
  }
  const [config, weights] = await Promise.all([
    readFile(path('config.json'), 'utf8'),
    readFile(path('model.safetensors')),
  ])
  const tokenizer = existsSync(path('tokenizer.json'))
    ? await readFile(path('tokenizer.json'), 'utf8')
    : undefined
  return {
    config,
    weights: new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength),
    tokenizer,
  }
}

/** Load the model in `dir` (see {@link loadModel}). */
export async function loadModelDir(dir: string): Promise<LoadedModel> {
  return loadModel(await readModelDir(dir))
}

/** A model directory found by {@link findModels}. */
export interface ModelEntry {
  name: string
  dir: string
  /** The config's `model_type` (or `invalid` with `error` when it cannot be read). */
  architecture: string
  /** `architectures[0]` when the config names one. */
  head?: string
  /** Weights in `model.safetensors` (from its header). */
  parameters: number
  /** Bytes of all files in the directory. */
  bytes: number
  error?: string
}

const ITEM: Record<string, number> = { F32: 4, F16: 2, BF16: 2, I32: 4, I64: 8, U8: 1, I8: 1 }

async function headerParameters(file: string): Promise<number> {
  const buf = await readFile(file)
  if (buf.byteLength < 8) throw new ModelError('CORRUPT', `${file}: too short`)
  const len = Number(buf.readBigUInt64LE(0))
  if (len > buf.byteLength - 8) throw new ModelError('CORRUPT', `${file}: header length exceeds the file`)
  const header = JSON.parse(buf.subarray(8, 8 + len).toString('utf8')) as Record<
    string,
    { shape?: number[]; dtype?: string }
  >
  let n = 0
  for (const [k, v] of Object.entries(header)) {
    if (k === '__metadata__' || !v.shape || !v.dtype || !(v.dtype in ITEM)) continue
    n += v.shape.reduce((a, b) => a * b, 1)
  }
  return n
}

/**
 * Every model directory (a folder holding `config.json` and `model.safetensors`) directly inside the
 * given roots, or a root that is itself one. Unreadable ones are listed with `error` rather than hidden.
 */
export async function findModels(roots: readonly string[]): Promise<ModelEntry[]> {
  const dirs: string[] = []
  for (const root of roots) {
    const abs = resolve(root)
    if (!existsSync(abs) || !statSync(abs).isDirectory()) {
      throw new ModelError('MODEL_LOAD_FAILED', `${root} is not a directory`)
    }
    if (existsSync(join(abs, 'config.json'))) dirs.push(abs)
    for (const e of readdirSync(abs, { withFileTypes: true })) {
      if (e.isDirectory() && existsSync(join(abs, e.name, 'config.json'))) dirs.push(join(abs, e.name))
    }
  }
  const out: ModelEntry[] = []
  for (const dir of [...new Set(dirs)].sort()) {
    const bytes = readdirSync(dir).reduce((a, f) => a + statSync(join(dir, f)).size, 0)
    const entry: ModelEntry = { name: basename(dir), dir, architecture: 'invalid', parameters: 0, bytes }
    try {
      const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as {
        model_type?: string
        architectures?: string[]
      }
      entry.architecture = String(config.model_type ?? 'unknown')
      if (config.architectures?.[0]) entry.head = config.architectures[0]
      entry.parameters = await headerParameters(join(dir, 'model.safetensors'))
    } catch (e) {
      entry.error = (e as Error).message
    }
    out.push(entry)
  }
  return out
}

/**
 * Resolve `nameOrDir`: an existing model directory, or the name of one found under `roots`.
 * Unknown names are refused with `UNKNOWN_MODEL` listing what exists.
 */
export async function resolveModelDir(nameOrDir: string, roots: readonly string[]): Promise<string> {
  if (existsSync(join(nameOrDir, 'config.json'))) return resolve(nameOrDir)
  const found = await findModels(roots.filter((r) => existsSync(r)))
  const hit = found.find((m) => m.name === nameOrDir)
  if (!hit) {
    throw new ModelError(
      'UNKNOWN_MODEL',
      `no model "${nameOrDir}" in ${roots.join(', ') || '(no directories)'}; known: ${found.map((m) => m.name).join(', ') || 'none'}`,
    )
  }
  return hit.dir
}

/**
 * The KV predictor trained for `base` with `aux`: a `kv_predictor` model directory under `roots`
 * whose config names exactly that pair.
 */
export async function findKvPredictorDir(
  base: string,
  aux: string,
  roots: readonly string[],
): Promise<string> {
  for (const m of await findModels(roots.filter((r) => existsSync(r)))) {
    if (m.architecture !== 'kv_predictor') continue
    const c = JSON.parse(await readFile(join(m.dir, 'config.json'), 'utf8')) as {
      base?: string
      aux?: string
    }
    if (c.base === base && c.aux === aux) return m.dir
  }
  throw new ModelError('UNKNOWN_MODEL', `no KV predictor from "${aux}" to "${base}" in ${roots.join(', ')}`)
}
