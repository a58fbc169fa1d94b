export { main } from './main.ts'
export { createProgress, type Progress } from './progress.ts'
export { VERSION } from './version.ts'
