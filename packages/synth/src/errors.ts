/** Every way @frugal/synth refuses input; stable strings that callers may switch on. */
export type SynthErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INVALID_POLICY'
  | 'INVALID_SAMPLE'
  | 'INVALID_PNG'
  | 'UNSATISFIABLE'
  | 'IO_ERROR'

/** The one error class of @frugal/synth: a `code`, the dotted `path` of the refused field when known, and `cause`. */
export class SynthError extends Error {
  readonly code: SynthErrorCode
  /** The refused field, e.g. `ops[0].to` or `n`. */
  readonly path: string | undefined
  constructor(code: SynthErrorCode, message: string, options?: ErrorOptions & { path?: string }) {
    super(message, options)
    this.name = 'SynthError'
    this.code = code
    this.path = options?.path
  }
}

/** Throws INVALID_ARGUMENT naming `name` unless `value` is an integer in [min, max]. */
export function checkInt(value: number, name: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new SynthError('INVALID_ARGUMENT', `${name} must be an integer in [${min}, ${max}], got ${value}`, {
      path: name,
    })
  return value
}

/** Throws INVALID_ARGUMENT naming `name` unless `value` is a finite number in [min, max]. */
export function checkNumber(value: number, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
    throw new SynthError('INVALID_ARGUMENT', `${name} must be a number in [${min}, ${max}], got ${value}`, {
      path: name,
    })
  return value
}
