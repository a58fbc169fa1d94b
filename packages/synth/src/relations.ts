import { type Predicate, SIZE_RADIUS, type Size } from './vocab.ts'

/** A directed spatial fact: `subject` is `predicate` `object` (object ids). */
export interface Relation {
  subject: number
  predicate: Predicate
  object: number
}

/** What relations need of an object: its centre (fractions of width and height) and size. */
export interface Placed {
  id: number
  x: number
  y: number
  size: Size
}

/**
 * Centres closer than this along an axis (as a fraction of the image's shorter side) are neither
 * left/right nor above/below, so that no relation rests on a pixel or two.
 */
export const AXIS_MARGIN = 0.1
/** Two objects are `next to` each other when the gap between their outlines' circles is below this. */
export const NEXT_TO_GAP = 0.06

/** Centre distance and axis offsets of b from a, in units of the shorter side. */
function offsets(a: Placed, b: Placed, width: number, height: number): { dx: number; dy: number } {
  const side = Math.min(width, height)
  return { dx: ((b.x - a.x) * width) / side, dy: ((b.y - a.y) * height) / side }
}

/** The predicates that hold from `a` to `b` (image y grows downwards). */
export function predicatesBetween(a: Placed, b: Placed, width: number, height: number): Predicate[] {
  const { dx, dy } = offsets(a, b, width, height)
  const out: Predicate[] = []
  if (dx >= AXIS_MARGIN) out.push('left of')
  if (dx <= -AXIS_MARGIN) out.push('right of')
  if (dy >= AXIS_MARGIN) out.push('above')
  if (dy <= -AXIS_MARGIN) out.push('below')
  const gap = Math.hypot(dx, dy) - SIZE_RADIUS[a.size] - SIZE_RADIUS[b.size]
  if (gap <= NEXT_TO_GAP) out.push('next to')
  return out
}

/** Every relation between every ordered pair of objects, derived from their positions. */
export function deriveRelations(objects: readonly Placed[], width: number, height: number): Relation[] {
  const out: Relation[] = []
  for (const a of objects)
    for (const b of objects) {
      if (a.id === b.id) continue
      for (const predicate of predicatesBetween(a, b, width, height))
        out.push({ subject: a.id, predicate, object: b.id })
    }
  return out
}

/** The predicate that contradicts `p` (the answer to a relation question is "no" when it holds). */
export function opposite(p: Predicate): Predicate | undefined {
  switch (p) {
    case 'left of':
      return 'right of'
    case 'right of':
      return 'left of'
    case 'above':
      return 'below'
    case 'below':
      return 'above'
    default:
      return undefined
  }
}

/** True when a and b are far enough apart that "next to" is clearly false (not merely just over the line). */
export function clearlyApart(a: Placed, b: Placed, width: number, height: number): boolean {
  const { dx, dy } = offsets(a, b, width, height)
  return Math.hypot(dx, dy) - SIZE_RADIUS[a.size] - SIZE_RADIUS[b.size] >= NEXT_TO_GAP + 0.12
}
