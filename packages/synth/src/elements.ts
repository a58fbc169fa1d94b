import { comboKey, type SceneGraph } from './scene.ts'
import type { Colour, Predicate, Shape, Size, Texture } from './vocab.ts'

/** An object as text or a tagger knows it: colour and shape always, size and texture when stated. */
export interface ElementObject {
  colour: Colour
  shape: Shape
  size?: Size
  texture?: Texture
  /** Where the object is, when the source knows (a tagger reading an image); text leaves it open. */
  position?: { x: number; y: number; rotation: number }
}

/** A relation between two objects named by their `"colour shape"` key (unique in a scene). */
export interface ElementRelation {
  subject: string
  predicate: Predicate
  object: string
}

/** The basic elements of a sample (CtrlSynth's visual tags): objects with attributes, and relations. */
export interface SceneElements {
  objects: ElementObject[]
  relations: ElementRelation[]
}

/** Every object and relation of a graph as elements. */
export function elementsOfGraph(graph: SceneGraph): SceneElements {
  const key = (id: number) => comboKey(graph.objects[id]!)
  return {
    objects: graph.objects.map(({ colour, shape, size, texture, x, y, rotation }) => ({
      colour,
      shape,
      size,
      texture,
      position: { x, y, rotation },
    })),
    relations: graph.relations.map((r) => ({
      subject: key(r.subject),
      predicate: r.predicate,
      object: key(r.object),
    })),
  }
}
