import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import {
  BenchError,
  type BenchResult,
  formatReport,
  httpTarget,
  SCENARIOS,
  type ScenarioName,
  type ScenarioSettings,
  type Target,
} from '@frugal/bench'
import { createProgress, readResult, runBenchmark, stdioTarget, writeResult } from '@frugal/bench/node'
import { type ArgsDef, type CommandDef, defineCommand } from 'citty'

/** A bad command line: printed as one line naming the flag, exit code 2. */
class UsageError extends Error {}

const loadArgs = {
  scenario: {
    type: 'string',
    description: `Load scenario: ${SCENARIOS.join(' | ')}`,
    required: true,
    valueHint: 'name',
  },
  inputs: {
    type: 'string',
    description: 'JSONL file: one JSON input per line',
    required: true,
    valueHint: 'file.jsonl',
  },
  out: {
    type: 'string',
    description: 'Where to write the result JSON',
    required: true,
    valueHint: 'result.json',
  },
  requests: {
    type: 'string',
    description:
      'Measure exactly N requests; with --duration, at least N (offline: N items in the one query)',
    valueHint: 'N',
  },
  duration: { type: 'string', description: 'Measure for at least S seconds', valueHint: 'S' },
  rate: { type: 'string', description: 'poisson: arrival rate in requests per second', valueHint: 'L' },
  batch: { type: 'string', description: 'fixed_batch: items per request (default 32)', valueHint: 'B' },
  'latency-bound': {
    type: 'string',
    description: 'poisson: search for the highest rate whose p99 stays under this many ms',
    valueHint: 'MS',
  },
  warmup: { type: 'string', description: 'Warm-up requests before measuring (default 10)', valueHint: 'N' },
  seed: {
    type: 'string',
    description: 'Seed of the input order and arrival schedule (default 42)',
    valueHint: 'N',
  },
  budget: {
    type: 'string',
    description: 'Time budget in seconds; the run fails past it (default 600)',
    valueHint: 'S',
  },
  task: {
    type: 'string',
    description: 'Task name recorded in the result (default "adhoc")',
    valueHint: 'name',
  },
  dataset: { type: 'string', description: 'Dataset name (default: the inputs file name)', valueHint: 'name' },
  'dataset-size': {
    type: 'string',
    description: 'Items in the collection searched (default: the number of inputs)',
    valueHint: 'N',
  },
  method: { type: 'string', description: 'Method name (default: the target)', valueHint: 'name' },
  params: { type: 'string', description: 'Method parameters, k=v,k=v', valueHint: 'k=v,...' },
  artifact: {
    type: 'string',
    description: 'Model/index files whose sizes make artifact_bytes, comma-separated',
  },
  backend: {
    type: 'string',
    description: 'Runtime backend recorded in the result (e.g. wasm, onnxruntime-node)',
  },
  energy: {
    type: 'string',
    description: 'Energy: auto (rapl -> perf -> estimate) | rapl | perf | estimate | none',
    default: 'auto',
  },
  tdp: { type: 'string', description: 'Package TDP in watts for the energy estimate', valueHint: 'W' },
  quiet: { type: 'boolean', description: 'No progress bar', default: false },
} as const satisfies ArgsDef

type LoadArgs = { [K in keyof typeof loadArgs]?: string | boolean } & { _?: string[] }

function fail(message: string): never {
  throw new UsageError(message)
}

/** Refuses flags that are not declared (citty accepts them silently), naming the flag. */
function checkFlags(rawArgs: readonly string[], defs: ArgsDef): void {
  const end = rawArgs.indexOf('--')
  for (const arg of end === -1 ? rawArgs : rawArgs.slice(0, end)) {
    if (!arg.startsWith('-') || arg === '-' || /^-\d/.test(arg)) continue
    const name = arg.replace(/^--?/, '').split('=')[0]!
    if (!(name in defs) && !(name.startsWith('no-') && name.slice(3) in defs))
      fail(`${arg.split('=')[0]}: unknown flag`)
  }
}

function int(flag: string, value: string | boolean | undefined, min = 1): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (typeof value !== 'string' || value.trim() === '' || !Number.isInteger(n) || n < min) {
    fail(`--${flag}: expected an integer >= ${min}, got "${value}"`)
  }
  return n
}

