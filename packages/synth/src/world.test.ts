import { describe, expect, it } from 'vitest'
import { parseCaption } from './ctrl/parser.ts'
import { decodePng, encodePng } from './png.ts'
import { QA_TYPES, type QaItem, YES_NO_TYPES } from './qa.ts'
import { AXIS_MARGIN, NEXT_TO_GAP } from './relations.ts'
import { renderScene, toRgba } from './render.ts'
import type { SceneGraph, SceneObject } from './scene.ts'
import { MIN_VISIBLE, visibleFractions } from './visibility.ts'
import { COLOURS, PLURAL, SHAPES, SIZE_RADIUS, SIZES, TEXTURES } from './vocab.ts'
import { generateGraph, generateSample, type SceneSample, type Split } from './world.ts'

const samples = (n: number, seed = 3, split: Split = 'train', options = {}): SceneSample[] =>
  Array.from({ length: n }, (_, index) => generateSample({ seed, split, index }, options))

describe('determinism', () => {
  it('regenerates a sample byte for byte from (version, seed, index), alone or among others', () => {
    const alone = generateSample({ seed: 11, split: 'val', index: 37 })
    const again = samples(40, 11, 'val')[37]!
    expect(JSON.stringify(again)).toBe(JSON.stringify(alone))
    expect(encodePng(renderScene(again.graph))).toEqual(encodePng(renderScene(alone.graph)))
  })

  it('gives different scenes for different seeds, splits and indexes', () => {
    const base = JSON.stringify(generateSample({ seed: 1, split: 'train', index: 0 }).graph)
    expect(JSON.stringify(generateSample({ seed: 2, split: 'train', index: 0 }).graph)).not.toBe(base)
    expect(JSON.stringify(generateSample({ seed: 1, split: 'test', index: 0 }).graph)).not.toBe(base)
    expect(JSON.stringify(generateSample({ seed: 1, split: 'train', index: 1 }).graph)).not.toBe(base)
    const pngs = new Set(samples(20, 5).map((s) => encodePng(renderScene(s.graph)).join(',')))
    expect(pngs.size).toBe(20)
  })

  it('survives a JSON round trip exactly (what the CLI writes is what it read)', () => {
    const s = generateSample({ seed: 4, split: 'train', index: 9 })
    const back = JSON.parse(JSON.stringify(s)) as SceneSample
    expect(renderScene(back.graph).data).toEqual(renderScene(s.graph).data)
  })
})

