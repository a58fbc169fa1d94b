/**
 * What the fuzzer attacks: every parser that takes outside bytes, each started from real
 * artifacts (index sets of every dense kind built from State of the Union passages), and what
 * "works" means for it once a mutated input loads.
 */

import { readFileSync } from 'node:fs'
import { AnnError, loadIndex, Rng, type VectorIndex } from '@frugal/ann'
import { loadDefaultCorpus } from '@frugal/datasets/node'
import { freshTokens, type LoadedModel, LsaEmbedder, loadModel, ModelError } from '@frugal/models'
import {
  BUILD_KINDS,
  buildIndexSet,
  encodeManifest,
  type IndexSetManifest,
  loadIndexSet,
  parseManifest,
  RetrievalError,
  sha256Hex,
} from '@frugal/retrieval'
import { ApiError } from '@frugal/worker-retrieval/errors'
import { readUpload } from '@frugal/worker-retrieval/upload'
import { createTar } from 'nanotar'
import { mutateArtifact, mutateBytes, mutateJsonText, repairCrc } from './mutate.ts'

/**
 * Outcome classes. `refused` (a typed error) and `works` (loaded, then answered correctly)
 * are the two good ones; every other class is a defect.
 */
export const OUTCOMES = ['refused', 'works', 'untyped', 'hang', 'crash', 'broken'] as const
export type Outcome = (typeof OUTCOMES)[number]

/** Typed errors: the refusals the libraries and the worker document. */
function typed(error: unknown): boolean {
  return (
    error instanceof AnnError ||
    error instanceof RetrievalError ||
    error instanceof ModelError ||
    error instanceof ApiError
  )
}

/** A defect found, with what is needed to reproduce it. */
export interface Finding {
  target: string
  mutation: string
  outcome: Outcome
  detail: string
}

class Broken extends Error {}

/** Throws `Broken` unless `ok`. */
function expectThat(ok: boolean, what: string): void {
  if (!ok) throw new Broken(what)
}

const PROBE_TEXTS = ['tariffs on imports', 'the navy and the army', 'taxes', 'railroads across the continent']

/** A loaded ANN index works: every search answers with at most k unique in-range ids and finite scores. */
function checkIndex(index: VectorIndex, rng: Rng): void {
  const q = new Float32Array(index.dim)
  for (let i = 0; i < q.length; i++) q[i] = rng.gaussian()
  for (const k of [1, 5, Math.max(1, index.size)]) {
    for (const params of [{}, ...(index.frontier ?? []).slice(0, 3).map((p) => p.settings)]) {
      const r = index.search(q, k, params)
      expectThat(r.ids.length <= k && r.ids.length === r.scores.length, `${r.ids.length} hits for k = ${k}`)
      expectThat(new Set(r.ids).size === r.ids.length, 'repeated ids')
      for (let i = 0; i < r.ids.length; i++) {
        expectThat(r.ids[i]! >= 0 && r.ids[i]! < index.size, `id ${r.ids[i]} outside the rows`)
        expectThat(Number.isFinite(r.scores[i]!), `score ${r.scores[i]}`)
      }
    }
  }
}

/** A loaded embedder works: finite vectors of unit length (or zero, for unknown words). */
function checkEmbedder(lsa: LsaEmbedder): void {
  for (const text of [...PROBE_TEXTS, 'zzzz qqqq']) {
    const v = lsa.embed(text)
    expectThat(v.length === lsa.dims, 'embedding length')
    let s = 0
    for (const x of v) {
      expectThat(Number.isFinite(x), `embedding value ${x}`)
      s += x * x
    }
    expectThat(s === 0 || Math.abs(s - 1) < 1e-3, `embedding norm² ${s}`)
  }
}

/** A loaded index set works: every mode answers well-formed hits with finite scores. */
async function checkSet(files: Record<string, Uint8Array>): Promise<void> {
  const index = await loadIndexSet(files)
  for (const mode of ['dense', 'lexical', 'hybrid'] as const) {
    for (const query of PROBE_TEXTS) {
      const res = await index.search({ query, k: 5, mode })
      expectThat(res.hits.length <= 5, `${res.hits.length} hits`)
      for (const h of res.hits) {
        expectThat(typeof h.id === 'string' && typeof h.snippet === 'string', 'hit without its document')
        expectThat(Number.isFinite(h.score), `${mode} score ${h.score}`)
      }
    }
  }
  const v = new Float32Array(index.manifest.dense.dim)
  v[0] = 1
  const res = await index.search({ vector: v, k: 5, mode: 'dense' })
  for (const h of res.hits) expectThat(Number.isFinite(h.score), `vector score ${h.score}`)
}

/** One fuzz target: a name, the seed artifacts it mutates, and how a mutated input is tried. */
export interface Target {
  name: string
  /**
   * Runs one case: returns normally when the input was refused or worked; throws otherwise.
   * `label` receives the mutation's name before the input is tried, so a failure names it too.
   */
  run(
    rng: Rng,
    label: (mutation: string) => void,
  ): Promise<{ mutation: string; outcome: 'refused' | 'works' }>
}

