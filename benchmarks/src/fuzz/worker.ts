/**
 * One fuzzing worker thread of the long mode: builds the seeds, then runs the cases the main
 * thread assigns, reporting each case before it starts (so a hang or crash can be pinned to
 * it) and its outcome after.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { buildSeeds, modelTargets, runCase, targets } from './targets.ts'

const { seed, documents, hangMs } = workerData as { seed: number; documents: number; hangMs: number }
// The model runtime's formats (safetensors, config.json, tokenizer.json) too.
const all = [...targets(await buildSeeds(documents)), ...modelTargets()]
parentPort!.postMessage({ type: 'ready', targets: all.map((t) => t.name) })
parentPort!.on('message', async (message: { from: number; count: number }) => {
  for (let i = message.from; i < message.from + message.count; i++) {
    parentPort!.postMessage({ type: 'start', index: i, target: all[i % all.length]!.name })
    const result = await runCase(all, seed, i, hangMs)
    parentPort!.postMessage({ type: 'done', index: i, result })
  }
  parentPort!.postMessage({ type: 'idle' })
})
