import { type ElementObject, elementsOfGraph, type SceneElements } from '../elements.ts'
import { SynthError } from '../errors.ts'
import { createRandom } from '../random.ts'
import type { RgbImage } from '../render.ts'
import { comboKey, type SceneGraph } from '../scene.ts'
import { COLOURS } from '../vocab.ts'

/** What a tagger sees of a sample: its id and image, and the scene graph when the sample has one. */
export interface TagInput {
  id: string
  image?: RgbImage
  graph?: SceneGraph
}

/**
 * CtrlSynth's vision tagging model: an image in, its elements (objects with attributes, relations)
 * out. The oracle tagger reads the scene graph; a trained visual tagger reads `image`.
 */
export interface Tagger {
  readonly name: string
  tag(input: TagInput): SceneElements | Promise<SceneElements>
}

export interface OracleTaggerOptions {
  /** Chance that each object is mis-tagged: dropped, or given a wrong colour (default 0). */
  errorRate?: number
  /** Seeds the errors (default 0); the same sample id always gets the same errors. */
  seed?: number
}

/**
 * A tagger that reads the ground-truth scene graph, optionally with errors, for tests and for
 * measuring how a pipeline copes with a tagger of known quality. Positions come along, so
 * image→image edits keep the objects that no policy touched where they were.
 */
export function oracleTagger(options: OracleTaggerOptions = {}): Tagger {
  const errorRate = options.errorRate ?? 0
  if (!(errorRate >= 0 && errorRate <= 1))
    throw new SynthError('INVALID_ARGUMENT', `errorRate must be in [0, 1], got ${errorRate}`, {
      path: 'errorRate',
    })
  return {
    name: errorRate > 0 ? `oracle(error ${errorRate})` : 'oracle',
    tag({ id, graph }) {
      if (!graph)
        throw new SynthError('INVALID_ARGUMENT', `the oracle tagger needs the scene graph of "${id}"`, {
          path: 'graph',
        })
      const exact = elementsOfGraph(graph)
      if (errorRate === 0) return exact
      const random = createRandom(`oracle/${options.seed ?? 0}/${id}`)
      const objects: ElementObject[] = []
      const renamed = new Map<string, string | undefined>()
      const taken = new Set(exact.objects.map(comboKey))
      for (const o of exact.objects) {
        const key = comboKey(o)
        if (random.next() >= errorRate) {
          objects.push(o)
          renamed.set(key, key)
          continue
        }
        const colour = random.pick(COLOURS.filter((c) => c !== o.colour))
        const wrong = { ...o, colour }
        if (random.next() < 0.5 || taken.has(comboKey(wrong))) renamed.set(key, undefined)
        else {
          taken.add(comboKey(wrong))
          objects.push(wrong)
          renamed.set(key, comboKey(wrong))
        }
      }
      const relations = exact.relations.flatMap((r) => {
        const subject = renamed.get(r.subject)
        const object = renamed.get(r.object)
        return subject && object ? [{ ...r, subject, object }] : []
      })
      return { objects, relations }
    },
  }
}
