import type { Random } from './random.ts'
import { clearlyApart, opposite } from './relations.ts'
import type { SceneGraph, SceneObject } from './scene.ts'
import { article, COLOURS, PLURAL, SHAPES, type Shape, SIZES, TEXTURES } from './vocab.ts'

/** The question types, each balanced over a data set (see {@link generateQa}). */
export const QA_TYPES = ['exist', 'count', 'colour-of', 'shape-of', 'size-of', 'relation', 'compare'] as const
export type QaType = (typeof QA_TYPES)[number]
/** Types whose answer is "yes" or "no". */
export const YES_NO_TYPES: readonly QaType[] = ['exist', 'relation', 'compare']

export interface QaItem {
  question: string
  answer: string
  type: QaType
}

/** A partial description of objects: the attributes it fixes. */
export type Descriptor = Partial<Pick<SceneObject, 'shape' | 'colour' | 'size' | 'texture'>>

interface Candidate {
  question: string
  answer: string
}

/** Whether `o` has every attribute that `d` fixes. */
export function matches(o: SceneObject, d: Descriptor): boolean {
  return (
    (d.shape === undefined || o.shape === d.shape) &&
    (d.colour === undefined || o.colour === d.colour) &&
    (d.size === undefined || o.size === d.size) &&
    (d.texture === undefined || o.texture === d.texture)
  )
}

const countOf = (g: SceneGraph, d: Descriptor) => g.objects.filter((o) => matches(o, d)).length

/** "large red striped star", or "red object" when no shape is fixed. */
export function phrase(d: Descriptor): string {
  return [d.size, d.colour, d.texture, d.shape ?? 'object'].filter(Boolean).join(' ')
}

/** The plural of {@link phrase}: "red stars", "striped objects". */
export function plural(d: Descriptor): string {
  const head = d.shape === undefined ? 'objects' : PLURAL[d.shape as Shape]
  return [d.size, d.colour, d.texture, head].filter(Boolean).join(' ')
}

/** The descriptors that questions use: single attributes and a few pairs. */
function descriptors(): Descriptor[] {
  const out: Descriptor[] = []
  for (const shape of SHAPES) out.push({ shape })
  for (const colour of COLOURS) out.push({ colour })
  for (const colour of COLOURS) for (const shape of SHAPES) out.push({ colour, shape })
  for (const size of SIZES) for (const shape of SHAPES) out.push({ size, shape })
  for (const texture of TEXTURES) for (const shape of SHAPES) out.push({ texture, shape })
  return out
}
const DESCRIPTORS = descriptors()
const COUNTABLE: Descriptor[] = [
  {},
  ...SHAPES.map((shape) => ({ shape })),
  ...COLOURS.map((colour) => ({ colour })),
  ...SIZES.map((size) => ({ size })),
  ...TEXTURES.map((texture) => ({ texture })),
]

function existCandidates(g: SceneGraph): Candidate[] {
  return DESCRIPTORS.map((d) => {
    const p = phrase(d)
    return { question: `Is there ${article(p)} ${p}?`, answer: countOf(g, d) > 0 ? 'yes' : 'no' }
  })
}

function countCandidates(g: SceneGraph): Candidate[] {
  return COUNTABLE.map((d) => ({
    question: `How many ${plural(d)} are there?`,
    answer: String(countOf(g, d)),
  }))
}

function compareCandidates(g: SceneGraph): Candidate[] {
  const out: Candidate[] = []
  const groups = [
    SHAPES.map((shape) => ({ shape })),
    COLOURS.map((colour) => ({ colour })),
    SIZES.map((size) => ({ size })),
    TEXTURES.map((texture) => ({ texture })),
  ] as Descriptor[][]
  for (const group of groups)
    for (const a of group)
      for (const b of group) {
        if (a === b) continue
        const ca = countOf(g, a)
        const cb = countOf(g, b)
        if (ca === 0 && cb === 0) continue
        out.push({
          question: `Are there more ${plural(a)} than ${plural(b)}?`,
          answer: ca > cb ? 'yes' : 'no',
        })
        out.push({
          question: `Are there fewer ${plural(a)} than ${plural(b)}?`,
          answer: ca < cb ? 'yes' : 'no',
        })
      }
  return out
}

