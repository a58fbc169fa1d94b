import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { arch, cpus, release, totalmem, type } from 'node:os'
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

/** The git commit of `cwd` and whether the work tree has changes; nulls outside a repository. */
export function gitState(cwd = process.cwd()): BenchProvenance['git'] {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8', stdio: 'pipe' }).trim()
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd,
      encoding: 'utf8',
      stdio: 'pipe',
    })
    return { commit, dirty: status.trim() !== '' }
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
