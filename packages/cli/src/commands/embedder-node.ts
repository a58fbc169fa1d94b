import type { ExternalEmbedder, IndexSetManifest, LoadOptions } from '@frugal/retrieval'
import { fail } from './shared.ts'

/** A transformers.js embedder over a local model folder, for `frugal index build --embedder <dir>`. */
export async function transformersEmbedder(modelDir: string, dims: number): Promise<ExternalEmbedder> {
  const { TransformersEmbedder } = await import('@frugal/models/node')
  const probe = await TransformersEmbedder.load(modelDir)
  const hidden = probe.hiddenSize
  await probe.dispose()
  const model = await TransformersEmbedder.load(modelDir, { dims: Math.min(dims, hidden) })
  return {
    kind: 'transformers',
    model: modelDir,
    dims: model.dims,
    embed: (texts, onProgress) => model.embed(texts, onProgress),
  }
}

/** Load options that embed text queries with the set's transformers model (searched at `--model` or the manifest's path). */
export async function queryEmbedding(
  manifest: IndexSetManifest,
  modelDir: string | undefined,
): Promise<LoadOptions> {
  if (manifest.embedder.kind !== 'transformers') return {}
  const dir = modelDir ?? manifest.embedder.model
  if (dir === undefined) fail('this index set was built with a transformers model: give --model <dir>')
  const { TransformersEmbedder } = await import('@frugal/models/node')
  const model = await TransformersEmbedder.load(dir, { dims: manifest.embedder.dims })
  return { embedQuery: (text) => model.embedOne(text) }
}
