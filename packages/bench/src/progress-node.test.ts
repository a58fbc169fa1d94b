import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createProgress } from './progress-node.ts'

/** A stream that records what is written, a terminal or not. */
function sink(isTTY: boolean): { stream: PassThrough & { isTTY?: boolean }; text: () => string } {
  const stream = Object.assign(new PassThrough(), isTTY ? { isTTY: true, columns: 120 } : {})
  const chunks: Buffer[] = []
  stream.on('data', (c: Buffer) => chunks.push(c))
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') }
}

describe('createProgress', () => {
  it('draws a bar with the label and the count on a terminal', async () => {
    const out = sink(true)
    const bar = createProgress('k-means', 10, { stream: out.stream })
    bar.update(3)
    bar.update(7, 20)
    bar.stop()
    await new Promise((r) => setImmediate(r))
    expect(out.text()).toContain('k-means')
    expect(out.text()).toContain('7/20')
    // A label longer than the column is kept whole.
    const long = sink(true)
    createProgress('bench single_stream', 4, { stream: long.stream }).stop()
    await new Promise((r) => setImmediate(r))
    expect(long.text()).toContain('bench single_stream [')
  })

  it('is silent off a terminal unless asked for lines, and always when quiet', async () => {
    for (const options of [{}, { quiet: true, lines: true }]) {
      const out = sink(false)
      const bar = createProgress('scan', 5, { ...options, stream: out.stream })
      bar.update(5)
      bar.stop()
      await new Promise((r) => setImmediate(r))
      expect(out.text()).toBe('')
    }
    const quietTty = sink(true)
    createProgress('scan', 5, { quiet: true, stream: quietTty.stream }).stop()
    await new Promise((r) => setImmediate(r))
    expect(quietTty.text()).toBe('')
  })

  it('writes a start line and an end line with the elapsed time for logs', async () => {
    const out = sink(false)
    const bar = createProgress('build index', 5, { lines: true, stream: out.stream })
    bar.update(2)
    bar.stop()
    await new Promise((r) => setImmediate(r))
    expect(out.text()).toMatch(/^build index \.\.\.\nbuild index: done in \d+\.\d s\n$/)
  })
})
