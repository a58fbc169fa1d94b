import { describe, expect, it } from 'vitest'
import { decodePng } from '../png.ts'
import { objectColours, renderScene } from '../render.ts'
import { comboKey } from '../scene.ts'
import { SIZE_RADIUS } from '../vocab.ts'
import { generateSample } from '../world.ts'
import { parseCaption } from './parser.ts'
import { type CtrlInput, type CtrlRecord, runCtrlSynth, SYNTHESIS_PATHS, synthesize } from './pipeline.ts'
import { parsePolicy } from './policy.ts'
import type { TextGenerator } from './recompose.ts'
import { templateTextGenerator } from './recompose.ts'
import { oracleTagger } from './tagger.ts'

const inputs: CtrlInput[] = Array.from({ length: 40 }, (_, index) => ({
  record: generateSample({ seed: 31, split: 'train', index }),
}))
const withStar = inputs.filter(
  ({ record }) => record.graph.objects.some((o) => o.shape === 'star') && record.graph.objects.length > 1,
)
const removeStars = parsePolicy({ seed: 1, ops: [{ op: 'remove', where: { shape: 'star' } }] })

describe('CtrlSynth paths', () => {
  it('runs all four paths: image outputs carry a PNG of their graph, text outputs none unless unchanged', async () => {
    const policy = parsePolicy({ seed: 3, ops: [{ op: 'replace', attr: 'colour', from: 'red', to: 'any' }] })
    for (const path of SYNTHESIS_PATHS) {
      const { outcomes, report } = await runCtrlSynth(inputs.slice(0, 12), { policy, path, filter: true })
      expect(report.inputs).toBe(12)
      expect(report.kept + report.rejected).toBe(12)
      expect(report.kept, path).toBeGreaterThan(9)
      for (const o of outcomes) {
        if (!o.kept) continue
        expect(o.record.path).toBe(path)
        expect(o.record.graph.objects.some((x) => x.colour === 'red')).toBe(false)
        for (const c of o.record.captions) expect(c.text).not.toMatch(/\bred\b/)
        if (path.endsWith('image')) expect(decodePng(o.png!).data).toEqual(renderScene(o.record.graph).data)
        else if (path === 'text-text') expect(o.png).toBeUndefined()
        else {
          // image→text pairs the new caption with the source image only where the policy changed nothing.
          const source = inputs.find((x) => x.record.id === o.record.source)!.record
          const same = !source.graph.objects.some((x) => x.colour === 'red')
          expect(o.png !== undefined).toBe(same)
          if (same) expect(decodePng(o.png!).data).toEqual(renderScene(source.graph).data)
        }
      }
    }
  })

  it('is deterministic: the same inputs and policy give the same records and bytes', async () => {
    const a = await runCtrlSynth(inputs.slice(0, 8), { policy: removeStars, path: 'text-image' })
    const b = await runCtrlSynth(inputs.slice(0, 8), { policy: removeStars, path: 'text-image' })
    expect(JSON.stringify(a.outcomes)).toBe(JSON.stringify(b.outcomes))
  })

  it('keeps untouched objects where they were on the image paths and lays out stated relations on the text paths', async () => {
    for (const input of withStar.slice(0, 8)) {
      const ii = await synthesize(input, 0, { policy: removeStars, path: 'image-image' })
      if (!ii.kept) throw new Error('expected a kept sample')
      const kept = input.record.graph.objects.filter((o) => o.shape !== 'star')
      expect(ii.record.graph.objects.map(({ id: _, ...o }) => o)).toEqual(kept.map(({ id: _, ...o }) => o))
      const ti = await synthesize(input, 0, { policy: removeStars, path: 'text-image' })
      if (!ti.kept) continue
      const truth = new Set(
        ti.record.graph.relations.map(
          (r) =>
            `${comboKey(ti.record.graph.objects[r.subject]!)}|${r.predicate}|${comboKey(ti.record.graph.objects[r.object]!)}`,
        ),
      )
      for (const r of ti.record.intended.relations)
        expect(truth.has(`${r.subject}|${r.predicate}|${r.object}`)).toBe(true)
    }
  })
})

