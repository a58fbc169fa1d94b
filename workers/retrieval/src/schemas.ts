import { MAX_VECTOR_VALUE } from '@frugal/retrieval'
import { z } from '@hono/zod-openapi'

/** Longest accepted text query, in characters. */
export const MAX_QUERY_CHARS = 2048
/** Longest accepted query vector. */
export const MAX_VECTOR_DIMS = 4096
/** Most queries in one `search:batch` request. */
export const MAX_BATCH = 64
export const MAX_K = 100
/** Largest vector value (2^32): within it no score can overflow. */
const MAX_VALUE = MAX_VECTOR_VALUE

export const IndexName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'lower-case letters, digits, ".", "_" or "-", at most 63 characters')
  .openapi({ param: { name: 'name', in: 'path' }, example: 'default' })

export const NameParams = z.object({ name: IndexName })

export const SearchMode = z.enum(['dense', 'lexical', 'hybrid']).openapi({
  description:
    '`dense`: ANN search over the embeddings; `lexical`: BM25; `hybrid`: both, fused as the index set’s calibrated `fusion` says (or as the request’s `fusion` overrides). Default: `hybrid` for `query`, `dense` for `vector`.',
})

export const FusionRequest = z
  .strictObject({
    method: z.enum(['rrf', 'convex']).optional().openapi({
      description:
        '`rrf`: weighted reciprocal-rank fusion, `Σ w / (k + rank)`; `convex`: `Σ w · score` over min-max normalised scores, divided by `Σ w`. Default: the index set’s calibrated method (sets built without calibration: `rrf`).',
    }),
    denseWeight: z
      .number()
      .min(0)
      .max(1e6)
      .optional()
      .openapi({ description: 'Weight of the dense ranking. Default: the calibrated weight (else 1).' }),
    lexicalWeight: z
      .number()
      .min(0)
      .max(1e6)
      .optional()
      .openapi({ description: 'Weight of the BM25 ranking. Default: the calibrated weight (else 1).' }),
    k: z
      .number()
      .min(0)
      .max(1e6)
      .optional()
      .openapi({ description: 'RRF constant (`rrf` only). Default 60.' }),
    depth: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .optional()
      .openapi({ description: 'Candidates taken from each side before fusion. Default max(100, k).' }),
  })
  .openapi('Fusion', {
    description:
      'Per-query override of how `hybrid` fuses the dense and BM25 rankings. Each index set carries a fusion fitted at build time on pseudo-queries drawn from its documents (`manifest.fusion`); fields left out keep those values. Naming a `method` other than the set’s starts from that method’s defaults (weights 1, k 60).',
    example: { method: 'convex', denseWeight: 0.3, lexicalWeight: 0.7 },
  })

const searchFields = {
  query: z.string().max(MAX_QUERY_CHARS).optional().openapi({
    description: 'Text query; embedded in the worker with the index set’s embedder.',
    example: 'tariff on imports',
  }),
  vector: z
    .array(z.number().min(-MAX_VALUE).max(MAX_VALUE))
    .min(1)
    .max(MAX_VECTOR_DIMS)
    .optional()
    .openapi({ description: 'Query embedding with exactly the index’s `dim` numbers (dense mode only).' }),
  k: z.number().int().min(1).max(MAX_K).default(10).openapi({ description: 'Number of hits (1..100).' }),
  mode: SearchMode.optional(),
  dims: z
    .number()
    .int()
    .min(1)
    .max(MAX_VECTOR_DIMS)
    .optional()
    .openapi({ description: 'AdANNS scan dims `d_s`: leading embedding dims used to score candidates.' }),
  nprobe: z
    .number()
    .int()
    .min(1)
    .max(1 << 16)
    .optional()
    .openapi({ description: 'IVF lists probed.' }),
  budget: z
    .number()
    .positive()
    .optional()
    .openapi({ description: 'FLOPs per query; picks the most accurate tuned setting within it.' }),
  targetRecall: z
    .number()
    .gt(0)
    .max(1)
    .optional()
    .openapi({ description: 'Recall@k to reach; picks the cheapest tuned setting that does.' }),
  fusion: FusionRequest.optional(),
}

/** A fusion override applies to hybrid search only, with at least one positive weight. */
function checkFusion(body: SearchRequest, ctx: z.RefinementCtx): void {
  const f = body.fusion
  if (f === undefined) return
  const mode = body.mode ?? (body.vector !== undefined ? 'dense' : 'hybrid')
  if (mode !== 'hybrid') {
    ctx.addIssue({
      code: 'custom',
      path: ['fusion'],
      message: `applies to \`hybrid\` search only, not ${mode}`,
    })
  } else if (f.denseWeight === 0 && f.lexicalWeight === 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['fusion', 'lexicalWeight'],
      message: '`denseWeight` and `lexicalWeight` must not both be 0',
    })
  } else if (f.k !== undefined && f.method === 'convex') {
    ctx.addIssue({
      code: 'custom',
      path: ['fusion', 'k'],
      message: 'is the RRF constant; `convex` takes none',
    })
  }
}