describe('scene graphs', () => {
  it('has 1–8 objects with unique colour–shape pairs and every attribute from the vocabulary', () => {
    const counts = new Set<number>()
    for (const s of samples(150, 8)) {
      const objs = s.graph.objects
      counts.add(objs.length)
      expect(new Set(objs.map((o) => `${o.colour} ${o.shape}`)).size).toBe(objs.length)
      for (const o of objs) {
        expect(SHAPES).toContain(o.shape)
        expect(COLOURS).toContain(o.colour)
        expect(SIZES).toContain(o.size)
        expect(TEXTURES).toContain(o.texture)
      }
    }
    expect([...counts].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
  })

  it('never puts a held-out combo in train, but keeps it in test', () => {
    const holdout = ['red star', 'blue circle']
    const has = (s: SceneSample) => s.graph.objects.some((o) => holdout.includes(`${o.colour} ${o.shape}`))
    expect(samples(300, 2, 'train', { holdout }).some(has)).toBe(false)
    // Not in noisy captions either: a misaligned caption comes from another train-like scene.
    const noisy = samples(200, 2, 'train', { holdout, captionNoise: 1 })
    expect(noisy.some((s) => s.captions.some((c) => c.noise === 'misaligned'))).toBe(true)
    for (const s of noisy)
      for (const c of s.captions)
        for (const o of parseCaption(c.text).objects) expect(holdout).not.toContain(`${o.colour} ${o.shape}`)
    expect(samples(300, 2, 'test', { holdout }).some(has)).toBe(true)
  })

  it('draws shape–colour combos from a Zipf long tail when asked, uniformly by default', () => {
    const share = (longTail: number) => {
      const freq = new Map<string, number>()
      let total = 0
      for (let index = 0; index < 300; index++)
        for (const o of generateGraph({ seed: 9, split: 'train', index }, { longTail }).objects) {
          const k = `${o.colour} ${o.shape}`
          freq.set(k, (freq.get(k) ?? 0) + 1)
          total++
        }
      return Math.max(...freq.values()) / total
    }
    // 90 combos: uniform gives a top share near 1/90; Zipf(1.2) gives its head far more.
    expect(share(0)).toBeLessThan(0.03)
    expect(share(1.2)).toBeGreaterThan(0.1)
  })
})

/** Visible pixels of each object, from the renderer's coverage map. */
function visible(graph: SceneGraph): { count: number; cx: number; cy: number }[] {
  const { ids, width } = renderScene(graph)
  const acc = graph.objects.map(() => ({ count: 0, cx: 0, cy: 0 }))
  ids.forEach((id, p) => {
    if (id === 0) return
    const a = acc[id - 1]!
    a.count++
    a.cx += (p % width) + 0.5
    a.cy += Math.floor(p / width) + 0.5
  })
  return acc.map((a) => ({ count: a.count, cx: a.cx / a.count, cy: a.cy / a.count }))
}

describe('visibility', () => {
  it('keeps at least MIN_VISIBLE of every outline in view, measured on the rendered coverage map', () => {
    for (const s of samples(120, 23)) {
      const g = s.graph
      const fractions = visibleFractions(g.objects, g.width, g.height)
      for (const f of fractions) expect(f).toBeGreaterThanOrEqual(MIN_VISIBLE)
      // The estimate agrees with the pixels: visible pixels over the pixels the object alone would cover.
      const shown = visible(g)
      g.objects.forEach((o, i) => {
        const alone = renderScene({ ...g, objects: [{ ...o, id: 0 }] }).ids.reduce(
          (a, v) => a + (v > 0 ? 1 : 0),
          0,
        )
        expect(Math.abs(shown[i]!.count / alone - fractions[i]!)).toBeLessThan(0.15)
      })
    }
  })
})

describe('rendering', () => {
  it('draws every object visibly and its relations hold between the rendered pixels', () => {
    let checked = 0
    for (const s of samples(60, 21)) {
      const g = s.graph
      const vis = visible(g)
      for (const o of g.objects) {
        const full = Math.PI * (SIZE_RADIUS[o.size] * g.width) ** 2
        // Every object shows a good part of itself (stars and rings fill ~40–60 % of their circle).
        expect(vis[o.id]!.count).toBeGreaterThan(0.15 * full)
      }
      for (const r of g.relations) {
        const a = vis[r.subject]!
        const b = vis[r.object]!
        if (r.predicate === 'left of') expect(a.cx).toBeLessThan(b.cx)
        if (r.predicate === 'right of') expect(a.cx).toBeGreaterThan(b.cx)
        if (r.predicate === 'above') expect(a.cy).toBeLessThan(b.cy)
        if (r.predicate === 'below') expect(a.cy).toBeGreaterThan(b.cy)
        checked++
      }
    }
    expect(checked).toBeGreaterThan(200)
  })

  it('anti-aliases edges: pixels between the object colour and the background exist', () => {
    const g = generateGraph({ seed: 1, split: 'train', index: 1 })
    const { data, ids, width } = renderScene(g)
    // A pixel just outside the majority mask but next to it is a blend.
    let blends = 0
    for (let p = width; p < ids.length - width; p++)
      if (ids[p] === 0 && (ids[p - 1]! > 0 || ids[p + 1]! > 0)) blends++
    expect(blends).toBeGreaterThan(0)
    expect(data.length).toBe(96 * 96 * 3)
  })

  it('encodes a PNG that decodes to the same pixels, at any configured size', () => {
    const g = generateGraph({ seed: 1, split: 'train', index: 2 }, { width: 64, height: 48 })
    const image = renderScene(g)
    const png = encodePng(image)
    expect([...png.slice(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG')
    const back = decodePng(png)
    expect([back.width, back.height]).toEqual([64, 48])
    expect(back.data).toEqual(image.data)
  })

  it('converts to RGBA for a browser ImageData', () => {
    const image = renderScene(generateGraph({ seed: 1, split: 'train', index: 3 }))
    const rgba = toRgba(image)
    expect(rgba.length).toBe(96 * 96 * 4)
    expect([...rgba.slice(400, 404)]).toEqual([...image.data.slice(300, 303), 255])
  })

  it('refuses bytes that are not a PNG', () => {
    expect(() => decodePng(new Uint8Array([1, 2, 3]))).toThrow(
      expect.objectContaining({ code: 'INVALID_PNG' }),
    )
  })
})

// An independent reading of the questions: grammar by regular expressions, answers from positions.
const SHAPE_OF_PLURAL = new Map(Object.entries(PLURAL).map(([s, p]) => [p, s]))
type Desc = Partial<Record<'shape' | 'colour' | 'size' | 'texture', string>>
function parseDesc(text: string): Desc {
  const d: Desc = {}
  for (const w of text.split(' ')) {
    if ((SHAPES as readonly string[]).includes(w)) d.shape = w
    else if (SHAPE_OF_PLURAL.has(w)) d.shape = SHAPE_OF_PLURAL.get(w)!
    else if ((COLOURS as readonly string[]).includes(w)) d.colour = w
    else if ((SIZES as readonly string[]).includes(w)) d.size = w
    else if ((TEXTURES as readonly string[]).includes(w)) d.texture = w
    else if (w !== 'object' && w !== 'objects') throw new Error(`unknown word ${w}`)
  }
  return d
}
const fit = (o: SceneObject, d: Desc) =>
  Object.entries(d).every(([k, v]) => (o as unknown as Record<string, string>)[k] === v)
const count = (g: SceneGraph, d: Desc) => g.objects.filter((o) => fit(o, d)).length
const only = (g: SceneGraph, d: Desc) => {
  const found = g.objects.filter((o) => fit(o, d))
  expect(found).toHaveLength(1)
  return found[0]!
}

const RULES: [RegExp, (g: SceneGraph, m: RegExpMatchArray) => string][] = [
  [/^Is there an? (.+)\?$/, (g, m) => (count(g, parseDesc(m[1]!)) > 0 ? 'yes' : 'no')],
  [/^How many (.+) are there\?$/, (g, m) => String(count(g, parseDesc(m[1]!)))],
  [/^What colour is the (.+)\?$/, (g, m) => only(g, parseDesc(m[1]!)).colour],
  [/^What shape is the (.+)\?$/, (g, m) => only(g, parseDesc(m[1]!)).shape],
  [/^What size is the (.+)\?$/, (g, m) => only(g, parseDesc(m[1]!)).size],
  [
    /^Are there (more|fewer) (.+) than (.+)\?$/,
    (g, m) => {
      const a = count(g, parseDesc(m[2]!))
      const b = count(g, parseDesc(m[3]!))
      return (m[1] === 'more' ? a > b : a < b) ? 'yes' : 'no'
    },
  ],
  [
    /^Is the (\w+ \w+) (left of|right of|above|below|next to) the (\w+ \w+)\?$/,
    (g, m) => {
      const a = only(g, parseDesc(m[1]!))
      const b = only(g, parseDesc(m[3]!))
      const dx = b.x - a.x
      const dy = b.y - a.y
      const holds = {
        'left of': dx >= AXIS_MARGIN,
        'right of': -dx >= AXIS_MARGIN,
        above: dy >= AXIS_MARGIN,
        below: -dy >= AXIS_MARGIN,
        'next to': Math.hypot(dx, dy) - SIZE_RADIUS[a.size] - SIZE_RADIUS[b.size] <= NEXT_TO_GAP,
      }[m[2] as 'above']
      return holds ? 'yes' : 'no'
    },
  ],
]

function recompute(g: SceneGraph, q: QaItem): string {
  for (const [re, answer] of RULES) {
    const m = q.question.match(re)
    if (m) return answer(g, m)
  }
  throw new Error(`unparsed question: ${q.question}`)
}

describe('questions and answers', () => {
  const data = samples(400, 17)

  it('gets every answer right, recomputed independently from the graph', () => {
    let n = 0
    for (const s of data)
      for (const q of s.qa) {
        expect(recompute(s.graph, q), q.question).toBe(q.answer)
        n++
      }
    expect(n).toBeGreaterThan(2400)
  })

  it('asks every type and balances the answers (yes/no 50 ± 5 %, no other answer above 30 %)', () => {
    for (const type of QA_TYPES) {
      const answers = data.flatMap((s) => s.qa.filter((q) => q.type === type).map((q) => q.answer))
      expect(answers.length, type).toBeGreaterThan(300)
      const freq = new Map<string, number>()
      for (const a of answers) freq.set(a, (freq.get(a) ?? 0) + 1)
      const top = Math.max(...freq.values()) / answers.length
      if (YES_NO_TYPES.includes(type)) {
        expect(freq.get('yes')! / answers.length, type).toBeGreaterThan(0.45)
        expect(freq.get('yes')! / answers.length, type).toBeLessThan(0.55)
      } else if (type === 'size-of') {
        // Three sizes: uniform is 33.3 %; the bound is uniform ± 5 points.
        expect(top, type).toBeLessThan(0.384)
      } else {
        expect(top, type).toBeLessThanOrEqual(0.3)
      }
    }
  })
})

describe('captions', () => {
  const mentioned = (text: string) => {
    const found: string[] = []
    const re = new RegExp(
      `\\b(${COLOURS.join('|')})(?: (?:solid|plain|striped|dotted|spotted))? (${SHAPES.join('|')})\\b`,
      'g',
    )
    for (const m of text.matchAll(re)) found.push(`${m[1]} ${m[2]}`)
    return found
  }

  it('writes every style and never mentions an absent object when noise is off', () => {
    const styles = new Set<string>()
    const texts = new Set<string>()
    for (const s of samples(200, 6)) {
      const present = new Set(s.graph.objects.map((o) => `${o.colour} ${o.shape}`))
      for (const c of s.captions) {
        styles.add(c.style)
        texts.add(c.text.replace(/\b(a|an|the)\b.*/, ''))
        expect(c.noise).toBeUndefined()
        const names = mentioned(c.text)
        expect(names.length).toBeGreaterThan(0)
        for (const name of names) expect(present.has(name), `${name} in "${c.text}"`).toBe(true)
      }
      // Short and detailed captions name every object.
      for (const c of s.captions.filter((c) => c.style !== 'relational'))
        expect(new Set(mentioned(c.text))).toEqual(present)
    }
    expect([...styles].sort()).toEqual(['detailed', 'relational', 'short'])
    expect(texts.size).toBeGreaterThan(8)
  })

  it('makes about the asked share of captions misaligned or partial, and marks them', () => {
    const caps = samples(200, 6, 'train', { captionNoise: 0.3 }).flatMap((s) =>
      s.captions.map((c) => ({ c, s })),
    )
    const noisy = caps.filter(({ c }) => c.noise !== undefined)
    expect(noisy.length / caps.length).toBeGreaterThan(0.24)
    expect(noisy.length / caps.length).toBeLessThan(0.36)
    expect(noisy.some(({ c }) => c.noise === 'partial')).toBe(true)
    // A misaligned caption usually names objects that are not there.
    const wrong = noisy.filter(({ c, s }) =>
      mentioned(c.text).some((m) => !s.graph.objects.some((o) => `${o.colour} ${o.shape}` === m)),
    )
    expect(wrong.length).toBeGreaterThan(noisy.length / 4)
    // Clean captions stay clean.
    for (const { c, s } of caps.filter(({ c }) => c.noise === undefined))
      for (const m of mentioned(c.text))
        expect(s.graph.objects.some((o) => `${o.colour} ${o.shape}` === m)).toBe(true)
  })
})

describe('bad arguments', () => {
  it('refuses bad knobs and keys with INVALID_ARGUMENT naming the field', () => {
    const bad: [() => unknown, string][] = [
      [() => generateSample({ seed: -1, split: 'train', index: 0 }), 'seed'],
      [() => generateSample({ seed: 1, split: 'dev' as Split, index: 0 }), 'split'],
      [() => generateSample({ seed: 1, split: 'train', index: 0.5 }), 'index'],
      [() => generateSample({ seed: 1, split: 'train', index: 0 }, { width: 4 }), 'width'],
      [() => generateSample({ seed: 1, split: 'train', index: 0 }, { captionNoise: 2 }), 'captionNoise'],
      [() => generateSample({ seed: 1, split: 'train', index: 0 }, { longTail: Number.NaN }), 'longTail'],
      [
        () => generateSample({ seed: 1, split: 'train', index: 0 }, { holdout: ['red starfish'] }),
        'holdout[0]',
      ],
      [
        () => generateSample({ seed: 1, split: 'train', index: 0 }, { minObjects: 5, maxObjects: 2 }),
        'minObjects',
      ],
    ]
    for (const [call, path] of bad) {
      expect(call).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', path }))
    }
  })
})
