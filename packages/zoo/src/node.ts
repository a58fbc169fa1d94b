import { existsSync, readdirSync, statSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sha256Hex } from '@frugal/ann'
import { ZooError } from './errors.ts'
import {
  parseManifest,
  verifyModelFiles,
  type ZooManifest,
  type ZooModelEntry,
  type ZooTask,
} from './manifest.ts'

export * from './index.ts'

/** The directory of the zoo's model directories (pass it to `@frugal/models`' `findModels`). */
export const ZOO_DIR = fileURLToPath(new URL('../models', import.meta.url))
/** The manifest's path (next to this module, in `src/` and in the published `dist/`). */
export const MANIFEST_PATH = fileURLToPath(new URL('./manifest.json', import.meta.url))

/** Read and validate `manifest.json` (or another manifest file). */
export async function readManifest(path: string = MANIFEST_PATH): Promise<ZooManifest> {
  let raw: unknown
  try {
    raw = JSON.parse(await readFile(path, 'utf8'))
  } catch (e) {
    throw new ZooError('INVALID_MANIFEST', `${path}: ${(e as Error).message}`, { cause: e })
  }
  return parseManifest(raw)
}

/** The directory of a zoo model by name; `UNKNOWN_MODEL` lists the known ones. */
export function zooModelDir(name: string, manifest: ZooManifest, root: string = ZOO_DIR): string {
  if (!(name in manifest.models)) {
    throw new ZooError(
      'UNKNOWN_MODEL',
      `no model "${name}" in the zoo; known: ${Object.keys(manifest.models).join(', ') || 'none'}`,
    )
  }
  return join(root, name)
}

function filesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort()
}

async function readOrUndefined(path: string): Promise<Uint8Array | undefined> {
  if (!existsSync(path)) return undefined
  const b = await readFile(path)
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
}

/** Check every model of the manifest against the files under `root` (sizes, SHA-256, no extra files). */
export async function verifyZoo(manifest: ZooManifest, root: string = ZOO_DIR): Promise<string[]> {
  const names = Object.keys(manifest.models).sort()
  for (const name of names) {
    const entry = manifest.models[name] as ZooModelEntry
    const dir = join(root, name)
    if (!existsSync(dir)) throw new ZooError('MISSING_FILE', `${name}/ is missing`)
    await verifyModelFiles(name, entry, (f) => readOrUndefined(join(dir, f)), filesIn(dir))
  }
  if (existsSync(root)) {
    for (const d of readdirSync(root)) {
      if (statSync(join(root, d)).isDirectory() && !(d in manifest.models)) {
        throw new ZooError('UNLISTED_FILE', `${d}/ is not in the manifest`)
      }
    }
  }
  return names
}

interface SafetensorsInfo {
  parameters: number
  dtypes: Set<string>
}

function safetensorsInfo(bytes: Uint8Array, where: string): SafetensorsInfo {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (bytes.byteLength < 8) throw new ZooError('INVALID_LAYOUT', `${where}: too short for safetensors`)
  const len = Number(view.getBigUint64(0, true))
  if (len > bytes.byteLength - 8)
    throw new ZooError('INVALID_LAYOUT', `${where}: header length exceeds the file`)
  let header: Record<string, { dtype?: string; shape?: number[] }>
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len)))
  } catch (e) {
    throw new ZooError('INVALID_LAYOUT', `${where}: header is not JSON`, { cause: e })
  }
  const dtypes = new Set<string>()
  let parameters = 0
  for (const [k, v] of Object.entries(header)) {
    if (k === '__metadata__') continue
    if (!v.dtype || !Array.isArray(v.shape))
      throw new ZooError('INVALID_LAYOUT', `${where}: tensor ${k} lacks dtype/shape`)
    dtypes.add(v.dtype)
    parameters += v.shape.reduce((a, b) => a * b, 1)
  }
  return { parameters, dtypes }
}

