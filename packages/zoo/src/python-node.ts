import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root (where `training/` lives). */
export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url))

/** A Python interpreter that can run the recipes, or why none can. */
export type PythonProbe = { ok: true; python: string; torch: string } | { ok: false; reason: string }

/**
 * Find a Python with torch, safetensors and tokenizers: `$FRUGAL_PYTHON`, then the repository's
 * `.venv` (what `.ci/run` creates), then `python3` on the PATH.
 */
export function findPython(): PythonProbe {
  const candidates = [process.env.FRUGAL_PYTHON, join(REPO_ROOT, '.venv/bin/python'), 'python3'].filter(
    (c): c is string => !!c && (c === 'python3' || existsSync(c)),
  )
  const tried: string[] = []
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import torch, safetensors, tokenizers; print(torch.__version__)'], {
      encoding: 'utf8',
      timeout: 60_000,
    })
    if (r.status === 0) return { ok: true, python, torch: r.stdout.trim() }
    tried.push(`${python}: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`)
  }
  return { ok: false, reason: `no Python with torch, safetensors and tokenizers (${tried.join('; ')})` }
}
