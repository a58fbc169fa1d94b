import type { ElementObject, ElementRelation, SceneElements } from '../elements.ts'
import { comboKey } from '../scene.ts'
import {
  COLOURS,
  type Colour,
  PREDICATE_WORDS,
  type Predicate,
  SHAPES,
  type Shape,
  SIZE_WORDS,
  type Size,
  TEXTURE_WORDS,
  type Texture,
} from '../vocab.ts'

const invert = <K extends string>(words: Readonly<Record<K, readonly string[]>>): Map<string, K> =>
  new Map(Object.entries<readonly string[]>(words).flatMap(([k, ws]) => ws.map((w) => [w, k as K])))

const SIZE_OF = invert(SIZE_WORDS)
const TEXTURE_OF = invert(TEXTURE_WORDS)
/** Longest phrases first, so "to the left of" wins over "left of". */
const PREDICATE_PHRASES = [...invert(PREDICATE_WORDS).entries()].sort((a, b) => b[0].length - a[0].length)

const alt = (words: Iterable<string>) => [...words].map((w) => w.replace('-', '\\-')).join('|')
const MENTION = new RegExp(
  `\\b(?:(${alt(SIZE_OF.keys())})\\s+)?(${alt(COLOURS)})\\s+(?:(${alt(TEXTURE_OF.keys())})\\s+)?(${alt(SHAPES)})\\b`,
  'gi',
)

interface Mention {
  object: ElementObject
  start: number
  end: number
}

function mentions(sentence: string): Mention[] {
  const out: Mention[] = []
  for (const m of sentence.matchAll(MENTION)) {
    const object: ElementObject = {
      colour: m[2]!.toLowerCase() as Colour,
      shape: m[4]!.toLowerCase() as Shape,
    }
    if (m[1]) object.size = SIZE_OF.get(m[1].toLowerCase()) as Size
    if (m[3]) object.texture = TEXTURE_OF.get(m[3].toLowerCase()) as Texture
    out.push({ object, start: m.index, end: m.index + m[0].length })
  }
  return out
}

/**
 * Decomposes caption text into elements: every "[size] colour [texture] shape" mention becomes an
 * object (attributes merged across mentions of the same object), and a predicate phrase between two
 * mentions of one sentence ("the red star is to the left of the blue ring") a relation. This is the
 * world's stand-in for CtrlSynth's caption-to-tags language model: it reads the caption grammar of
 * `writeCaption` and ignores words it does not know.
 * @example
 * parseCaption('A large red striped star is above the blue ring.')
 * // { objects: [{ colour: 'red', shape: 'star', size: 'large', texture: 'striped' }, { colour: 'blue', shape: 'ring' }],
 * //   relations: [{ subject: 'red star', predicate: 'above', object: 'blue ring' }] }
 */
export function parseCaption(...texts: string[]): SceneElements {
  const objects = new Map<string, ElementObject>()
  const relations = new Map<string, ElementRelation>()
  for (const text of texts)
    for (const sentence of text.split(/(?<=[.!?;])\s+/)) {
      const found = mentions(sentence)
      for (const { object } of found) {
        const key = comboKey(object)
        const known = objects.get(key)
        if (!known) objects.set(key, { ...object })
        else {
          known.size ??= object.size
          known.texture ??= object.texture
        }
      }
      for (let i = 0; i + 1 < found.length; i++) {
        const between = sentence.slice(found[i]!.end, found[i + 1]!.start).toLowerCase()
        const hit = PREDICATE_PHRASES.find(([phrase]) => new RegExp(`\\b${phrase}\\b`).test(between))
        if (!hit) continue
        const r = {
          subject: comboKey(found[i]!.object),
          predicate: hit[1] as Predicate,
          object: comboKey(found[i + 1]!.object),
        }
        relations.set(`${r.subject}|${r.predicate}|${r.object}`, r)
      }
    }
  return { objects: [...objects.values()], relations: [...relations.values()] }
}