function num(flag: string, value: string | boolean | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    fail(`--${flag}: expected a positive number, got "${value}"`)
  }
  return n
}

function settingsFrom(args: LoadArgs): ScenarioSettings {
  const scenario = args.scenario as string
  if (!(SCENARIOS as readonly string[]).includes(scenario)) {
    fail(`--scenario: expected one of ${SCENARIOS.join(', ')}, got "${scenario}"`)
  }
  const name = scenario as ScenarioName
  const requests = int('requests', args.requests)
  const duration = args.duration === undefined ? undefined : num('duration', args.duration)
  const rate = num('rate', args.rate)
  const batch = int('batch', args.batch)
  const bound = num('latency-bound', args['latency-bound'])
  if (name === 'poisson' && rate === undefined) fail('--rate: the poisson scenario needs an arrival rate')
  if (name !== 'poisson' && rate !== undefined) fail(`--rate: only the poisson scenario takes a rate`)
  if (name !== 'poisson' && bound !== undefined)
    fail(`--latency-bound: only the poisson scenario searches a rate`)
  if (batch !== undefined && name !== 'fixed_batch')
    fail(`--batch: only the fixed_batch scenario takes a batch size`)
  if (name === 'offline' && duration !== undefined) fail('--duration: the offline scenario runs one query')
  const settings: ScenarioSettings = { scenario: name }
  if (name === 'offline') {
    if (requests !== undefined) settings.batchSize = requests
  } else if (requests !== undefined && duration !== undefined) {
    // Both: at least N requests and at least S seconds (MLPerf's min query count and min duration).
    settings.minRequests = requests
    settings.minDurationS = duration
  } else if (requests !== undefined) {
    settings.minRequests = requests
    settings.maxRequests = requests
    settings.minDurationS = 0
  } else if (duration !== undefined) {
    settings.minRequests = 1
    settings.minDurationS = duration
  }
  if (rate !== undefined) settings.ratePerS = rate
  if (batch !== undefined) settings.batchSize = batch
  if (bound !== undefined) settings.latencyBoundMs = bound
  const warmup = int('warmup', args.warmup, 0)
  if (warmup !== undefined) settings.warmupRequests = warmup
  const seed = int('seed', args.seed, 0)
  if (seed !== undefined) settings.seed = seed
  const budget = num('budget', args.budget)
  if (budget !== undefined) settings.timeBudgetS = budget
  return settings
}

async function readInputs(file: string): Promise<unknown[]> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    fail(`--inputs: cannot read ${file} (${(error as Error).message})`)
  }
  const inputs: unknown[] = []
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue
    try {
      inputs.push(JSON.parse(line))
    } catch {
      fail(`--inputs: ${file}:${i + 1} is not JSON`)
    }
  }
  if (inputs.length === 0) fail(`--inputs: ${file} has no inputs`)
  return inputs
}

function parseParams(value: string | boolean | undefined): Record<string, string | number | boolean> {
  const params: Record<string, string | number | boolean> = {}
  if (typeof value !== 'string' || value === '') return params
  for (const pair of value.split(',')) {
    const [key, raw] = pair.split('=')
    if (!key || raw === undefined || !/^[a-z][a-z0-9_]*$/.test(key)) {
      fail(`--params: expected snake_case k=v pairs separated by commas, got "${pair}"`)
    }
    params[key] =
      raw === 'true'
        ? true
        : raw === 'false'
          ? false
          : raw !== '' && Number.isFinite(Number(raw))
            ? Number(raw)
            : raw
  }
  return params
}

