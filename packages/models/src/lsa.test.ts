import { AnnError, ArtifactWriter, readArtifact, type SectionArray } from '@frugal/ann'
import { loadDefaultCorpus } from '@frugal/datasets/node'
import { describe, expect, it } from 'vitest'
import { analyze } from './analyzer.ts'
import { ModelError } from './errors.ts'
import { LsaEmbedder } from './lsa.ts'

const TINY = [
  'The cat sat on the mat with another cat.',
  'Dogs chase cats in the garden.',
  'Stock markets fell as interest rates rose.',
  'The central bank raised interest rates again.',
  'A garden full of roses and tulips.',
]

describe('analyze', () => {
  it('lowercases, drops stopwords and stems', () => {
    expect(analyze('The Aerodynamics of WINGS, in 1958!')).toEqual(['aerodynam', 'wing', '1958'])
    expect(analyze('Café résumé')).toEqual(['cafe', 'resum'])
  })
})

describe('LsaEmbedder', () => {
  it('embeds related texts closer than unrelated ones, at unit length', () => {
    const lsa = LsaEmbedder.fit(TINY, { dims: 4 })
    expect(lsa.dims).toBe(4)
    const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0)
    const rates = lsa.embed('interest rates')
    expect(dot(rates, rates)).toBeCloseTo(1, 5)
    expect(dot(rates, lsa.embed(TINY[3]!))).toBeGreaterThan(dot(rates, lsa.embed(TINY[0]!)))
    expect([...lsa.embed('zebra unknown words')]).toEqual([0, 0, 0, 0])
    expect(() => lsa.embed('x', 5)).toThrow(ModelError)
  })

  it('round-trips through its artifact bit-identically', () => {
    const lsa = LsaEmbedder.fit(TINY, { dims: 3 })
    const loaded = LsaEmbedder.load(lsa.serialize())
    expect(loaded.terms).toEqual(lsa.terms)
    expect(loaded.embedBatch(TINY)).toEqual(lsa.embedBatch(TINY))
    expect(loaded.serialize()).toEqual(lsa.serialize())
  })

  it('refuses corrupted, truncated and foreign artifacts', () => {
    const bytes = LsaEmbedder.fit(TINY, { dims: 3 }).serialize()
    const flipped = bytes.slice()
    flipped[Math.floor(bytes.length / 2)]! ^= 0x40
    expect(() => LsaEmbedder.load(flipped)).toThrow(expect.objectContaining({ code: 'CHECKSUM_MISMATCH' }))
    expect(() => LsaEmbedder.load(bytes.slice(0, bytes.length - 10))).toThrow(AnnError)
    expect(() => LsaEmbedder.load(new TextEncoder().encode('{"not":"an artifact"}'))).toThrow(
      expect.objectContaining({ code: 'BAD_MAGIC' }),
    )
  })

  it('refuses a well-checksummed artifact with non-finite weights or repeated terms', () => {
    const artifact = readArtifact(LsaEmbedder.fit(TINY, { dims: 3 }).serialize())
    const rewrite = (name: string, edit: (data: SectionArray) => SectionArray) => {
      const w = new ArtifactWriter(artifact.kind, artifact.params)
      for (const [n, s] of artifact.sections) w.addSection(n, n === name ? edit(s.data.slice()) : s.data)
      return w.finish()
    }
    const poison = (value: number) => (data: SectionArray) => {
      data[1] = value
      return data
    }
    for (const name of ['idf', 'projection', 'singular_values']) {
      for (const value of [Number.NaN, Number.POSITIVE_INFINITY]) {
        expect(() => LsaEmbedder.load(rewrite(name, poison(value))), `${name} ${value}`).toThrow(
          expect.objectContaining({ code: 'CORRUPT' }),
        )
      }
    }
    const repeated = rewrite('terms', (data) => {
      const terms = new TextDecoder().decode(data).split('\n')
      terms[1] = terms[0]!
      return new TextEncoder().encode(terms.join('\n'))
    })
    expect(() => LsaEmbedder.load(repeated)).toThrow(expect.objectContaining({ code: 'CORRUPT' }))
    expect(LsaEmbedder.load(rewrite('idf', (d) => d)).dims).toBe(3)
  })

  it('embeds to a finite unit vector even when its stored weights are the largest finite floats', () => {
    const artifact = readArtifact(LsaEmbedder.fit(TINY, { dims: 3 }).serialize())
    for (const [name, value] of [
      ['projection', 3.4e38],
      ['projection', -3.4e38],
      ['idf', 3.4e38],
    ] as const) {
      const w = new ArtifactWriter(artifact.kind, artifact.params)
      for (const [n, s] of artifact.sections)
        w.addSection(n, n === name ? s.data.slice().fill(value) : s.data)
      const lsa = LsaEmbedder.load(w.finish())
      for (const text of [...TINY, 'interest rates garden cat']) {
        const v = lsa.embed(text)
        expect([...v].every(Number.isFinite), `${name} ${value}: ${text}`).toBe(true)
        expect(
          v.reduce((s, x) => s + x * x, 0),
          `${name} ${value}: ${text}`,
        ).toBeCloseTo(1, 5)
      }
    }
  })

  it('has nested prefixes: rankings by 32/64/128 dims approach the 256-dim ranking monotonically', () => {
    const docs = loadDefaultCorpus().filter((_, i) => i % 4 === 0) // ~3.2k passages
    const texts = docs.map((d) => d.text)
    const lsa = LsaEmbedder.fit(texts, { dims: 256 })
    expect(lsa.dims).toBe(256)
    for (let c = 1; c < 256; c++)
      expect(lsa.singularValues[c]!).toBeLessThanOrEqual(lsa.singularValues[c - 1]!)
    const base = lsa.embedBatch(texts)
    // Queries: the first sentence of 150 other passages.
    const queries = loadDefaultCorpus()
      .filter((_, i) => i % 4 === 2)
      .slice(0, 150)
      .map((d) => d.text.split(/(?<=[.!?])\s/)[0]!)
    const topIds = (q: string, d: number) => {
      const v = lsa.embed(q, d)
      const scores = texts.map((_, i) => {
        let s = 0
        let n = 0
        for (let c = 0; c < d; c++) {
          s += v[c]! * base[i * 256 + c]!
          n += base[i * 256 + c]! ** 2
        }
        return n > 0 ? s / Math.sqrt(n) : 0
      })
      return new Set(
        scores
          .map((s, i) => [s, i] as const)
          .sort((a, b) => b[0] - a[0])
          .slice(0, 10)
          .map(([, i]) => i),
      )
    }
    const overlap = (d: number) => {
      let total = 0
      for (const q of queries) {
        const full = topIds(q, 256)
        for (const id of topIds(q, d)) if (full.has(id)) total++
      }
      return total / (10 * queries.length)
    }
    const o = [16, 32, 64, 128].map(overlap)
    for (let i = 1; i < o.length; i++) expect(o[i]!).toBeGreaterThan(o[i - 1]!)
    expect(o[3]!).toBeGreaterThan(0.6)
    expect(o[3]!).toBeLessThan(1)
  })
})
