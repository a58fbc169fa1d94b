// The one client script of a leaderboard page: axis switching, sorting, filtering, the compare view
// and copy buttons. Everything else (charts included) is static HTML rendered at build time.
import { type ClientMetric, normalise } from '../lib/normalise.ts'

interface ClientRow {
  id: string
  label: string
  date: string
  hardware: string
  values: Record<string, number | null>
}

interface ClientData {
  board: string
  /** Metric keys drawn as radar axes. */
  radar: string[]
  metrics: ClientMetric[]
  rows: ClientRow[]
}

const MAX_COMPARE = 5
const PALETTE = ['#4e79a7', '#f28e2c', '#e15759', '#76b7b2', '#59a14f']
const SVG = 'http://www.w3.org/2000/svg'

function format(value: number | null | undefined, m: ClientMetric): string {
  if (value === null || value === undefined) return '—'
  if (value === 0) return '0'
  const abs = Math.abs(value)
  const text =
    abs >= 10 ** m.digits
      ? Math.round(value).toLocaleString('en-US')
      : Number(value.toPrecision(m.digits)).toLocaleString('en-US', { maximumFractionDigits: 8 })
  return m.unit === '0–1' ? text : `${text} ${m.unit}`
}

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
  parent?: Element,
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag)
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v))
  parent?.append(el)
  return el
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text?: string,
  attrs: Record<string, string> = {},
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag)
  if (text !== undefined) e.textContent = text
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v)
  return e
}

/** Draws the radar of `rows` over `metrics`, each axis normalised against the whole ranking. */
function radar(rows: ClientRow[], metrics: ClientMetric[], all: ClientRow[]): SVGSVGElement {
  const size = 420
  const c = size / 2
  const radius = 140
  const root = svg('svg', {
    viewBox: `0 0 ${size} ${size}`,
    width: size,
    height: size,
    role: 'img',
    class: 'radar',
    'aria-label': `Radar of ${rows.length} runs over ${metrics.length} normalised metrics`,
  })
  const angle = (i: number) => -Math.PI / 2 + (2 * Math.PI * i) / metrics.length
  const at = (i: number, r: number): [number, number] => [
    c + r * Math.cos(angle(i)),
    c + r * Math.sin(angle(i)),
  ]
  for (const level of [0.25, 0.5, 0.75, 1]) {
    const pts = metrics.map((_, i) => at(i, radius * level).join(',')).join(' ')
    svg('polygon', { points: pts, class: 'ring' }, root)
  }
  metrics.forEach((m, i) => {
    const [x, y] = at(i, radius)
    svg('line', { x1: c, y1: c, x2: x, y2: y, class: 'spoke' }, root)
    const [lx, ly] = at(i, radius + 22)
    const label = svg(
      'text',
      {
        x: lx,
        y: ly,
        'text-anchor': Math.abs(lx - c) < 8 ? 'middle' : lx > c ? 'start' : 'end',
        'dominant-baseline': 'middle',
        class: 'axis-label',
      },
      root,
    )
    label.textContent = m.label
  })
  rows.forEach((row, k) => {
    const pts = metrics.map((m, i) => {
      const values = all.map((r) => r.values[m.key]).filter((v): v is number => v !== null && v !== undefined)
      const score = normalise(row.values[m.key] ?? 0, values, m.direction)
      return at(i, radius * score).join(',')
    })
    const poly = svg(
      'polygon',
      { points: pts.join(' '), class: 'entry', stroke: PALETTE[k]!, fill: PALETTE[k]!, 'data-id': row.id },
      root,
    )
    svg('title', {}, poly).textContent = row.label
  })
  return root
}

