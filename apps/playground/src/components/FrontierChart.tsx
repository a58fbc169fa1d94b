import * as Plot from '@observablehq/plot'
import { useEffect, useRef } from 'preact/hooks'
import { byCost, type FrontierPoint, formatFlops } from '../lib/frontier.ts'

/** The setting a search ran with, placed on the chart. */
export interface Chosen {
  /** FLOPs the search spent (the API's `cost.flops`). */
  flops: number
  /** Recall@k of the tuned point with the same settings; `undefined` when that setting was not tuned. */
  recall: number | undefined
  label: string
}

interface Props {
  points: readonly FrontierPoint[]
  chosen: Chosen | undefined
}

/** Indices of the points no other point beats on both cost and recall (cheapest first). */
function pareto(points: readonly FrontierPoint[]): FrontierPoint[] {
  const out: FrontierPoint[] = []
  let best = -Infinity
  for (const p of byCost(points)) {
    if (p.recall > best) {
      out.push(p)
      best = p.recall
    }
  }
  return out
}

/**
 * The index's tuned recall–cost frontier, drawn as the leaderboard draws its scatters
 * (Observable Plot: log x, grid, dashed staircase through the frontier, tableau colours), with
 * the current search's setting as a ringed point. Every circle carries `data-*` attributes so
 * the page can be checked by reading the SVG.
 */
export function FrontierChart({ points, chosen }: Props) {
  const host = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const el = host.current
    if (!el) return
    const k = points[0]?.k ?? 10
    const front = pareto(points)
    const xs = points.map((p) => p.flops).concat(chosen ? [chosen.flops] : [])
    const logX = xs.length > 0 && xs.every((x) => x > 0)
    const chart = Plot.plot({
      width: 720,
      height: 320,
      marginLeft: 52,
      marginRight: 24,
      marginBottom: 44,
      style: { fontSize: '12px', background: 'transparent', overflow: 'visible' },
      x: {
        type: logX ? 'log' : 'linear',
        label: `FLOPs per query (${logX ? 'log scale' : 'linear'}; better ←)`,
        labelAnchor: 'center',
        grid: true,
        nice: true,
        tickFormat: (d: number) => formatFlops(d),
      },
      y: { label: `↑ recall@${k}`, grid: true, domain: [0, 1] },
      color: { type: 'categorical', scheme: 'tableau10' },
      marks: [
        Plot.line(front, {
          x: 'flops',
          y: 'recall',
          curve: 'step-after',
          stroke: 'currentColor',
          strokeOpacity: 0.55,
          strokeWidth: 1.5,
          strokeDasharray: '4,3',
        }),
        Plot.dot(points, {
          x: 'flops',
          y: 'recall',
          r: 5,
          fill: () => 'tuned setting',
          stroke: () => 'tuned setting',
          fillOpacity: 0.85,
          strokeWidth: 1.6,
          title: (p: FrontierPoint) =>
            `${Object.entries(p.settings)
              .map(([key, v]) => `${key} ${v}`)
              .join(', ')}\nrecall@${p.k} ${p.recall.toFixed(3)} · ${formatFlops(p.flops)} FLOPs`,
        }),
        ...(chosen
          ? [
              chosen.recall !== undefined
                ? Plot.dot([chosen], {
                    x: 'flops',
                    y: 'recall',
                    r: 9,
                    stroke: () => 'this search',
                    strokeWidth: 3,
                    fill: 'none',
                    title: 'label',
                  })
                : Plot.ruleX([chosen], { x: 'flops', stroke: () => 'this search', strokeWidth: 2 }),
            ]
          : []),
      ],
    }) as SVGSVGElement
    const dots = chart.querySelectorAll('g[aria-label="dot"]')
    dots[0]?.querySelectorAll('circle').forEach((c, i) => {
      const p = points[i]
      if (!p) return
      c.setAttribute('data-flops', String(p.flops))
      c.setAttribute('data-recall', String(p.recall))
      if (front.includes(p)) c.setAttribute('data-frontier', '')
    })
    const marker =
      chosen?.recall !== undefined
        ? dots[1]?.querySelector('circle')
        : chart.querySelector('g[aria-label="rule"] line')
    if (marker && chosen) {
      marker.setAttribute('data-chosen', '')
      marker.setAttribute('data-flops', String(chosen.flops))
    }
    chart.setAttribute('role', 'img')
    chart.setAttribute(
      'aria-label',
      `Recall against FLOPs for ${points.length} tuned settings${chosen ? `; this search: ${chosen.label}` : ''}`,
    )
    el.replaceChildren(chart)
  }, [points, chosen])
  return <div class="frontier-chart" ref={host} />
}
