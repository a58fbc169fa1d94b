import { z } from 'zod'
import { BenchError } from './errors.ts'

/**
 * The version of the result file format. It changes only when a field is renamed or removed or its
 * meaning changes; readers refuse files of other versions instead of guessing.
 */
export const RESULT_SCHEMA_VERSION = 1

/**
 * The minor version: fields added without changing the meaning of existing ones. A file declares
 * the minor version whose fields it uses (`schema_minor`, absent = 0); readers of a higher minor
 * read it unchanged. 1 added generation metrics (time to first token, time per output token,
 * tokens/s), quality metric directions and ranges, and the `http_stream` target.
 */
export const RESULT_SCHEMA_MINOR = 1

const nonNegative = z.number().finite().nonnegative()
const positive = z.number().finite().positive()
const count = z.number().int().nonnegative()
const slug = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, ".", "_" or "-"')
const snakeKey = z.string().regex(/^[a-z][a-z0-9_]*$/, 'a snake_case name')
const parameterValue = z.union([z.string(), z.number().finite(), z.boolean(), z.null()])

/** The four load scenarios, after MLPerf LoadGen and Pentathlon. */
export const SCENARIOS = ['single_stream', 'fixed_batch', 'poisson', 'offline'] as const
export type ScenarioName = (typeof SCENARIOS)[number]

/** How energy was obtained, from best to worst: measured package counters, perf power events, or an estimate. */
export const ENERGY_METHODS = ['rapl', 'perf', 'estimate'] as const
export type EnergyMethod = (typeof ENERGY_METHODS)[number]

/** What the harness measured. */
export const TargetSchema = z
  .object({
    kind: z
      .enum(['function', 'stdio', 'http', 'http_stream'])
      .describe(
        'in-process function, JSONL stdio program, HTTP endpoint, or HTTP endpoint streaming server-sent events (the harness sees the first token; minor 1)',
      ),
    description: z.string().min(1).describe('the command line, URL or function name that was measured'),
  })
  .strict()

/** The data the task ran on. */
export const DatasetSchema = z
  .object({
    name: z.string().min(1),
    split: z.string().min(1).optional(),
    size: count.describe('items in the collection (documents, vectors, examples)'),
    queries: count.optional().describe('distinct query items used'),
    dims: z.number().int().positive().optional().describe('vector dimensions, when the data are vectors'),
    revision: z.string().min(1).optional().describe('hash or version of the data'),
    source: z.string().min(1).optional().describe('where the data come from'),
  })
  .strict()

/** The method under test and its exact parameters. */
export const MethodSchema = z
  .object({
    name: z.string().min(1),
    id: slug
      .optional()
      .describe(
        'the Frugal method this run is evidence of, by exact id (e.g. "adanns", as on the site\'s method pages); absent for peers and baselines',
      ),
    family: z.string().min(1).optional().describe('e.g. ivf, hnsw, bm25, cross-encoder'),
    paper: z.string().min(1).optional().describe('citation or URL of the method'),
    version: z.string().min(1).optional(),
    parameters: z.record(snakeKey, parameterValue).describe('every setting that changes the result'),
  })
  .strict()

/** The load that was applied, with every knob needed to run it again. */
export const ScenarioSchema = z
  .object({
    name: z.enum(SCENARIOS),
    batch_size: z.number().int().positive().describe('items per request (1 for single_stream and poisson)'),
    rate_per_s: positive.optional().describe('poisson: target arrival rate λ in queries per second'),
    latency_bound_ms: positive
      .optional()
      .describe('poisson search: the p99 bound the highest rate must meet'),
    min_requests: count.describe('the run continues until at least this many requests were measured'),
    min_duration_s: nonNegative.describe('... and at least this much time has passed'),
    max_requests: count.optional().describe('hard cap on measured requests'),
    time_budget_s: positive.describe('the run is cut off (and marked failed) after this much time'),
    warmup_requests: count.describe('requests sent before measuring, not counted'),
    seed: z.number().int().nonnegative().describe('seed of the input order and the arrival schedule'),
  })
  .strict()

