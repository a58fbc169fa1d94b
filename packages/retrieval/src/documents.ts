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

/**
 * A window of `text` of about `chars` characters around the first occurrence of a query
 * word (case-insensitive), cut at word boundaries, with ellipses where text was cut.
 */
export function snippet(text: string, query: string | undefined, chars: number): string {
  if (chars <= 0) return ''
  const flat = text.replace(/\s+/g, ' ').trim()
  if (flat.length <= chars) return flat
  let at = 0
  if (query !== undefined) {
    const lower = flat.toLowerCase()
    const words = query
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .filter((w) => w.length > 2)
    const hits = words.map((w) => lower.indexOf(w)).filter((i) => i >= 0)
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
  return `${start > 0 ? '…' : ''}${flat.slice(start, end)}${end < flat.length ? '…' : ''}`
}
