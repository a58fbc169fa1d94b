import { defineCommand } from 'citty'
import { subCommands } from './commands.ts'
import { VERSION } from './version.ts'

/** The root `frugal` command; every subcommand is loaded lazily from `commands.ts`. */
export const main = defineCommand({
  meta: {
    name: 'frugal',
    version: VERSION,
    description: 'Efficient retrieval and inference for the edge: indexes, search, benchmarks',
  },
  subCommands,
})
