import { RetrievalError } from './errors.ts'

/** The document store: row `i` of the dense index is `ids[i]`, `titles[i]`, `texts[i]`. */
export interface DocumentStore {
  ids: string[]
  titles: string[]
  texts: string[]
}

/** Serialises the store as `documents.json`. */
export function encodeDocuments(docs: readonly { id: string; title: string; text: string }[]): Uint8Array {
  const store: DocumentStore = {
    ids: docs.map((d) => d.id),
    titles: docs.map((d) => d.title),
    texts: docs.map((d) => d.text),
  }
  return new TextEncoder().encode(JSON.stringify(store))
}

/** Parses `documents.json`, checking its shape and row count. */
export function decodeDocuments(bytes: Uint8Array, count: number, file: string): DocumentStore {
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (cause) {
    throw new RetrievalError('CORRUPT', `${file}: not valid UTF-8 JSON`, { file, cause })
  }
  const store = value as Partial<DocumentStore>
  const ok = (a: unknown): a is string[] =>
    Array.isArray(a) && a.length === count && a.every((x) => typeof x === 'string')
  if (!ok(store.ids) || !ok(store.titles) || !ok(store.texts)) {
    throw new RetrievalError('CORRUPT', `${file}: expected ids, titles and texts of ${count} strings each`, {
      file,
    })
  }
  return store as DocumentStore
}

/** Leading characters of a document that a snippet is cut from (and searched for query words). */
export const SNIPPET_SCAN_CHARS = 16_384
/** Distinct query words (of 3+ characters) a snippet looks for: the first ones of the query. */
export const SNIPPET_QUERY_WORDS = 16

/**
 * A window of `text` of about `chars` characters around the first occurrence of a query
 * word (case-insensitive), cut at word boundaries, with ellipses where text was cut. Its cost
 * is bounded whatever the document and query (a search may build a thousand snippets): only
 * the first {@link SNIPPET_SCAN_CHARS} characters are looked at, for at most
 * {@link SNIPPET_QUERY_WORDS} distinct query words.
 */
export function snippet(text: string, query: string | undefined, chars: number): string {
  if (chars <= 0) return ''
  const cut = text.length > SNIPPET_SCAN_CHARS
  const flat = (cut ? text.slice(0, SNIPPET_SCAN_CHARS) : text).replace(/\s+/g, ' ').trim()
  if (!cut && flat.length <= chars) return flat
  let at = 0
  if (query !== undefined) {
    const lower = flat.toLowerCase()
    const words = new Set<string>()
    for (const w of query
      .slice(0, 4096)
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)) {
      if (w.length > 2) words.add(w)
      if (words.size === SNIPPET_QUERY_WORDS) break
    }
    const hits = [...words].map((w) => lower.indexOf(w)).filter((i) => i >= 0)
    if (hits.length > 0) at = Math.min(...hits)
  }
  let start = Math.max(0, at - Math.floor(chars / 4))
  if (start > 0) {
    const space = flat.indexOf(' ', start)
    start = space === -1 || space > at ? start : space + 1
  }
  let end = Math.min(flat.length, start + chars)
  if (end < flat.length) {
    const space = flat.lastIndexOf(' ', end)
    if (space > start) end = space
  }
  const more = end < flat.length || cut
  return `${start > 0 ? '…' : ''}${flat.slice(start, end)}${more ? '…' : ''}`
}
