import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

let clockTicks: number | undefined

/** Kernel clock ticks per second (the unit of utime/stime in /proc/<pid>/stat). */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
    } catch {
      clockTicks = 100
    }
  }
  return clockTicks
}

interface ProcStat {
  ppid: number
  /** utime + stime + cutime + cstime, in seconds. */
  cpuS: number
}

function readStat(pid: number): ProcStat | undefined {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  // The command name may contain spaces and parentheses; fields resume after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])
  return { ppid: Number(fields[1]), cpuS: ticks / ticksPerSecond() }
}

function readHwmBytes(pid: number): number {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) * 1024 : 0
  } catch {
    return 0
  }
}

/** Children of `pid` from /proc/<pid>/task/<tid>/children, or undefined where the kernel lacks it. */
function childrenOf(pid: number): number[] | undefined {
  let tasks: string[]
  try {
    tasks = readdirSync(`/proc/${pid}/task`)
  } catch {
    return []
  }
  const found: number[] = []
  for (const tid of tasks) {
    let text: string
    try {
      text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && tid === String(pid)) return undefined
      continue
    }
    for (const c of text.split(' ')) if (c.trim() !== '') found.push(Number(c))
  }
  return found
}

/** The pid and every live descendant of it. */
export function processTree(root: number): number[] {
  const direct = childrenOf(root)
  if (direct !== undefined) {
    const tree = [root]
    const stack = [...direct]
    while (stack.length > 0) {
      const pid = stack.pop()!
      tree.push(pid)
      stack.push(...(childrenOf(pid) ?? []))
    }
    return tree
  }
  return scanTree(root)
}

/** The slow way: read the parent of every process in /proc. */
function scanTree(root: number): number[] {
  const children = new Map<number, number[]>()
  let entries: string[]
  try {
    entries = readdirSync('/proc')
  } catch {
    return [root]
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue
    const stat = readStat(Number(name))
    if (!stat) continue
    const list = children.get(stat.ppid) ?? []
    list.push(Number(name))
    children.set(stat.ppid, list)
  }
  const tree: number[] = []
  const stack = [root]
  while (stack.length > 0) {
    const pid = stack.pop()!
    tree.push(pid)
    for (const c of children.get(pid) ?? []) stack.push(c)
  }
  return tree
}

/** True where /proc can be read (Linux). */
export function procAvailable(): boolean {
  try {
    readFileSync('/proc/self/stat')
    return true
  } catch {
    return false
  }
}

/**
 * Watches a process tree through /proc: the peak resident set (VmHWM of every process, summed over
 * the tree, sampled every `intervalMs` and at `end`, so that short-lived descendants are seen) and CPU seconds
 * (utime + stime, including reaped children) between `begin` and `end`.
 */
export class ProcessTreeMonitor {
  readonly #root: number
  readonly #hwm = new Map<number, number>()
  readonly #timer: ReturnType<typeof setInterval>
  #cpuAtBegin = 0

  constructor(root: number, intervalMs = 200) {
    this.#root = root
    this.sample()
    this.#timer = setInterval(() => this.sample(), intervalMs)
    this.#timer.unref()
  }

  /** Reads VmHWM of every process in the tree now. */
  sample(): void {
    for (const pid of processTree(this.#root)) {
      const hwm = readHwmBytes(pid)
      if (hwm > (this.#hwm.get(pid) ?? 0)) this.#hwm.set(pid, hwm)
    }
  }

  /** CPU seconds used so far by the tree (live processes plus the children they reaped). */
  cpuSeconds(): number {
    let total = 0
    for (const pid of processTree(this.#root)) total += readStat(pid)?.cpuS ?? 0
    return total
  }

  begin(): void {
    this.#cpuAtBegin = this.cpuSeconds()
  }

  /** CPU seconds since `begin`. */
  end(): number {
    this.sample()
    return Math.max(0, this.cpuSeconds() - this.#cpuAtBegin)
  }

  /**
   * Peak RSS in bytes: the sum over the tree of each process's own high-water mark. When several
   * processes peak at different times this is an upper bound; for one process it is exact.
   */
  peakRssBytes(): number {
    let sum = 0
    for (const v of this.#hwm.values()) sum += v
    return sum
  }

  stop(): void {
    clearInterval(this.#timer)
  }
}
