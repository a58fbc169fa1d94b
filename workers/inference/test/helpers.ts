import { SELF } from 'cloudflare:test'
import { createTar } from 'nanotar'
import { expect, inject } from 'vitest'

declare module 'vitest' {
  interface ProvidedContext {
    /** The fixture model sets: name → file name → base64 bytes (see global-setup.ts). */
    modelSets: Record<string, Record<string, string>>
  }
}

export const TOKEN = 'test-upload-token'
const BASE = 'http://worker.test'

/** POSTs `body` (an object is sent as JSON, a string as is) to `path`. */
export function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return SELF.fetch(`${BASE}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

export function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return SELF.fetch(`${BASE}${path}`, { headers })
}

/** A raw request to the worker under test. */
export function send(path: string, init: RequestInit): Promise<Response> {
  return SELF.fetch(`${BASE}${path}`, init)
}

/** Asserts the documented error shape and returns it. */
export async function expectError(
  res: Response,
  status: number,
  code: string,
  field?: string,
): Promise<{ code: string; message: string; field?: string }> {
  const text = await res.text()
  expect(res.status, text).toBe(status)
  expect(res.headers.get('content-type')).toMatch(/application\/json/)
  const body = JSON.parse(text) as { error: { code: string; message: string; field?: string } }
  expect(body.error.code, text).toBe(code)
  expect(typeof body.error.message).toBe('string')
  expect(text).not.toMatch(/\n\s+at /)
  if (field !== undefined) expect(body.error.field, text).toBe(field)
  return body.error
}

/** The files of a fixture model set (see scripts/model-sets.ts), as file name → bytes. */
export function modelSet(name: string): Map<string, Uint8Array<ArrayBuffer>> {
  const set = inject('modelSets')[name]
  if (!set) throw new Error(`no fixture model set ${name}`)
  const files = new Map<string, Uint8Array<ArrayBuffer>>()
  for (const [file, b64] of Object.entries(set))
    files.set(
      file,
      Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)),
    )
  return files
}

export function tarOf(files: Map<string, Uint8Array>): Uint8Array<ArrayBuffer> {
  return createTar([...files].map(([name, data]) => ({ name: `./${name}`, data }))) as Uint8Array<ArrayBuffer>
}

export function upload(name: string, files: Map<string, Uint8Array>, token = TOKEN): Promise<Response> {
  return send(`/v1/models/${name}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-tar' },
    body: tarOf(files),
  })
}

/** Uploads fixture sets (under their own names unless renamed) and expects them stored. */
export async function uploadFixtures(...names: (string | [string, string])[]): Promise<void> {
  for (const n of names) {
    const [fixture, as] = typeof n === 'string' ? [n, n] : n
    const res = await upload(as, modelSet(fixture))
    expect([200, 201], await res.clone().text()).toContain(res.status)
  }
}

export async function sha256Hex(data: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data))
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** Rewrites `manifest.json` of `files` so that it lists the files as they are now (sizes, SHA-256), and `extra` fields. */
export async function reseal(
  files: Map<string, Uint8Array<ArrayBuffer>>,
  extra: Record<string, unknown> = {},
) {
  const manifest = JSON.parse(new TextDecoder().decode(files.get('manifest.json')!))
  manifest.files = {}
  for (const [name, data] of files) {
    if (name !== 'manifest.json')
      manifest.files[name] = { bytes: data.byteLength, sha256: await sha256Hex(data) }
  }
  Object.assign(manifest, extra)
  files.set('manifest.json', new TextEncoder().encode(JSON.stringify(manifest)))
  return files
}
