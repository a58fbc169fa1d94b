import { cpus, freemem, platform, release, totalmem } from 'node:os'
import { defineCommand } from 'citty'
import { VERSION } from '../version.ts'

/** `frugal info`: the runtime and machine the tools run on (what benchmarks record too). */
export const infoCommand = defineCommand({
  meta: { name: 'info', description: 'Print the runtime and machine that frugal runs on' },
  args: {
    json: { type: 'boolean', description: 'Print JSON instead of text', default: false },
  },
  run({ args }) {
    const cpuList = cpus()
    const info = {
      frugal: VERSION,
      node: process.version,
      platform: `${platform()} ${release()}`,
      arch: process.arch,
      cpu: cpuList[0]?.model ?? 'unknown',
      cores: cpuList.length,
      memory_bytes: totalmem(),
      free_memory_bytes: freemem(),
    }
    if (args.json) {
      console.log(JSON.stringify(info, null, 2))
      return
    }
    for (const [key, value] of Object.entries(info)) console.log(`${key.padEnd(18)} ${value}`)
  },
})
