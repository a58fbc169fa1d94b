import { BenchError } from './errors.ts'
import { createRandom, poissonArrivals, shuffle } from './random.ts'
import type { BenchScenario, ScenarioName } from './schema.ts'
import { type LatencySummary, summarizeLatency } from './stats.ts'
import { checkOutputs, type Target } from './target.ts'

/** How to load the target. Every field has a default; see {@link resolveScenario}. */
export interface ScenarioSettings {
  scenario: ScenarioName
  /** fixed_batch: items per request (default 32). offline: items in the one query (default: all inputs). */
  batchSize?: number
  /** poisson: arrival rate λ in requests per second (required). */
  ratePerS?: number
  /** poisson: search for the highest rate whose p99 latency stays at or under this bound. */
  latencyBoundMs?: number
  /** poisson search: the most runs to try (default 8). */
  searchSteps?: number
  /** Measure at least this many requests (default 100). */
  minRequests?: number
  /** ... and for at least this many seconds (default 1). */
  minDurationS?: number
  /** Never send more than this many measured requests. */
  maxRequests?: number
  /** Give up (status failed) after this many seconds, warm-up included (default 600). */
  timeBudgetS?: number
  /** Requests sent before measuring (default 10; offline 0, its load phase is excluded by the protocol). */
  warmupRequests?: number
  /** Seed of the input order and the arrival schedule (default 42). */
  seed?: number
}

/** Called at the edges of the measured phase; `end` returns what was measured over it (CPU, energy...). */
export interface WindowProbe<W> {
  begin(): void
  end(): W
}

/** What one measured run produced. */
export interface RunOutcome<W = undefined> {
  scenario: BenchScenario
  requests: number
  items: number
  wallTimeS: number
  latencyMs?: LatencySummary
  /** Raw per-request latencies in milliseconds, in completion order of the schedule. */
  latencySamplesMs: Float64Array
  measuredFrom: 'scheduled_arrival' | 'send'
  throughput: { itemsPerS: number; requestsPerS: number }
  poisson?: {
    targetRatePerS: number
    achievedRatePerS: number
    latencyBoundMs?: number
    maxRateUnderBoundPerS?: number
    search?: { rate_per_s: number; p99_ms: number; achieved_rate_per_s: number; passed: boolean }[]
    /** Requests the target refused to shed load (`TARGET_SHED`); they are not in the latencies. */
    shedRequests: number
  }
  window?: W
  /** Set when the run failed; the numbers above cover what completed before the failure. */
  error?: BenchError
}

/** Options of {@link runScenario} besides the settings. */
export interface RunHooks<W> {
  probe?: WindowProbe<W>
  /** Progress of the measured phase (requests, or items for offline). */
  onProgress?: (done: number, total: number) => void
  /** Every batch of inputs with its outputs, for quality metrics computed by the task. */
  onOutputs?: (inputs: readonly unknown[], outputs: readonly unknown[]) => void
}

/** Fills the defaults of `settings` and checks them, returning the scenario as recorded in a result. */
export function resolveScenario(settings: ScenarioSettings, inputCount: number): BenchScenario {
  const { scenario } = settings
  const offline = scenario === 'offline'
  const positiveInt = (name: string, v: number | undefined, fallback: number, min = 1) => {
    const value = v ?? fallback
    if (!Number.isInteger(value) || value < min) {
      throw new BenchError('INVALID_ARGUMENT', `${name}: expected an integer >= ${min}, got ${v}`)
    }
    return value
  }
  const positiveNumber = (name: string, v: number | undefined) => {
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) {
      throw new BenchError('INVALID_ARGUMENT', `${name}: expected a positive number, got ${v}`)
    }
    return v
  }
  if (inputCount === 0) throw new BenchError('INVALID_ARGUMENT', 'inputs: no inputs to send')
  const batchSize =
    scenario === 'fixed_batch'
      ? positiveInt('batchSize', settings.batchSize, 32)
      : offline
        ? positiveInt('batchSize', settings.batchSize, inputCount)
        : 1
  if ((scenario === 'single_stream' || scenario === 'poisson') && settings.batchSize !== undefined) {
    if (settings.batchSize !== 1) {
      throw new BenchError(
        'INVALID_ARGUMENT',
        `batchSize: the ${scenario} scenario sends one item per request`,
      )
    }
  }
  const ratePerS = positiveNumber('ratePerS', settings.ratePerS)
  if (scenario === 'poisson' && ratePerS === undefined) {
    throw new BenchError('INVALID_ARGUMENT', 'ratePerS: the poisson scenario needs an arrival rate')
  }
  if (scenario !== 'poisson' && (ratePerS !== undefined || settings.latencyBoundMs !== undefined)) {
    throw new BenchError('INVALID_ARGUMENT', `ratePerS: only the poisson scenario has an arrival rate`)
  }
  const latencyBoundMs = positiveNumber('latencyBoundMs', settings.latencyBoundMs)
  const minDuration = settings.minDurationS ?? (offline ? 0 : 1)
  if (!(Number.isFinite(minDuration) && minDuration >= 0)) {
    throw new BenchError(
      'INVALID_ARGUMENT',
      `minDurationS: expected a number >= 0, got ${settings.minDurationS}`,
    )
  }
  const maxRequests =
    settings.maxRequests === undefined ? undefined : positiveInt('maxRequests', settings.maxRequests, 1)
  const minRequests = offline
    ? 1
    : positiveInt('minRequests', settings.minRequests, Math.min(100, maxRequests ?? 100))
  if (maxRequests !== undefined && maxRequests < minRequests) {
    throw new BenchError(
      'INVALID_ARGUMENT',
      `maxRequests: ${maxRequests} is below minRequests ${minRequests}`,
    )
  }
  const timeBudget = positiveNumber('timeBudgetS', settings.timeBudgetS ?? 600)!
  const warmup = positiveInt('warmupRequests', settings.warmupRequests, offline ? 0 : 10, 0)
  const seed = positiveInt('seed', settings.seed, 42, 0)
  return {
    name: scenario,
    batch_size: batchSize,
    ...(ratePerS === undefined ? {} : { rate_per_s: ratePerS }),
    ...(latencyBoundMs === undefined ? {} : { latency_bound_ms: latencyBoundMs }),
    min_requests: minRequests,
    min_duration_s: offline ? 0 : minDuration,
    ...(maxRequests === undefined || offline ? {} : { max_requests: maxRequests }),
    time_budget_s: timeBudget,
    warmup_requests: offline ? 0 : warmup,
    seed,
  }
}