const latencySchema = z
  .object({
    p50: nonNegative,
    p90: nonNegative,
    p99: nonNegative,
    mean: nonNegative,
    min: nonNegative,
    max: nonNegative,
    count: z.number().int().positive().describe('latency samples (requests) behind the percentiles'),
    measured_from: z
      .enum(['scheduled_arrival', 'send'])
      .describe('poisson measures from the scheduled arrival, so queueing counts; others from the send'),
    method: z.string().min(1).describe('how it was obtained, e.g. "performance.now, exact sort"'),
  })
  .strict()
  .refine((l) => l.min <= l.p50 && l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.max, {
    message: 'percentiles must satisfy min <= p50 <= p90 <= p99 <= max',
  })

const throughputSchema = z
  .object({
    items_per_s: nonNegative,
    requests_per_s: nonNegative,
    method: z.string().min(1).describe('e.g. "items / wall time of the measured phase"'),
  })
  .strict()

const poissonSchema = z
  .object({
    target_rate_per_s: positive,
    achieved_rate_per_s: nonNegative.describe(
      'measured requests / time from first arrival to last completion',
    ),
    latency_bound_ms: positive.optional(),
    shed_requests: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe(
        'requests the target refused to shed load (HTTP 503/429 with Retry-After); not in the latencies',
      ),
    shed_fraction: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe('shed_requests / requests sent in the measured phase'),
    max_rate_under_bound_per_s: nonNegative
      .optional()
      .describe('highest tried rate whose p99 stayed under the bound (search mode)'),
    search: z
      .array(
        z
          .object({
            rate_per_s: positive,
            p99_ms: nonNegative,
            achieved_rate_per_s: nonNegative,
            passed: z.boolean(),
          })
          .strict(),
      )
      .optional()
      .describe('every rate tried by the search, in order'),
  })
  .strict()

const memorySchema = z
  .object({
    peak_rss_bytes: count,
    method: z
      .enum(['proc_vmhwm', 'resource_usage', 'reported'])
      .describe(
        'VmHWM summed over the process tree, process.resourceUsage().maxRSS, or reported by the task',
      ),
    scope: z.enum(['process_tree', 'process']).describe('what the peak covers'),
  })
  .strict()

const cpuSchema = z
  .object({
    cpu_seconds_per_item: nonNegative,
    cpu_seconds_total: nonNegative,
    method: z
      .enum(['proc_stat', 'resource_usage'])
      .describe('utime+stime from /proc/<pid>/stat over the tree, or process.cpuUsage() in-process'),
  })
  .strict()

const artifactSchema = z
  .object({
    artifact_bytes: count,
    method: z.enum(['file_size', 'reported']).describe('sum of file sizes on disk, or reported by the task'),
    files: z.array(z.string().min(1)).optional(),
  })
  .strict()

const energySchema = z
  .object({
    joules_per_item: nonNegative,
    joules_total: nonNegative,
    energy_method: z.enum(ENERGY_METHODS),
    idle_watts: nonNegative
      .optional()
      .describe('rapl/perf: idle power measured before the run and subtracted'),
    tdp_watts: positive.optional().describe('estimate: package TDP used'),
    tdp_source: z.string().min(1).optional().describe('estimate: "table:<cpu model>", "flag" or "default"'),
    detail: z.string().min(1).describe('how it was obtained, in words'),
  })
  .strict()

/** Which way a quality metric is better, and its range (minor 1); `null` bounds are open. */
const qualityScaleSchema = z
  .object({
    direction: z.enum(['higher', 'lower']).describe('accuracy: higher; bits per byte, perplexity: lower'),
    min: z.number().finite().nullable().describe('smallest possible value, null when unbounded'),
    max: z.number().finite().nullable().describe('largest possible value, null when unbounded'),
  })
  .strict()

