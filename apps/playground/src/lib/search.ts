/** How the cost of a dense search is set: by hand, by a FLOPs budget, or by a recall target. */
export type CostControl = 'manual' | 'budget' | 'recall'
export type Mode = 'hybrid' | 'dense' | 'lexical'

/** What the Search panel's form holds. */
export interface SearchForm {
  query: string
  mode: Mode
  k: number
  control: CostControl
  dims: number
  nprobe: number
  budget: number
  targetRecall: number
}

/** The body of `POST /v1/indexes/{name}/search`, as the API documents it. */
export interface SearchBody {
  query: string
  k: number
  mode: Mode
  dims?: number
  nprobe?: number
  budget?: number
  targetRecall?: number
}

/**
 * The request for a form: only the chosen cost control is sent (the API refuses several), and
 * none for `lexical`, which has no dense side. The query is sent as typed, so that the API's
 * own validation (an empty query, one too long) is what the user reads.
 */
export function searchBody(form: SearchForm, nprobeApplies: boolean): SearchBody {
  const body: SearchBody = { query: form.query, k: form.k, mode: form.mode }
  if (form.mode === 'lexical') return body
  if (form.control === 'manual') {
    body.dims = form.dims
    if (nprobeApplies) body.nprobe = form.nprobe
  } else if (form.control === 'budget') {
    body.budget = form.budget
  } else {
    body.targetRecall = form.targetRecall
  }
  return body
}

/** The response of a search (the fields the panel shows). */
export interface SearchResult {
  index: string
  hits: { id: string; score: number; title: string; snippet: string }[]
  cost: { dims: number; candidates: number; flops: number; lexicalCandidates: number }
  settings: {
    mode: Mode
    k: number
    scanDims?: number
    clusterDims?: number
    nprobe?: number
    rerank?: number
    budget?: number
    targetRecall?: number
  }
}
