import { MAX_UPLOAD_FILES, readUpload as read } from '@frugal/worker-shared'

export { MAX_UPLOAD_FILES }

/**
 * Reads an uploaded index set: the files of one `frugal index build --out` folder, either as a
 * tar archive (`tar -C dir -cf - .`) or as multipart form data with one file part per artifact
 * (the part's filename, or else its field name, is the file name). Folders are not allowed.
 */
export function readUpload(request: Request): Promise<Map<string, Uint8Array<ArrayBuffer>>> {
  return read(request, { what: 'index set' })
}