/** Hands out inputs in a seeded shuffled order, reshuffling at every pass over the set. */
function inputStream(inputs: readonly unknown[], seed: number) {
  const random = createRandom(seed)
  let order: number[] = []
  let at = 0
  return (count: number): unknown[] => {
    const batch: unknown[] = []
    while (batch.length < count) {
      if (at === order.length) {
        order = shuffle(
          Array.from(inputs, (_, i) => i),
          random,
        )
        at = 0
      }
      batch.push(inputs[order[at++]!])
    }
    return batch
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Races `promise` against the run's deadline. */
function beforeDeadline<T>(promise: Promise<T>, deadlineMs: number, budgetS: number): Promise<T> {
  const left = deadlineMs - performance.now()
  let timer: ReturnType<typeof setTimeout> | undefined
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new BenchError(
            'TIME_BUDGET_EXCEEDED',
            `the run did not finish within its time budget of ${budgetS} s`,
          ),
        ),
      Math.max(0, left),
    )
  })
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer))
}

function asBenchError(error: unknown): BenchError {
  return error instanceof BenchError
    ? error
    : new BenchError('TARGET_ERROR', (error as Error)?.message ?? String(error), { cause: error })
}

/**
 * Runs one scenario against a target: warm-up, then the measured phase until both the minimum
 * request count and the minimum duration are met (or the time budget runs out, which fails the run).
 * With `latencyBoundMs`, the poisson scenario searches for the highest rate whose p99 meets the bound.
 * The target is not closed.
 */
export async function runScenario<W = undefined>(
  target: Target,
  inputs: readonly unknown[],
  settings: ScenarioSettings,
  hooks: RunHooks<W> = {},
): Promise<RunOutcome<W>> {
  const scenario = resolveScenario(settings, inputs.length)
  const deadline = performance.now() + scenario.time_budget_s * 1000
  const next = inputStream(inputs, scenario.seed)
  try {
    for (let i = 0; i < scenario.warmup_requests; i++) {
      const batch = next(scenario.batch_size)
      checkOutputs(
        await beforeDeadline(target.request(batch), deadline, scenario.time_budget_s),
        batch.length,
        'warm-up',
      )
    }
  } catch (error) {
    return emptyOutcome(scenario, asBenchError(error))
  }
  if (scenario.name === 'offline')
    return runOffline(target, next(scenario.batch_size), scenario, deadline, hooks)
  if (scenario.name !== 'poisson') return runClosedLoop(target, next, scenario, deadline, hooks)
  if (scenario.latency_bound_ms === undefined) return runPoisson(target, next, scenario, deadline, hooks)
  return searchRate(target, next, scenario, deadline, hooks, settings.searchSteps ?? 8)
}

function emptyOutcome<W>(scenario: BenchScenario, error: BenchError): RunOutcome<W> {
  return {
    scenario,
    requests: 0,
    items: 0,
    wallTimeS: 0,
    latencySamplesMs: new Float64Array(0),
    measuredFrom: scenario.name === 'poisson' ? 'scheduled_arrival' : 'send',
    throughput: { itemsPerS: 0, requestsPerS: 0 },
    error,
  }
}