const quote = (a: string) => (/^[\w./:=@%+,-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`)

/** Everything a run needs from the command line, checked before any program is started. */
async function prepare(args: LoadArgs) {
  const settings = settingsFrom(args)
  const inputsFile = args.inputs as string
  const inputs = await readInputs(inputsFile)
  const energyMode = String(args.energy ?? 'auto')
  if (!['auto', 'rapl', 'perf', 'estimate', 'none'].includes(energyMode)) {
    fail(`--energy: expected auto, rapl, perf, estimate or none, got "${energyMode}"`)
  }
  const tdp = num('tdp', args.tdp)
  const artifacts =
    typeof args.artifact === 'string' && args.artifact !== '' ? args.artifact.split(',') : undefined
  for (const path of artifacts ?? []) {
    await stat(path).catch(() => fail(`--artifact: cannot read ${path}`))
  }
  parseParams(args.params)
  int('dataset-size', args['dataset-size'])
  return { settings, inputsFile, inputs, energyMode, tdp, artifacts }
}

async function measure(
  target: Target,
  args: LoadArgs,
  { settings, inputsFile, inputs, energyMode, tdp, artifacts }: Awaited<ReturnType<typeof prepare>>,
): Promise<void> {
  const total =
    settings.scenario === 'offline' ? (settings.batchSize ?? inputs.length) : (settings.minRequests ?? 100)
  const bar = createProgress(`bench ${settings.scenario}`, total, { quiet: args.quiet === true })
  let result: BenchResult
  try {
    result = await runBenchmark({
      target,
      inputs,
      settings,
      task: typeof args.task === 'string' ? args.task : 'adhoc',
      dataset: {
        name: typeof args.dataset === 'string' ? args.dataset : (inputsFile.split('/').pop() ?? inputsFile),
        size: int('dataset-size', args['dataset-size']) ?? inputs.length,
        queries: inputs.length,
      },
      method: {
        name: typeof args.method === 'string' ? args.method : target.description,
        parameters: parseParams(args.params),
      },
      command: `frugal ${process.argv.slice(2).map(quote).join(' ')}`,
      ...(typeof args.backend === 'string' ? { backend: args.backend } : {}),
      ...(artifacts ? { artifactPaths: artifacts } : {}),
      energy:
        energyMode === 'none'
          ? false
          : {
              ...(energyMode === 'auto' ? {} : { only: energyMode as 'rapl' | 'perf' | 'estimate' }),
              ...(tdp === undefined ? {} : { tdpWatts: tdp }),
            },
      onProgress: (done, n) => bar.update(done, Math.max(n, total, done)),
    })
  } finally {
    bar.stop()
    await target.close()
  }
  await writeResult(args.out as string, result)
  const m = result.metrics
  if (result.status !== 'complete') {
    console.error(`frugal bench: run failed: ${result.error?.message}`)
    console.error(`(partial result written to ${args.out} with status "failed")`)
    process.exitCode = 1
    return
  }
  const parts = [
    `${result.scenario.name}: ${m.requests} requests, ${m.items} items in ${m.wall_time_s.toFixed(2)} s`,
  ]
  if (m.latency_ms) parts.push(`p50 ${m.latency_ms.p50.toFixed(2)} ms, p99 ${m.latency_ms.p99.toFixed(2)} ms`)
  if (m.throughput) parts.push(`${m.throughput.items_per_s.toFixed(1)} items/s`)
  if (m.poisson?.max_rate_under_bound_per_s !== undefined) {
    parts.push(
      `max rate under ${m.poisson.latency_bound_ms} ms p99: ${m.poisson.max_rate_under_bound_per_s.toFixed(1)}/s`,
    )
  }
  console.error(parts.join('; '))
  console.error(`wrote ${args.out}`)
}

/** Runs `body`, turning bad input into one line on stderr and a non-zero exit code. */
async function guarded(body: () => Promise<void>): Promise<void> {
  try {
    await body()
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`frugal bench: ${error.message}`)
      process.exitCode = 2
    } else if (error instanceof BenchError) {
      console.error(`frugal bench: ${error.message}`)
      process.exitCode = 1
    } else throw error
  }
}

const runArgs = {
  ...loadArgs,
  'skip-non-json': {
    type: 'boolean',
    description: 'Skip stdout lines that are not JSON instead of failing (Pentathlon behaviour)',
    default: false,
  },
} as const satisfies ArgsDef

const runCommand = defineCommand({
  meta: {
    name: 'run',
    description:
      'Benchmark a program over the JSONL stdio protocol: frugal bench run --scenario <s> [--requests N | --duration S] [--rate L] [--batch B] --inputs <file.jsonl> --out <result.json> -- <command ...>',
  },
  args: runArgs,
  run: ({ args, rawArgs }) =>
    guarded(async () => {
      checkFlags(rawArgs, runArgs)
      const end = rawArgs.indexOf('--')
      const command = end === -1 ? [] : rawArgs.slice(end + 1)
      if (command.length === 0) fail('--: give the command to benchmark after --, e.g. -- python predict.py')
      const prepared = await prepare(args)
      await measure(stdioTarget(command, { skipNonJson: args['skip-non-json'] }), args, prepared)
    }),
})

const httpArgs = {
  url: { type: 'string', description: 'Endpoint URL', required: true },
  ...loadArgs,
  body: {
    type: 'string',
    description: 'Request body template: {{inputs}} = JSON array of the batch, {{input}} = one input',
    default: '{{inputs}}',
  },
  'http-method': { type: 'string', description: 'HTTP method (default POST)', default: 'POST' },
  header: { type: 'string', description: 'Extra request headers, "name: value" separated by ";"' },
  'outputs-path': {
    type: 'string',
    description: 'Dotted path of the outputs in the JSON response (default: the response is the array)',
  },
  timeout: { type: 'string', description: 'Per-request timeout in ms (default 30000)', valueHint: 'MS' },
  pid: {
    type: 'string',
    description: 'Watch this server process for peak RSS and CPU time',
    valueHint: 'PID',
  },
} as const satisfies ArgsDef

const httpCommand = defineCommand({
  meta: {
    name: 'http',
    description:
      'Benchmark an HTTP endpoint: frugal bench http --url <url> --scenario <s> [--body template] ...',
  },
  args: httpArgs,
  run: ({ args, rawArgs }) =>
    guarded(async () => {
      checkFlags(rawArgs, httpArgs)
      const prepared = await prepare(args)
      const headers: Record<string, string> = {}
      for (const h of (args.header ?? '').split(';').filter((s) => s.trim() !== '')) {
        const at = h.indexOf(':')
        if (at <= 0) fail(`--header: expected "name: value", got "${h}"`)
        headers[h.slice(0, at).trim()] = h.slice(at + 1).trim()
      }
      const pid = int('pid', args.pid)
      const timeoutMs = int('timeout', args.timeout)
      let target: Target
      try {
        target = httpTarget({
          url: args.url,
          method: args['http-method'],
          headers,
          body: args.body,
          ...(args['outputs-path'] ? { outputsPath: args['outputs-path'] } : {}),
          ...(timeoutMs === undefined ? {} : { timeoutMs }),
          ...(pid === undefined ? {} : { pid }),
        })
      } catch (error) {
        fail(`--${(error as Error).message}`)
      }
      await measure(target, args, prepared)
    }),
})

async function expandResultPaths(paths: string[]): Promise<string[]> {
  const files: string[] = []
  for (const path of paths) {
    const info = await stat(path).catch(() => fail(`${path}: no such file or directory`))
    if (info.isDirectory()) {
      for (const name of (await readdir(path)).sort())
        if (name.endsWith('.json')) files.push(join(path, name))
    } else files.push(path)
  }
  return files
}

const reportArgs = {
  results: { type: 'positional', description: 'Result files or folders of them', required: true },
  json: {
    type: 'boolean',
    description: 'Print the valid results as a JSON array instead of a table',
    default: false,
  },
} as const satisfies ArgsDef

const reportCommand = defineCommand({
  meta: { name: 'report', description: 'Print a table of result files: frugal bench report <results...>' },
  args: reportArgs,
  run: ({ args, rawArgs }) =>
    guarded(async () => {
      checkFlags(rawArgs, reportArgs)
      const files = await expandResultPaths(args._.length > 0 ? args._ : [args.results])
      const good: { file: string; result: BenchResult }[] = []
      let bad = 0
      for (const file of files) {
        try {
          good.push({ file, result: await readResult(file) })
        } catch (error) {
          if (!(error instanceof BenchError)) throw error
          console.error(`refused ${error.message}`)
          bad++
        }
      }
      if (args.json) console.log(JSON.stringify(good, null, 2))
      else if (good.length > 0) console.log(formatReport(good))
      if (bad > 0) {
        console.error(`${bad} of ${files.length} file${files.length === 1 ? '' : 's'} refused`)
        process.exitCode = 1
      }
    }),
})

/** `frugal bench`: measure a program or an endpoint, and report result files. */
export const benchCommand: CommandDef = defineCommand({
  meta: { name: 'bench', description: 'Measure latency, throughput, memory, CPU and energy; report results' },
  subCommands: {
    run: runCommand as CommandDef,
    http: httpCommand as CommandDef,
    report: reportCommand as CommandDef,
  },
})
