import type { SceneElements } from '../elements.ts'
import type { RgbImage } from '../render.ts'
import { comboKey } from '../scene.ts'

/** Why a synthesised sample was not kept. */
export const REJECT_REASONS = [
  'unsatisfiable',
  'empty-scene',
  'missing-object',
  'extra-object',
  'attribute-mismatch',
  'relation-mismatch',
  'low-clip-score',
] as const
export type RejectReason = (typeof REJECT_REASONS)[number]

/** An image–text similarity model (CLIP), optional in the filter. */
export interface ImageTextScorer {
  readonly name: string
  score(image: RgbImage, text: string): number | Promise<number>
}

const relationKey = (r: { subject: string; predicate: string; object: string }) =>
  `${r.subject}|${r.predicate}|${r.object}`

/**
 * The text half of the closed loop: the elements parsed back from the synthesised captions must
 * name only intended objects with their intended attributes, state only relations that hold in
 * the synthesised scene (`truth`), and cover at least `minCoverage` of the intended objects.
 */
export function checkText(
  parsed: SceneElements,
  intended: SceneElements,
  truth: SceneElements,
  minCoverage = 1,
): RejectReason[] {
  const reasons = new Set<RejectReason>()
  const want = new Map(intended.objects.map((o) => [comboKey(o), o]))
  let covered = 0
  for (const o of parsed.objects) {
    const w = want.get(comboKey(o))
    if (!w) {
      reasons.add('extra-object')
      continue
    }
    covered++
    if ((o.size && o.size !== w.size) || (o.texture && o.texture !== w.texture))
      reasons.add('attribute-mismatch')
  }
  if (covered < minCoverage * want.size) reasons.add('missing-object')
  const hold = new Set(truth.relations.map(relationKey))
  if (parsed.relations.some((r) => !hold.has(relationKey(r)))) reasons.add('relation-mismatch')
  return [...reasons]
}

/**
 * The image half: the tags of the synthesised image must be exactly the intended objects with
 * their attributes, and every intended relation must hold among them.
 */
export function checkImage(tagged: SceneElements, intended: SceneElements): RejectReason[] {
  const reasons = new Set<RejectReason>()
  const seen = new Map(tagged.objects.map((o) => [comboKey(o), o]))
  for (const w of intended.objects) {
    const o = seen.get(comboKey(w))
    if (!o) reasons.add('missing-object')
    else if (o.size !== w.size || o.texture !== w.texture) reasons.add('attribute-mismatch')
  }
  const want = new Set(intended.objects.map(comboKey))
  if (tagged.objects.some((o) => !want.has(comboKey(o)))) reasons.add('extra-object')
  const hold = new Set(tagged.relations.map(relationKey))
  if (intended.relations.some((r) => !hold.has(relationKey(r)))) reasons.add('relation-mismatch')
  return [...reasons]
}
