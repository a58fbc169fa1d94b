import { loadBinary } from './binary.ts'
import { AnnError } from './errors.ts'
import { FlatIndex } from './flat.ts'
import { type Artifact, readArtifact } from './format.ts'
import { loadGraph } from './graph.ts'
import { IvfIndex } from './ivf.ts'
import { loadIvfInt8 } from './ivf-i8.ts'
import { loadIvfPq } from './ivfpq.ts'
import type { VectorIndex } from './types.ts'

/** Turns a validated artifact into an index; throws `AnnError('CORRUPT')` on inconsistent contents. */
export type IndexLoader = (artifact: Artifact) => VectorIndex

const LOADERS = new Map<string, IndexLoader>([
  ['flat', (a) => FlatIndex.fromArtifact(a)],
  ['ivf', (a) => IvfIndex.fromArtifact(a)],
  ['ivfpq', loadIvfPq],
  ['binary', loadBinary],
  ['graph', loadGraph],
  ['ivf-i8', loadIvfInt8],
])

/**
 * Registers (or replaces) the loader of an index kind, so that `loadIndex` can open
 * artifacts of index types defined outside this package.
 */
export function registerIndexKind(kind: string, loader: IndexLoader): void {
  if (typeof kind !== 'string' || kind.length === 0)
    throw new AnnError('INVALID_ARGUMENT', 'kind must be a non-empty string')
  if (typeof loader !== 'function') throw new AnnError('INVALID_ARGUMENT', 'loader must be a function')
  LOADERS.set(kind, loader)
}

/** The index kinds `loadIndex` can open. */
export function indexKinds(): string[] {
  return [...LOADERS.keys()]
}

/**
 * Opens a serialized index of any kind from its bytes (an `ArrayBuffer`, e.g. an R2 object
 * body, or a `Uint8Array`). The bytes are validated whole first (magic, version, lengths,
 * checksum, then the kind's own structure): a bad file throws an `AnnError` and nothing
 * is returned half-loaded. Large sections are zero-copy views into the given buffer.
 * @example
 * const index = loadIndex(await (await env.BUCKET.get('docs.frgl'))!.arrayBuffer())
 */
export function loadIndex(bytes: Uint8Array | ArrayBuffer): VectorIndex {
  const artifact = readArtifact(bytes)
  const loader = LOADERS.get(artifact.kind)
  if (!loader)
    throw new AnnError('CORRUPT', `unknown index kind '${artifact.kind}' (known: ${indexKinds().join(', ')})`)
  return loader(artifact)
}