function finish<W>(
  scenario: BenchScenario,
  samples: Float64Array,
  items: number,
  startMs: number,
  endMs: number,
  measuredFrom: 'scheduled_arrival' | 'send',
  window: W | undefined,
  error: BenchError | undefined,
): RunOutcome<W> {
  const wallTimeS = Math.max(0, endMs - startMs) / 1000
  const outcome: RunOutcome<W> = {
    scenario,
    requests: samples.length,
    items,
    wallTimeS,
    latencySamplesMs: samples,
    measuredFrom,
    throughput: {
      itemsPerS: wallTimeS > 0 ? items / wallTimeS : 0,
      requestsPerS: wallTimeS > 0 ? samples.length / wallTimeS : 0,
    },
  }
  if (samples.length > 0) outcome.latencyMs = summarizeLatency(samples)
  if (window !== undefined) outcome.window = window
  if (error) outcome.error = error
  return outcome
}

async function runClosedLoop<W>(
  target: Target,
  next: (n: number) => unknown[],
  scenario: BenchScenario,
  deadline: number,
  hooks: RunHooks<W>,
): Promise<RunOutcome<W>> {
  const samples: number[] = []
  const goal = scenario.min_requests
  const cap = scenario.max_requests ?? Number.POSITIVE_INFINITY
  let error: BenchError | undefined
  hooks.probe?.begin()
  const startMs = performance.now()
  let now = startMs
  while (samples.length < cap && (samples.length < goal || now - startMs < scenario.min_duration_s * 1000)) {
    const batch = next(scenario.batch_size)
    const sent = performance.now()
    try {
      const outputs = await beforeDeadline(target.request(batch), deadline, scenario.time_budget_s)
      now = performance.now()
      samples.push(now - sent)
      hooks.onOutputs?.(batch, outputs)
    } catch (e) {
      now = performance.now()
      error = asBenchError(e)
      break
    }
    hooks.onProgress?.(samples.length, Math.max(goal, samples.length))
  }
  const window = hooks.probe?.end()
  return finish(
    scenario,
    Float64Array.from(samples),
    samples.length * scenario.batch_size,
    startMs,
    now,
    'send',
    window,
    error,
  )
}

async function runPoisson<W>(
  target: Target,
  next: (n: number) => unknown[],
  scenario: BenchScenario,
  deadline: number,
  hooks: RunHooks<W>,
): Promise<RunOutcome<W>> {
  const rate = scenario.rate_per_s!
  const count = Math.min(
    scenario.max_requests ?? Number.POSITIVE_INFINITY,
    Math.max(scenario.min_requests, Math.ceil(rate * scenario.min_duration_s)),
  )
  const arrivals = poissonArrivals(rate, count, scenario.seed)
  const latencies = new Float64Array(count).fill(Number.NaN)
  const pending: Promise<void>[] = []
  let error: BenchError | undefined
  let completed = 0
  let shed = 0
  let lastCompletion = 0
  hooks.probe?.begin()
  const startMs = performance.now()
  for (let i = 0; i < count && !error; i++) {
    const due = startMs + arrivals[i]!
    const wait = due - performance.now()
    if (wait > 0.25) await sleep(wait)
    if (performance.now() > deadline) {
      error = new BenchError(
        'TIME_BUDGET_EXCEEDED',
        `the run did not finish within its time budget of ${scenario.time_budget_s} s`,
      )
      break
    }
    const batch = next(1)
    const sent = performance.now()
    pending.push(
      target.request(batch).then(
        (outputs) => {
          const end = performance.now()
          // Measured from the scheduled arrival, so time spent queued behind earlier requests counts
          // (a timer that fired a little early counts from the actual send, so never below zero).
          latencies[i] = end - Math.min(due, sent)
          lastCompletion = Math.max(lastCompletion, end)
          completed++
          hooks.onOutputs?.(batch, outputs)
          hooks.onProgress?.(completed + shed, count)
        },
        (e) => {
          // A request shed by the target (503/429 with Retry-After) is counted and the schedule
          // goes on, so an overloaded run still reports the latency of what it accepted.
          if (e instanceof BenchError && e.code === 'TARGET_SHED') {
            shed++
            hooks.onProgress?.(completed + shed, count)
          } else error ??= asBenchError(e)
        },
      ),
    )
  }
  try {
    await beforeDeadline(Promise.all(pending), deadline, scenario.time_budget_s)
  } catch (e) {
    error ??= asBenchError(e)
  }
  const window = hooks.probe?.end()
  const samples = latencies.filter((v) => !Number.isNaN(v))
  const endMs = lastCompletion || performance.now()
  const outcome = finish(
    scenario,
    samples,
    samples.length,
    startMs,
    endMs,
    'scheduled_arrival',
    window,
    error,
  )
  outcome.poisson = {
    targetRatePerS: rate,
    // From the first scheduled arrival to the last completion: under overload this falls below λ.
    achievedRatePerS: samples.length > 0 ? samples.length / ((endMs - (startMs + arrivals[0]!)) / 1000) : 0,
    shedRequests: shed,
  }
  return outcome
}

