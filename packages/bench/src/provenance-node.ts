import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { arch, cpus, release, totalmem, type } from 'node:os'
import { join } from 'node:path'
import type { BenchProvenance } from './schema.ts'
import { VERSION } from './version.ts'

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}

/** Whether we run under a hypervisor or in a container, and how we know. */
export function detectVirtualisation(): { virtualised: boolean; virtualisation?: string } {
  const found: string[] = []
  if (/^flags\s*:.*\bhypervisor\b/m.test(read('/proc/cpuinfo'))) found.push('hypervisor cpu flag')
  const product = read('/sys/class/dmi/id/product_name').trim()
  if (/kvm|vmware|virtualbox|qemu|hvm|xen|google compute|amazon ec2/i.test(product))
    found.push(`dmi: ${product}`)
  if (read('/.dockerenv') !== '' || /docker|containerd|kubepods/.test(read('/proc/1/cgroup')))
    found.push('container')
  return found.length > 0 ? { virtualised: true, virtualisation: found.join(', ') } : { virtualised: false }
}

/** Whether `file` holds a result file of this harness (which benchmark runs write themselves). */
function isResultFile(file: string): boolean {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as { schema_version?: unknown; provenance?: unknown }
    return typeof value.schema_version === 'number' && typeof value.provenance === 'object'
  } catch {
    return false
  }
}

/**
 * The git commit of `cwd` and whether the work tree has changes to tracked files; nulls
 * outside a repository. Changed result files of this harness do not count: a suite writes
 * them itself, so every run after the first would otherwise call its own tree dirty.
 */
export function gitState(cwd = process.cwd()): BenchProvenance['git'] {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: 'pipe' })
    const commit = git('rev-parse', 'HEAD').trim()
    const root = git('rev-parse', '--show-toplevel').trim()
    // -z: NUL-separated "XY path" records, paths relative to the root and never quoted.
    const changed = git('status', '--porcelain=v1', '-z', '--untracked-files=no')
      .split('\0')
      .filter((record) => record.length > 3)
      .map((record) => ({ status: record.slice(0, 2), path: join(root, record.slice(3)) }))
    const dirty = changed.some(
      (c) => c.status.includes('D') || c.status.includes('R') || !isResultFile(c.path),
    )
    return { commit, dirty }
  } catch {
    return { commit: null, dirty: null }
  }
}

/** Options of {@link collectProvenance}. */
export interface ProvenanceOptions {
  /** The exact command line that produced the result. */
  command: string
  /** e.g. "js", "wasm", "onnxruntime-node", "workerd". */
  backend: string
  seeds: Record<string, number>
  /** When the run started; default now. */
  date?: Date
  cwd?: string
}

/** The machine, runtime, git state and command of this run. */
export function collectProvenance(options: ProvenanceOptions): BenchProvenance {
  const cpuList = cpus()
  return {
    machine: {
      cpu_model: cpuList[0]?.model.trim() || 'unknown',
      cores: Math.max(1, cpuList.length),
      memory_bytes: totalmem(),
      os: `${type()} ${release()}`,
      arch: arch(),
      ...detectVirtualisation(),
    },
    runtime: { node_version: process.version, backend: options.backend },
    harness: { name: '@frugal/bench', version: VERSION },
    git: gitState(options.cwd),
    command: options.command,
    date: (options.date ?? new Date()).toISOString(),
    seeds: options.seeds,
  }
}
