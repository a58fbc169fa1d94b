import { SELF } from 'cloudflare:test'
import { createTar } from 'nanotar'
import { expect, inject } from 'vitest'

declare module 'vitest' {
  interface ProvidedContext {
    /** The files of the fixture index set (see global-setup.ts), base64-encoded, by file name. */
    indexSet: Record<string, string>
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

export function put(path: string, body: BodyInit, headers: Record<string, string>): Promise<Response> {
  return SELF.fetch(`${BASE}${path}`, { method: 'PUT', headers, body })
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
  expect(body.error.code).toBe(code)
  expect(typeof body.error.message).toBe('string')
  expect(text).not.toMatch(/\n\s+at /)
  if (field !== undefined) expect(body.error.field).toBe(field)
  return body.error
}

/** The fixture index set built by the global setup, as file name → bytes. */
export function fixtureFiles(): Map<string, Uint8Array<ArrayBuffer>> {
  const files = new Map<string, Uint8Array<ArrayBuffer>>()
  for (const [name, b64] of Object.entries(inject('indexSet'))) {
    files.set(
      name,
      Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)),
    )
  }
  return files
}

/** A tar archive of `files` (what `tar -C dir -cf - .` sends). */
export function tarOf(files: Map<string, Uint8Array>): Uint8Array<ArrayBuffer> {
  return createTar([...files].map(([name, data]) => ({ name: `./${name}`, data }))) as Uint8Array<ArrayBuffer>
}

export function uploadTar(name: string, files: Map<string, Uint8Array>, token = TOKEN): Promise<Response> {
  return put(`/v1/indexes/${name}`, tarOf(files), {
    authorization: `Bearer ${token}`,
    'content-type': 'application/x-tar',
  })
}

/** Hex SHA-256, to re-seal a manifest after an edit (the one implementation, @frugal/retrieval's). */
export { sha256Hex } from '@frugal/retrieval'

/** A raw request to the worker under test. */
export function send(path: string, init: RequestInit): Promise<Response> {
  return SELF.fetch(`${BASE}${path}`, init)
}