async function searchRate<W>(
  target: Target,
  next: (n: number) => unknown[],
  scenario: BenchScenario,
  deadline: number,
  hooks: RunHooks<W>,
  maxSteps: number,
): Promise<RunOutcome<W>> {
  const bound = scenario.latency_bound_ms!
  const steps: NonNullable<NonNullable<RunOutcome['poisson']>['search']> = []
  let best: RunOutcome<W> | undefined
  let lowestFailing: RunOutcome<W> | undefined
  let rate = scenario.rate_per_s!
  for (let step = 0; step < maxSteps; step++) {
    const run = await runPoisson(target, next, { ...scenario, rate_per_s: rate }, deadline, hooks)
    if (run.error?.code === 'TIME_BUDGET_EXCEEDED' && steps.length > 0) break
    if (run.error && run.error.code !== 'TIME_BUDGET_EXCEEDED') return run
    const p99 = run.latencyMs?.p99 ?? Number.POSITIVE_INFINITY
    // A rate at which the target sheds load does not pass, whatever the accepted requests' p99.
    const passed = !run.error && p99 <= bound && (run.poisson?.shedRequests ?? 0) === 0
    steps.push({
      rate_per_s: rate,
      p99_ms: Number.isFinite(p99) ? p99 : 0,
      achieved_rate_per_s: run.poisson?.achievedRatePerS ?? 0,
      passed,
    })
    if (passed) best = run
    else if (!lowestFailing || rate < lowestFailing.scenario.rate_per_s!) lowestFailing = run
    const lo = best?.scenario.rate_per_s
    const hi = lowestFailing?.scenario.rate_per_s
    if (lo !== undefined && hi !== undefined && (hi - lo) / lo < 0.05) break
    // Three halvings without a pass: the bound is below the service time, not a matter of load.
    if (lo === undefined && rate <= scenario.rate_per_s! / 8) break
    rate = lo !== undefined && hi !== undefined ? (lo + hi) / 2 : passed ? rate * 2 : rate / 2
  }
  const chosen = best ?? lowestFailing
  if (!chosen) {
    return emptyOutcome(
      scenario,
      new BenchError('TIME_BUDGET_EXCEEDED', `no rate could be measured within ${scenario.time_budget_s} s`),
    )
  }
  chosen.poisson = {
    ...chosen.poisson!,
    latencyBoundMs: bound,
    search: steps,
    ...(best ? { maxRateUnderBoundPerS: best.scenario.rate_per_s! } : {}),
  }
  if (!best) {
    chosen.error = new BenchError(
      'TARGET_ERROR',
      `no tried rate kept p99 under ${bound} ms (lowest tried: ${Math.min(...steps.map((s) => s.rate_per_s))}/s)`,
    )
  }
  return chosen
}

async function runOffline<W>(
  target: Target,
  items: unknown[],
  scenario: BenchScenario,
  deadline: number,
  hooks: RunHooks<W>,
): Promise<RunOutcome<W>> {
  let window: W | undefined
  let started = false
  const probeHooks = {
    onStart: () => {
      started = true
      hooks.probe?.begin()
    },
    onEnd: () => {
      window = hooks.probe?.end()
    },
  }
  try {
    let run: { outputs: unknown[]; startMs: number; endMs: number }
    if (target.offline) {
      run = await beforeDeadline(target.offline(items, probeHooks), deadline, scenario.time_budget_s)
    } else {
      probeHooks.onStart()
      const startMs = performance.now()
      const outputs = await beforeDeadline(target.request(items), deadline, scenario.time_budget_s)
      const endMs = performance.now()
      probeHooks.onEnd()
      run = { outputs, startMs, endMs }
    }
    checkOutputs(run.outputs, items.length, `${target.description} (offline)`)
    hooks.onOutputs?.(items, run.outputs)
    hooks.onProgress?.(items.length, items.length)
    const outcome = finish(
      scenario,
      new Float64Array(0),
      items.length,
      run.startMs,
      run.endMs,
      'send',
      window,
      undefined,
    )
    outcome.requests = 1
    outcome.throughput.requestsPerS = outcome.wallTimeS > 0 ? 1 / outcome.wallTimeS : 0
    return outcome
  } catch (error) {
    if (started && window === undefined) window = hooks.probe?.end()
    const outcome = emptyOutcome<W>(scenario, asBenchError(error))
    if (window !== undefined) outcome.window = window
    return outcome
  }
}
