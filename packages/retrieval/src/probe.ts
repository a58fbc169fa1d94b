import { analyze } from '@frugal/models/embedders'
import { RetrievalError } from './errors.ts'
import type { RetrievalIndex, SearchMode, SearchRequest, SearchResponse } from './types.ts'

/**
 * The probe queries of a set: a text query made of the first indexed word of the first
 * document that has one (so the lexical side must find it), and a vector query (the first
 * axis), in every mode the set can answer here.
 */
function probeRequests(index: RetrievalIndex, sampleTexts: Iterable<string>): SearchRequest[] {
  let word: string | undefined
  for (const text of sampleTexts) {
    // The raw word whose analyzed form is indexed, so the query goes through the analyzer as a client's would.
    word = text.split(/\s+/).find((w) => analyze(w).length > 0)
    if (word !== undefined) break
  }
  const vector = new Float32Array(index.manifest.dense.dim)
  vector[0] = 1
  const requests: SearchRequest[] = [{ k: 3, mode: 'dense', vector }]
  if (word !== undefined) {
    for (const mode of ['lexical', 'dense', 'hybrid'] as SearchMode[])
      requests.push({ k: 3, mode, query: word })
  }
  return requests
}

function failed(request: SearchRequest, reason: string, cause?: unknown): RetrievalError {
  const what = request.query !== undefined ? `"${request.query}"` : 'a vector'
  return new RetrievalError(
    'CORRUPT',
    `the set loads but does not answer a probe ${request.mode} search for ${what}: ${reason}`,
    { cause },
  )
}

function check(request: SearchRequest, response: SearchResponse): void {
  if (!Array.isArray(response.hits) || response.hits.length > request.k)
    throw failed(request, 'it returned a malformed hit list')
  for (const hit of response.hits) {
    if (typeof hit.id !== 'string' || typeof hit.title !== 'string' || typeof hit.snippet !== 'string')
      throw failed(request, 'a hit lacks its document')
    if (!Number.isFinite(hit.score)) throw failed(request, `a hit scored ${hit.score}`)
  }
  if (request.mode === 'lexical' && response.hits.length === 0)
    throw failed(request, 'a word of a document found no document')
}

/**
 * Proves that a loaded set answers: runs a probe search in every mode (dense by vector;
 * lexical, dense and hybrid by a word of its documents) and checks that each returns
 * well-formed hits with finite scores. A set whose files are each well-formed but that
 * fails here is refused with `RetrievalError` `CORRUPT`, so it never replaces a serving set.
 * Text-embedded modes are skipped when the set's embedder does not run here (`NO_EMBEDDER`
 * is what a client would get too).
 * @param sampleTexts document texts to take the probe word from (the first with an indexed word)
 */
export async function probeIndexSet(index: RetrievalIndex, sampleTexts: Iterable<string>): Promise<void> {
  for (const request of probeRequests(index, sampleTexts)) {
    let response: SearchResponse
    try {
      response = await index.search(request)
    } catch (cause) {
      if (cause instanceof RetrievalError && cause.code === 'NO_EMBEDDER') continue
      throw failed(request, cause instanceof Error ? cause.message : String(cause), cause)
    }
    check(request, response)
  }
}