/**
 * Runs `attempt` and classifies: a typed error is `refused`; a `Broken` check or any error
 * after a successful load is `broken`; any other error at load is `untyped`.
 */
async function classify(
  load: () => Promise<unknown> | unknown,
  check: (loaded: unknown) => Promise<void> | void,
): Promise<'refused' | 'works'> {
  let loaded: unknown
  try {
    loaded = await load()
  } catch (error) {
    if (typed(error)) return 'refused'
    throw Object.assign(new Error(`untyped error at load: ${describe(error)}`), { outcome: 'untyped' })
  }
  try {
    await check(loaded)
  } catch (error) {
    throw Object.assign(new Error(`loaded, then broken: ${describe(error)}`), { outcome: 'broken' })
  }
  return 'works'
}

export function describe(error: unknown): string {
  return error instanceof Error
    ? `${error.name}: ${error.message}`.slice(0, 300)
    : String(error).slice(0, 300)
}

/** A byte-level or structural mutation of one `.frgl` artifact. */
function mutateFrgl(bytes: Uint8Array, rng: Rng): { bytes: Uint8Array; mutation: string } {
  const roll = rng.next()
  if (roll < 0.3) return { bytes: mutateBytes(bytes, rng), mutation: 'bytes' }
  if (roll < 0.6) return { bytes: repairCrc(mutateBytes(bytes, rng)), mutation: 'bytes+crc' }
  return { bytes: mutateArtifact(bytes, rng), mutation: 'structure' }
}

/** The set's files with `file` replaced; `reseal` rewrites the manifest's size, SHA-256 and own checksum. */
async function withFile(
  files: Record<string, Uint8Array>,
  manifest: IndexSetManifest,
  file: string,
  bytes: Uint8Array,
  reseal: boolean,
): Promise<Record<string, Uint8Array>> {
  const out = { ...files, [file]: bytes }
  if (reseal && file !== 'manifest.json') {
    const m = structuredClone(manifest)
    m.files[file] = { bytes: bytes.length, sha256: await sha256Hex(bytes) }
    out['manifest.json'] = await encodeManifest(m)
  }
  return out
}

/** Seeds: one index set per dense kind, built from the first `documents` bundled SOTU passages. */
export async function buildSeeds(
  documents = 160,
): Promise<{ kind: string; files: Record<string, Uint8Array>; manifest: IndexSetManifest }[]> {
  const docs = loadDefaultCorpus().slice(0, documents)
  const seeds = []
  for (const kind of BUILD_KINDS) {
    const built = await buildIndexSet(docs, {
      name: `fuzz-${kind}`,
      source: 'sotu',
      kind,
      nlist: 8,
      embedder: { kind: 'lsa', fit: { dims: 16 } },
    })
    seeds.push({ kind, files: built.files, manifest: built.manifest })
  }
  return seeds
}

/** Every target, from the seeds. */
export function targets(seeds: Awaited<ReturnType<typeof buildSeeds>>): Target[] {
  const out: Target[] = []
  for (const seed of seeds) {
    const dense = seed.files['dense.ann']!
    out.push({
      name: `frgl-${seed.kind}`,
      async run(rng, label) {
        const { bytes, mutation } = mutateFrgl(dense, rng)
        label(mutation)
        return {
          mutation,
          outcome: await classify(
            () => loadIndex(bytes),
            (i) => checkIndex(i as VectorIndex, rng),
          ),
        }
      },
    })
  }
  const first = seeds[0]!
  out.push({
    name: 'lsa',
    async run(rng, label) {
      const { bytes, mutation } = mutateFrgl(first.files['embedder.bin']!, rng)
      label(mutation)
      return {
        mutation,
        outcome: await classify(
          () => LsaEmbedder.load(bytes),
          (e) => checkEmbedder(e as LsaEmbedder),
        ),
      }
    },
  })
  out.push({
    name: 'manifest',
    async run(rng, label) {
      const text = new TextDecoder().decode(first.files['manifest.json']!)
      const reseal = rng.next() < 0.7
      label(reseal ? 'json+checksum' : 'json')
      const edited = mutateJsonText(text, rng)
      let bytes: Uint8Array = new TextEncoder().encode(edited)
      if (reseal) {
        try {
          bytes = await encodeManifest(JSON.parse(edited) as IndexSetManifest)
        } catch {}
      }
      const files = { ...first.files, 'manifest.json': bytes }
      return {
        mutation: reseal ? 'json+checksum' : 'json',
        outcome: await classify(
          async () => {
            parseManifest(bytes)
            return files
          },
          (f) =>
            checkSet(f as Record<string, Uint8Array>).catch((e: unknown) => {
              if (typed(e)) return // refused by the full load: still a typed refusal
              throw e
            }),
        ),
      }
    },
  })
  for (const file of ['lexical.json', 'documents.json', 'dense.ann', 'embedder.bin']) {
    out.push({
      name: `set-${file}`,
      async run(rng, label) {
        const seed = seeds[rng.int(seeds.length)]!
        const original = seed.files[file]!
        const json = file.endsWith('.json')
        const roll = rng.next()
        const bytes = json
          ? roll < 0.7
            ? new TextEncoder().encode(mutateJsonText(new TextDecoder().decode(original), rng))
            : mutateBytes(original, rng)
          : mutateFrgl(original, rng).bytes
        const reseal = rng.next() < 0.8
        label(`${json && roll < 0.7 ? 'json' : 'bytes'}${reseal ? '+manifest' : ''}`)
        const files = await withFile(seed.files, seed.manifest, file, bytes, reseal)
        return {
          mutation: `${json && roll < 0.7 ? 'json' : 'bytes'}${reseal ? '+manifest' : ''}`,
          outcome: await classify(
            () => loadIndexSet(files),
            () => checkSet(files),
          ),
        }
      },
    })
  }
  out.push({
    name: 'upload-tar',
    async run(rng, label) {
      label('bytes')
      const seed = seeds[rng.int(seeds.length)]!
      const tar = createTar(Object.entries(seed.files).map(([name, data]) => ({ name: `./${name}`, data })))
      const bytes = mutateBytes(tar, rng)
      const request = new Request('http://fuzz/v1/indexes/x', {
        method: 'PUT',
        headers: { 'content-type': 'application/x-tar' },
        body: bytes as Uint8Array<ArrayBuffer>,
      })
      return {
        mutation: 'bytes',
        outcome: await classify(
          async () => {
            const files = await readUpload(request)
            return loadIndexSet(Object.fromEntries(files))
          },
          () => {},
        ),
      }
    },
  })
  return out
}

