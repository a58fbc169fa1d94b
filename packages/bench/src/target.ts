import { BenchError } from './errors.ts'

/** Called by an offline run at the edges of the measured window (e.g. when a program says it is loaded). */
export interface OfflineHooks {
  onStart(): void
  onEnd(): void
}

/** What an offline run returns: the outputs and the measured window in `performance.now()` milliseconds. */
export interface OfflineRun {
  outputs: unknown[]
  startMs: number
  endMs: number
}

/**
 * Something the harness can measure. `request` may be called again before an earlier call has
 * resolved (the Poisson scenario is open-loop); a target that serves one request at a time queues
 * them, and that queueing is part of the latency.
 */
export interface Target {
  readonly kind: 'function' | 'stdio' | 'http' | 'http_stream'
  /** The command line, URL or function name, recorded in the result. */
  readonly description: string
  /** Sends one batch of inputs; resolves with exactly one output per input. */
  request(batch: readonly unknown[]): Promise<unknown[]>
  /** All inputs at once (offline scenario). Without it, offline sends one request with every input. */
  offline?(inputs: readonly unknown[], hooks: OfflineHooks): Promise<OfflineRun>
  /** The process to watch for memory and CPU time, when the target is a separate process. */
  readonly pid?: number | undefined
  /** Releases the target (ends a child process, closes connections). Safe to call twice. */
  close(): Promise<void>
}

/** Checks that a target answered one output per input, or throws `TARGET_PROTOCOL`. */
export function checkOutputs(outputs: unknown, expected: number, where: string): unknown[] {
  if (!Array.isArray(outputs)) {
    throw new BenchError(
      'TARGET_PROTOCOL',
      `${where}: expected a JSON array of ${expected} outputs, got ${typeName(outputs)}`,
    )
  }
  if (outputs.length !== expected) {
    throw new BenchError(
      'TARGET_PROTOCOL',
      `${where}: expected ${expected} output${expected === 1 ? '' : 's'} (one per input), got ${outputs.length}`,
    )
  }
  return outputs
}

function typeName(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}

/** Options of {@link functionTarget}. */
export interface FunctionTargetOptions {
  /** Recorded as the target description. Defaults to the function's name. */
  name?: string
  /** An offline implementation; without it offline calls `fn` once with every input. */
  offline?: (inputs: readonly unknown[]) => Promise<readonly unknown[]>
}

/**
 * Measures an in-process async function `(batch) => outputs`.
 * @example
 * const target = functionTarget(async (batch) => batch.map((q) => index.search(q, 10)), { name: 'ivf' })
 */
export function functionTarget(
  fn: (batch: readonly unknown[]) => Promise<readonly unknown[]> | readonly unknown[],
  options: FunctionTargetOptions = {},
): Target {
  const name = options.name ?? (fn.name || 'anonymous function')
  const target: Target = {
    kind: 'function',
    description: name,
    async request(batch) {
      let outputs: unknown
      try {
        outputs = await fn(batch)
      } catch (cause) {
        throw new BenchError('TARGET_ERROR', `${name} threw: ${(cause as Error)?.message ?? String(cause)}`, {
          cause,
        })
      }
      return checkOutputs(outputs, batch.length, name)
    },
    async close() {},
  }
  const offline = options.offline
  if (offline) {
    target.offline = async (inputs, hooks) => {
      hooks.onStart()
      const startMs = performance.now()
      const outputs = await offline(inputs)
      const endMs = performance.now()
      hooks.onEnd()
      return { outputs: checkOutputs(outputs, inputs.length, name), startMs, endMs }
    }
  }
  return target
}