function renderCompare(view: HTMLElement, data: ClientData, ids: string[]): void {
  view.replaceChildren()
  if (ids.length === 0) {
    view.append(el('p', 'Nothing selected yet.', { class: 'hint' }))
    return
  }
  const rows = ids.map((id) => data.rows.find((r) => r.id === id)).filter((r): r is ClientRow => !!r)
  const shared = data.metrics.filter(
    (m) => data.radar.includes(m.key) && rows.every((r) => r.values[m.key] !== null),
  )
  const figure = el('figure', undefined, { class: 'radar-figure' })
  if (shared.length >= 3) {
    figure.append(radar(rows, shared, data.rows))
  } else {
    figure.append(
      el('p', 'A radar needs at least three metrics that every selected run reports.', { class: 'hint' }),
    )
  }
  const legend = el('ul', undefined, { class: 'legend' })
  rows.forEach((r, k) => {
    const li = el('li')
    const swatch = el('span', undefined, { class: 'swatch', style: `background:${PALETTE[k]}` })
    li.append(swatch, document.createTextNode(r.label))
    legend.append(li)
  })
  figure.append(legend)

  const table = el('table', undefined, { class: 'compare-table' })
  const head = el('tr')
  head.append(el('th', 'Metric'))
  rows.forEach((r, k) => {
    const th = el('th', undefined, { scope: 'col' })
    th.append(
      el('span', undefined, { class: 'swatch', style: `background:${PALETTE[k]}` }),
      document.createTextNode(r.label),
    )
    head.append(th)
  })
  const thead = el('thead')
  thead.append(head)
  table.append(thead)
  const body = el('tbody')
  for (const m of data.metrics) {
    const tr = el('tr')
    const th = el('th', m.label, { scope: 'row', title: `${m.direction} is better` })
    th.append(el('span', ` ${m.unit} ${m.direction === 'higher' ? '↑' : '↓'}`, { class: 'unit' }))
    tr.append(th)
    const values = rows.map((r) => r.values[m.key] ?? null)
    const present = values.filter((v): v is number => v !== null)
    const best = present.length
      ? m.direction === 'higher'
        ? Math.max(...present)
        : Math.min(...present)
      : null
    for (const v of values)
      tr.append(el('td', format(v, m), v !== null && v === best ? { class: 'best' } : {}))
    body.append(tr)
  }
  const dateRow = el('tr')
  dateRow.append(el('th', 'Date (UTC)', { scope: 'row' }))
  for (const r of rows) dateRow.append(el('td', r.date.slice(0, 10)))
  body.append(dateRow)
  const hwRow = el('tr')
  hwRow.append(el('th', 'Hardware', { scope: 'row' }))
  for (const r of rows) hwRow.append(el('td', r.hardware))
  body.append(hwRow)
  table.append(body)
  const wrap = el('div', undefined, { class: 'table-wrap' })
  wrap.append(table)
  view.append(figure, wrap)
}

