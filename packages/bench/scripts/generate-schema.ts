// Writes schema/result.schema.json from the zod schema; `src/schema.test.ts` fails when it is stale.
import { writeFileSync } from 'node:fs'
import { resultJsonSchema } from '../src/schema.ts'

const target = new URL('../schema/result.schema.json', import.meta.url)
writeFileSync(target, `${JSON.stringify(resultJsonSchema(), null, 2)}\n`)
console.log(`wrote ${target.pathname}`)
