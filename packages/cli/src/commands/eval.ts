import { percentile } from '@frugal/bench'
import { createProgress } from '@frugal/bench/node'
import {
  loadIndexSet,
  mean,
  mrrAt,
  ndcgAt,
  parseManifest,
  recallAt,
  type SearchMode,
} from '@frugal/retrieval'
import { readIndexSet } from '@frugal/retrieval/node'
import { defineCommand } from 'citty'
import { loadDataset } from './corpus-node.ts'
import { queryEmbedding } from './embedder-node.ts'
import { evalLmCommand, evalVqaCommand } from './eval-models.ts'
import { FUSION_ARGS, parseFusionFlags } from './fusion-flags.ts'
import { parseMode } from './search.ts'
import { fail, guarded, intList } from './shared.ts'

/** One evaluated setting. */
export interface EvalRow {
  mode: SearchMode
  dims: number | undefined
  queries: number
  ndcg10: number
  recall100: number
  mrr10: number
  meanMs: number
  p50Ms: number
  p99Ms: number
}

const VALUE_FLAGS = new Set(['--index', '--dataset', '--split', '--modes', '--dims', '--model'])

/** The subcommand named on the command line (the first positional argument), as citty finds it. */
function subcommandOf(rawArgs: string[]): string | undefined {
  for (let i = 0; i < rawArgs.length; i++) {
    const a = rawArgs[i]!
    if (a === '--') return undefined
    if (a.startsWith('-')) {
      if (!a.includes('=') && VALUE_FLAGS.has(a)) i++
      continue
    }
    return a
  }
  return undefined
}

/** `frugal eval`: nDCG@10, Recall@100, MRR@10 and latency per mode and dims. */
export const evalCommand = defineCommand({
  meta: {
    name: 'eval',
    description:
      'Evaluate an index set on a BEIR-layout (or Cranfield) dataset; `eval lm` / `eval vqa` evaluate models',
  },
  subCommands: { lm: evalLmCommand, vqa: evalVqaCommand },
  args: {
    index: { type: 'string', description: 'Index set folder (required)' },
    dataset: {
      type: 'string',
      description: 'BEIR folder (queries.jsonl, qrels/<split>.tsv) or a Cranfield folder',
    },
    split: { type: 'string', default: 'test', description: 'Qrels split' },
    modes: { type: 'string', default: 'lexical,dense,hybrid', description: 'Comma-separated modes' },
    dims: { type: 'string', description: 'Comma-separated scan dims for dense/hybrid (default: full dims)' },
    model: {
      type: 'string',
      description: 'Model folder of a transformers index set (default: the path in its manifest)',
    },
    ...FUSION_ARGS,
    json: { type: 'boolean', default: false, description: 'Print rows as JSON' },
    quiet: { type: 'boolean', default: false, description: 'No progress bar' },
  },
  run: ({ args, rawArgs }) =>
    guarded(async () => {
      // citty runs this after a subcommand too: `eval lm` / `eval vqa` have done the work.
      if (subcommandOf(rawArgs) !== undefined) return
      if (!args.index) fail('--index is required')
      if (!args.dataset) fail('--dataset is required')
      const modes = args.modes.split(',').map((m) => parseMode(m.trim()))
      const dimsList = args.dims === undefined ? [undefined] : intList(args.dims, '--dims')
      const fusion = parseFusionFlags(args)
      const files = await readIndexSet(args.index)
      const index = await loadIndexSet(
        files,
        await queryEmbedding(parseManifest(files['manifest.json']!), args.model),
      )
      const data = await loadDataset(args.dataset, args.split)
      const queries = data.queries.filter((q) => data.qrels.has(q.id))
      if (queries.length === 0) fail(`${args.dataset}: no query has relevance judgements (qrels)`)
      const rows: EvalRow[] = []
      for (const mode of modes) {
        for (const dims of mode === 'lexical' ? [undefined] : dimsList) {
          const bar = createProgress(`${mode}${dims ? ` d=${dims}` : ''}`, queries.length, {
            quiet: args.quiet,
          })
          const ndcg: number[] = []
          const recall: number[] = []
          const mrr: number[] = []
          const ms: number[] = []
          for (const [i, q] of queries.entries()) {
            const t0 = performance.now()
            const res = await index.search({
              query: q.text,
              k: 100,
              mode,
              scanDims: dims,
              snippetChars: 0,
              ...(mode === 'hybrid' && fusion !== undefined ? { fusion } : {}),
            })
            ms.push(performance.now() - t0)
            const ranking = res.hits.map((h) => h.id)
            const judged = data.qrels.get(q.id)!
            ndcg.push(ndcgAt(ranking, judged, 10))
            recall.push(recallAt(ranking, judged, 100))
            mrr.push(mrrAt(ranking, judged, 10))
            bar.update(i + 1)
          }
          bar.stop()
          const sorted = [...ms].sort((a, b) => a - b)
          rows.push({
            mode,
            dims: mode === 'lexical' ? undefined : (dims ?? index.stats().dims),
            queries: queries.length,
            ndcg10: mean(ndcg),
            recall100: mean(recall),
            mrr10: mean(mrr),
            meanMs: mean(ms),
            p50Ms: percentile(sorted, 50),
            p99Ms: percentile(sorted, 99),
          })
        }
      }
      if (args.json) {
        console.log(JSON.stringify(rows, null, 2))
        return
      }
      console.log(
        `${data.name}: ${queries.length} queries, index "${index.stats().name}" (${index.stats().documents} docs)`,
      )
      console.log('mode     dims  nDCG@10  R@100   MRR@10  mean ms  p50 ms  p99 ms')
      for (const r of rows) {
        console.log(
          `${r.mode.padEnd(8)} ${String(r.dims ?? '-').padStart(4)}  ${r.ndcg10.toFixed(4)}   ${r.recall100.toFixed(4)}  ` +
            `${r.mrr10.toFixed(4)}  ${r.meanMs.toFixed(2).padStart(7)}  ${r.p50Ms.toFixed(2).padStart(6)}  ${r.p99Ms.toFixed(2).padStart(6)}`,
        )
      }
    }),
})
