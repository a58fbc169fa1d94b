import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Dataset, Document } from '@frugal/datasets'
import { collect, loadBeir, loadCranfield, loadDefaultCorpus, readBeirCorpus } from '@frugal/datasets/node'

/** `default` → the bundled State of the Union passages; otherwise a BEIR-layout folder (or Cranfield). */
export async function loadCorpus(
  corpus: string,
): Promise<{ docs: Document[]; source: string; name: string }> {
  if (corpus === 'default') return { docs: loadDefaultCorpus(), source: 'default', name: 'sotu' }
  const dir = resolve(corpus)
  const name = dir.split(/[\\/]/).filter(Boolean).pop() ?? 'index'
  if (existsSync(join(dir, 'cran.all.1400')))
    return { docs: (await loadCranfield(dir)).documents, source: dir, name }
  return { docs: await collect(readBeirCorpus(dir), join(dir, 'corpus.jsonl')), source: dir, name }
}

/** A BEIR-layout folder (queries + qrels of `split`) or a Cranfield folder. */
export async function loadDataset(dir: string, split: string): Promise<Dataset> {
  const abs = resolve(dir)
  if (existsSync(join(abs, 'cran.all.1400'))) return loadCranfield(abs)
  return loadBeir(abs, { split })
}
