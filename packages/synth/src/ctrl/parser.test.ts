import { describe, expect, it } from 'vitest'
import { comboKey } from '../scene.ts'
import { generateSample } from '../world.ts'
import { parseCaption } from './parser.ts'

describe('parseCaption', () => {
  const data = Array.from({ length: 150 }, (_, index) => generateSample({ seed: 12, split: 'train', index }))

  it('reads every object with all its attributes back from the detailed caption', () => {
    for (const s of data) {
      const detailed = s.captions.find((c) => c.style === 'detailed')!.text
      const parsed = parseCaption(detailed)
      const want = s.graph.objects.map(({ colour, shape, size, texture }) => ({
        colour,
        shape,
        size,
        texture,
      }))
      expect(parsed.objects, detailed).toEqual(want)
      expect(parsed.relations).toEqual([])
    }
  })

  it('reads relations from the relational caption, each true in the graph', () => {
    let read = 0
    for (const s of data) {
      const relational = s.captions.find((c) => c.style === 'relational')!.text
      const truth = new Set(
        s.graph.relations.map(
          (r) =>
            `${comboKey(s.graph.objects[r.subject]!)}|${r.predicate}|${comboKey(s.graph.objects[r.object]!)}`,
        ),
      )
      const parsed = parseCaption(relational)
      for (const r of parsed.relations)
        expect(truth.has(`${r.subject}|${r.predicate}|${r.object}`), relational).toBe(true)
      read += parsed.relations.length
      // One relation a sentence: as many as the caption has sentences when the scene has pairs.
      if (s.graph.relations.length > 0) expect(parsed.relations.length).toBe(relational.split('. ').length)
    }
    expect(read).toBeGreaterThan(200)
  })

  it('merges mentions of one object across captions and ignores words it does not know', () => {
    const parsed = parseCaption(
      'A wonderful picture of a red star and a blue ring.',
      'The big red dotted star lies to the left of the blue ring. Purple clouds drift by.',
    )
    expect(parsed.objects).toEqual([
      { colour: 'red', shape: 'star', size: 'large', texture: 'dotted' },
      { colour: 'blue', shape: 'ring' },
    ])
    expect(parsed.relations).toEqual([{ subject: 'red star', predicate: 'left of', object: 'blue ring' }])
    expect(parseCaption('')).toEqual({ objects: [], relations: [] })
  })
})
