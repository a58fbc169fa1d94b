import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { gitState } from './provenance-node.ts'

function repo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'frugal-git-'))
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' })
  git('init', '-q')
  git('config', 'user.email', 'bench@example.com')
  git('config', 'user.name', 'bench')
  writeFileSync(join(dir, 'code.ts'), 'export const a = 1\n')
  execFileSync('mkdir', ['-p', join(dir, 'results')])
  writeFileSync(
    join(dir, 'results', 'run.json'),
    JSON.stringify({ schema_version: 1, provenance: {}, metrics: { x: 1 } }),
  )
  git('add', '.')
  git('commit', '-qm', 'init')
  return dir
}

describe('gitState', () => {
  it('is clean after the suite rewrote its own result files, dirty after a source change', () => {
    const dir = repo()
    expect(gitState(dir)).toMatchObject({ dirty: false, commit: expect.stringMatching(/^[0-9a-f]{40}$/) })
    writeFileSync(
      join(dir, 'results', 'run.json'),
      JSON.stringify({ schema_version: 1, provenance: {}, metrics: { x: 2 } }),
    )
    expect(gitState(dir).dirty).toBe(false)
    writeFileSync(join(dir, 'code.ts'), 'export const a = 2\n')
    expect(gitState(dir).dirty).toBe(true)
  })

  it('counts a changed JSON file that is not a result file, and untracked files not at all', () => {
    const dir = repo()
    writeFileSync(join(dir, 'results', 'run.json'), '{"not": "a result"}')
    expect(gitState(dir).dirty).toBe(true)
    const clean = repo()
    writeFileSync(join(clean, 'new-file.ts'), 'untracked\n')
    expect(gitState(clean).dirty).toBe(false)
  })

  it('gives nulls outside a repository', () => {
    expect(gitState(mkdtempSync(join(tmpdir(), 'frugal-nogit-')))).toEqual({ commit: null, dirty: null })
  })
})
