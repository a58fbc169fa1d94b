import { describe, expect, it } from 'vitest'
import { factWorldFiles } from './fact-files.ts'
import { generateFactWorld, LINKS } from './facts.ts'

const world = generateFactWorld({ entities: 300, seed: 5 })

describe('fact world', () => {
  it('is byte-identical for the same seed and different for another', () => {
    const files = factWorldFiles(world)
    expect(factWorldFiles(generateFactWorld({ entities: 300, seed: 5 }))).toEqual(files)
    expect(factWorldFiles(generateFactWorld({ entities: 300, seed: 6 }))['corpus.jsonl']).not.toBe(
      files['corpus.jsonl'],
    )
  })

  it('has every entity type, unique names, consistent links and similar-named distractors', () => {
    const types = new Set(world.entities.map((e) => e.type))
    expect(types.size).toBe(6)
    const names = world.entities.map((e) => e.name.toLowerCase())
    expect(new Set(names).size).toBe(names.length)
    const byId = new Map(world.entities.map((e) => [e.id, e]))
    for (const e of world.entities)
      for (const [key, value] of Object.entries(e.facts))
        if (key in LINKS) expect(byId.get(value)?.type, `${e.id}.${key}`).toBe(LINKS[key])
    // A country's capital lies in that country.
    for (const c of world.entities.filter((e) => e.type === 'country'))
      expect(byId.get(c.facts['capital']!)!.facts['country']).toBe(c.id)
    const distractors = world.entities.filter((e) => e.similarTo !== undefined)
    expect(distractors.length).toBeGreaterThan(20)
    for (const d of distractors) {
      const original = byId.get(d.similarTo!)!
      expect(d.name).not.toBe(original.name)
      expect(d.name.length).toBe(original.name.length)
      // One letter apart.
      expect([...d.name].filter((ch, i) => ch !== original.name[i]).length).toBe(1)
    }
  })

  it('states every answer at its recorded span, in a passage the qrels name', () => {
    const docs = new Map(world.documents.map((d) => [d.id, d]))
    expect(world.questions).toHaveLength(300)
    for (const q of world.questions) {
      expect(q.spans.length).toBeGreaterThan(0)
      for (const s of q.spans) {
        expect(q.docs).toContain(s.docId)
        expect(docs.get(s.docId)!.text.slice(s.start, s.end)).toBe(q.answers[0])
      }
    }
  })

  it('recomputes every answer from the entities, following one link for two-hop questions', () => {
    const byId = new Map(world.entities.map((e) => [e.id, e]))
    const byName = new Map(world.entities.map((e) => [e.name, e]))
    const read = (entityId: string, answer: string) => {
      const e = byId.get(entityId)!
      // The answer is one of the entity's facts (a literal, or the name of a linked entity).
      return Object.entries(e.facts).some(([k, v]) => (k in LINKS ? byId.get(v)!.name : v) === answer)
    }
    let twoHop = 0
    for (const q of world.questions) {
      // The question names its first entity verbatim.
      const subject = byId.get(q.docs[0]!)!
      expect(q.text).toContain(subject.name)
      expect(byName.get(subject.name)).toBe(subject)
      if (q.type === 'two-hop') {
        twoHop++
        expect(q.docs).toHaveLength(2)
        // The second passage is an entity the first links to.
        expect(Object.entries(subject.facts).some(([k, v]) => k in LINKS && v === q.docs[1])).toBe(true)
        expect(read(q.docs[1]!, q.answers[0]!)).toBe(true)
      } else {
        expect(q.docs).toHaveLength(1)
        expect(read(q.docs[0]!, q.answers[0]!)).toBe(true)
      }
    }
    expect(twoHop).toBe(150)
  })

  it('writes the BEIR layout with answers.jsonl', () => {
    const files = factWorldFiles(world)
    const corpus = files['corpus.jsonl']!.trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(corpus).toHaveLength(300)
    expect(Object.keys(corpus[0]).sort()).toEqual(['_id', 'text', 'title'])
    const qrels = files['qrels/test.tsv']!.trim().split('\n')
    expect(qrels[0]).toBe('query-id\tcorpus-id\tscore')
    expect(qrels).toHaveLength(1 + 150 + 2 * 150)
    const answers = files['answers.jsonl']!.trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(answers[1]).toMatchObject({ query_id: 'q2', type: 'two-hop' })
    expect(answers[1].spans[0]).toEqual({
      doc_id: expect.any(String),
      start: expect.any(Number),
      end: expect.any(Number),
    })
  })

  it('refuses bad sizes naming the field', () => {
    const bad: [Parameters<typeof generateFactWorld>[0], string][] = [
      [{ entities: 5, seed: 1 }, 'entities'],
      [{ entities: 100, seed: -3 }, 'seed'],
      [{ entities: 100, seed: 1, questions: 1.5 }, 'questions'],
      [{ entities: 100, seed: 1, distractorRate: 2 }, 'distractorRate'],
    ]
    for (const [options, path] of bad)
      expect(() => generateFactWorld(options)).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT', path }),
      )
  })
})
