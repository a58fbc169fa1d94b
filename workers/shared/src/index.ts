export {
  ArtifactSets,
  MemoryCache,
  r2,
  type SetHead,
  type SetKind,
  sha256Hex,
  unavailable,
} from './artifact-store.ts'
export { requireUploadToken } from './auth.ts'
export { ApiError, type ApiErrorCode, type ErrorBody, invalid } from './errors.ts'
export {
  ErrorResponse,
  errorResponse,
  errorResponses,
  issueField,
  mountMeta,
  mountPrefix,
  routeNotFound,
  UPLOAD_BODY,
  validationHook,
} from './http.ts'
export { byteLimit, limitBody, limitBodyBy, RETRY_AFTER_SECONDS, shedLoad, tooLarge } from './limits.ts'
export { FILE_NAME, MAX_UPLOAD_FILES, readUpload, type UploadOptions } from './upload.ts'
