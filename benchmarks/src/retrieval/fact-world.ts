import type { Dataset } from '@frugal/datasets'
import { generateFactWorld } from '@frugal/synth'

/**
 * The fact world of `@frugal/synth` as a retrieval collection: one passage per entity of a
 * fictional encyclopedia, and its single-hop and two-hop questions with every passage of the
 * chain relevant (gain 1). Seeded, so every run sees the same collection.
 */
export function factWorldCollection(entities = 2000, questions = 500, seed = 1): Dataset {
  const world = generateFactWorld({ entities, seed, questions })
  return {
    name: `synth-facts-${entities}`,
    documents: world.documents.map((d) => ({ id: d.id, title: d.title, text: d.text })),
    queries: world.questions.map((q) => ({ id: q.id, text: q.text })),
    qrels: new Map(world.questions.map((q) => [q.id, new Map(q.docs.map((d) => [d, 1]))])),
  }
}