/** Wires one `.board` element. */
export function initBoard(root: HTMLElement): void {
  const data = JSON.parse(root.querySelector('[data-board-data]')?.textContent ?? '{}') as ClientData
  const table = root.querySelector<HTMLTableElement>('table.lb')
  const tbody = table?.tBodies[0]
  if (!table || !tbody) return // a ranking whose runs all failed has no table
  // Each run is a row plus a hidden provenance row right after it; they move and hide together.
  const rows = () => [...tbody.rows].filter((r) => r.dataset['id'] !== undefined)
  const provOf = (tr: HTMLTableRowElement) =>
    tbody.querySelector<HTMLTableRowElement>(`tr[data-prov-for="${CSS.escape(tr.dataset['id'] ?? '')}"]`)

  // Axis selection: one pre-rendered figure per pair.
  const xSel = root.querySelector<HTMLSelectElement>('select[data-axis="x"]')
  const ySel = root.querySelector<HTMLSelectElement>('select[data-axis="y"]')
  const showPair = () => {
    let found = false
    for (const fig of root.querySelectorAll<HTMLElement>('figure.scatter')) {
      const match = fig.dataset['x'] === xSel?.value && fig.dataset['y'] === ySel?.value
      fig.hidden = !match
      found ||= match
    }
    const none = root.querySelector<HTMLElement>('.no-pair')
    if (none) none.hidden = found
  }
  xSel?.addEventListener('change', showPair)
  ySel?.addEventListener('change', showPair)

  // Filters.
  const filters = root.querySelectorAll<HTMLInputElement | HTMLSelectElement>('[data-filter]')
  const shown = root.querySelector('[data-shown]')
  const applyFilters = () => {
    const get = (name: string) =>
      root.querySelector<HTMLInputElement | HTMLSelectElement>(`[data-filter="${name}"]`)
    const method = get('method')?.value ?? ''
    const hardware = get('hardware')?.value ?? ''
    const family = get('family')?.value ?? ''
    const energy = get('energy')?.value ?? ''
    const text = (get('text')?.value ?? '').trim().toLowerCase()
    const frontierOnly = (get('frontier') as HTMLInputElement | null)?.checked ?? false
    let visible = 0
    for (const tr of rows()) {
      const ok =
        (!method || tr.dataset['method'] === method) &&
        (!hardware || tr.dataset['hardware'] === hardware) &&
        (!family || tr.dataset['family'] === family) &&
        (!energy || tr.dataset['energy'] === energy) &&
        (!text || (tr.dataset['text'] ?? '').includes(text)) &&
        (!frontierOnly || tr.dataset['frontier'] !== undefined)
      tr.hidden = !ok
      const prov = provOf(tr)
      if (prov)
        prov.hidden = !ok || tr.querySelector('.prov-toggle')?.getAttribute('aria-expanded') !== 'true'
      if (ok) visible++
      for (const dot of root.querySelectorAll(`circle[data-id="${CSS.escape(tr.dataset['id'] ?? '')}"]`)) {
        dot.classList.toggle('is-filtered', !ok)
      }
    }
    if (shown) shown.textContent = String(visible)
    const empty = root.querySelector<HTMLElement>('.empty-filter')
    if (empty) empty.hidden = visible > 0
  }
  for (const f of filters)
    f.addEventListener(
      f instanceof HTMLInputElement && f.type === 'search' ? 'input' : 'change',
      applyFilters,
    )

  // Sorting.
  for (const button of table.querySelectorAll<HTMLButtonElement>('button[data-sort]')) {
    button.addEventListener('click', () => {
      const key = button.dataset['sort']!
      const numeric = button.dataset['type'] === 'num'
      const th = button.closest('th')!
      const current = th.getAttribute('aria-sort')
      // First click on a metric puts its best value first; a second click reverses.
      const bestFirst = button.dataset['dir'] === 'higher' ? 'descending' : 'ascending'
      const next =
        current === 'none' || current === null
          ? numeric
            ? bestFirst
            : 'ascending'
          : current === 'ascending'
            ? 'descending'
            : 'ascending'
      for (const other of table.querySelectorAll('th[aria-sort]')) other.setAttribute('aria-sort', 'none')
      th.setAttribute('aria-sort', next)
      const sign = next === 'ascending' ? 1 : -1
      const value = (tr: HTMLTableRowElement): string | number | undefined => {
        if (numeric) {
          const raw = tr.getAttribute(`data-v-${key}`)
          return raw === null || raw === '' ? undefined : Number(raw)
        }
        return key === 'method' ? (tr.dataset['text'] ?? '') : (tr.dataset[key] ?? '')
      }
      const sorted = rows().sort((a, b) => {
        const va = value(a)
        const vb = value(b)
        if (va === undefined && vb === undefined) return 0
        if (va === undefined) return 1 // runs without the metric always go last
        if (vb === undefined) return -1
        if (typeof va === 'number' && typeof vb === 'number') return sign * (va - vb)
        return sign * String(va).localeCompare(String(vb))
      })
      tbody.append(...sorted.flatMap((tr) => [tr, provOf(tr)].filter((x): x is HTMLTableRowElement => !!x)))
    })
  }

  // Row <-> point highlighting.
  const highlight = (id: string | undefined, on: boolean) => {
    if (!id) return
    for (const dot of root.querySelectorAll(`circle[data-id="${CSS.escape(id)}"]`))
      dot.classList.toggle('is-hot', on)
    tbody.querySelector(`tr[data-id="${CSS.escape(id)}"]`)?.classList.toggle('is-hot', on)
  }
  for (const tr of rows()) {
    tr.addEventListener('mouseenter', () => highlight(tr.dataset['id'], true))
    tr.addEventListener('mouseleave', () => highlight(tr.dataset['id'], false))
  }
  for (const dot of root.querySelectorAll<SVGCircleElement>('circle[data-id]')) {
    dot.addEventListener('mouseenter', () => highlight(dot.dataset['id'], true))
    dot.addEventListener('mouseleave', () => highlight(dot.dataset['id'], false))
  }

  // Compare.
  const view = root.querySelector<HTMLElement>('[data-compare-view]')!
  const count = root.querySelector('[data-compare-count]')
  const boxes = [...root.querySelectorAll<HTMLInputElement>('input[data-compare]')]
  const selected: string[] = []
  const update = () => {
    for (const b of boxes) b.disabled = !b.checked && selected.length >= MAX_COMPARE
    if (count) count.textContent = `${selected.length} of ${MAX_COMPARE} selected`
    renderCompare(view, data, selected)
    const url = new URL(location.href)
    if (selected.length) url.searchParams.set('compare', selected.join(','))
    else url.searchParams.delete('compare')
    history.replaceState(null, '', url)
  }
  for (const b of boxes) {
    b.addEventListener('change', () => {
      const id = b.dataset['compare']!
      const at = selected.indexOf(id)
      if (b.checked && at < 0) selected.push(id)
      if (!b.checked && at >= 0) selected.splice(at, 1)
      update()
    })
  }
  root.querySelector('[data-compare-clear]')?.addEventListener('click', () => {
    selected.length = 0
    for (const b of boxes) b.checked = false
    update()
  })
  const initial = new URL(location.href).searchParams.get('compare')?.split(',') ?? []
  for (const id of initial.slice(0, MAX_COMPARE)) {
    const box = boxes.find((b) => b.dataset['compare'] === id)
    if (box) {
      box.checked = true
      selected.push(id)
    }
  }
  update()

  // Provenance rows.
  for (const button of root.querySelectorAll<HTMLButtonElement>('button[data-prov]')) {
    button.addEventListener('click', () => {
      const open = button.getAttribute('aria-expanded') !== 'true'
      button.setAttribute('aria-expanded', String(open))
      const prov = tbody.querySelector<HTMLTableRowElement>(
        `tr[data-prov-for="${CSS.escape(button.dataset['prov'] ?? '')}"]`,
      )
      if (prov) prov.hidden = !open
    })
  }

  // Copy buttons for the reproduce commands.
  for (const button of root.querySelectorAll<HTMLButtonElement>('button[data-copy]')) {
    button.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(button.dataset['copy'] ?? '')
        button.textContent = 'Copied'
      } catch {
        button.textContent = 'Select and copy'
      }
      setTimeout(() => {
        button.textContent = 'Copy'
      }, 1500)
    })
  }
}
