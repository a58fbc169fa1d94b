/** One retrievable document (a BEIR corpus row, a Cranfield abstract, a speech passage). */
export interface Document {
  id: string
  title: string
  text: string
}

/** One test query. */
export interface Query {
  id: string
  text: string
}

/** Relevance judgements: query id → document id → gain (> 0 relevant, 0 judged non-relevant). */
export type Qrels = Map<string, Map<string, number>>

/** A corpus with its queries and judgements. */
export interface Dataset {
  name: string
  documents: Document[]
  queries: Query[]
  qrels: Qrels
}

/** Lines of a text file, as strings or raw chunks; see {@link lines}. */
export type LineSource = AsyncIterable<string> | Iterable<string>
