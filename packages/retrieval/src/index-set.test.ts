import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sha256Hex } from '@frugal/ann'
import { beforeAll, describe, expect, it } from 'vitest'
import { type BuiltIndexSet, buildIndexSet } from './build.ts'
import { SNIPPET_QUERY_WORDS, SNIPPET_SCAN_CHARS, snippet } from './documents.ts'
import { RetrievalError } from './errors.ts'
import { loadIndexSet } from './index-set.ts'
import { encodeManifest } from './manifest.ts'
import { readIndexSet, writeIndexSet } from './node.ts'
import { TINY_CORPUS } from './test-fixtures.ts'
import { INDEX_SET_FILES, type IndexSetManifest, type RetrievalIndex } from './types.ts'

let built: BuiltIndexSet
let index: RetrievalIndex

/** Copies the files as plain ArrayBuffers, as they arrive from R2 or fetch. */
function asArrayBuffers(files: Record<string, Uint8Array>): Record<string, ArrayBuffer> {
  return Object.fromEntries(Object.entries(files).map(([k, v]) => [k, v.slice().buffer]))
}

async function refusal(files: Record<string, Uint8Array | ArrayBuffer>): Promise<RetrievalError> {
  const error = await loadIndexSet(files).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(RetrievalError)
  return error as RetrievalError
}

beforeAll(async () => {
  built = await buildIndexSet(TINY_CORPUS, {
    name: 'tiny',
    source: 'fixture',
    embedder: { kind: 'lsa', fit: { dims: 6 } },
  })
  index = await loadIndexSet(asArrayBuffers(built.files))
})