describe('remove leaves no trace', () => {
  it('in the graph, the captions, the questions or the pixels', async () => {
    expect(withStar.length).toBeGreaterThan(5)
    let colourChecks = 0
    for (const input of withStar) {
      const out = await synthesize(input, 0, { policy: removeStars, path: 'image-image', filter: true })
      if (!out.kept) throw new Error(`rejected: ${out.reasons}`)
      const r = out.record as CtrlRecord
      expect(r.graph.objects.some((o) => o.shape === 'star')).toBe(false)
      expect(r.graph.relations.every((x) => r.graph.objects[x.subject]!.shape !== 'star')).toBe(true)
      for (const c of r.captions) expect(c.text).not.toMatch(/star/)
      for (const q of r.qa)
        if (q.type !== 'exist' && q.type !== 'count' && q.type !== 'compare')
          expect(q.question).not.toMatch(/star/)
      const before = renderScene(input.record.graph)
      const after = decodePng(out.png!)
      const { width } = before
      const stars = input.record.graph.objects.filter((o) => o.shape === 'star')
      // No pixel is left to a star.
      const ids = renderScene(r.graph).ids
      for (const id of ids) if (id > 0) expect(r.graph.objects[id - 1]!.shape).not.toBe('star')
      // Away from where the stars were, the image is byte-identical: nothing else moved or changed colour.
      let changed = 0
      for (let p = 0; p < width * before.height; p++) {
        const x = (p % width) + 0.5
        const y = Math.floor(p / width) + 0.5
        const near = stars.some(
          (s) => Math.hypot(x - s.x * width, y - s.y * before.height) <= SIZE_RADIUS[s.size] * width + 1.5,
        )
        if (!near) for (let c = 0; c < 3; c++) if (after.data[3 * p + c] !== before.data[3 * p + c]) changed++
      }
      expect(changed).toBe(0)
      // Where a star was the only object of its colour, that colour is gone from the image.
      for (const s of stars) {
        if (input.record.graph.objects.some((o) => o !== s && o.colour === s.colour)) continue
        const { fill } = objectColours(s, input.record.graph.background.seed)
        const close = (data: Uint8Array) => {
          let n = 0
          for (let p = 0; p < data.length; p += 3)
            if (
              Math.abs(data[p]! - fill[0]) +
                Math.abs(data[p + 1]! - fill[1]) +
                Math.abs(data[p + 2]! - fill[2]) <
              24
            )
              n++
          return n
        }
        expect(close(before.data)).toBeGreaterThan(5)
        expect(close(after.data)).toBe(0)
        colourChecks++
      }
    }
    expect(colourChecks).toBeGreaterThan(2)
  })
})

describe('replace and add change only what they name, down to the pixels', () => {
  /** Pixels whose bytes differ between two renders, and the pixels that `ids` marks as object `id`. */
  const diff = (a: Uint8Array, b: Uint8Array) => {
    const out = new Set<number>()
    for (let p = 0; p < a.length; p++) if (a[p] !== b[p]) out.add(Math.floor(p / 3))
    return out
  }

  it('replace recolours the red objects in place and leaves every other pixel as it was', async () => {
    const policy = parsePolicy({ seed: 5, ops: [{ op: 'replace', attr: 'colour', from: 'red', to: 'any' }] })
    let checked = 0
    for (const input of inputs.filter(({ record }) => record.graph.objects.some((o) => o.colour === 'red'))) {
      const out = await synthesize(input, 0, { policy, path: 'image-image', filter: true })
      if (!out.kept) throw new Error(`rejected: ${out.reasons}`)
      const before = renderScene(input.record.graph)
      const after = renderScene(out.record.graph)
      const red = new Set(input.record.graph.objects.filter((o) => o.colour === 'red').map((o) => o.id + 1))
      // Same geometry: the coverage map is unchanged, and only pixels near a red object changed.
      expect(after.ids).toEqual(before.ids)
      const { width } = before
      for (const p of diff(before.data, after.data)) {
        const near = [-1, 0, 1].some((dy) =>
          [-1, 0, 1].some((dx) => red.has(before.ids[p + dy * width + dx] ?? 0)),
        )
        expect(near).toBe(true)
      }
      checked++
    }
    expect(checked).toBeGreaterThan(5)
  })

  it('add draws the new object on top and changes no pixel outside it', async () => {
    const policy = parsePolicy({
      seed: 6,
      ops: [{ op: 'add', object: { shape: 'cross', texture: 'solid' } }],
    })
    let checked = 0
    for (const input of inputs.filter(({ record }) => record.graph.objects.length < 8)) {
      const out = await synthesize(input, 0, { policy, path: 'image-image', filter: true })
      if (!out.kept) continue
      const objects = out.record.graph.objects
      const added = objects.at(-1)!
      expect(objects).toHaveLength(input.record.graph.objects.length + 1)
      expect(added).toMatchObject({ shape: 'cross', texture: 'solid' })
      const before = renderScene(input.record.graph)
      const after = decodePng(out.png!)
      const radius = SIZE_RADIUS[added.size] * before.width + 1.5
      for (const p of diff(before.data, after.data)) {
        const x = (p % before.width) + 0.5
        const y = Math.floor(p / before.width) + 0.5
        expect(Math.hypot(x - added.x * before.width, y - added.y * before.height)).toBeLessThanOrEqual(
          radius,
        )
      }
      expect(out.record.captions.some((c) => c.text.includes(`${added.colour} cross`))).toBe(true)
      checked++
    }
    expect(checked).toBeGreaterThan(20)
  })
})

