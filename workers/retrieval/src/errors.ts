// The one error format of the edge APIs lives in @frugal/worker-shared.
export { ApiError, type ApiErrorCode, type ErrorBody, invalid } from '@frugal/worker-shared/errors'
