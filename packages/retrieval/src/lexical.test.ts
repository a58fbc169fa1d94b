import { sha256Hex } from '@frugal/ann'
import { beforeAll, describe, expect, it } from 'vitest'
import { type BuiltIndexSet, buildIndexSet } from './build.ts'
import { RetrievalError } from './errors.ts'
import { loadIndexSet } from './index-set.ts'
import { loadLexicalIndex } from './lexical.ts'
import { encodeManifest } from './manifest.ts'
import { probeIndexSet } from './probe.ts'
import { TINY_CORPUS } from './test-fixtures.ts'
import type { RetrievalIndex, SearchResponse } from './types.ts'

let built: BuiltIndexSet
type Lexical = Record<string, unknown> & { fieldLength?: Record<string, unknown>; index: [string, unknown][] }

/** The set with `lexical.json` replaced by `bytes` and the manifest rewritten to match it. */
async function withLexicalBytes(bytes: Uint8Array): Promise<Record<string, Uint8Array>> {
  const manifest = structuredClone(built.manifest)
  manifest.files['lexical.json'] = { bytes: bytes.length, sha256: await sha256Hex(bytes) }
  return {
    ...built.files,
    'lexical.json': bytes,
    'manifest.json': await encodeManifest(manifest),
  }
}

function edited(edit: (js: Lexical) => void): Uint8Array {
  const js = JSON.parse(new TextDecoder().decode(built.files['lexical.json']!)) as Lexical
  edit(js)
  return new TextEncoder().encode(JSON.stringify(js))
}

beforeAll(async () => {
  built = await buildIndexSet(TINY_CORPUS, {
    name: 'tiny',
    source: 'fixture',
    embedder: { kind: 'lsa', fit: { dims: 6 } },
  })
})

describe('lexical index validation', () => {
  const firstKey = (o: Record<string, unknown>) => Object.keys(o)[0]!
  const cases: [string, (js: Lexical) => void][] = [
    ['fieldLength missing', (js) => delete js.fieldLength],
    ['fieldLength null', (js) => (js.fieldLength = null as never)],
    ['fieldLength an array', (js) => (js.fieldLength = [] as never)],
    ['a field length missing', (js) => delete js.fieldLength![firstKey(js.fieldLength!)]],
    ['a field length a string', (js) => (js.fieldLength![firstKey(js.fieldLength!)] = ['8'])],
    ['a field length null', (js) => (js.fieldLength![firstKey(js.fieldLength!)] = null)],
    ['fieldIds missing', (js) => delete js.fieldIds],
    ['fieldIds null', (js) => (js.fieldIds = null)],
    ['fieldIds naming another field', (js) => (js.fieldIds = { title: 0 })],
    ['averageFieldLength missing', (js) => delete js.averageFieldLength],
    ['averageFieldLength null', (js) => (js.averageFieldLength = null)],
    ['averageFieldLength a string', (js) => (js.averageFieldLength = ['8.375'])],
    ['averageFieldLength off the lengths', (js) => (js.averageFieldLength = [1e-300])],
    ['documentCount wrong', (js) => (js.documentCount = 3)],
    ['index not an array', (js) => (js.index = {} as never)],
    ['a posting to an unknown document', (js) => (js.index[0]![1] = { '0': { '99': 1 } })],
    ['a posting with a fractional frequency', (js) => (js.index[0]![1] = { '0': { '0': 0.5 } })],
    ['a repeated term', (js) => js.index.push(js.index[0]!)],
    ['an unknown member', (js) => (js.extra = 1)],
    ['serializationVersion missing', (js) => delete js.serializationVersion],
  ]
  it.each(cases)('refuses a lexical.json with %s (CORRUPT, naming the file)', async (_label, edit) => {
    const error = await loadIndexSet(await withLexicalBytes(edited(edit))).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(RetrievalError)
    expect(error).toMatchObject({ code: 'CORRUPT', file: 'lexical.json' })
  })

  it('refuses a lexical.json that is not valid UTF-8 instead of decoding it leniently', async () => {
    const good = built.files['lexical.json']!
    // Overwrite one character of the first term (inside a JSON string) with a lone 0xff byte.
    const text = new TextDecoder().decode(good)
    const at = new TextEncoder().encode(text.slice(0, text.indexOf('"index":[["') + 11)).length
    const bad = good.slice()
    bad[at] = 0xff
    const error = await loadIndexSet(await withLexicalBytes(bad)).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toMatchObject({ code: 'CORRUPT', file: 'lexical.json' })
    expect(() => loadLexicalIndex(bad, built.manifest.documents.count)).toThrow()
  })

  it('loads an unedited round trip, which answers lexical and hybrid queries', async () => {
    const same = await loadIndexSet(await withLexicalBytes(edited(() => {})))
    for (const mode of ['lexical', 'hybrid'] as const) {
      const { hits } = await same.search({ query: 'tariffs on imports', k: 3, mode })
      expect(hits[0]?.id).toBe('trade')
      expect(hits.every((h) => Number.isFinite(h.score))).toBe(true)
    }
  })
})

describe('probe before serving', () => {
  /** A loaded set whose `mode` searches misbehave as `misbehave` says. */
  const broken = async (
    mode: string,
    misbehave: (r: SearchResponse) => SearchResponse,
  ): Promise<RetrievalIndex> => {
    const good = await loadIndexSet(built.files)
    return {
      manifest: good.manifest,
      stats: () => good.stats(),
      searchBatch: (requests) => good.searchBatch(requests),
      search: async (request) => {
        const response = await good.search(request)
        return request.mode === mode ? misbehave(response) : response
      },
    }
  }
  const texts = TINY_CORPUS.map((d) => d.text)

  it('passes a set that answers in every mode', async () => {
    await expect(probeIndexSet(await loadIndexSet(built.files), texts)).resolves.toBeUndefined()
  })

  it.each([
    ['dense', (r: SearchResponse) => ({ ...r, hits: r.hits.map((h) => ({ ...h, score: Number.NaN })) })],
    ['lexical', (r: SearchResponse) => ({ ...r, hits: [] })],
    [
      'hybrid',
      () => {
        throw new TypeError("Cannot read properties of undefined (reading '0')")
      },
    ],
  ] as const)('refuses a set whose %s search is broken, with CORRUPT', async (mode, misbehave) => {
    const error = await probeIndexSet(await broken(mode, misbehave), texts).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(RetrievalError)
    expect((error as RetrievalError).code).toBe('CORRUPT')
    expect((error as RetrievalError).message).toContain(mode)
  })
})