describe('the closed-loop filter', () => {
  /** A broken text model: it leaves out the last object and invents a green cross. */
  const broken: TextGenerator = {
    name: 'broken',
    write: (e, style, random, context) => {
      const objects = e.objects.slice(0, -1)
      const keys = new Set(objects.map(comboKey))
      const relations = e.relations.filter((r) => keys.has(r.subject) && keys.has(r.object))
      const text = templateTextGenerator.write({ objects, relations }, style, random, context)
      return `${String(text)} A green cross sits nearby.`
    },
  }

  it('keeps every sample that the correct components produce', async () => {
    for (const path of SYNTHESIS_PATHS) {
      const { report } = await runCtrlSynth(withStar, { policy: removeStars, path, filter: true })
      expect(report.kept, path).toBe(withStar.length)
    }
  })

  it('rejects a broken recomposition and counts the reasons', async () => {
    const fresh = inputs.filter(
      ({ record }) => !record.graph.objects.some((o) => comboKey(o) === 'green cross'),
    )
    const { report } = await runCtrlSynth(fresh, {
      policy: removeStars,
      path: 'image-text',
      filter: true,
      textGenerator: broken,
    })
    expect(report.kept).toBe(0)
    expect(report.reasons['extra-object']).toBe(fresh.length)
    expect(report.reasons['missing-object']).toBe(fresh.length - report.reasons['empty-scene'])
    const unfiltered = await runCtrlSynth(fresh, {
      policy: removeStars,
      path: 'image-text',
      textGenerator: broken,
    })
    expect(unfiltered.report.kept).toBe(fresh.length - unfiltered.report.reasons['empty-scene'])
  })

  it('rejects images whose tags disagree with the intent (a tagger that errs on the output)', async () => {
    const honest = oracleTagger()
    const clumsy = oracleTagger({ errorRate: 1, seed: 2 })
    let calls = 0
    // Exact on the source, wrong on every synthesised image.
    const tagger = {
      name: 'flaky',
      tag: (input: Parameters<typeof honest.tag>[0]) => (calls++ % 2 === 0 ? honest : clumsy).tag(input),
    }
    const { report } = await runCtrlSynth(withStar, {
      policy: removeStars,
      path: 'image-image',
      filter: true,
      tagger,
    })
    expect(report.kept).toBe(0)
    expect(report.reasons['missing-object'] + report.reasons['extra-object']).toBeGreaterThanOrEqual(
      withStar.length,
    )
  })

  it('applies an image–text score threshold when a scorer is given', async () => {
    const scorer = { name: 'fixed', score: () => 0.2 }
    const low = await runCtrlSynth(withStar, {
      policy: removeStars,
      path: 'text-image',
      filter: true,
      scorer,
      minScore: 0.3,
    })
    expect(low.report.reasons['low-clip-score']).toBe(withStar.length)
    const high = await runCtrlSynth(withStar, {
      policy: removeStars,
      path: 'text-image',
      filter: true,
      scorer,
      minScore: 0.1,
    })
    expect(high.report.kept).toBe(withStar.length)
  })

  it('parses what it wrote: captions of kept samples decompose to the intended objects', async () => {
    const { outcomes } = await runCtrlSynth(inputs.slice(0, 10), {
      policy: removeStars,
      path: 'text-text',
      filter: true,
    })
    for (const o of outcomes) {
      if (!o.kept) continue
      const parsed = parseCaption(...o.record.captions.map((c) => c.text))
      expect(new Set(parsed.objects.map(comboKey))).toEqual(new Set(o.record.intended.objects.map(comboKey)))
    }
  })
})
