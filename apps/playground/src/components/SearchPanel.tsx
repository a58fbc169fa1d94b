import type { RetrievalIndex } from '@frugal/retrieval'
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { fetchJson, PlaygroundApiError } from '../lib/api.ts'
import { type IndexHead, type LocalRun, loadInBrowser, searchHere } from '../lib/browser-index.ts'
import {
  budgetAt,
  budgetPosition,
  budgetRange,
  type FrontierPoint,
  formatFlops,
  pointOf,
} from '../lib/frontier.ts'
import { type CostControl, type Mode, type SearchForm, type SearchResult, searchBody } from '../lib/search.ts'
import { type Chosen, FrontierChart } from './FrontierChart.tsx'

interface IndexDetails extends IndexHead {
  documents: number
  dim: number
  kind: string
  modes: Mode[]
  embedder?: string
  frontier: FrontierPoint[]
}

interface EdgeRun {
  result: SearchResult
  ms: number
  serverMs: number | undefined
}

const MODE_TEXT: Record<Mode, string> = {
  hybrid: 'Hybrid (dense + BM25, fused)',
  dense: 'Dense (AdANNS vectors)',
  lexical: 'Lexical (BM25)',
}
const CONTROL_TEXT: Record<CostControl, string> = {
  manual: 'Dims and lists',
  budget: 'FLOPs budget',
  recall: 'Recall target',
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(bytes < 1024 * 1024 ? 2 : 1)} MB`
}

/**
 * The Search panel: a query, a mode and the API's cost controls; the hits with what they cost;
 * the setting drawn on the index's recall–cost frontier; and, once the index is loaded into the
 * page, the same search run here next to the Worker's, with both latencies.
 */
export function SearchPanel() {
  const [names, setNames] = useState<string[] | undefined>()
  const [name, setName] = useState('')
  const [details, setDetails] = useState<IndexDetails | undefined>()
  const [form, setForm] = useState<SearchForm>({
    query: 'tariffs on imported goods',
    mode: 'hybrid',
    k: 5,
    control: 'budget',
    dims: 16,
    nprobe: 1,
    budget: 0,
    targetRecall: 0.9,
  })
  const [edge, setEdge] = useState<EdgeRun | undefined>()
  const [here, setHere] = useState<LocalRun | undefined>()
  const [error, setError] = useState<PlaygroundApiError | undefined>()
  const [busy, setBusy] = useState(false)
  const [local, setLocal] = useState<{ index?: RetrievalIndex; received: number; error?: string }>({
    received: 0,
  })
  const searched = useRef(false)
  const seq = useRef(0)

  useEffect(() => {
    fetchJson<{ indexes: IndexHead[] }>('/v1/indexes')
      .then(({ data }) => {
        const list = data.indexes.map((i) => i.name)
        setNames(list)
        setName(list.includes('default') ? 'default' : (list[0] ?? ''))
      })
      .catch((err: PlaygroundApiError) => {
        setNames([])
        // Opened at the playground Worker's own URL there is no API beside it.
        setError(
          err.status === 404 && err.code === 'HTTP_ERROR'
            ? new PlaygroundApiError(
                404,
                'NO_API',
                'No retrieval API answers at /api/retrieval on this origin: open the playground through the gateway (the URL npm start prints).',
              )
            : err,
        )
      })
  }, [])

  useEffect(() => {
    if (!name) return
    setDetails(undefined)
    setEdge(undefined)
    setHere(undefined)
    setLocal({ received: 0 })
    searched.current = false
    fetchJson<IndexDetails>(`/v1/indexes/${encodeURIComponent(name)}`)
      .then(({ data }) => {
        setDetails(data)
        const range = budgetRange(data.frontier)
        const nprobes = data.frontier.map((p) => p.settings['nprobe'] ?? 0)
        setForm((f) => ({
          ...f,
          mode: data.modes.includes(f.mode) ? f.mode : (data.modes[0] ?? 'dense'),
          control: range ? f.control : 'manual',
          dims: data.dim,
          nprobe: Math.max(1, ...nprobes),
          budget: range ? budgetAt(500, range) : 0,
        }))
      })
      .catch((err: PlaygroundApiError) => setError(err))
  }, [name])

  const range = details ? budgetRange(details.frontier) : undefined
  const lists = details && /ivf/.test(details.kind)
  const maxNprobe = details ? Math.max(1, ...details.frontier.map((p) => p.settings['nprobe'] ?? 0), 64) : 1

  async function run(current: SearchForm) {
    if (!details) return
    const id = ++seq.current
    const body = searchBody(current, Boolean(lists))
    setBusy(true)
    try {
      const res = await fetchJson<SearchResult>(`/v1/indexes/${encodeURIComponent(details.name)}/search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      const mine = local.index ? await searchHere(local.index, details.name, body) : undefined
      if (id !== seq.current) return
      setEdge({ result: res.data, ms: res.ms, serverMs: res.serverTiming['search'] })
      setHere(mine)
      setError(undefined)
      searched.current = true
    } catch (err) {
      if (id !== seq.current) return
      setError(err instanceof PlaygroundApiError ? err : new PlaygroundApiError(0, 'ERROR', String(err)))
    } finally {
      if (id === seq.current) setBusy(false)
    }
  }

  // Moving a slider after a first search searches again, so the point moves with it.
  const debounce = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  function update(patch: Partial<SearchForm>, live: boolean) {
    const next = { ...form, ...patch }
    setForm(next)
    if (live && searched.current) {
      clearTimeout(debounce.current)
      debounce.current = setTimeout(() => void run(next), 120)
    }
  }

  async function loadHere() {
    if (!details) return
    setLocal({ received: 0 })
    try {
      const index = await loadInBrowser(details, (received) => setLocal((l) => ({ ...l, received })))
      setLocal({ index, received: details.bytes })
    } catch (err) {
      setLocal({ received: 0, error: (err as Error).message })
    }
  }

  const chosen: Chosen | undefined = useMemo(() => {
    if (!edge || !details || edge.result.settings.mode === 'lexical') return undefined
    const s = edge.result.settings
    const point = pointOf(details.frontier, s as Record<string, unknown>)
    const parts = [`${s.scanDims ?? edge.result.cost.dims} dims`]
    if (s.nprobe !== undefined) parts.push(`${s.nprobe} lists`)
    parts.push(`${formatFlops(edge.result.cost.flops)} FLOPs`)
    if (point) parts.push(`recall@${point.k} ${point.recall.toFixed(3)}`)
    return { flops: edge.result.cost.flops, recall: point?.recall, label: parts.join(', ') }
  }, [edge, details])

  const invalid = (field: string) => error?.field === field || error?.field?.endsWith(`.${field}`)
  const errorProps = (field: string) =>
    invalid(field) ? { 'aria-invalid': true as const, 'aria-describedby': 'search-error' } : {}
  const sameHits =
    edge && here
      ? edge.result.hits.map((h) => h.id).join() === here.result.hits.map((h) => h.id).join()
      : undefined

  return (
    <div class="search-panel">
      <form
        class="controls"
        onSubmit={(e) => {
          e.preventDefault()
          void run(form)
        }}
        aria-label="Search settings"
      >
        <div class="field">
          <label for="index">Index</label>
          <select
            id="index"
            value={name}
            disabled={!names || names.length === 0}
            onChange={(e) => setName(e.currentTarget.value)}
          >
            {(names ?? []).map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
          {details && (
            <p class="hint" data-testid="index-info">
              {details.documents.toLocaleString('en')} documents · {details.kind}, {details.dim} dims ·{' '}
              {details.embedder ?? 'no'} embedder · {details.frontier.length} tuned settings
            </p>
          )}
          {names && names.length === 0 && !error && (
            <p class="hint">The retrieval API serves no index yet; `npm start` uploads the default one.</p>
          )}
        </div>

        <div class="field">
          <label for="query">Query</label>
          <input
            id="query"
            name="query"
            type="search"
            autocomplete="off"
            value={form.query}
            onInput={(e) => update({ query: e.currentTarget.value }, false)}
            {...errorProps('query')}
          />
        </div>

        <fieldset class="field">
          <legend>Mode</legend>
          <div class="choices">
            {(details?.modes ?? (['hybrid', 'dense', 'lexical'] as Mode[])).map((m) => (
              <label key={m}>
                <input
                  type="radio"
                  name="mode"
                  value={m}
                  checked={form.mode === m}
                  onChange={() => update({ mode: m }, true)}
                />
                {MODE_TEXT[m]}
              </label>
            ))}
          </div>
        </fieldset>

        <div class="field">
          <label for="k">
            Hits <output for="k">{form.k}</output>
          </label>
          <input
            id="k"
            type="range"
            min={1}
            max={20}
            value={form.k}
            onInput={(e) => update({ k: Number(e.currentTarget.value) }, true)}
          />
        </div>

        <fieldset class="field" disabled={form.mode === 'lexical'}>
          <legend>Cost of the dense search</legend>
          <div class="choices">
            {(Object.keys(CONTROL_TEXT) as CostControl[]).map((c) => (
              <label key={c}>
                <input
                  type="radio"
                  name="control"
                  value={c}
                  checked={form.control === c}
                  disabled={c !== 'manual' && !range}
                  onChange={() => update({ control: c }, true)}
                />
                {CONTROL_TEXT[c]}
              </label>
            ))}
          </div>
          {form.control === 'manual' && (
            <>
              <label for="dims">
                Scan dims <output for="dims">{form.dims}</output>
              </label>
              <input
                id="dims"
                type="range"
                min={1}
                max={details?.dim ?? 16}
                value={form.dims}
                onInput={(e) => update({ dims: Number(e.currentTarget.value) }, true)}
                {...errorProps('dims')}
              />
              {lists && (
                <>
                  <label for="nprobe">
                    Lists probed <output for="nprobe">{form.nprobe}</output>
                  </label>
                  <input
                    id="nprobe"
                    type="range"
                    min={1}
                    max={maxNprobe}
                    value={form.nprobe}
                    onInput={(e) => update({ nprobe: Number(e.currentTarget.value) }, true)}
                    {...errorProps('nprobe')}
                  />
                </>
              )}
            </>
          )}
          {form.control === 'budget' && range && (
            <>
              <label for="budget">
                FLOPs budget per query <output for="budget">{formatFlops(form.budget)}</output>
              </label>
              <input
                id="budget"
                type="range"
                min={0}
                max={1000}
                value={budgetPosition(form.budget, range)}
                aria-valuetext={`${formatFlops(form.budget)} FLOPs`}
                data-budget={form.budget}
                onInput={(e) => update({ budget: budgetAt(Number(e.currentTarget.value), range) }, true)}
                {...errorProps('budget')}
              />
            </>
          )}
          {form.control === 'recall' && (
            <>
              <label for="targetRecall">
                Recall target <output for="targetRecall">{form.targetRecall.toFixed(2)}</output>
              </label>
              <input
                id="targetRecall"
                type="range"
                min={0.5}
                max={1}
                step={0.01}
                value={form.targetRecall}
                onInput={(e) => update({ targetRecall: Number(e.currentTarget.value) }, true)}
                {...errorProps('targetRecall')}
              />
            </>
          )}
        </fieldset>

        <button type="submit" disabled={!details || busy}>
          {busy ? 'Searching…' : 'Search'}
        </button>
      </form>

      <div class="results">
        <p class="visually-hidden" aria-live="polite" data-testid="status">
          {busy
            ? 'Searching…'
            : edge
              ? `${edge.result.hits.length} hits, ${formatFlops(edge.result.cost.flops)} FLOPs${here ? `; in this browser ${sameHits ? 'the same hits' : 'different hits'}` : ''}`
              : ''}
        </p>
        {error && (
          <div id="search-error" class="error" role="alert">
            <strong>{error.status ? `${error.status} ${error.code}` : error.code}</strong>
            <p>{error.message}</p>
          </div>
        )}

        <section aria-labelledby="frontier-title" class="card">
          <h3 id="frontier-title">Where this search sits on the index’s recall–cost frontier</h3>
          {details && details.frontier.length > 0 ? (
            <FrontierChart points={details.frontier} chosen={chosen} />
          ) : (
            <p class="hint">
              {details ? 'This index was built without a tuned frontier.' : 'Loading the index…'}
            </p>
          )}
          {chosen && (
            <p class="hint" data-testid="chosen" data-budget={edge?.result.settings.budget}>
              This search: {chosen.label}
              {chosen.recall === undefined &&
                ' (a setting the index was not tuned at, so its recall is not known)'}
            </p>
          )}
        </section>

        <section aria-labelledby="where-title" class="card">
          <h3 id="where-title">In the browser or at the edge</h3>
          <p class="hint">
            The same index set, downloaded from the API and loaded here by @frugal/retrieval and @frugal/ann —
            the code the Worker runs — answers the same request in this page.
          </p>
          {!local.index && details && (
            <button
              type="button"
              onClick={() => void loadHere()}
              disabled={local.received > 0 && !local.error}
            >
              {local.received > 0 && !local.error
                ? `Loading… ${mb(local.received)} of ${mb(details.bytes)}`
                : `Load the index into this page (${mb(details.bytes)})`}
            </button>
          )}
          {local.error && (
            <p class="error" role="alert">
              The index did not load here: {local.error}
            </p>
          )}
          {local.index && (
            <p class="hint" data-testid="local-ready">
              Loaded and verified ({mb(local.received)}); searches now run in both places.
            </p>
          )}
          {edge && (
            <dl class="latency">
              <dt>At the edge</dt>
              <dd data-testid="edge-ms">
                {edge.ms.toFixed(1)} ms round trip
                {/* workerd's clock only advances across I/O, so a 0 from Server-Timing says nothing. */}
                {edge.serverMs !== undefined &&
                  edge.serverMs > 0 &&
                  ` (${edge.serverMs.toFixed(1)} ms searching in the Worker)`}
              </dd>
              {here && (
                <>
                  <dt>In this browser</dt>
                  <dd data-testid="browser-ms">
                    {here.ms.toFixed(1)} ms · {sameHits ? 'same hits' : 'different hits'} ·{' '}
                    {formatFlops(here.result.cost.flops)} FLOPs
                  </dd>
                </>
              )}
            </dl>
          )}
        </section>

        {edge && (
          <section aria-labelledby="hits-title" class="card">
            <h3 id="hits-title">
              {edge.result.hits.length} hits in {edge.result.settings.mode} mode
            </h3>
            <p class="cost" data-testid="cost">
              Cost: {edge.result.cost.dims} dims × {edge.result.cost.candidates.toLocaleString('en')}{' '}
              candidates = {formatFlops(edge.result.cost.flops)} FLOPs
              {edge.result.cost.lexicalCandidates > 0 &&
                ` · ${edge.result.cost.lexicalCandidates.toLocaleString('en')} documents scored by BM25`}
            </p>
            <ol class="hits">
              {edge.result.hits.map((h) => (
                <li key={h.id} data-id={h.id}>
                  <span class="title">{h.title || h.id}</span> <span class="score">{h.score.toFixed(3)}</span>
                  <p>{h.snippet}</p>
                </li>
              ))}
            </ol>
          </section>
        )}
      </div>
    </div>
  )
}
