import type { ElementObject, ElementRelation, SceneElements } from './elements.ts'
import type { Random } from './random.ts'
import { comboKey } from './scene.ts'
import { article, PREDICATE_WORDS, SIZE_WORDS, TEXTURE_WORDS } from './vocab.ts'

/** Caption styles: objects by colour and shape; every attribute of every object; spatial relations. */
export const CAPTION_STYLES = ['short', 'detailed', 'relational'] as const
export type CaptionStyle = (typeof CAPTION_STYLES)[number]

/** At most this many relations go into a relational caption. */
export const MAX_CAPTION_RELATIONS = 3

const SHORT_TEMPLATES = [
  '{List}.',
  'A picture of {list}.',
  'An image with {list}.',
  '{List} on a textured background.',
  'Shapes: {list}.',
  'This scene contains {list}.',
]
const DETAILED_TEMPLATES = [
  'The image shows {list}.',
  'There are {n} shapes: {list}.',
  'On a patterned background we see {list}.',
  'A scene with {n} shapes, namely {list}.',
  '{List} are drawn on a textured background.',
]
const SINGLE_RELATIONAL = [
  'A single {a} sits alone.',
  'Only one shape: {a}.',
  'There is just {a} in the picture.',
]
const RELATION_TEMPLATES = [
  '{A} is {p} {b}.',
  '{A} appears {p} {b}.',
  '{A} lies {p} {b}.',
  '{A} sits {p} {b}.',
]

/** Writes a caption in `style` from elements; template and wording are drawn from `random`. */
export function writeCaption(elements: SceneElements, style: CaptionStyle, random: Random): string {
  const { objects } = elements
  if (objects.length === 0) return 'An empty textured background.'
  if (style === 'short') {
    const list = listOf(objects.map((o) => mention(o, random, false)))
    return fill(random.pick(SHORT_TEMPLATES), { list, n: String(objects.length) })
  }
  if (style === 'detailed') {
    const list = listOf(objects.map((o) => mention(o, random, true)))
    const template = random.pick(objects.length === 1 ? DETAILED_TEMPLATES.slice(0, 1) : DETAILED_TEMPLATES)
    return fill(template, { list, n: String(objects.length) })
  }
  const byKey = new Map(objects.map((o) => [comboKey(o), o]))
  const chosen = pickRelations(elements.relations, random)
  if (chosen.length === 0) {
    const first = objects[random.int(objects.length)]!
    return fill(random.pick(SINGLE_RELATIONAL), { a: mention(first, random, false) })
  }
  return chosen
    .map((r) =>
      fill(random.pick(RELATION_TEMPLATES), {
        a: mention(byKey.get(r.subject)!, random, false, 'the'),
        p: random.pick(PREDICATE_WORDS[r.predicate]),
        b: mention(byKey.get(r.object)!, random, false, 'the'),
      }),
    )
    .join(' ')
}

/** Up to {@link MAX_CAPTION_RELATIONS} relations, at most one per unordered pair of objects. */
function pickRelations(relations: readonly ElementRelation[], random: Random): ElementRelation[] {
  const order = random.shuffle(relations.map((_, i) => i))
  const seen = new Set<string>()
  const out: ElementRelation[] = []
  for (const i of order) {
    const r = relations[i]!
    const pair = [r.subject, r.object].sort().join('|')
    if (seen.has(pair)) continue
    seen.add(pair)
    out.push(r)
    if (out.length === MAX_CAPTION_RELATIONS) break
  }
  return out
}

/** "a large red striped star" (every attribute) or "a red star" (colour and shape). */
function mention(o: ElementObject, random: Random, full: boolean, determiner?: 'the'): string {
  const words: string[] = []
  if (full && o.size) words.push(random.pick(SIZE_WORDS[o.size]))
  words.push(o.colour)
  if (full && o.texture) words.push(random.pick(TEXTURE_WORDS[o.texture]))
  words.push(o.shape)
  const phrase = words.join(' ')
  return `${determiner ?? article(phrase)} ${phrase}`
}

function listOf(items: string[]): string {
  if (items.length <= 1) return items.join('')
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`
}

/** Fills `{name}` slots; `{Name}` capitalises the value. */
function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = values[name.toLowerCase()] ?? ''
    return name[0] === name[0]!.toUpperCase() ? value.charAt(0).toUpperCase() + value.slice(1) : value
  })
}
