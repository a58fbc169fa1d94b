export { readResult, writeResult } from './result-file-node.ts'
