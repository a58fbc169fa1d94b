import { GRAPH_LIMITS, MAX_INDEX_DIM, MAX_RERANK, sha256Hex } from '@frugal/ann'
import { z } from 'zod'
import { RetrievalError } from './errors.ts'
import { INDEX_SET_FILES, INDEX_SET_FORMAT, INDEX_SET_VERSION, type IndexSetManifest } from './types.ts'

const count = z.number().int().nonnegative()
const fileName = z.string().regex(/^[A-Za-z0-9._-]+$/, 'a plain file name')

const dims = z.number().int().positive().max(MAX_INDEX_DIM)
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256')

const settingsSchema = z.object({
  nprobe: z.number().int().positive().optional(),
  clusterDims: dims.optional(),
  scanDims: dims,
  rerank: z.number().int().positive().max(MAX_RERANK).optional(),
  ef: z.number().int().positive().max(GRAPH_LIMITS.maxEf).optional(),
})

const weight = z.number().finite().nonnegative()
const unit = z.number().min(0).max(1)

const fusionSchema = z
  .object({
    method: z.enum(['rrf', 'convex']),
    k: z.number().finite().nonnegative(),
    denseWeight: weight,
    lexicalWeight: weight,
    calibration: z.object({
      generator: z.string(),
      queries: count,
      seed: z.number().int(),
      depth: z.number().int().positive(),
      ndcg: z.object({ dense: unit, lexical: unit, rrf: unit, fused: unit }),
    }),
  })
  .refine((f) => f.denseWeight + f.lexicalWeight > 0, {
    message: 'denseWeight and lexicalWeight must not both be 0',
    path: ['denseWeight'],
  })

const manifestSchema = z.object({
  format: z.literal(INDEX_SET_FORMAT),
  version: z.number().int(),
  name: z.string().min(1),
  createdAt: z.string(),
  generator: z.string(),
  corpus: z.object({ source: z.string(), documents: count }),
  embedder: z.object({
    kind: z.enum(['lsa', 'transformers']),
    file: fileName.optional(),
    dims,
    model: z.string().optional(),
    vocabulary: count.optional(),
  }),
  dense: z.object({
    file: fileName,
    kind: z.enum(['flat', 'ivf', 'ivfpq', 'binary', 'graph']),
    metric: z.enum(['cosine', 'ip', 'l2']),
    dim: dims,
    size: count,
    frontier: z
      .array(
        z.object({
          settings: settingsSchema,
          recall: z.number().min(0).max(1),
          k: z.number().int().positive(),
          flops: z.number().nonnegative().finite(),
        }),
      )
      .optional(),
  }),
  lexical: z.object({
    file: fileName,
    engine: z.literal('minisearch'),
    engineVersion: z.string(),
    bm25: z.object({ k1: z.number(), b: z.number() }),
    analyzer: z.string(),
  }),
  documents: z.object({ file: fileName, count }),
  fusion: fusionSchema.optional(),
  files: z.record(fileName, z.object({ bytes: count, sha256 })),
  stats: z.object({
    documents: count,
    avgTokens: z.number(),
    terms: count,
    bytes: count,
    buildSeconds: z.number(),
  }),
  sha256,
})

/**
 * Parses and checks `manifest.json` (the first file to fetch: it lists all others).
 * Throws `RetrievalError` `BAD_MANIFEST` naming the first bad field, or
 * `UNSUPPORTED_VERSION`.
 */
export function parseManifest(input: Uint8Array | ArrayBuffer | string): IndexSetManifest {
  return readManifest(input).manifest
}

