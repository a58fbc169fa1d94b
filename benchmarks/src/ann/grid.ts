import type { DriverName, Params } from './drivers.ts'

/** One method of the run: a build plus the search settings measured on it. */
export interface MethodPlan {
  /** Unique, file-name safe id, e.g. `adanns-ivf-dc64`. */
  id: string
  /** The group it belongs to in the report and the ratios. */
  group: MethodGroup
  driver: DriverName
  /** Human label of the build. */
  label: string
  params: Params
  settings: { label: string; params: Params }[]
}

export type MethodGroup =
  | 'flat'
  | 'rigid-ivf'
  | 'adanns-ivf'
  | 'ivfpq'
  | 'rigid-opq'
  | 'adanns-opq'
  | 'binary'
  | 'graph'
  | 'hnswlib'
  | 'usearch'

export const GROUPS: readonly MethodGroup[] = [
  'flat',
  'rigid-ivf',
  'adanns-ivf',
  'ivfpq',
  'rigid-opq',
  'adanns-opq',
  'binary',
  'graph',
  'hnswlib',
  'usearch',
]

export interface GridOptions {
  dim: number
  n: number
  /** `default` fits the default time budget; `full` is the whole grid. */
  grid: 'default' | 'full'
  nlist: number
  seed: number
  kmeansIterations: number
  kmeansPointsPerCentroid: number
  hnswM: number
  hnswEfConstruction: number
  usearchBuildThreads: number
  /** Graph index: AdANNS `d_g` (dims of the int8 codes it is built and traversed on), one build each. */
  graphDims: number[]
}

/** Powers of two from `from` up to `dim`, plus `dim` itself. */
function prefixes(dim: number, from: number): number[] {
  const out: number[] = []
  for (let d = from; d < dim; d *= 2) out.push(d)
  out.push(dim)
  return out
}

/** The prefix lengths of a Matryoshka-style sweep that fit in `dim` (about 1/12 ... 1/2 of d, then d). */
function scanPrefixes(dim: number, full: boolean): number[] {
  const fractions = full
    ? [1 / 24, 1 / 12, 1 / 8, 1 / 6, 1 / 4, 1 / 3, 1 / 2, 1]
    : [1 / 12, 1 / 6, 1 / 4, 1 / 3, 1]
  return [
    ...new Set(fractions.map((f) => Math.max(8, Math.round((dim * f) / 8) * 8)).map((d) => Math.min(d, dim))),
  ]
}

/** Every divisor-friendly (m, prefix) pair: m sub-quantisers must divide the quantised prefix. */
function pqPrefix(dim: number, m: number, fraction: number): number {
  const raw = Math.max(m, Math.round(dim * fraction))
  return Math.min(dim, Math.max(m, Math.round(raw / m) * m))
}

