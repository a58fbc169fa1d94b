import { type ChildProcessByStdio, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { Readable, Writable } from 'node:stream'
import { BenchError } from './errors.ts'
import { checkOutputs, type OfflineHooks, type OfflineRun, type Target } from './target.ts'

/**
 * The offline sentinel lines. The Pentathlon forms are accepted byte for byte, including the
 * "Offiline" misspelling of its protocol, so that its submissions run unchanged.
 */
export const OFFLINE_SENTINELS = {
  ready: ['ready', 'Model and data loaded. Start the timer.'],
  done: ['done', 'Offiline prediction done. Stop the timer.', 'Offline prediction done. Stop the timer.'],
  written: ['written', 'Offiline outputs written. Exit.', 'Offline outputs written. Exit.'],
} as const

/** Options of {@link stdioTarget}. */
export interface StdioTargetOptions {
  /** Working directory of the program. */
  cwd?: string
  /** Extra environment variables. */
  env?: Record<string, string>
  /**
   * Skip stdout lines that are not JSON instead of failing (Pentathlon's behaviour). Off by default:
   * a stray print on stdout is a protocol error, because it may be mistaken for an answer.
   */
  skipNonJson?: boolean
}

interface Pending {
  expected: number
  resolve: (outputs: unknown[]) => void
  reject: (error: BenchError) => void
}

const STDERR_TAIL = 20

/**
 * Measures an external program over the JSONL stdio protocol: one JSON array of inputs per line on
 * its stdin, one JSON array of as many outputs per line on its stdout, in order. Requests may be
 * pipelined; the program answers them one after another. See the package README for the offline
 * handshake.
 * @example
 * const target = stdioTarget(['python', 'predict.py'])
 * const outcome = await runScenario(target, inputs, { scenario: 'single_stream' })
 * await target.close()
 */
export function stdioTarget(command: readonly string[], options: StdioTargetOptions = {}): Target {
  if (command.length === 0 || !command[0]) {
    throw new BenchError('INVALID_ARGUMENT', 'command: give the program to run after --')
  }
  const description = command.map((a) => (/^[\w./:=@%+-]+$/.test(a) ? a : JSON.stringify(a))).join(' ')
  const child: ChildProcessByStdio<Writable, Readable, Readable> = spawn(command[0], command.slice(1), {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    // Its own process group, so that close() also ends whatever the program started.
    detached: true,
  })
  // The program runs in its own process group: end it if this process exits first.
  const killOnExit = () => {
    if (!exited) killGroup('SIGKILL')
  }
  process.once('exit', killOnExit)
  const pending: Pending[] = []
  const stderrTail: string[] = []
  let failure: BenchError | undefined
  let exited = false
  let lineListener: ((line: string) => void) | undefined
  let exitListener: ((error: BenchError | undefined) => void) | undefined

  let markExited = () => {}
  const exitPromise = new Promise<void>((resolve) => {
    markExited = resolve
    child.on('exit', (code, signal) => {
      exited = true
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`
      const tail = stderrTail.length > 0 ? `; last stderr lines:\n${stderrTail.join('\n')}` : ''
      const crash =
        code === 0 && !signal ? undefined : new BenchError('TARGET_CRASHED', `${description} ${how}${tail}`)
      fail(
        crash ??
          new BenchError('TARGET_CRASHED', `${description} ${how} before answering every request${tail}`),
      )
      exitListener?.(crash)
      resolve()
    })
  })
  child.on('error', (cause) => {
    const error = new BenchError('TARGET_CRASHED', `${description}: cannot start: ${cause.message}`, {
      cause,
    })
    fail(error)
    if (child.pid === undefined) {
      // It never ran, so there will be no exit event.
      exited = true
      exitListener?.(error)
      markExited()
    }
  })
  // A program that exits while we write gets EPIPE; the exit handler reports it.
  child.stdin.on('error', () => {})
  createInterface({ input: child.stderr }).on('line', (line) => {
    stderrTail.push(line)
    if (stderrTail.length > STDERR_TAIL) stderrTail.shift()
  })
  createInterface({ input: child.stdout }).on('line', (raw) => {
    if (lineListener) return lineListener(raw)
    const line = raw.trim()
    if (line === '' || failure) return
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch {
      if (options.skipNonJson) return
      return fail(
        new BenchError('TARGET_PROTOCOL', `${description} printed a line that is not JSON: ${clip(line)}`),
      )
    }
    const head = pending.shift()
    if (!head)
      return fail(
        new BenchError('TARGET_PROTOCOL', `${description} printed an answer nobody asked for: ${clip(line)}`),
      )
    try {
      head.resolve(checkOutputs(value, head.expected, description))
    } catch (error) {
      head.reject(error as BenchError)
      fail(error as BenchError)
    }
  })

  function fail(error: BenchError) {
    failure ??= error
    for (const p of pending.splice(0)) p.reject(failure)
  }

  function send(line: string) {
    child.stdin.write(`${line}\n`)
  }

  const target: Target = {
    kind: 'stdio',
    description,
    pid: child.pid,
    request(batch) {
      if (failure) return Promise.reject(failure)
      return new Promise<unknown[]>((resolve, reject) => {
        pending.push({ expected: batch.length, resolve, reject })
        send(JSON.stringify(batch))
      })
    },
    offline: (inputs, hooks) => runOffline(inputs, hooks),
    async close() {
      if (!exited) {
        child.stdin.end()
        const ended = await Promise.race([exitPromise.then(() => true), delay(2000).then(() => false)])
        if (!ended) {
          killGroup('SIGTERM')
          const stopped = await Promise.race([exitPromise.then(() => true), delay(2000).then(() => false)])
          if (!stopped) killGroup('SIGKILL')
        }
      }
      await exitPromise
      process.off('exit', killOnExit)
      child.stdout.destroy()
      child.stderr.destroy()
    },
  }

  function killGroup(signal: NodeJS.Signals) {
    try {
      process.kill(-child.pid!, signal)
    } catch {
      child.kill(signal)
    }
  }

  async function runOffline(inputs: readonly unknown[], hooks: OfflineHooks): Promise<OfflineRun> {
    if (failure) throw failure
    const dir = await mkdtemp(join(tmpdir(), 'frugal-bench-offline-'))
    const dataPath = join(dir, 'offline.jsonl')
    const outputPath = join(dir, 'offline_output.jsonl')
    try {
      await writeFile(dataPath, `${inputs.map((input) => JSON.stringify({ input })).join('\n')}\n`)
      let startMs = 0
      let endMs = 0
      await new Promise<void>((resolve, reject) => {
        let stage: 'ready' | 'done' | 'written' = 'ready'
        const finish = (error?: BenchError) => {
          lineListener = undefined
          exitListener = undefined
          if (error) reject(error)
          else resolve()
        }
        lineListener = (raw) => {
          const line = raw.trim()
          // Other lines are ignored, as in Pentathlon: a loading program may log.
          if (!(OFFLINE_SENTINELS[stage] as readonly string[]).includes(line)) return
          if (stage === 'ready') {
            hooks.onStart()
            startMs = performance.now()
            stage = 'done'
          } else if (stage === 'done') {
            endMs = performance.now()
            hooks.onEnd()
            stage = 'written'
          } else finish()
        }
        exitListener = (crash) => {
          if (crash) return finish(crash)
          // A clean exit after "done" also means the outputs are written.
          if (stage === 'written') return finish()
          finish(
            new BenchError(
              'TARGET_PROTOCOL',
              `${description} exited before printing its "${OFFLINE_SENTINELS[stage][0]}" line (or "${OFFLINE_SENTINELS[stage][1]}")`,
            ),
          )
        }
        if (exited) return exitListener(failure)
        send(
          JSON.stringify({
            offline_data_path: dataPath,
            offline_output_path: outputPath,
            limit: inputs.length,
          }),
        )
      })
      const outputs = await readOfflineOutputs(outputPath, description)
      return {
        outputs: checkOutputs(outputs, inputs.length, `${description} (${outputPath})`),
        startMs,
        endMs,
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }

  return target
}

async function readOfflineOutputs(path: string, description: string): Promise<unknown[]> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (cause) {
    throw new BenchError('TARGET_PROTOCOL', `${description} did not write its outputs to ${path}`, { cause })
  }
  const outputs: unknown[] = []
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue
    let row: unknown
    try {
      row = JSON.parse(line)
    } catch (cause) {
      throw new BenchError('TARGET_PROTOCOL', `${path}:${i + 1}: not JSON: ${clip(line)}`, { cause })
    }
    if (row === null || typeof row !== 'object' || !('output' in row)) {
      throw new BenchError('TARGET_PROTOCOL', `${path}:${i + 1}: expected a row {"output": ...}`)
    }
    outputs.push((row as { output: unknown }).output)
  }
  return outputs
}

function clip(line: string): string {
  return line.length > 120 ? `${line.slice(0, 120)}...` : line
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref())
