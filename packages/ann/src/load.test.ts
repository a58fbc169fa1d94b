import { describe, expect, it } from 'vitest'
import { buildBinary } from './binary.ts'
import { AnnError } from './errors.ts'
import { FlatIndex } from './flat.ts'
import { type Artifact, ArtifactWriter, readArtifact, type SectionArray } from './format.ts'
import { IvfIndex } from './ivf.ts'
import { buildIvfPq } from './ivfpq.ts'
import { indexKinds, loadIndex, registerIndexKind } from './load.ts'
import { errorCode, matryoshkaData } from './test-data.ts'

const REFUSALS = /^(BAD_MAGIC|UNSUPPORTED_VERSION|TRUNCATED|CHECKSUM_MISMATCH|CORRUPT)$/

/** Rewrites an artifact with some params or sections replaced, re-sealing the checksum. */
function rewrite(
  artifact: Artifact,
  params: Record<string, unknown>,
  sections: Record<string, SectionArray | undefined>,
): Uint8Array {
  const w = new ArtifactWriter(artifact.kind, { ...artifact.params, ...params })
  for (const [name, s] of artifact.sections) {
    const replacement = name in sections ? sections[name] : s.data
    if (replacement) w.addSection(name, replacement)
  }
  return w.finish()
}

describe('loadIndex', () => {
  const n = 120
  const dim = 8
  const data = matryoshkaData(n, dim, 6, 11)
  const queries = matryoshkaData(4, dim, 6, 12)
  const ivf = IvfIndex.build(data, n, dim, { metric: 'cosine', nlist: 4, clusterDims: 4, iterations: 3 })
  ivf.frontier = [{ settings: { nprobe: 1, clusterDims: 4, scanDims: 8 }, recall: 0.5, k: 10, flops: 100 }]
  const flat = FlatIndex.build(data, n, dim, { metric: 'l2' })

  for (const [name, index] of [
    ['ivf', ivf],
    ['flat', flat],
  ] as const) {
    it(`refuses every flipped byte and every corrupted range of a saved ${name} index`, () => {
      const bytes = index.serialize()
      const reference = loadIndex(bytes).searchBatch(queries, 5)
      for (let i = 0; i < bytes.length; i++) {
        const copy = bytes.slice()
        copy[i] = copy[i]! ^ (1 << (i % 8))
        expect(
          errorCode(() => loadIndex(copy)),
          `flipped byte ${i}`,
        ).toMatch(REFUSALS)
      }
      for (const width of [2, 7, 64, 1000]) {
        for (let start = 0; start < bytes.length; start += Math.max(1, width >> 1)) {
          const copy = bytes.slice()
          let changed = false
          for (let i = start; i < Math.min(bytes.length, start + width); i++) {
            const v = (copy[i]! + 37 + i) & 0xff
            changed ||= v !== copy[i]
            copy[i] = v
          }
          if (changed)
            expect(
              errorCode(() => loadIndex(copy)),
              `range ${start}+${width}`,
            ).toMatch(REFUSALS)
        }
      }
      // The original still loads and answers the same after all that copying.
      expect(loadIndex(bytes).searchBatch(queries, 5)).toEqual(reference)
    })

    it(`refuses a saved ${name} index truncated at any length or with bytes appended`, () => {
      const bytes = index.serialize()
      for (let len = 0; len < bytes.length; len++) {
        expect(
          errorCode(() => loadIndex(bytes.subarray(0, len))),
          `length ${len}`,
        ).toBe('TRUNCATED')
      }
      const longer = new Uint8Array(bytes.length + 1)
      longer.set(bytes)
      expect(errorCode(() => loadIndex(longer))).toBe('CORRUPT')
    })
  }

  it('refuses well-checksummed files whose contents are inconsistent', () => {
    const a = readArtifact(ivf.serialize())
    const offsets = (a.sections.get('list_offsets')!.data as Int32Array).slice()
    const ids = (a.sections.get('ids')!.data as Int32Array).slice()
    const vectors = (a.sections.get('vectors_0')!.data as Float32Array).slice()
    const badOffsets = offsets.slice()
    badOffsets[1] = offsets[2]! + 1
    const dupIds = ids.slice()
    dupIds[1] = dupIds[0]!
    const nanVectors = vectors.slice()
    nanVectors[5] = Number.NaN
    const cases: [Record<string, unknown>, Record<string, SectionArray | undefined>][] = [
      [{}, { list_offsets: badOffsets }],
      [{}, { ids: dupIds }],
      [{}, { vectors_0: nanVectors }],
      [{}, { vectors_0: undefined }],
      [{}, { norms: new Float32Array(3) }],
      [{ blockStarts: [0, 4] }, {}],
      [{ prefixDims: [3, 3, 8] }, {}],
      [{}, { ids: new Float32Array(ids.length) }],
      [{}, { centroids: new Float32Array(3) }],
      [{ nlist: 5 }, {}],
      [{ dim: 'eight' }, {}],
      [{ metric: 'hamming' }, {}],
      [{ nprobe: 0 }, {}],
      [{ storeDims: 9 }, {}],
      [{ frontier: [{ recall: 'high' }] }, {}],
      [{ frontier: 3 }, {}],
    ]
    for (const [params, sections] of cases) {
      const code = errorCode(() => loadIndex(rewrite(a, params, sections)))
      expect(code, JSON.stringify(params) + Object.keys(sections).join()).toBe('CORRUPT')
    }
    expect(errorCode(() => loadIndex(new ArtifactWriter('nope', {}).finish()))).toBe('CORRUPT')
  })

  it('refuses well-checksummed ivfpq and binary files whose header disagrees with their sections', () => {
    const lean = readArtifact(
      buildIvfPq(data, n, dim, {
        metric: 'cosine',
        nlist: 4,
        m: 4,
        ksub: 16,
        kmeansIterations: 2,
      }).serialize(),
    )
    const full = readArtifact(
      buildIvfPq(data, n, dim, {
        metric: 'l2',
        nlist: 4,
        m: 4,
        ksub: 16,
        keepVectors: true,
        rerank: 20,
        kmeansIterations: 2,
      }).serialize(),
    )
    const binary = readArtifact(buildBinary(data, n, dim, { metric: 'cosine' }).serialize())
    const nan = (a: Artifact, name: string) => {
      const copy = (a.sections.get(name)!.data as Float32Array).slice()
      copy[1] = Number.NaN
      return copy
    }
    const cases: [string, Artifact, Record<string, unknown>, Record<string, SectionArray | undefined>][] = [
      // Without stored vectors no section pins `dim`: a huge one must not size query buffers.
      ['ivfpq dim 2^31 without vectors', lean, { dim: 2 ** 31 }, {}],
      ['ivfpq dim 2^40 without vectors', lean, { dim: 2 ** 40 }, {}],
      ['ivfpq rerank without vectors', lean, { rerank: 10 }, {}],
      ['ivfpq NaN pq centroids', lean, {}, { pq_centroids: nan(lean, 'pq_centroids') }],
      ['ivfpq NaN probe centroids', lean, {}, { probe_centroids: nan(lean, 'probe_centroids') }],
      ['ivfpq NaN list centroids', lean, {}, { list_centroids: nan(lean, 'list_centroids') }],
      ['ivfpq NaN vectors', full, {}, { vectors: nan(full, 'vectors') }],
      ['binary NaN vectors', binary, {}, { vectors: nan(binary, 'vectors') }],
    ]
    for (const [label, artifact, params, sections] of cases) {
      expect(
        errorCode(() => loadIndex(rewrite(artifact, params, sections))),
        label,
      ).toBe('CORRUPT')
    }
    // The untouched files still load.
    expect(loadIndex(rewrite(lean, {}, {})).size).toBe(n)
    expect(loadIndex(rewrite(full, {}, {})).size).toBe(n)
    expect(loadIndex(rewrite(binary, {}, {})).size).toBe(n)
  })

  it('opens kinds registered from outside', () => {
    expect(indexKinds()).toEqual(expect.arrayContaining(['flat', 'ivf']))
    registerIndexKind('flat-alias', (artifact) => FlatIndex.fromArtifact(artifact))
    const bytes = readArtifact(flat.serialize())
    const aliased = rewrite({ ...bytes, kind: 'flat-alias' }, {}, {})
    expect(loadIndex(aliased).size).toBe(n)
    expect(() => registerIndexKind('', () => flat)).toThrow(AnnError)
  })
})
