import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { type LoadedModel, loadModel } from './loader.ts'
import { readModelDir } from './loader-node.ts'
import { parseSafetensors } from './safetensors.ts'

/** Directory of the random-initialised test models written by `training/export_fixtures.py`. */
export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/', import.meta.url))

/** The names of the fixture models. */
export const FIXTURE_MODELS = [
  'openelm',
  'openelm-f16',
  'openelm-bf16',
  'openelm-aux',
  'openelm-kvp',
  'bert-classifier',
  'bert-reader',
  'bert-embedder',
  'vit',
  'vlm',
  'clip',
] as const

/** Load a fixture model. */
export async function loadFixture(name: (typeof FIXTURE_MODELS)[number]): Promise<LoadedModel> {
  return loadModel(await readModelDir(`${FIXTURES_DIR}${name}`))
}

/** A fixture's PyTorch reference: integer inputs (`reference.json`) and float tensors (`reference.safetensors`). */
export function fixtureReference(name: string): {
  json: Record<string, unknown>
  tensor: (key: string) => { data: Float32Array; shape: readonly number[] }
} {
  const json = JSON.parse(readFileSync(`${FIXTURES_DIR}${name}/reference.json`, 'utf8')) as Record<
    string,
    unknown
  >
  const { tensors } = parseSafetensors(readFileSync(`${FIXTURES_DIR}${name}/reference.safetensors`))
  return {
    json,
    tensor(key) {
      const t = tensors.get(key)
      if (!t) throw new Error(`reference ${name} has no ${key}`)
      return t
    },
  }
}

/** Largest absolute difference of two equally long arrays (Infinity when the lengths differ). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!))
  return m
}
