import { describe, expect, it } from 'vitest'
import { elementsOfGraph, type SceneElements } from '../elements.ts'
import { createRandom } from '../random.ts'
import { comboKey } from '../scene.ts'
import { generateSample } from '../world.ts'
import { applyPolicy, countFrequencies, PolicyConflict, parsePolicy } from './policy.ts'

const scenes = Array.from({ length: 120 }, (_, index) =>
  elementsOfGraph(generateSample({ seed: 4, split: 'train', index }).graph),
)
const apply = (e: SceneElements, policy: unknown, i = 0) =>
  applyPolicy(e, parsePolicy(policy), createRandom(i))

describe('parsePolicy', () => {
  it('accepts the documented forms and fills defaults', () => {
    const p = parsePolicy({
      ops: [
        { op: 'remove', where: { shape: 'star' } },
        { op: 'add', object: { shape: 'circle' } },
        { op: 'replace', attr: 'colour', from: 'red', to: 'any' },
        { op: 'rebalance', attr: 'combo' },
      ],
    })
    expect(p.seed).toBe(0)
    expect(p.ops[1]).toEqual({
      op: 'add',
      object: { shape: 'circle', colour: 'any', size: 'any', texture: 'any' },
      count: 1,
    })
    expect(p.ops[3]).toEqual({ op: 'rebalance', attr: 'combo', strength: 1 })
  })

  it('refuses a bad policy with INVALID_POLICY naming the field', () => {
    const bad: [unknown, string][] = [
      [{}, 'ops'],
      [{ ops: [] }, 'ops'],
      [{ ops: [{ op: 'erase', where: { shape: 'star' } }] }, 'ops[0].op'],
      [{ ops: [{ op: 'replace', attr: 'colour', from: 'red', to: 'purpl' }] }, 'ops[0].to'],
      [{ ops: [{ op: 'replace', attr: 'size', from: 'red', to: 'any' }] }, 'ops[0].from'],
      [{ ops: [{ op: 'replace', attr: 'colour', from: 'red', to: 'red' }] }, 'ops[0].to'],
      [{ ops: [{ op: 'replace', attr: 'weight', from: 'a', to: 'b' }] }, 'ops[0].attr'],
      [{ ops: [{ op: 'remove', where: {} }] }, 'ops[0].where'],
      [{ ops: [{ op: 'remove', where: { shape: 'blob' } }] }, 'ops[0].where.shape'],
      [{ ops: [{ op: 'add', object: { shape: 'star' }, count: 0 }] }, 'ops[0].count'],
      [{ ops: [{ op: 'remove', where: { shape: 'star' }, extra: 1 }] }, 'ops[0]'],
      [{ seed: -1, ops: [{ op: 'remove', where: { shape: 'star' } }] }, 'seed'],
      [{ ops: [{ op: 'rebalance', attr: 'size' }] }, 'ops[0].attr'],
    ]
    for (const [policy, path] of bad) {
      let error: unknown
      try {
        parsePolicy(policy)
      } catch (e) {
        error = e
      }
      expect(error, JSON.stringify(policy)).toMatchObject({ code: 'INVALID_POLICY', path })
      expect((error as Error).message).toContain(path)
    }
  })
})

describe('applyPolicy', () => {
  it('remove drops every matching object and every relation that names one', () => {
    let removed = 0
    for (const e of scenes) {
      if (e.objects.every((o) => o.shape === 'star')) continue
      const out = apply(e, { ops: [{ op: 'remove', where: { shape: 'star' } }] })
      removed += e.objects.length - out.objects.length
      expect(out.objects.some((o) => o.shape === 'star')).toBe(false)
      expect(out.relations.some((r) => r.subject.endsWith(' star') || r.object.endsWith(' star'))).toBe(false)
      expect(out.objects).toEqual(e.objects.filter((o) => o.shape !== 'star'))
    }
    expect(removed).toBeGreaterThan(20)
  })

  it('replace changes exactly the named attribute of exactly the matching objects, re-keying relations', () => {
    for (const [i, e] of scenes.entries()) {
      const out = apply(e, { ops: [{ op: 'replace', attr: 'colour', from: 'red', to: 'any' }] }, i)
      expect(out.objects).toHaveLength(e.objects.length)
      expect(out.objects.some((o) => o.colour === 'red')).toBe(false)
      out.objects.forEach((o, k) => {
        const before = e.objects[k]!
        expect({ ...o, colour: before.colour }).toEqual(before)
        if (before.colour !== 'red') expect(o.colour).toBe(before.colour)
      })
      const keys = new Set(out.objects.map(comboKey))
      for (const r of out.relations) expect(keys.has(r.subject) && keys.has(r.object)).toBe(true)
      expect(out.relations).toHaveLength(e.relations.length)
    }
    const blue = apply(scenes[0]!, { ops: [{ op: 'replace', attr: 'size', from: 'any', to: 'small' }] })
    expect(blue.objects.every((o) => o.size === 'small')).toBe(true)
  })

  it('add puts in objects with the given attributes and fresh colour–shape pairs', () => {
    const small = scenes.filter((e) => e.objects.length <= 6)
    for (const e of small) {
      const out = apply(e, { ops: [{ op: 'add', object: { shape: 'star', texture: 'dotted' }, count: 2 }] })
      const added = out.objects.slice(e.objects.length)
      expect(added).toHaveLength(2)
      for (const o of added) expect(o).toMatchObject({ shape: 'star', texture: 'dotted' })
      expect(new Set(out.objects.map(comboKey)).size).toBe(out.objects.length)
    }
  })

  it('reports what cannot hold as a PolicyConflict', () => {
    const e = scenes.find((x) => x.objects.length === 8)!
    expect(() => apply(e, { ops: [{ op: 'add', object: {} }] })).toThrow(PolicyConflict)
    const shapes = [...new Set(e.objects.map((o) => o.shape))]
    const all = { ops: shapes.map((shape) => ({ op: 'remove', where: { shape } })) }
    expect(() => apply(e, all)).toThrow(expect.objectContaining({ reason: 'empty-scene' }))
  })

  it('rebalance moves a long-tailed set toward its tail', () => {
    const tailed = Array.from({ length: 200 }, (_, index) =>
      elementsOfGraph(generateSample({ seed: 4, split: 'train', index }, { longTail: 1.5 }).graph),
    )
    const before = countFrequencies(tailed)
    const policy = parsePolicy({ seed: 2, ops: [{ op: 'rebalance', attr: 'combo' }] })
    const after = countFrequencies(tailed.map((e, i) => applyPolicy(e, policy, createRandom(i), before)))
    const top = (f: Map<string, number>) => Math.max(...f.values())
    expect(top(after.combo)).toBeLessThan(top(before.combo) / 2)
    expect(after.combo.size).toBeGreaterThan(before.combo.size)
    // Objects are moved, not lost.
    const total = (f: Map<string, number>) => [...f.values()].reduce((a, b) => a + b, 0)
    expect(total(after.combo)).toBe(total(before.combo))
  })
})