/** `parseManifest`, plus the JSON value as read (unknown members kept), which the checksum covers. */
function readManifest(input: Uint8Array | ArrayBuffer | string): { manifest: IndexSetManifest; raw: object } {
  const file = INDEX_SET_FILES.manifest
  let value: unknown
  try {
    const text =
      typeof input === 'string'
        ? input
        : new TextDecoder('utf-8', { fatal: true }).decode(
            input instanceof Uint8Array ? input : new Uint8Array(input),
          )
    value = JSON.parse(text)
  } catch (cause) {
    throw new RetrievalError('BAD_MANIFEST', `${file}: not valid UTF-8 JSON`, { file, cause })
  }
  const version = (value as { version?: unknown } | null)?.version
  if (typeof version === 'number' && version !== INDEX_SET_VERSION) {
    throw new RetrievalError(
      'UNSUPPORTED_VERSION',
      `${file}: index-set version ${version}, this build reads ${INDEX_SET_VERSION}`,
      { file },
    )
  }
  const parsed = manifestSchema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const path = issue.path.join('.') || '(root)'
    throw new RetrievalError('BAD_MANIFEST', `${file}: ${path}: ${issue.message}`, { file, field: path })
  }
  const manifest = parsed.data as IndexSetManifest
  for (const needed of [
    manifest.dense.file,
    manifest.lexical.file,
    manifest.documents.file,
    manifest.embedder.file,
  ]) {
    if (needed !== undefined && manifest.files[needed] === undefined) {
      throw new RetrievalError('BAD_MANIFEST', `${file}: files lacks an entry for "${needed}"`, {
        file,
        field: 'files',
      })
    }
  }
  if (manifest.embedder.kind === 'lsa' && manifest.embedder.file === undefined) {
    throw new RetrievalError('BAD_MANIFEST', `${file}: embedder.file is required for an lsa embedder`, {
      file,
      field: 'embedder.file',
    })
  }
  for (const [i, point] of (manifest.dense.frontier ?? []).entries()) {
    const { scanDims, clusterDims, nprobe } = point.settings
    // nprobe and clusterDims exist only for the kinds with lists.
    const lists = manifest.dense.kind === 'ivf' || manifest.dense.kind === 'ivfpq'
    if (
      scanDims > manifest.dense.dim ||
      (clusterDims ?? 0) > manifest.dense.dim ||
      (nprobe ?? 0) > manifest.dense.size ||
      (!lists && (nprobe !== undefined || clusterDims !== undefined))
    ) {
      throw new RetrievalError(
        'BAD_MANIFEST',
        `${file}: dense.frontier.${i}.settings exceed the index's dims or rows`,
        {
          file,
          field: `dense.frontier.${i}.settings`,
        },
      )
    }
  }
  return { manifest, raw: value as object }
}

/** SHA-256 of a manifest value without its `sha256` member (see `IndexSetManifest.sha256`). */
export async function manifestChecksum(manifest: object): Promise<string> {
  const { sha256: _, ...rest } = manifest as Record<string, unknown>
  return sha256Hex(new TextEncoder().encode(JSON.stringify(rest)))
}

/**
 * Serialises a manifest as `manifest.json` (indented), with its own `sha256`.
 * @example
 * files['manifest.json'] = await encodeManifest({ ...manifest, name: 'renamed' })
 */
export async function encodeManifest(manifest: Omit<IndexSetManifest, 'sha256'>): Promise<Uint8Array> {
  const { sha256: _, ...rest } = manifest as IndexSetManifest
  const sealed = { ...rest, sha256: await manifestChecksum(rest) }
  return new TextEncoder().encode(`${JSON.stringify(sealed, null, 2)}\n`)
}

/**
 * `parseManifest`, then checks the manifest's own checksum: `CHECKSUM_MISMATCH` (file
 * `manifest.json`) when any of its bytes that matter changed.
 */
export async function verifyManifest(input: Uint8Array | ArrayBuffer | string): Promise<IndexSetManifest> {
  const { manifest, raw } = readManifest(input)
  if ((await manifestChecksum(raw)) !== manifest.sha256) {
    const file = INDEX_SET_FILES.manifest
    throw new RetrievalError('CHECKSUM_MISMATCH', `${file}: SHA-256 differs from its sha256 member`, {
      file,
    })
  }
  return manifest
}
