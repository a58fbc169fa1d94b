import { parseTar } from 'nanotar'
import { ApiError } from './errors.ts'

/** Most files one artifact set may hold. */
export const MAX_UPLOAD_FILES = 64
/** Artifact file names: plain names, no folders. */
export const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/

/** What the upload is called in messages, e.g. `index set` or `model set`. */
export interface UploadOptions {
  what: string
}

function unsupported(contentType: string, what: string): ApiError {
  return new ApiError(
    415,
    'UNSUPPORTED_MEDIA_TYPE',
    `content-type "${contentType}" is not accepted: send the ${what}'s folder as application/x-tar or multipart/form-data`,
    { field: 'content-type' },
  )
}

function addFile(
  what: string,
  files: Map<string, Uint8Array<ArrayBuffer>>,
  rawName: string,
  data: Uint8Array<ArrayBuffer>,
): void {
  const name = rawName.replace(/^(\.\/)+/, '')
  if (!FILE_NAME.test(name)) {
    throw new ApiError(
      422,
      'ARTIFACT_REJECTED',
      `file name "${rawName.slice(0, 200)}" is not a plain file name (letters, digits, ".", "_", "-"; no folders)`,
      { field: 'files' },
    )
  }
  if (files.has(name)) {
    throw new ApiError(422, 'ARTIFACT_REJECTED', `file "${name}" appears twice in the upload`, {
      field: 'files',
    })
  }
  if (files.size >= MAX_UPLOAD_FILES) {
    throw new ApiError(422, 'ARTIFACT_REJECTED', `a ${what} holds at most ${MAX_UPLOAD_FILES} files`, {
      field: 'files',
    })
  }
  files.set(name, data)
}

/**
 * Reads an uploaded artifact set (the files of one folder), either as a tar archive
 * (`tar -C dir -cf - .`) or as multipart form data with one file part per artifact (the part's
 * filename, or else its field name, is the file name). Folders are not allowed.
 */
export async function readUpload(
  request: Request,
  options: UploadOptions,
): Promise<Map<string, Uint8Array<ArrayBuffer>>> {
  const what = options.what
  const contentType = (request.headers.get('content-type') ?? '').toLowerCase()
  const files = new Map<string, Uint8Array<ArrayBuffer>>()
  if (contentType.startsWith('application/x-tar') || contentType.startsWith('application/tar')) {
    const bytes = new Uint8Array(await request.arrayBuffer())
    let entries: { name: string; type?: string | undefined; data?: Uint8Array }[]
    try {
      entries = parseTar(bytes)
    } catch (cause) {
      throw new ApiError(422, 'ARTIFACT_REJECTED', 'the body is not a readable tar archive', {
        cause,
        field: 'body',
      })
    }
    for (const entry of entries) {
      if (entry.type === 'directory') continue
      if (entry.type !== 'file' && entry.type !== undefined) {
        throw new ApiError(
          422,
          'ARTIFACT_REJECTED',
          `tar entry "${entry.name}" is a ${entry.type}, not a file`,
          {
            field: 'files',
          },
        )
      }
      // Views into the request's own buffer: no copy.
      addFile(
        what,
        files,
        entry.name,
        (entry.data as Uint8Array<ArrayBuffer> | undefined) ?? new Uint8Array(0),
      )
    }
  } else if (contentType.startsWith('multipart/form-data')) {
    let form: FormData
    try {
      form = await request.formData()
    } catch (cause) {
      throw new ApiError(400, 'INVALID_REQUEST', 'the body is not valid multipart/form-data', {
        cause,
        field: 'body',
      })
    }
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') {
        throw new ApiError(400, 'INVALID_REQUEST', `form field "${field}" must be a file part`, { field })
      }
      const file = value as File
      addFile(
        what,
        files,
        file.name && file.name !== 'blob' ? file.name : field,
        new Uint8Array(await file.arrayBuffer()),
      )
    }
  } else {
    throw unsupported(contentType || '(none)', what)
  }
  if (files.size === 0) {
    throw new ApiError(422, 'ARTIFACT_REJECTED', 'the upload holds no files', { field: 'files' })
  }
  return files
}