const qualitySchema = z
  .object({
    values: z
      .record(snakeKey, z.number().finite())
      .describe(
        'e.g. recall_at_10, ndcg_at_10, accuracy, exact_match (fractions in [0, 1]); bits_per_byte (lower is better, unbounded) with `scales`',
      ),
    scales: z
      .record(snakeKey, qualityScaleSchema)
      .optional()
      .describe('minor 1: direction and range per value; without it a value is a higher-is-better fraction'),
    method: z.string().min(1).describe('how the task computed them, e.g. "exact brute force ground truth"'),
  })
  .strict()
  .superRefine((q, ctx) => {
    for (const [key, scale] of Object.entries(q.scales ?? {})) {
      const value = q.values[key]
      if (value === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['scales', key],
          message: 'a scale for a value that is not there',
        })
        continue
      }
      if (scale.min !== null && scale.max !== null && scale.min > scale.max)
        ctx.addIssue({ code: 'custom', path: ['scales', key], message: 'min exceeds max' })
      if ((scale.min !== null && value < scale.min) || (scale.max !== null && value > scale.max))
        ctx.addIssue({ code: 'custom', path: ['values', key], message: 'outside the range its scale gives' })
    }
  })

const percentilesSchema = z
  .object({ p50: nonNegative, p90: nonNegative, p99: nonNegative, mean: nonNegative })
  .strict()
  .refine((l) => l.p50 <= l.p90 && l.p90 <= l.p99, { message: 'percentiles must satisfy p50 <= p90 <= p99' })

/** What a text generation run measured per request (minor 1). */
const generationSchema = z
  .object({
    ttft_ms: percentilesSchema.describe('time to first token, from the send to the first token seen'),
    tpot_ms: percentilesSchema
      .optional()
      .describe('time per output token after the first: (last - first token time) / (tokens - 1)'),
    output_tokens_per_s: nonNegative.describe(
      'output tokens of all requests / wall time of the measured phase',
    ),
    prompt_tokens_mean: nonNegative,
    output_tokens_mean: nonNegative,
    method: z.string().min(1).describe('how the first token was seen, e.g. "first SSE token event"'),
  })
  .strict()

/** Every metric group is optional on its own, but each one says how it was obtained. */
export const MetricsSchema = z
  .object({
    wall_time_s: nonNegative.describe('the measured phase, without warm-up'),
    requests: count.describe('measured requests'),
    items: count.describe('measured items (requests x batch size)'),
    latency_ms: latencySchema.optional(),
    throughput: throughputSchema.optional(),
    poisson: poissonSchema.optional(),
    memory: memorySchema.optional(),
    cpu: cpuSchema.optional(),
    artifact: artifactSchema.optional(),
    energy: energySchema.optional(),
    quality: qualitySchema.optional(),
    generation: generationSchema.optional(),
  })
  .strict()

/** The machine, runtime and command behind a result: what a reader needs to trust or reproduce it. */
export const ProvenanceSchema = z
  .object({
    machine: z
      .object({
        cpu_model: z.string().min(1),
        cores: z.number().int().positive().describe('logical cores'),
        memory_bytes: z.number().int().positive(),
        os: z.string().min(1).describe('e.g. "Linux 6.18.44 x64"'),
        arch: z.string().min(1),
        virtualised: z.boolean().describe('hypervisor flag or container detected'),
        virtualisation: z
          .string()
          .min(1)
          .optional()
          .describe('what was detected, e.g. "hypervisor cpu flag"'),
      })
      .strict(),
    runtime: z
      .object({
        node_version: z.string().regex(/^v\d+\.\d+\.\d+/),
        backend: z.string().min(1).describe('e.g. "js", "wasm", "onnxruntime-node", "workerd", "python"'),
      })
      .strict(),
    harness: z.object({ name: z.string().min(1), version: z.string().min(1) }).strict(),
    git: z
      .object({
        commit: z
          .string()
          .regex(/^[0-9a-f]{40}$/)
          .nullable(),
        dirty: z.boolean().nullable(),
      })
      .strict(),
    command: z.string().min(1).describe('the exact command line that produced this file'),
    date: z.iso.datetime({ offset: true }).describe('when the run started (ISO 8601)'),
    seeds: z.record(snakeKey, z.number().int()).describe('every seed used, by role'),
  })
  .strict()

const errorSchema = z
  .object({
    code: z.string().min(1),
    message: z.string().min(1),
  })
  .strict()

/**
 * One benchmark run, one file. `status: "complete"` means every measured request succeeded
 * and the minimums were met; a `failed` run keeps what was measured and says why.
 */
