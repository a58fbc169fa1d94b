export { createProgress, type Progress } from '@frugal/bench/node'
export { main } from './main.ts'
export { VERSION } from './version.ts'