/** The first of `refs` (descriptors built from `o`) that picks out `o` alone. */
function uniqueRef(g: SceneGraph, o: SceneObject, refs: Descriptor[]): Descriptor | undefined {
  return refs.find((d) => countOf(g, d) === 1 && matches(o, d))
}

function attributeCandidates(g: SceneGraph, type: 'colour-of' | 'shape-of' | 'size-of'): Candidate[] {
  const out: Candidate[] = []
  for (const o of g.objects) {
    if (type === 'colour-of') {
      const d = uniqueRef(g, o, [
        { shape: o.shape },
        { size: o.size, shape: o.shape },
        { texture: o.texture, shape: o.shape },
        { size: o.size, texture: o.texture, shape: o.shape },
      ])
      if (d) out.push({ question: `What colour is the ${phrase(d)}?`, answer: o.colour })
    } else if (type === 'shape-of') {
      const d = uniqueRef(g, o, [
        { colour: o.colour },
        { size: o.size, colour: o.colour },
        { colour: o.colour, texture: o.texture },
        { size: o.size, colour: o.colour, texture: o.texture },
      ])
      if (d) out.push({ question: `What shape is the ${phrase(d)}?`, answer: o.shape })
    } else {
      out.push({ question: `What size is the ${o.colour} ${o.shape}?`, answer: o.size })
    }
  }
  return out
}

function relationCandidates(g: SceneGraph): Candidate[] {
  const out: Candidate[] = []
  const holds = new Set(g.relations.map((r) => `${r.subject} ${r.predicate} ${r.object}`))
  for (const a of g.objects)
    for (const b of g.objects) {
      if (a === b) continue
      for (const p of ['left of', 'right of', 'above', 'below', 'next to'] as const) {
        const question = `Is the ${a.colour} ${a.shape} ${p} the ${b.colour} ${b.shape}?`
        if (holds.has(`${a.id} ${p} ${b.id}`)) out.push({ question, answer: 'yes' })
        else {
          const o = opposite(p)
          const clearlyFalse =
            o === undefined ? clearlyApart(a, b, g.width, g.height) : holds.has(`${a.id} ${o} ${b.id}`)
          if (clearlyFalse) out.push({ question, answer: 'no' })
        }
      }
    }
  return out
}

/**
 * Weights of count answers: small counts are possible in almost every scene and large ones in few,
 * so larger targets are favoured to keep every count answer under 30 % of the type.
 */
const COUNT_WEIGHT = [1, 1, 1.6, 2.6, 4, 6, 8, 10, 12]

/**
 * Questions about a graph, `perType` of each type where the scene allows one. The answer to aim for
 * is chosen first and then a question with that answer: yes/no types alternate by sample `index`
 * (exactly half "yes" wherever both answers are possible), other types draw the target among the
 * answers this scene allows, so no answer dominates a data set.
 */
export function generateQa(g: SceneGraph, index: number, random: Random, perType = 1): QaItem[] {
  const out: QaItem[] = []
  QA_TYPES.forEach((type, t) => {
    const candidates =
      type === 'exist'
        ? existCandidates(g)
        : type === 'count'
          ? countCandidates(g)
          : type === 'compare'
            ? compareCandidates(g)
            : type === 'relation'
              ? relationCandidates(g)
              : attributeCandidates(g, type)
    const used = new Set<string>()
    for (let k = 0; k < perType; k++) {
      const open = candidates.filter((c) => !used.has(c.question))
      if (open.length === 0) break
      const answers = [...new Set(open.map((c) => c.answer))].sort()
      let target: string
      if (YES_NO_TYPES.includes(type)) {
        const want = (index * perType + k + t) % 2 === 0 ? 'yes' : 'no'
        target = answers.includes(want) ? want : answers[0]!
      } else if (type === 'count') {
        target = answers[random.weighted(answers.map((a) => COUNT_WEIGHT[Number(a)] ?? 12))]!
      } else {
        target = random.pick(answers)
      }
      const pick = random.pick(open.filter((c) => c.answer === target))
      used.add(pick.question)
      out.push({ ...pick, type })
    }
  })
  return out
}
