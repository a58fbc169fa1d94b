import { RetrievalError } from '@frugal/retrieval'

/** A user error: printed without a stack trace, exit code 1. */
export class CliUsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CliUsageError'
  }
}

export function fail(message: string): never {
  throw new CliUsageError(message)
}

export function positiveInt(value: string, flag: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) fail(`${flag} must be a positive integer, got "${value}"`)
  return n
}

export function positiveNumber(value: string, flag: string): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) fail(`${flag} must be a positive number, got "${value}"`)
  return n
}

/** Integer lists such as `32,64,128`. */
export function intList(value: string, flag: string): number[] {
  return value.split(',').map((v) => positiveInt(v.trim(), flag))
}

/** Runs a command body, turning library and usage errors into a one-line message and exit code 1. */
export async function guarded(body: () => Promise<void>): Promise<void> {
  try {
    await body()
  } catch (error) {
    if (error instanceof CliUsageError || error instanceof RetrievalError || isCodedError(error)) {
      console.error(`frugal: ${(error as Error).message}`)
      process.exitCode = 1
      return
    }
    throw error
  }
}

function isCodedError(error: unknown): boolean {
  return (
    error instanceof Error &&
    typeof (error as { code?: unknown }).code === 'string' &&
    /Error$/.test(error.name)
  )
}