/** Cross-field rules shared by single and batch queries. */
function checkSearch(body: SearchRequest, ctx: z.RefinementCtx): void {
  const q = body.query
  if (q === undefined && body.vector === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['query'],
      message: 'give either `query` (text) or `vector` (numbers)',
    })
  } else if (q !== undefined && body.vector !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['vector'], message: 'give either `query` or `vector`, not both' })
  } else if (q !== undefined && q.trim() === '') {
    ctx.addIssue({ code: 'custom', path: ['query'], message: 'must not be empty' })
  }
  if (body.vector !== undefined && body.mode !== undefined && body.mode !== 'dense') {
    ctx.addIssue({ code: 'custom', path: ['mode'], message: 'a `vector` query can only run in `dense` mode' })
  }
  const manual = body.dims !== undefined || body.nprobe !== undefined
  if (body.budget !== undefined && (manual || body.targetRecall !== undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: ['budget'],
      message: 'give `dims`/`nprobe`, or `budget`, or `targetRecall`, not several',
    })
  } else if (body.targetRecall !== undefined && manual) {
    ctx.addIssue({
      code: 'custom',
      path: ['targetRecall'],
      message: 'give `dims`/`nprobe`, or `targetRecall`, not both',
    })
  }
  checkFusion(body, ctx)
  if (body.mode === 'lexical' && (manual || body.budget !== undefined || body.targetRecall !== undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: ['mode'],
      message: '`lexical` mode takes no `dims`, `nprobe`, `budget` or `targetRecall`',
    })
  }
}

const SearchObject = z.strictObject(searchFields)
export type SearchRequest = z.infer<typeof SearchObject>

export const SearchBody = SearchObject.superRefine(checkSearch).openapi('SearchRequest', {
  example: { query: 'tariff on imports', k: 5, mode: 'hybrid', targetRecall: 0.9 },
})

export const BatchBody = z
  .strictObject({
    queries: z
      .array(SearchObject.superRefine(checkSearch))
      .min(1)
      .max(MAX_BATCH)
      .openapi({ description: `1..${MAX_BATCH} search requests, each as for \`search\`.` }),
  })
  .openapi('BatchSearchRequest', {
    example: {
      queries: [
        { query: 'tariff on imports', k: 3 },
        { query: 'civil war', k: 3, mode: 'lexical' },
      ],
    },
  })

export const Hit = z
  .object({
    id: z.string().openapi({ description: 'Document id from the index set’s document store.' }),
    score: z.number().openapi({
      description: 'Similarity (dense), BM25 score (lexical) or fused score (hybrid: RRF or convex).',
    }),
    title: z.string(),
    snippet: z.string().openapi({ description: 'The start of the document text.' }),
  })
  .openapi('Hit')

export const Cost = z
  .object({
    dims: z
      .number()
      .int()
      .openapi({ description: 'Embedding dims read per scored candidate (0 for lexical).' }),
    candidates: z.number().int().openapi({ description: 'Vectors or codes scored.' }),
    flops: z.number().openapi({ description: 'Distance FLOPs (a multiply-add counts 2).' }),
    lexicalCandidates: z.number().int().openapi({ description: 'Documents scored by BM25 (0 for dense).' }),
  })
  .openapi('Cost')

export const Settings = z
  .object({
    mode: SearchMode,
    k: z.number().int(),
    scanDims: z.number().int().optional(),
    clusterDims: z.number().int().optional(),
    nprobe: z.number().int().optional(),
    rerank: z.number().int().optional(),
    budget: z.number().optional(),
    targetRecall: z.number().optional(),
    fusion: z
      .object({
        method: z.enum(['rrf', 'convex']),
        k: z.number(),
        denseWeight: z.number(),
        lexicalWeight: z.number(),
        depth: z.number(),
      })
      .optional()
      .openapi({
        description:
          'The fusion a hybrid search ran with: the set’s calibrated fusion with the request’s `fusion` fields over it (`k` is used by `rrf` only).',
      }),
  })
  .openapi('Settings', { description: 'The settings the search actually ran with.' })

export const SearchResponse = z
  .object({ index: z.string(), hits: z.array(Hit), cost: Cost, settings: Settings })
  .openapi('SearchResponse')

export const BatchResponse = z
  .object({ index: z.string(), results: z.array(SearchResponse) })
  .openapi('BatchSearchResponse')

export { ErrorResponse } from '@frugal/worker-shared'

export const FrontierPoint = z
  .object({
    settings: z.record(z.string(), z.number()),
    recall: z.number(),
    k: z.number(),
    flops: z.number(),
  })
  .openapi('FrontierPoint')

export const IndexSummary = z
  .object({
    name: z.string(),
    version: z.string().openapi({ description: 'Upload id of the artifact set being served.' }),
    uploadedAt: z.string(),
    bytes: z.number().int().openapi({ description: 'Sum of the artifact sizes.' }),
    files: z.array(z.object({ name: z.string(), bytes: z.number().int(), sha256: z.string() })),
  })
  .openapi('IndexSummary')

export const IndexDetails = IndexSummary.extend({
  loaded: z.boolean().openapi({ description: 'Whether this isolate holds the set in memory.' }),
  documents: z.number().int(),
  dim: z.number().int(),
  kind: z.string().openapi({ description: 'ANN index kind (flat, ivf, ivfpq, binary).' }),
  metric: z.string(),
  modes: z.array(SearchMode),
  embedder: z.string().optional(),
  memoryBytes: z
    .number()
    .int()
    .openapi({ description: 'Estimated heap of the loaded set (2.4 bytes per artifact byte, measured).' }),
  frontier: z.array(FrontierPoint),
  manifest: z.unknown().openapi({ description: 'The index set’s manifest as built.' }),
}).openapi('IndexDetails')

export const IndexList = z.object({ indexes: z.array(IndexSummary) }).openapi('IndexList')
