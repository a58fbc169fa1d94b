import { type CaptionStyle, writeCaption } from '../captions.ts'
import type { SceneElements } from '../elements.ts'
import type { Random } from '../random.ts'
import { predicatesBetween } from '../relations.ts'
import { type Background, buildGraph, comboKey, fits, round4, type SceneGraph } from '../scene.ts'
import { allVisible } from '../visibility.ts'
import { SIZES, TEXTURES } from '../vocab.ts'
import { PolicyConflict } from './policy.ts'

/**
 * CtrlSynth's text model: writes a caption in a style from elements. The default fills the world's
 * caption templates; a language model plugs in here and may also read the source captions.
 */
export interface TextGenerator {
  readonly name: string
  write(
    elements: SceneElements,
    style: CaptionStyle,
    random: Random,
    context: { original: readonly string[] },
  ): string | Promise<string>
}

/** The default text generator: the scene world's own caption templates. */
export const templateTextGenerator: TextGenerator = {
  name: 'templates',
  write: (elements, style, random) => writeCaption(elements, style, random),
}

const LAYOUT_ATTEMPTS = 40
const PLACE_TRIES = 300

/**
 * Lays elements out as a scene graph, the world's stand-in for a text-to-image model's
 * composition: objects that carry a position keep it (when it still fits), the others are
 * placed at random so that every stated relation holds and every object shows at least
 * `MIN_VISIBLE` of its outline. Missing sizes and textures are drawn. Throws
 * {@link PolicyConflict} (`unsatisfiable`) when no layout satisfies that.
 */
export function layoutElements(
  elements: SceneElements,
  frame: { width: number; height: number; background: Background },
  random: Random,
): SceneGraph {
  const { width, height } = frame
  const specs = elements.objects.map((o) => ({
    shape: o.shape,
    colour: o.colour,
    size: o.size ?? random.pick(SIZES),
    texture: o.texture ?? random.pick(TEXTURES),
    position: o.position,
  }))
  const index = new Map(specs.map((s, i) => [comboKey(s), i]))
  const required = elements.relations.flatMap((r) => {
    const a = index.get(r.subject)
    const b = index.get(r.object)
    return a === undefined || b === undefined ? [] : [{ a, b, predicate: r.predicate }]
  })
  // Keep given positions while they do not collide with earlier kept ones.
  const fixed: ({ x: number; y: number; rotation: number } | undefined)[] = []
  const kept: { x: number; y: number; size: (typeof specs)[number]['size'] }[] = []
  for (const s of specs) {
    const p = s.position
    if (p && fits(kept, p.x, p.y, s.size, width, height)) {
      fixed.push(p)
      kept.push({ x: p.x, y: p.y, size: s.size })
    } else fixed.push(undefined)
  }
  for (let attempt = 0; attempt < LAYOUT_ATTEMPTS; attempt++) {
    const at = fixed.map((p) => (p ? { x: p.x, y: p.y } : undefined))
    let ok = true
    for (let i = 0; i < specs.length && ok; i++) {
      if (at[i]) continue
      ok = false
      for (let t = 0; t < PLACE_TRIES; t++) {
        const x = round4(random.next())
        const y = round4(random.next())
        const placed = at.flatMap((p, j) => (p ? [{ ...p, size: specs[j]!.size }] : []))
        if (!fits(placed, x, y, specs[i]!.size, width, height)) continue
        at[i] = { x, y }
        if (required.every((r) => holds(r, at, specs, width, height))) {
          ok = true
          break
        }
        at[i] = undefined
      }
    }
    if (!ok) continue
    const graph = buildGraph(
      specs.map((s, i) => ({
        shape: s.shape,
        colour: s.colour,
        size: s.size,
        texture: s.texture,
        x: at[i]!.x,
        y: at[i]!.y,
        rotation: fixed[i]?.rotation ?? round4(random.range(0, 2 * Math.PI)),
      })),
      frame,
      random,
    )
    if (allVisible(graph.objects, width, height)) return graph
  }
  throw new PolicyConflict(
    'unsatisfiable',
    'no layout satisfies the stated relations with every object visible',
  )
}

/** A required relation holds, or cannot be judged yet because an end is unplaced. */
function holds(
  r: { a: number; b: number; predicate: string },
  at: ({ x: number; y: number } | undefined)[],
  specs: readonly { size: (typeof SIZES)[number] }[],
  width: number,
  height: number,
): boolean {
  const pa = at[r.a]
  const pb = at[r.b]
  if (!pa || !pb) return true
  const a = { id: r.a, ...pa, size: specs[r.a]!.size }
  const b = { id: r.b, ...pb, size: specs[r.b]!.size }
  return predicatesBetween(a, b, width, height).includes(r.predicate as never)
}