/** The methods and settings of a run. */
export function planMethods(o: GridOptions): MethodPlan[] {
  const full = o.grid === 'full'
  const d = o.dim
  const km = {
    nlist: o.nlist,
    seed: o.seed,
    kmeans_iterations: o.kmeansIterations,
    kmeans_points_per_centroid: o.kmeansPointsPerCentroid,
  }
  const probes = full ? [1, 2, 4, 8, 16, 32, 64, 128] : [1, 4, 16, 32, 64]
  const plans: MethodPlan[] = []

  plans.push({
    id: 'frugal-flat',
    group: 'flat',
    driver: 'frugal-flat',
    label: 'Frugal flat (TS exact scan)',
    params: { metric_dims: d },
    settings: [{ label: `d=${d}`, params: { scanDims: d } }],
  })

  plans.push({
    id: 'rigid-ivf',
    group: 'rigid-ivf',
    driver: 'frugal-ivf',
    label: `rigid IVF (d_c = d_s = ${d})`,
    params: { ...km, cluster_dims: d, store_dims: d },
    settings: probes.map((p) => ({ label: `nprobe=${p}`, params: { nprobe: p, scanDims: d } })),
  })

  // AdANNS-IVF: coarse quantiser on a short prefix, scan on several d_s, optionally a re-rank on
  // the stored dims. The stored prefix bounds memory; the largest d_s is the stored prefix.
  const clusterDims = full
    ? prefixes(d, 16).filter((x) => x <= d / 4)
    : [Math.max(8, Math.round(d / 12 / 8) * 8)]
  const scan = scanPrefixes(d, full)
  const stores = full ? [Math.round(d / 4), d] : [Math.round(d / 4)]
  for (const dc of clusterDims) {
    for (const store of stores) {
      const settings: { label: string; params: Params }[] = []
      for (const ds of scan.filter((x) => x <= store)) {
        for (const p of probes) {
          if (p === 1 && ds !== store) continue
          settings.push({ label: `nprobe=${p} d_s=${ds}`, params: { nprobe: p, scanDims: ds } })
        }
      }
      // The funnel: a cheap scan on d_s keeps R candidates, re-scored on the stored prefix.
      for (const ds of scan.filter((x) => x < store && x <= d / 6)) {
        for (const p of probes.filter((x) => x >= 4)) {
          for (const r of full ? [20, 50, 100, 200] : [50, 200]) {
            settings.push({
              label: `nprobe=${p} d_s=${ds} rerank=${r}@${store}`,
              params: { nprobe: p, scanDims: ds, rerank: r },
            })
          }
        }
      }
      plans.push({
        id: `adanns-ivf-dc${dc}-store${store}`,
        group: 'adanns-ivf',
        driver: 'frugal-ivf',
        label: `AdANNS-IVF (d_c = ${dc}, ${store} dims stored)`,
        params: { ...km, cluster_dims: dc, store_dims: store },
        settings,
      })
    }
  }

  // AdANNS-IVF on int8 codes of every dim (a quarter of the float bytes), scanned in WASM SIMD on
  // d_s with a precomputed prefix norm, then re-ranked on all dims.
  {
    // A wider probe prefix than the float plan's: on overlapping clusters the probe decides recall.
    const dc = Math.min(d, Math.max(clusterDims.at(-1)!, Math.round(d / 4)))
    const settings: { label: string; params: Params }[] = []
    const ivf8Probes = full ? [4, 8, 16, 32, 64, 128, 256] : [8, 16, 32, 64, 128, 256]
    const short = Math.max(16, 2 ** Math.floor(Math.log2(d / 4)))
    for (const p of ivf8Probes.filter((x) => x <= o.nlist)) {
      settings.push({ label: `nprobe=${p} d_s=${d}`, params: { nprobe: p, scanDims: d } })
      for (const r of full ? [50, 100, 200] : [100]) {
        settings.push({
          label: `nprobe=${p} d_s=${short} rerank=${r}@${d}`,
          params: { nprobe: p, scanDims: short, rerank: r },
        })
      }
    }
    plans.push({
      id: `adanns-ivf-i8-dc${dc}`,
      group: 'adanns-ivf',
      driver: 'frugal-ivf-i8',
      label: `AdANNS-IVF on int8 codes (WASM SIMD; d_c = ${dc}, ${d} dims stored as int8)`,
      params: { ...km, cluster_dims: dc, store_dims: d },
      settings,
    })
  }

  // PQ: rigid (full d) and AdANNS-OPQ (a Matryoshka prefix) at 16/32/64 bytes per vector. The
  // default grid compares the codes by an exhaustive ADC scan (nlist = 1), as in the AdANNS paper's
  // "exact search + OPQ" figures; the full grid adds IVF-PQ with an nprobe sweep.
  const pqLists = full ? [1, o.nlist] : [1]
  const pqCommon = { seed: o.seed, kmeans_iterations: o.kmeansIterations, pq_iterations: full ? 20 : 10 }
  for (const m of [16, 32, 64]) {
    const variants: { group: MethodGroup; opq: boolean; pqDims: number; cluster: number }[] = []
    if (full || m === 64) variants.push({ group: 'rigid-opq', opq: true, pqDims: d, cluster: d })
    if (full) variants.push({ group: 'ivfpq', opq: false, pqDims: d, cluster: d })
    for (const f of full ? [1 / 8, 1 / 6, 1 / 4, 1 / 2] : [1 / 6]) {
      variants.push({
        group: 'adanns-opq',
        opq: true,
        pqDims: pqPrefix(d, m, f),
        cluster: Math.max(8, Math.round(d / 12)),
      })
    }
    for (const v of variants) {
      for (const nlist of pqLists) {
        const base = v.group === 'adanns-opq' ? `adanns-opq-m${m}-d${v.pqDims}` : `${v.group}-m${m}`
        const kind = v.group === 'adanns-opq' ? 'AdANNS-OPQ' : v.opq ? 'rigid OPQ' : 'rigid PQ'
        plans.push({
          id: nlist === 1 ? base : `${base}-ivf${nlist}`,
          group: v.group,
          driver: 'frugal-ivfpq',
          label: `${kind} ${m} B (PQ on ${v.pqDims} dims, ${nlist === 1 ? 'exhaustive ADC scan' : `IVF ${nlist} lists, d_c = ${v.cluster}`})`,
          params: {
            ...pqCommon,
            nlist,
            m,
            pq_dims: v.pqDims,
            cluster_dims: v.cluster,
            opq: v.opq,
            opq_iterations: v.opq ? (full ? 10 : 4) : 0,
            opq_train_points: v.opq ? 8192 : 0,
          },
          settings: (nlist === 1 ? [1] : probes.filter((p) => p > 1)).map((p) => ({
            label: `nprobe=${p}`,
            params: { nprobe: p },
          })),
        })
      }
    }
  }

  const reranks = full ? [10, 50, 100, 200, 500, 1000, 2000] : [100, 500, 2000]
  plans.push({
    id: 'binary',
    group: 'binary',
    driver: 'frugal-binary',
    label: `binary codes (${d / 8} B) + exact re-rank`,
    params: { seed: o.seed },
    settings: reranks.map((r) => ({ label: `rerank=${r}`, params: { rerank: r } })),
  })

  const graphEfs = full
    ? [10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512]
    : [16, 24, 32, 48, 64, 96, 128, 256]
  for (const gd of [...new Set(o.graphDims.map((g) => Math.min(g, d)))]) {
    plans.push({
      id: `graph-dg${gd}`,
      group: 'graph',
      driver: 'frugal-graph',
      label: `Frugal graph (WASM SIMD; degree ${2 * o.hnswM}, efConstruction ${o.hnswEfConstruction}, int8 codes of ${gd} dims, bf16 re-rank on ${d})`,
      params: {
        degree: 2 * o.hnswM,
        ef_construction: o.hnswEfConstruction,
        graph_dims: gd,
        rerank_store: 'bf16',
        seed: o.seed,
      },
      settings: graphEfs.map((ef) => ({ label: `ef=${ef}`, params: { ef } })),
    })
  }

  const efs = full ? [10, 16, 32, 64, 128, 256, 512] : [16, 32, 64, 128, 256]
  plans.push({
    id: 'hnswlib',
    group: 'hnswlib',
    driver: 'hnswlib',
    label: `hnswlib-node HNSW (M = ${o.hnswM}, efConstruction = ${o.hnswEfConstruction})`,
    params: { m: o.hnswM, ef_construction: o.hnswEfConstruction, seed: 100 },
    settings: efs.map((ef) => ({ label: `ef=${ef}`, params: { ef_search: ef } })),
  })
  plans.push({
    id: 'usearch',
    group: 'usearch',
    driver: 'usearch',
    label: `usearch HNSW (connectivity = ${o.hnswM}, expansion_add = ${o.hnswEfConstruction}, f32)`,
    params: {
      connectivity: o.hnswM,
      expansion_add: o.hnswEfConstruction,
      build_threads: o.usearchBuildThreads,
    },
    settings: efs.map((ef) => ({ label: `expansion=${ef}`, params: { expansion_search: ef } })),
  })
  return plans
}