describe('index sets', () => {
  it('writes a manifest with versions, sizes and SHA-256 of every file', async () => {
    const m = built.manifest
    expect(m.format).toBe('frugal-index-set')
    expect(m.version).toBe(2)
    expect(Object.keys(m.files).sort()).toEqual([
      'dense.ann',
      'documents.json',
      'embedder.bin',
      'lexical.json',
    ])
    for (const [name, entry] of Object.entries(m.files)) {
      expect(entry.bytes).toBe(built.files[name]!.length)
      expect(entry.sha256).toBe(await sha256Hex(built.files[name]!))
    }
    expect(m.stats.documents).toBe(8)
    expect(m.dense).toMatchObject({ kind: 'flat', metric: 'cosine', dim: 6, size: 8 })
    expect(m.lexical.bm25).toEqual({ k1: 1.2, b: 0.75 })
    expect(JSON.parse(new TextDecoder().decode(built.files['manifest.json']))).toEqual(m)
  })

  it('loads from ArrayBuffers and finds the obviously relevant document in every mode', async () => {
    for (const mode of ['dense', 'lexical', 'hybrid'] as const) {
      const res = await index.search({ query: 'rockets to the moon', k: 3, mode })
      expect(res.hits[0]?.id, mode).toBe('moon')
      expect(res.hits[0]?.title).toBe('Space')
      expect(res.settings.mode).toBe(mode)
      expect(res.hits.length).toBeLessThanOrEqual(3)
    }
    const tax = await index.search({ query: 'tax relief', k: 2 })
    expect(tax.settings.mode).toBe('hybrid')
    expect(tax.hits[0]?.id).toBe('tax')
    expect(tax.cost.lexicalCandidates).toBe(1)
    expect(tax.cost.dims).toBe(6)
    // Hybrid runs with the fusion calibrated at build time and stored in the manifest.
    const { calibration: _, ...calibrated } = built.manifest.fusion!
    expect(tax.settings.fusion).toEqual({ ...calibrated, depth: 100 })
  })

  it('searches by vector, with a prefix of the dims, and reports cost', async () => {
    const vec = (await import('@frugal/models')).LsaEmbedder.load(built.files['embedder.bin']!).embed(
      'navy ships',
    )
    const res = await index.search({ vector: Array.from(vec), k: 1, scanDims: 4 })
    expect(res.settings).toMatchObject({ mode: 'dense', scanDims: 4 })
    expect(res.hits[0]?.id).toBe('navy')
    expect(res.cost.dims).toBe(4)
    expect(res.cost.candidates).toBe(8)
    expect(res.cost.flops).toBeGreaterThan(0)
  })

  it('returns no dense hits for a query without any known term', async () => {
    expect((await index.search({ query: 'zzzz qqqq', k: 5, mode: 'dense' })).hits).toEqual([])
    expect((await index.search({ query: 'zzzz qqqq', k: 5, mode: 'hybrid' })).hits).toEqual([])
  })

  it('reports stats', () => {
    const s = index.stats()
    expect(s).toMatchObject({
      name: 'tiny',
      documents: 8,
      dims: 6,
      denseKind: 'flat',
      metric: 'cosine',
      version: 2,
    })
    expect(s.modes).toEqual(['dense', 'lexical', 'hybrid'])
    expect(s.annBytes).toBeGreaterThan(0)
    expect(s.frontier?.length).toBeGreaterThan(0)
  })

  it('refuses bad requests naming the field', async () => {
    const cases: [Record<string, unknown>, string, string?][] = [
      [{ query: 'x', k: 0 }, 'k'],
      [{ query: 'x', k: 1001 }, 'k'],
      [{ query: 'x', k: 2.5 }, 'k'],
      [{ query: 'x' }, 'k'],
      [{ query: '   ', k: 1 }, 'query'],
      [{ query: 'x'.repeat(5000), k: 1 }, 'query'],
      [{ query: 7, k: 1 }, 'query'],
      [{ k: 1, mode: 'lexical' }, 'query'],
      [{ k: 1 }, 'query'],
      [{ query: 'x', k: 1, mode: 'semantic' }, 'mode'],
      [{ vector: [1, 2, 3], k: 1 }, 'vector', 'DIMENSION_MISMATCH'],
      [{ vector: [1, 2, 3, Number.NaN, 0, 0], k: 1 }, 'vector'],
      [{ vector: [1, 2, 3, Number.POSITIVE_INFINITY, 0, 0], k: 1 }, 'vector'],
      [{ vector: ['1', 0, 0, 0, 0, 0], k: 1 }, 'vector'],
      [{ vector: 'abc', k: 1 }, 'vector'],
      [{ query: 'x', k: 1, scanDims: 7 }, 'scanDims'],
      [{ query: 'moon', k: 1, mode: 'dense', nprobe: 2 }, 'nprobe'],
      [{ query: 'x', k: 1, budget: -1 }, 'budget'],
      [{ vector: [0, 0, 0, 0, 0, 0], k: 1, budget: 1e-9 }, 'budget'],
      [{ vector: [0, 0, 0, 0, 0, 0], k: 1, nprobe: 2 }, 'nprobe'],
      [{ query: 'x', k: 1, targetRecall: 1.5 }, 'targetRecall'],
      [{ query: 'x', k: 1, fusion: { denseWeight: -1 } }, 'fusion.denseWeight'],
    ]
    for (const [request, field, code] of cases) {
      const error = await index.search(request as never).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error, JSON.stringify(request).slice(0, 80)).toBeInstanceOf(RetrievalError)
      expect((error as RetrievalError).field, JSON.stringify(request).slice(0, 80)).toBe(field)
      expect((error as RetrievalError).code).toBe(code ?? 'INVALID_QUERY')
    }
  })

  it('refuses a missing file, a wrong size and a wrong checksum, naming the file', async () => {
    const { 'dense.ann': _, ...noDense } = built.files
    expect(await refusal(noDense)).toMatchObject({ code: 'MISSING_FILE', file: 'dense.ann' })
    expect(
      await refusal({ ...built.files, 'lexical.json': built.files['lexical.json']!.slice(1) }),
    ).toMatchObject({
      code: 'SIZE_MISMATCH',
      file: 'lexical.json',
    })
    const flipped = built.files['embedder.bin']!.slice()
    flipped[100]! ^= 1
    expect(await refusal({ ...built.files, 'embedder.bin': flipped })).toMatchObject({
      code: 'CHECKSUM_MISMATCH',
      file: 'embedder.bin',
    })
  })

  it('refuses a corrupted file even when the manifest was rewritten to match it', async () => {
    const withFile = async (name: string, bytes: Uint8Array) => {
      const manifest = structuredClone(built.manifest)
      manifest.files[name] = { bytes: bytes.length, sha256: await sha256Hex(bytes) }
      return {
        ...built.files,
        [name]: bytes,
        'manifest.json': await encodeManifest(manifest),
      }
    }
    const ann = built.files['dense.ann']!.slice()
    ann[ann.length - 1]! ^= 0xff // the container's own CRC now fails
    expect(await refusal(await withFile('dense.ann', ann))).toMatchObject({
      code: 'CORRUPT',
      file: 'dense.ann',
    })
    const docs = new TextEncoder().encode('{"ids":["a"],"titles":["b"],"texts":["c"]}')
    expect(await refusal(await withFile('documents.json', docs))).toMatchObject({
      code: 'CORRUPT',
      file: 'documents.json',
    })
    const lexical = new TextEncoder().encode('{"not": "minisearch"')
    expect(await refusal(await withFile('lexical.json', lexical))).toMatchObject({
      code: 'CORRUPT',
      file: 'lexical.json',
    })
  })

  it('refuses a lexical index whose rows are not the documents of the set', async () => {
    const withLexical = async (edit: (js: { documentIds: Record<string, unknown> }) => void) => {
      const js = JSON.parse(new TextDecoder().decode(built.files['lexical.json']!))
      edit(js)
      const bytes = new TextEncoder().encode(JSON.stringify(js))
      const manifest = structuredClone(built.manifest)
      manifest.files['lexical.json'] = { bytes: bytes.length, sha256: await sha256Hex(bytes) }
      return {
        ...built.files,
        'lexical.json': bytes,
        'manifest.json': await encodeManifest(manifest),
      }
    }
    const count = built.manifest.documents.count
    const cases: [string, (js: { documentIds: Record<string, unknown> }) => void][] = [
      [
        'rows past the end',
        (js) => {
          for (const k of Object.keys(js.documentIds))
            js.documentIds[k] = (js.documentIds[k] as number) + count
        },
      ],
      [
        'a negative row',
        (js) => {
          js.documentIds[Object.keys(js.documentIds)[0]!] = -1
        },
      ],
      [
        'a repeated row',
        (js) => {
          const keys = Object.keys(js.documentIds)
          js.documentIds[keys[1]!] = js.documentIds[keys[0]!]
        },
      ],
      [
        'an extra row past the end',
        (js) => {
          js.documentIds['999999'] = count + 3
        },
      ],
      [
        'a row that is not a number',
        (js) => {
          js.documentIds[Object.keys(js.documentIds)[0]!] = 'zero'
        },
      ],
    ]
    for (const [label, edit] of cases) {
      const error = await refusal(await withLexical(edit))
      expect(error, label).toMatchObject({ code: 'CORRUPT', file: 'lexical.json' })
    }
    // An unedited round trip still loads and answers lexical queries.
    const same = await loadIndexSet(await withLexical(() => {}))
    expect((await same.search({ query: 'tariff', k: 3, mode: 'lexical' })).hits.length).toBeGreaterThan(0)
  })

  it('refuses a malformed manifest or an unknown version', async () => {
    const manifestWith = async (m: unknown) => ({
      ...built.files,
      'manifest.json': await encodeManifest(m as IndexSetManifest),
    })
    expect(await refusal({ ...built.files, 'manifest.json': new TextEncoder().encode('{') })).toMatchObject({
      code: 'BAD_MANIFEST',
    })
    expect(await refusal(await manifestWith({ ...built.manifest, version: 3 }))).toMatchObject({
      code: 'UNSUPPORTED_VERSION',
    })
    const bad = await refusal(
      await manifestWith({ ...built.manifest, dense: { ...built.manifest.dense, dim: 'six' } }),
    )
    expect(bad).toMatchObject({ code: 'BAD_MANIFEST', field: 'dense.dim' })
    const traversal = structuredClone(built.manifest) as { documents: { file: string } }
    traversal.documents.file = '../secrets'
    expect(await refusal(await manifestWith(traversal))).toMatchObject({
      code: 'BAD_MANIFEST',
      field: 'documents.file',
    })
    const { 'manifest.json': _, ...noManifest } = built.files
    expect(await refusal(noManifest)).toMatchObject({ code: 'MISSING_FILE', file: INDEX_SET_FILES.manifest })
  })

  it('refuses a manifest whose own bytes changed (its checksum covers every member, e.g. embedder.kind)', async () => {
    const text = new TextDecoder().decode(built.files['manifest.json']!)
    const edits: [string, string][] = [
      ['embedder kind flipped', text.replace('"kind": "lsa"', '"kind": "transformers"')],
      ['name changed', text.replace('"name": "tiny"', '"name": "tinx"')],
      ['a member added', text.replace('"name": "tiny"', '"name": "tiny", "extra": 1')],
      ['checksum removed', text.replace(/,\s*"sha256": "[0-9a-f]{64}"\s*}\s*$/, '}')],
    ]
    for (const [label, edited] of edits) {
      expect(edited, label).not.toBe(text)
      const error = await refusal({ ...built.files, 'manifest.json': new TextEncoder().encode(edited) })
      expect(error.file, label).toBe('manifest.json')
      expect(['CHECKSUM_MISMATCH', 'BAD_MANIFEST'], label).toContain(error.code)
    }
    // Whitespace is not covered: a re-indented manifest still loads.
    const compact = new TextEncoder().encode(JSON.stringify(JSON.parse(text)))
    expect((await loadIndexSet({ ...built.files, 'manifest.json': compact })).manifest.name).toBe('tiny')
  })

  it('refuses a manifest declaring a dim past 65,536 or a frontier past its index', async () => {
    const huge = { ...built.manifest, dense: { ...built.manifest.dense, dim: 2 ** 32 } }
    expect(await refusal({ ...built.files, 'manifest.json': await encodeManifest(huge) })).toMatchObject({
      code: 'BAD_MANIFEST',
      field: 'dense.dim',
    })
    const point = { settings: { scanDims: 7 }, recall: 1, k: 10, flops: 100 }
    const frontier = { ...built.manifest, dense: { ...built.manifest.dense, frontier: [point] } }
    expect(await refusal({ ...built.files, 'manifest.json': await encodeManifest(frontier) })).toMatchObject({
      code: 'BAD_MANIFEST',
      field: 'dense.frontier.0.settings',
    })
    // The tiny set is flat: a frontier point with nprobe would fail every budget search.
    const listless = { ...point, settings: { scanDims: 4, nprobe: 1 } }
    const flat = { ...built.manifest, dense: { ...built.manifest.dense, frontier: [listless] } }
    expect(await refusal({ ...built.files, 'manifest.json': await encodeManifest(flat) })).toMatchObject({
      code: 'BAD_MANIFEST',
      field: 'dense.frontier.0.settings',
    })
  })

  it('writes and reads a set through a directory', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'frugal-set-')), 'out')
    await writeIndexSet(dir, built.files)
    const files = await readIndexSet(dir)
    expect(Object.keys(files).sort()).toEqual(Object.keys(built.files).sort())
    const again = await loadIndexSet(files)
    expect((await again.search({ query: 'wheat and corn', k: 1 })).hits[0]?.id).toBe('farm')
  })
})

