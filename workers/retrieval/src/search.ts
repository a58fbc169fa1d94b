import type {
  SearchRequest as LibRequest,
  SearchResponse as LibResponse,
  RetrievalIndex,
} from '@frugal/retrieval'
import { RetrievalError } from '@frugal/retrieval'
import { ApiError, invalid } from './errors.ts'
import type { SearchRequest } from './schemas.ts'

/** Request field names of the library that the API spells differently. */
const FIELD_NAMES: Record<string, string> = { scanDims: 'dims' }

/** Checks what the schema cannot know without the index: vector length, dims, text support. */
function checkAgainstIndex(index: RetrievalIndex, body: SearchRequest, prefix: string): void {
  const { dim } = index.manifest.dense
  if (body.vector !== undefined && body.vector.length !== dim) {
    throw invalid(`${prefix}vector`, `has ${body.vector.length} numbers; this index needs exactly ${dim}`)
  }
  if (body.dims !== undefined && body.dims > dim) {
    throw invalid(`${prefix}dims`, `must be at most the index's ${dim} dims`)
  }
}

/** The library request for one validated API request. */
function toLibrary(body: SearchRequest): LibRequest {
  const req: LibRequest = { k: body.k }
  if (body.query !== undefined) req.query = body.query
  if (body.vector !== undefined) req.vector = Float32Array.from(body.vector)
  if (body.mode !== undefined) req.mode = body.mode
  if (body.dims !== undefined) req.scanDims = body.dims
  if (body.nprobe !== undefined) req.nprobe = body.nprobe
  if (body.budget !== undefined) req.budget = body.budget
  if (body.targetRecall !== undefined) req.targetRecall = body.targetRecall
  if (body.fusion !== undefined) req.fusion = body.fusion
  return req
}

/** A search refusal of the library as the 400 naming the request field. */
function refusal(err: RetrievalError, prefix: string): ApiError {
  const field = `${prefix}${FIELD_NAMES[err.field ?? ''] ?? err.field ?? 'query'}`
  // The library's messages already start with its own field name; name the API field once.
  const reason =
    err.field !== undefined && err.message.startsWith(`${err.field}: `)
      ? err.message.slice(err.field.length + 2)
      : err.message
  return new ApiError(
    400,
    err.code === 'INVALID_QUERY' ? 'INVALID_REQUEST' : err.code,
    `${field}: ${reason}`,
    {
      cause: err,
      field,
    },
  )
}

/** The response body of one search. */
export function present(name: string, body: SearchRequest, res: LibResponse) {
  const { fusion: _fusion, ...settings } = res.settings
  return {
    index: name,
    hits: res.hits.map((h) => ({ id: h.id, score: h.score, title: h.title, snippet: h.snippet })),
    cost: {
      dims: res.cost.dims,
      candidates: res.cost.candidates,
      flops: res.cost.flops,
      lexicalCandidates: res.cost.lexicalCandidates,
    },
    settings: {
      ...settings,
      ...(res.settings.fusion ? { fusion: res.settings.fusion } : {}),
      ...(body.budget !== undefined ? { budget: body.budget } : {}),
      ...(body.targetRecall !== undefined ? { targetRecall: body.targetRecall } : {}),
    },
  }
}

/** Runs one validated request; `prefix` locates it in a batch (`queries.3.`). */
export async function runSearch(
  index: RetrievalIndex,
  body: SearchRequest,
  prefix = '',
): Promise<LibResponse> {
  checkAgainstIndex(index, body, prefix)
  try {
    return await index.search(toLibrary(body))
  } catch (err) {
    if (err instanceof RetrievalError && err.field !== undefined) throw refusal(err, prefix)
    if (err instanceof RetrievalError && err.code === 'NO_EMBEDDER') {
      throw new ApiError(400, 'NO_EMBEDDER', `${prefix}query: ${err.message}`, {
        cause: err,
        field: `${prefix}query`,
      })
    }
    throw err
  }
}

/**
 * Runs a validated batch query by query; the first refused query fails the whole batch with
 * its position (`queries.3.`), and no query runs twice.
 */
export async function runBatch(index: RetrievalIndex, bodies: SearchRequest[]): Promise<LibResponse[]> {
  for (const [i, b] of bodies.entries()) checkAgainstIndex(index, b, `queries.${i}.`)
  const out: LibResponse[] = []
  for (const [i, b] of bodies.entries()) out.push(await runSearch(index, b, `queries.${i}.`))
  return out
}
