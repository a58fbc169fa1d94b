import type { RetrievalIndex } from '@frugal/retrieval'
import { errorOf, PlaygroundApiError, RETRIEVAL_API } from './api.ts'
import type { SearchBody, SearchResult } from './search.ts'

/** What the API reports about the set served under a name (`GET /v1/indexes/{name}`). */
export interface IndexHead {
  name: string
  version: string
  bytes: number
  files: { name: string; bytes: number; sha256: string }[]
}

/**
 * Downloads every file of the served set through `GET /v1/indexes/{name}/files/{file}` and loads
 * it with `loadIndexSet` from @frugal/retrieval — the code the retrieval Worker runs — which
 * checks each file's size and SHA-256 against the manifest before anything is used.
 * @param onProgress called with the bytes received so far
 */
export async function loadInBrowser(
  head: IndexHead,
  onProgress: (received: number) => void = () => {},
  base = RETRIEVAL_API,
  fetcher: typeof fetch = fetch,
): Promise<RetrievalIndex> {
  let received = 0
  const files: Record<string, Uint8Array> = {}
  await Promise.all(
    head.files.map(async (f) => {
      const res = await fetcher(`${base}/v1/indexes/${head.name}/files/${encodeURIComponent(f.name)}`)
      if (!res.ok) throw await errorOf(res)
      const bytes = new Uint8Array(await res.arrayBuffer())
      received += bytes.byteLength
      onProgress(received)
      files[f.name] = bytes
    }),
  )
  // Loaded on demand: the page does not carry the search code until it is asked to search here.
  const { loadIndexSet, RetrievalError } = await import('@frugal/retrieval')
  try {
    return await loadIndexSet(files)
  } catch (err) {
    if (err instanceof RetrievalError) throw new PlaygroundApiError(0, err.code, err.message)
    throw err
  }
}

/** A search run in this page, and its wall-clock time. */
export interface LocalRun {
  result: SearchResult
  ms: number
}

/** Runs the API request `body` on a set loaded in the page (the API's `dims` is the library's `scanDims`). */
export async function searchHere(index: RetrievalIndex, name: string, body: SearchBody): Promise<LocalRun> {
  const started = performance.now()
  let res: Awaited<ReturnType<RetrievalIndex['search']>>
  try {
    res = await index.search({
      query: body.query,
      k: body.k,
      mode: body.mode,
      ...(body.dims !== undefined ? { scanDims: body.dims } : {}),
      ...(body.nprobe !== undefined ? { nprobe: body.nprobe } : {}),
      ...(body.budget !== undefined ? { budget: body.budget } : {}),
      ...(body.targetRecall !== undefined ? { targetRecall: body.targetRecall } : {}),
    })
  } catch (err) {
    // A RetrievalError (named by its `code`) is the library's refusal of the request.
    const e = err as { name?: string; code?: string; message: string; field?: string }
    if (e.name === 'RetrievalError' && e.code) throw new PlaygroundApiError(0, e.code, e.message, e.field)
    throw err
  }
  const ms = performance.now() - started
  const { fusion: _fusion, ...settings } = res.settings
  return {
    ms,
    result: {
      index: name,
      hits: res.hits.map(({ id, score, title, snippet }) => ({ id, score, title, snippet })),
      cost: {
        dims: res.cost.dims,
        candidates: res.cost.candidates,
        flops: res.cost.flops,
        lexicalCandidates: res.cost.lexicalCandidates,
      },
      settings,
    },
  }
}
