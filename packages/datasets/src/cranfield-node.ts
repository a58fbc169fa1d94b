import { collect } from './beir-node.ts'
import { parseCranfieldDocuments, parseCranfieldQrels, parseCranfieldQueries } from './cranfield.ts'
import { fileLines, join } from './files-node.ts'
import type { Dataset, Query } from './types.ts'

/**
 * Loads the Cranfield collection from a folder with `cran.all.1400`, `cran.qry`, `cranqrel`.
 * Query ids are `1..225` in file order (matching the judgements); gains follow
 * {@link cranfieldGain}; `minusOneGain` sets the gain of code -1 (default 0).
 * @example
 * const cran = await loadCranfield(resolve('../shared/datasets/cranfield'))
 */
export async function loadCranfield(dir: string, options: { minusOneGain?: number } = {}): Promise<Dataset> {
  const docsFile = join(dir, 'cran.all.1400')
  const documents = await collect(parseCranfieldDocuments(fileLines(docsFile), docsFile), docsFile)
  const queries: Query[] = []
  const qryFile = join(dir, 'cran.qry')
  for await (const q of parseCranfieldQueries(fileLines(qryFile), qryFile)) queries.push(q)
  const qrelFile = join(dir, 'cranqrel')
  const qrels = await parseCranfieldQrels(
    fileLines(qrelFile),
    qrelFile,
    queries.length,
    options.minusOneGain ?? 0,
  )
  return { name: 'cranfield', documents, queries, qrels }
}
