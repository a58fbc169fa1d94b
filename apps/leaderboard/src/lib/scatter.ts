import * as Plot from '@observablehq/plot'
import { parseHTML } from 'linkedom'
import type { Board, ResultEntry } from './boards.ts'
import { energyMeasured, hardwareLabel, methodLabel } from './boards.ts'
import { formatWithUnit, type MetricDef } from './metrics.ts'
import { paretoFrontier } from './pareto.ts'

/** One rendered scatter: an inline SVG (or figure with legend) for an x/y pair of a board. */
export interface Scatter {
  x: MetricDef
  y: MetricDef
  /** Markup to inline; every point is a `<circle data-id="<result id>">`. */
  html: string
  /** Ids of the entries on the Pareto frontier for this pair. */
  frontier: string[]
  /** Entries not drawn because they lack one of the two metrics. */
  missing: string[]
}

interface Point {
  id: string
  x: number
  y: number
  /** Colour group: the method name, or its family when there are too many names for distinct colours. */
  group: string
  estimated: boolean
  title: string
}

/**
 * A domain around a single distinct value (one run, or runs that tie), which Plot cannot scale
 * on its own; `undefined` lets Plot choose from the data.
 */
export function paddedDomain(values: readonly number[], log: boolean): [number, number] | undefined {
  if (values.length === 0) return undefined
  const min = Math.min(...values)
  const max = Math.max(...values)
  if (min !== max) return undefined
  if (log) return [min / 2, min * 2]
  const pad = Math.abs(min) * 0.1 || 1
  return [min - pad, min + pad]
}

/** The axis pairs a board offers: y is a better-when-higher metric, x any other metric. */
export function axisPairs(board: Board): Array<{ x: MetricDef; y: MetricDef }> {
  const ys = board.metrics.filter((m) => m.direction === 'higher')
  const pairs: Array<{ x: MetricDef; y: MetricDef }> = []
  for (const y of ys) {
    for (const x of board.metrics) {
      if (x === y || x.kind === 'quality') continue
      pairs.push({ x, y })
    }
  }
  return pairs
}

function tooltip(e: ResultEntry, x: MetricDef, y: MetricDef, xv: number, yv: number): string {
  const r = e.data
  return [
    methodLabel(r),
    `${y.label}: ${formatWithUnit(yv, y)}`,
    `${x.label}: ${formatWithUnit(xv, x)}`,
    `${r.provenance.date.slice(0, 10)} · ${hardwareLabel(r)}`,
  ].join('\n')
}

/**
 * Renders the Pareto scatter of `board` for one axis pair to static SVG at build time (Observable
 * Plot on a server-side DOM), with the frontier drawn as a staircase and a log x axis when every x
 * is positive.
 */
export function renderScatter(board: Board, x: MetricDef, y: MetricDef): Scatter {
  const points: Point[] = []
  const missing: string[] = []
  const names = new Set(board.entries.map((e) => e.data.method.name))
  const byFamily = names.size > 10 && board.entries.every((e) => e.data.method.family)
  for (const e of board.entries) {
    const xv = x.read(e.data)
    const yv = y.read(e.data)
    if (xv === undefined || yv === undefined) {
      missing.push(e.id)
      continue
    }
    const energyAxis = x.key === 'energy_per_item' || y.key === 'energy_per_item'
    points.push({
      id: e.id,
      x: xv,
      y: yv,
      group: byFamily ? `${e.data.method.family} (family)` : e.data.method.name,
      estimated: energyAxis && energyMeasured(e.data) === false,
      title: tooltip(e, x, y, xv, yv),
    })
  }
  const onFrontier = paretoFrontier(points, x.direction, y.direction)
  const frontier = onFrontier.map((i) => points[i]!).sort((a, b) => a.x - b.x)
  const logX = points.length > 0 && points.every((p) => p.x > 0)
  const xDomain = paddedDomain(
    points.map((p) => p.x),
    logX,
  )
  const yDomain = paddedDomain(
    points.map((p) => p.y),
    false,
  )
  const { document } = parseHTML('<!doctype html><html><body></body></html>')
  const arrow = x.direction === 'higher' ? '→' : '←'
  const anyEstimated = points.some((p) => p.estimated)
  const chart = Plot.plot({
    document: document as unknown as Document,
    width: 1100,
    height: 440,
    marginLeft: 56,
    marginRight: 28,
    marginBottom: 44,
    style: { fontSize: '12px', background: 'transparent', overflow: 'visible' },
    x: {
      type: logX ? 'log' : 'linear',
      label: `${x.label} (${x.unit}, ${logX ? 'log scale' : 'linear'}; better ${arrow})`,
      labelAnchor: 'center',
      grid: true,
      nice: true,
      ...(xDomain ? { domain: xDomain } : {}),
    },
    y: { label: `↑ ${y.label} (${y.unit})`, grid: true, nice: true, ...(yDomain ? { domain: yDomain } : {}) },
    color: { legend: true, type: 'categorical', scheme: 'tableau10' },
    marks: [
      Plot.line(frontier, {
        x: 'x',
        y: 'y',
        curve: x.direction === 'higher' ? 'step-before' : 'step-after',
        stroke: 'currentColor',
        strokeOpacity: 0.55,
        strokeWidth: 1.5,
        strokeDasharray: '4,3',
      }),
      Plot.dot(points, {
        x: 'x',
        y: 'y',
        r: 5,
        stroke: 'group',
        fill: 'group',
        fillOpacity: (p: Point) => (p.estimated ? 0.08 : 0.85),
        strokeWidth: 1.6,
        title: 'title',
      }),
    ],
  }) as unknown as HTMLElement
  const circles = [...chart.querySelectorAll('g[aria-label="dot"] circle')]
  circles.forEach((c, i) => {
    const p = points[i]
    if (!p) return
    c.setAttribute('data-id', p.id)
    if (onFrontier.includes(i)) c.setAttribute('data-frontier', '')
  })
  const note = anyEstimated
    ? '<p class="chart-note">Hollow points: energy estimated from CPU time × TDP, not measured.</p>'
    : ''
  return {
    x,
    y,
    html: chart.outerHTML + note,
    frontier: onFrontier.map((i) => points[i]!.id),
    missing,
  }
}
