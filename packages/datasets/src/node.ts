export { collect, loadBeir, readBeirCorpus, readBeirQueries } from './beir-node.ts'
export { loadCranfield } from './cranfield-node.ts'
export { fileLines } from './files-node.ts'
export { loadDefaultCorpus, loadSpeeches } from './sotu-node.ts'
