import { createReadStream } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { createProgress } from '@frugal/bench/node'
import { lines, parseBeirQueries } from '@frugal/datasets'
import {
  type FusionOptions,
  loadIndexSet,
  parseManifest,
  type SearchMode,
  type SearchRequest,
} from '@frugal/retrieval'
import { readIndexSet } from '@frugal/retrieval/node'
import { defineCommand } from 'citty'
import { queryEmbedding } from './embedder-node.ts'
import { FUSION_ARGS, parseFusionFlags } from './fusion-flags.ts'
import { fail, guarded, positiveInt, positiveNumber } from './shared.ts'

const MODES: readonly SearchMode[] = ['dense', 'lexical', 'hybrid']

/** The search settings shared by `frugal search` and `frugal eval`. */
export function parseMode(value: string): SearchMode {
  if (!MODES.includes(value as SearchMode)) fail(`--mode must be one of ${MODES.join(', ')}, got "${value}"`)
  return value as SearchMode
}

/** One line for a fusion setting: `convex fusion (dense 0.3, lexical 0.7)`. */
export function describeFusion(f: FusionOptions): string {
  const k = f.method === 'rrf' ? `, k ${f.k}` : ''
  return `${f.method} fusion (dense ${f.denseWeight}, lexical ${f.lexicalWeight}${k})`
}

/** `frugal search` (also `frugal index search`): one query, or a queries file to a TREC run. */
export const searchCommand = defineCommand({
  meta: {
    name: 'search',
    description: 'Search an index set: one --query, or --queries <jsonl> --run <out.trec>',
  },
  args: {
    index: { type: 'string', required: true, description: 'Index set folder (from `frugal index build`)' },
    query: { type: 'string', description: 'Query text' },
    queries: { type: 'string', description: 'BEIR queries.jsonl to run in batch (with --run)' },
    run: { type: 'string', description: 'Write a TREC run file: qid Q0 docid rank score tag' },
    tag: { type: 'string', description: 'Run tag of the TREC file (default frugal-<mode>)' },
    mode: { type: 'string', default: 'hybrid', description: 'dense | lexical | hybrid' },
    dims: { type: 'string', description: 'Scan dims d_s (a prefix of the embedding)' },
    nprobe: { type: 'string', description: 'IVF lists probed' },
    budget: { type: 'string', description: 'FLOPs per query, resolved on the tuned frontier' },
    'target-recall': { type: 'string', description: 'Recall target, resolved on the tuned frontier' },
    k: { type: 'string', default: '10', description: 'Hits per query' },
    ...FUSION_ARGS,
    model: {
      type: 'string',
      description: 'Model folder of a transformers index set (default: the path in its manifest)',
    },
    json: { type: 'boolean', default: false, description: 'Print the full response as JSON' },
    quiet: { type: 'boolean', default: false, description: 'No progress bar' },
  },
  run: ({ args }) =>
    guarded(async () => {
      if ((args.query === undefined) === (args.queries === undefined))
        fail('give exactly one of --query or --queries')
      if (args.queries !== undefined && args.run === undefined) fail('--queries needs --run <out.trec>')
      if (args.dims !== undefined && args.budget !== undefined) fail('give --dims or --budget, not both')
      const mode = parseMode(args.mode)
      const k = positiveInt(args.k, '-k')
      const settings: Omit<SearchRequest, 'k'> = { mode }
      if (args.dims !== undefined) settings.scanDims = positiveInt(args.dims, '--dims')
      if (args.nprobe !== undefined) settings.nprobe = positiveInt(args.nprobe, '--nprobe')
      if (args.budget !== undefined) settings.budget = positiveNumber(args.budget, '--budget')
      if (args['target-recall'] !== undefined)
        settings.targetRecall = positiveNumber(args['target-recall'], '--target-recall')
      const fusion = parseFusionFlags(args)
      if (fusion !== undefined) {
        if (mode !== 'hybrid') fail(`the fusion flags apply to --mode hybrid only, not ${mode}`)
        settings.fusion = fusion
      }
      const files = await readIndexSet(args.index)
      const index = await loadIndexSet(
        files,
        await queryEmbedding(parseManifest(files['manifest.json']!), args.model),
      )
      if (args.query !== undefined) {
        const res = await index.search({ ...settings, query: args.query, k })
        if (args.json) {
          console.log(JSON.stringify(res, null, 2))
          return
        }
        res.hits.forEach((hit, i) => {
          console.log(`${String(i + 1).padStart(3)}  ${hit.score.toFixed(4)}  ${hit.id}  ${hit.title}`)
          if (hit.snippet) console.log(`      ${hit.snippet}`)
        })
        const s = res.settings
        console.error(
          `${mode}: ${res.hits.length} hits in ${res.cost.totalMs.toFixed(2)} ms (dims ${res.cost.dims}, ` +
            `${res.cost.candidates} dense + ${res.cost.lexicalCandidates} lexical candidates, ${res.cost.flops} FLOPs` +
            `${s.nprobe !== undefined ? `, nprobe ${s.nprobe}` : ''}` +
            `${s.fusion !== undefined ? `, ${describeFusion(s.fusion)}` : ''})`,
        )
        return
      }
      const queries = []
      for await (const q of parseBeirQueries(lines(createReadStream(args.queries!)), args.queries))
        queries.push(q)
      const tag = args.tag ?? `frugal-${mode}`
      if (!/^\S+$/.test(tag)) fail('--tag must not contain spaces')
      const out: string[] = []
      const bar = createProgress('search', queries.length, { quiet: args.quiet })
      for (const [i, q] of queries.entries()) {
        const res = await index.search({ ...settings, query: q.text, k, snippetChars: 0 })
        res.hits.forEach((hit, rank) => {
          out.push(`${q.id} Q0 ${hit.id} ${rank + 1} ${hit.score.toFixed(6)} ${tag}`)
        })
        bar.update(i + 1)
      }
      bar.stop()
      await writeFile(args.run!, `${out.join('\n')}${out.length ? '\n' : ''}`)
      console.error(`wrote ${out.length} lines for ${queries.length} queries to ${args.run}`)
    }),
})