export const ResultSchema = z
  .object({
    $schema: z.string().optional(),
    schema_version: z.literal(RESULT_SCHEMA_VERSION),
    schema_minor: z
      .number()
      .int()
      .min(0)
      .max(RESULT_SCHEMA_MINOR)
      .optional()
      .describe('the minor version whose fields the file uses (absent: 0)'),
    task: slug.describe('e.g. ann, retrieval, worker'),
    dataset: DatasetSchema,
    method: MethodSchema,
    target: TargetSchema,
    scenario: ScenarioSchema,
    metrics: MetricsSchema,
    status: z.enum(['complete', 'failed']),
    error: errorSchema.optional().describe('present exactly when status is "failed"'),
    provenance: ProvenanceSchema,
    notes: z.string().optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const minor1 =
      r.metrics.generation !== undefined ||
      r.metrics.quality?.scales !== undefined ||
      r.target.kind === 'http_stream'
    if (minor1 && (r.schema_minor ?? 0) < 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['schema_minor'],
        message: 'generation metrics, quality scales and http_stream targets need schema_minor 1',
      })
    }
    if (r.status === 'failed' && !r.error) {
      ctx.addIssue({ code: 'custom', path: ['error'], message: 'a failed result must say why' })
    }
    if (r.status === 'complete') {
      if (r.error)
        ctx.addIssue({ code: 'custom', path: ['error'], message: 'a complete result has no error' })
      if (!r.metrics.throughput) {
        ctx.addIssue({
          code: 'custom',
          path: ['metrics', 'throughput'],
          message: 'a complete result has throughput',
        })
      }
      if (r.scenario.name !== 'offline' && !r.metrics.latency_ms) {
        ctx.addIssue({
          code: 'custom',
          path: ['metrics', 'latency_ms'],
          message: 'an online scenario has latency',
        })
      }
      if (r.scenario.name === 'poisson' && !r.metrics.poisson) {
        ctx.addIssue({
          code: 'custom',
          path: ['metrics', 'poisson'],
          message: 'a poisson run reports its rates',
        })
      }
    }
    if (r.scenario.name === 'poisson' && r.scenario.rate_per_s === undefined) {
      ctx.addIssue({ code: 'custom', path: ['scenario', 'rate_per_s'], message: 'a poisson run has a rate' })
    }
  })

/** A parsed, valid result file. */
export type BenchResult = z.infer<typeof ResultSchema>
export type BenchMetrics = z.infer<typeof MetricsSchema>
export type BenchScenario = z.infer<typeof ScenarioSchema>
export type BenchProvenance = z.infer<typeof ProvenanceSchema>
export type BenchDataset = z.infer<typeof DatasetSchema>
export type BenchMethod = z.infer<typeof MethodSchema>

function pathOf(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(root)' : path.map((p) => String(p)).join('.')
}

/**
 * Validates one result file and returns it typed. Refuses the whole file on the first problem.
 * @param json the file's text, or its already parsed value
 * @param fileName named in the error so that a reader of a folder of results knows which one is bad
 * @throws {BenchError} `INVALID_JSON` or `INVALID_RESULT`, with `file` and `path` set
 * @example
 * const result = parseResult(await readFile(name, 'utf8'), name)
 * console.log(result.metrics.latency_ms?.p50)
 */
export function parseResult(json: unknown, fileName: string): BenchResult {
  let value = json
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json)
    } catch (cause) {
      throw new BenchError('INVALID_JSON', `${fileName}: not valid JSON (${(cause as Error).message})`, {
        cause,
        file: fileName,
      })
    }
  }
  const parsed = ResultSchema.safeParse(value)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]!
  const path = pathOf(issue.path)
  const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problems)` : ''
  throw new BenchError('INVALID_RESULT', `${fileName}: ${path}: ${issue.message}${more}`, {
    cause: parsed.error,
    file: fileName,
    path,
  })
}

/**
 * The JSON Schema (draft 2020-12) of a result file, generated from {@link ResultSchema}. Cross-field
 * rules (percentile order, status vs error) are only checked by {@link parseResult}.
 */
export function resultJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(ResultSchema, { target: 'draft-2020-12', io: 'input' }),
    title: 'Frugal benchmark result',
  }
}