describe('snippet', () => {
  it('cuts a window around the first query word at word boundaries', () => {
    const text = `${'lorem ipsum '.repeat(30)}the railroad reached the coast ${'dolor sit '.repeat(30)}`
    const s = snippet(text, 'Railroad!', 60)
    expect(s).toMatch(/^….*railroad reached the coast.*…$/)
    expect(s.length).toBeLessThanOrEqual(62)
    expect(snippet('short text', 'x', 200)).toBe('short text')
    expect(snippet('anything', 'x', 0)).toBe('')
  })

  it('looks only at the first 16 KiB of a document and the first 16 query words (bounded cost)', () => {
    const far = `${'filler words here '.repeat(2000)} the railroad at last`
    expect(far.indexOf('railroad')).toBeGreaterThan(SNIPPET_SCAN_CHARS)
    expect(snippet(far, 'railroad', 40)).toMatch(/^filler words here.*…$/)
    const near = `${'filler '.repeat(50)}zebra ${'filler '.repeat(50)}`
    const words = Array.from({ length: SNIPPET_QUERY_WORDS }, (_, i) => `absent${i}`)
    expect(snippet(near, [...words, 'zebra'].join(' '), 40)).not.toContain('zebra')
    expect(snippet(near, [...words.slice(1), 'zebra'].join(' '), 40)).toContain('zebra')
    const huge = 'x'.repeat(5_000_000)
    expect(snippet(huge, 'xxx', 100).length).toBeLessThanOrEqual(102)
  })
})
