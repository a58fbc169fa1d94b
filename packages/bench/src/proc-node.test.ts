import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import { ProcessTreeMonitor, processTree } from './proc-node.ts'

describe('process tree', () => {
  it('finds grandchildren and sums their peak RSS', async () => {
    // sh starts a node that holds 64 MiB, prints its pid, and waits.
    const script =
      'const b = Buffer.alloc(64 << 20); for (let i = 0; i < b.length; i += 4096) b[i] = 1; console.log(process.pid); setTimeout(() => {}, 3000)'
    const child = spawn(
      'sh',
      ['-c', `${JSON.stringify(process.execPath)} -e ${JSON.stringify(script)} & wait`],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
    try {
      const [line] = (await once(child.stdout, 'data')) as [Buffer]
      const grandchild = Number(line.toString().trim())
      const tree = processTree(child.pid!)
      expect(tree[0]).toBe(child.pid)
      expect(tree).toContain(grandchild)
      const monitor = new ProcessTreeMonitor(child.pid!)
      monitor.begin()
      const cpu = monitor.end()
      monitor.stop()
      expect(cpu).toBeGreaterThanOrEqual(0)
      expect(monitor.peakRssBytes()).toBeGreaterThan(64 * 1024 * 1024)
    } finally {
      // Descendants first: once sh is gone they are no longer in its tree.
      for (const pid of processTree(child.pid!).slice(1)) process.kill(pid, 'SIGKILL')
      child.kill('SIGKILL')
    }
  })
})
