import { existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { loadWasmKernels } from '@frugal/ann/node'
import { createProgress, type Progress } from '@frugal/bench/node'
import {
  BUILD_KINDS,
  type BuildKind,
  type BuildOptions,
  type BuildStage,
  buildIndexSet,
} from '@frugal/retrieval'
import { writeIndexSet } from '@frugal/retrieval/node'
import { defineCommand } from 'citty'
import { loadCorpus } from './corpus-node.ts'
import { transformersEmbedder } from './embedder-node.ts'
import { describeFusion, searchCommand } from './search.ts'
import { fail, guarded, positiveInt } from './shared.ts'

const STAGE_LABELS: Record<BuildStage, string> = {
  embedder: 'fit embedder',
  embed: 'embed docs',
  dense: 'dense index',
  tune: 'tune frontier',
  lexical: 'bm25 index',
  calibrate: 'fit fusion',
  write: 'manifest',
}

const buildCommand = defineCommand({
  meta: {
    name: 'build',
    description: 'Build an index set (embedder + ANN index + BM25 + documents + manifest) from a corpus',
  },
  args: {
    corpus: {
      type: 'string',
      required: true,
      description: 'A BEIR-layout folder (corpus.jsonl) or "default" (State of the Union passages)',
    },
    out: { type: 'string', required: true, description: 'Output folder for the index set' },
    embedder: {
      type: 'string',
      default: 'lsa',
      description: 'lsa (fitted on the corpus) or a local model folder (transformers.js)',
    },
    dims: { type: 'string', default: '256', description: 'Embedding dims' },
    kind: {
      type: 'string',
      default: 'auto',
      description: `Dense index kind: ${BUILD_KINDS.join(', ')} or auto (flat below 2000 docs)`,
    },
    nlist: { type: 'string', description: 'IVF lists (default min(4·√n, n/39))' },
    'pq-bytes': {
      type: 'string',
      description: 'IVF-PQ bytes per code (must divide --dims; default 32, 16, ...)',
    },
    name: {
      type: 'string',
      description: 'Index set name (default: the corpus folder name, "sotu" for default)',
    },
    tune: {
      type: 'boolean',
      default: true,
      description: 'Measure the recall/FLOPs frontier (--no-tune to skip)',
    },
    calibrate: {
      type: 'boolean',
      default: true,
      description:
        'Fit the hybrid fusion on pseudo-queries drawn from the documents (--no-calibrate: equal-weight RRF)',
    },
    'calibration-queries': {
      type: 'string',
      description: 'Pseudo-queries the fusion is fitted on (default 400)',
    },
    quiet: { type: 'boolean', default: false, description: 'No progress bars' },
  },
  run: ({ args }) =>
    guarded(async () => {
      const dims = positiveInt(args.dims, '--dims')
      const kind = args.kind === 'auto' ? undefined : (args.kind as BuildKind)
      if (kind !== undefined && !BUILD_KINDS.includes(kind))
        fail(`--kind must be one of ${BUILD_KINDS.join(', ')}, auto`)
      const nlist = args.nlist === undefined ? undefined : positiveInt(args.nlist, '--nlist')
      const pqBytes = args['pq-bytes'] === undefined ? undefined : positiveInt(args['pq-bytes'], '--pq-bytes')
      if (args['calibration-queries'] !== undefined && !args.calibrate)
        fail('--calibration-queries needs calibration (drop --no-calibrate)')
      const calibrate =
        args['calibration-queries'] === undefined
          ? args.calibrate
          : { queries: positiveInt(args['calibration-queries'], '--calibration-queries') }
      if (args.corpus !== 'default' && !existsSync(resolve(args.corpus)))
        fail(`--corpus ${args.corpus}: no such folder`)
      if (existsSync(args.out) && !statSync(args.out).isDirectory()) fail(`--out ${args.out} is not a folder`)
      const started = performance.now()
      const { docs, source, name } = await loadCorpus(args.corpus)
      let embedder: BuildOptions['embedder']
      if (args.embedder === 'lsa') {
        embedder = { kind: 'lsa', fit: { dims } }
      } else {
        if (!existsSync(resolve(args.embedder)))
          fail(`--embedder ${args.embedder}: not "lsa" and no such model folder`)
        embedder = await transformersEmbedder(resolve(args.embedder), dims)
      }
      const bars = new Map<BuildStage, Progress>()
      let current: BuildStage | undefined
      const { manifest, files } = await buildIndexSet(docs, {
        name: args.name ?? name,
        source,
        embedder,
        kind,
        nlist,
        pqBytes,
        tune: args.tune,
        calibrate,
        // A graph is built on the WASM SIMD kernels (the same index, faster).
        ...(kind === 'graph' ? { kernels: await loadWasmKernels() } : {}),
        onProgress: (stage, done, total) => {
          if (current !== stage) {
            if (current !== undefined) bars.get(current)?.stop()
            current = stage
            bars.set(stage, createProgress(STAGE_LABELS[stage], total, { quiet: args.quiet }))
          }
          bars.get(stage)?.update(done, total)
        },
      })
      if (current !== undefined) bars.get(current)?.stop()
      await writeIndexSet(args.out, files)
      const seconds = ((performance.now() - started) / 1000).toFixed(1)
      console.log(
        `index set "${manifest.name}": ${manifest.stats.documents} documents, ${manifest.embedder.kind} ${manifest.dense.dim} dims, ` +
          `${manifest.dense.kind} index, ${manifest.stats.terms} terms, ${(manifest.stats.bytes / 1e6).toFixed(1)} MB in ${args.out} (${seconds} s)`,
      )
      const fusion = manifest.fusion
      if (fusion !== undefined) {
        const { dense, lexical, fused } = fusion.calibration.ndcg
        console.log(
          `hybrid: ${describeFusion(fusion)}, fitted on ${fusion.calibration.queries} pseudo-queries ` +
            `(nDCG@10 dense ${dense.toFixed(3)}, lexical ${lexical.toFixed(3)}, fused ${fused.toFixed(3)})`,
        )
      }
    }),
})

/** `frugal index`: build and search index sets (`index search` is `frugal search`). */
export const indexCommand = defineCommand({
  meta: { name: 'index', description: 'Build and search retrieval index sets' },
  subCommands: { build: buildCommand, search: searchCommand },
})