/** The task of a model from its config (`model_type` and `architectures[0]`). */
export function taskOf(config: {
  model_type?: string
  architectures?: string[]
  matryoshka_dims?: number[]
}): ZooTask {
  const head = config.architectures?.[0]
  if (config.model_type === 'openelm') return 'causal-lm'
  if (config.model_type === 'kv_predictor') return 'kv-predictor'
  if (config.model_type === 'bert') {
    if (head === 'BertForSequenceClassification') return 'text-classification'
    if (head === 'BertForQuestionAnswering') return 'extractive-qa'
    return config.matryoshka_dims ? 'text-embedding' : 'feature-extraction'
  }
  throw new ZooError('INVALID_LAYOUT', `model_type ${String(config.model_type)} is not a zoo architecture`)
}

/**
 * Check that `dir` is a zoo model in the Hugging Face layout and build its manifest entry:
 * `config.json` (JSON with `model_type`), `model.safetensors` (floating tensors in F16),
 * `tokenizer.json` for every text model (not for a KV predictor), `README.md` (the model card)
 * and `evaluation.json` (its `summary` becomes the index's `evaluation`).
 */
export async function describeModelDir(dir: string): Promise<ZooModelEntry> {
  const need = (f: string) => {
    if (!existsSync(join(dir, f))) throw new ZooError('INVALID_LAYOUT', `${dir}: ${f} is missing`)
  }
  for (const f of ['config.json', 'model.safetensors', 'README.md', 'evaluation.json']) need(f)
  let config: { model_type?: string; architectures?: string[]; matryoshka_dims?: number[] }
  let evaluation: { summary?: Record<string, number | string> }
  try {
    config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'))
    evaluation = JSON.parse(await readFile(join(dir, 'evaluation.json'), 'utf8'))
  } catch (e) {
    throw new ZooError('INVALID_LAYOUT', `${dir}: ${(e as Error).message}`, { cause: e })
  }
  const task = taskOf(config)
  if (task !== 'kv-predictor') {
    need('tokenizer.json')
    try {
      const tok = JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8')) as {
        model?: { type?: string }
      }
      if (tok.model?.type !== 'BPE') throw new Error('not a BPE tokenizer')
    } catch (e) {
      throw new ZooError('INVALID_LAYOUT', `${dir}/tokenizer.json: ${(e as Error).message}`, { cause: e })
    }
  }
  const weights = (await readOrUndefined(join(dir, 'model.safetensors'))) as Uint8Array
  const info = safetensorsInfo(weights, `${dir}/model.safetensors`)
  const floats = [...info.dtypes].filter((d) => d.startsWith('F') || d === 'BF16')
  if (floats.some((d) => d !== 'F16')) {
    throw new ZooError(
      'INVALID_LAYOUT',
      `${dir}/model.safetensors: floating tensors must be F16, found ${floats.join(', ')}`,
    )
  }
  const files: ZooModelEntry['files'] = {}
  for (const f of filesIn(dir)) {
    const b = (await readOrUndefined(join(dir, f))) as Uint8Array
    files[f] = { bytes: b.byteLength, sha256: await sha256Hex(b) }
  }
  return {
    task,
    architecture: String(config.model_type),
    parameters: info.parameters,
    evaluation: evaluation.summary ?? {},
    files,
  }
}

/** Build the manifest of every model directory under `root`. */
export async function buildManifest(root: string = ZOO_DIR): Promise<ZooManifest> {
  const models: ZooManifest['models'] = {}
  if (existsSync(root)) {
    for (const d of readdirSync(root).sort()) {
      if (statSync(join(root, d)).isDirectory()) models[d] = await describeModelDir(join(root, d))
    }
  }
  return parseManifest({ version: 1, models })
}

/** Rewrite `manifest.json` from the model directories (run after a recipe exported into the zoo). */
export async function writeManifest(
  root: string = ZOO_DIR,
  path: string = MANIFEST_PATH,
): Promise<ZooManifest> {
  const m = await buildManifest(root)
  await writeFile(path, `${JSON.stringify(m, null, 2)}\n`)
  return m
}