/** The model files of the runtime's OpenELM fixture (config.json, model.safetensors, tokenizer.json). */
function openElmFixture(): Record<string, Uint8Array> {
  const dir = new URL('../../../packages/models/fixtures/openelm/', import.meta.url)
  return Object.fromEntries(
    ['config.json', 'model.safetensors', 'tokenizer.json'].map((f) => [
      f,
      new Uint8Array(readFileSync(new URL(f, dir))),
    ]),
  )
}

/** A loaded model works: its tokenizer encodes, and a decoder's forward pass gives finite logits. */
function checkModel(loaded: LoadedModel): void {
  const ids = loaded.tokenizer?.encode('the cat sat on the mat').ids ?? [1, 2, 3]
  if (loaded.arch !== 'openelm') return
  const n = Math.max(1, Math.min(ids.length, 8))
  const out = loaded.model.forward(loaded.model.embed(ids.slice(0, n)), freshTokens(n))
  for (const x of out.logits) expectThat(Number.isFinite(x), `logit ${x}`)
}

/**
 * Targets of the model runtime's formats (safetensors, config.json, tokenizer.json), from the
 * runtime's OpenELM fixture, through `loadModel` and a forward pass.
 */
export function modelTargets(): Target[] {
  const files = openElmFixture()
  const decoder = new TextDecoder()
  return ['config.json', 'model.safetensors', 'tokenizer.json'].map((file) => ({
    name: `model-${file}`,
    async run(rng, label) {
      const original = files[file]!
      const json = file.endsWith('.json')
      const structural = json && rng.next() < 0.7
      label(structural ? 'json' : 'bytes')
      const bytes = structural
        ? new TextEncoder().encode(mutateJsonText(decoder.decode(original), rng))
        : mutateBytes(original, rng)
      const mutated = { ...files, [file]: bytes }
      return {
        mutation: structural ? 'json' : 'bytes',
        outcome: await classify(
          () =>
            loadModel({
              config: decoder.decode(mutated['config.json']!),
              weights: mutated['model.safetensors']!,
              tokenizer: decoder.decode(mutated['tokenizer.json']!),
            }),
          (m) => checkModel(m as LoadedModel),
        ),
      }
    },
  }))
}

/** The RNG of case `index` of a run seeded with `seed` (so any case re-runs alone). */
export function caseRng(seed: number, index: number): Rng {
  return new Rng((Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35)) >>> 0)
}

/** Runs case `index`: the target is chosen round-robin, the mutation from the case's RNG. */
export async function runCase(
  all: Target[],
  seed: number,
  index: number,
  hangMs: number,
): Promise<{ target: string; mutation: string; outcome: Outcome; detail?: string }> {
  const target = all[index % all.length]!
  const rng = caseRng(seed, index)
  const t0 = performance.now()
  let label = '?'
  try {
    const { mutation, outcome } = await target.run(rng, (m) => {
      label = m
    })
    const ms = performance.now() - t0
    // A synchronous parser cannot be interrupted in-process: a case this slow counts as a hang.
    if (ms > hangMs) return { target: target.name, mutation, outcome: 'hang', detail: `${ms.toFixed(0)} ms` }
    return { target: target.name, mutation, outcome }
  } catch (error) {
    const outcome = (error as { outcome?: Outcome }).outcome ?? 'untyped'
    return { target: target.name, mutation: label, outcome, detail: describe(error) }
  }
}
