import { describe, expect, it } from 'vitest'
import { fixtureReference, loadFixture, maxAbsDiff } from '../fixtures-node.ts'
import { freshTokens } from '../tokens.ts'
import { useWasmKernels } from './index.ts'
import { loadWasmKernels } from './wasm-node.ts'

describe('architectures on the WASM SIMD kernels (through useKernels)', () => {
  it('OpenELM keeps PyTorch parity with and without the cache', async () => {
    const restore = useWasmKernels(await loadWasmKernels())
    try {
      const m = await loadFixture('openelm')
      if (m.arch !== 'openelm') throw new Error('not openelm')
      const ref = fixtureReference('openelm')
      const ids = ref.json.input_ids as number[]
      const full = m.model.forward(m.model.embed(ids), freshTokens(ids.length), { logits: 'all' })
      expect(maxAbsDiff(full.logits, ref.tensor('logits').data)).toBeLessThan(1e-4)
      const cache = m.model.newCache()
      m.model.forward(m.model.embed(ids.slice(0, -1)), freshTokens(ids.length - 1), { cache })
      const last = m.model.forward(m.model.embed(ids.slice(-1)), freshTokens(1, ids.length - 1), { cache })
      expect(
        maxAbsDiff(last.logits, ref.tensor('logits').data.subarray((ids.length - 1) * 320)),
      ).toBeLessThan(1e-4)
    } finally {
      restore()
    }
  })

  it('the VLM with its visual-token drop and BERT keep parity too', async () => {
    const restore = useWasmKernels(await loadWasmKernels())
    try {
      const v = await loadFixture('vlm')
      if (v.arch !== 'frugal_vlm') throw new Error('not vlm')
      const ref = fixtureReference('vlm')
      const out = v.model.prefill(
        ref.tensor('pixel_values').data,
        ref.json.input_ids as number[],
        v.model.decoder.newCache(),
        {
          logits: 'all',
        },
      )
      expect(maxAbsDiff(out.logits, ref.tensor('logits').data)).toBeLessThan(1e-4)
      const b = await loadFixture('bert-reader')
      if (b.arch !== 'bert') throw new Error('not bert')
      const bref = fixtureReference('bert-reader')
      const o = b.model.forward({
        ids: bref.json.input_ids as number[],
        typeIds: bref.json.token_type_ids as number[],
      })
      expect(maxAbsDiff(o.startLogits!, bref.tensor('start_logits').data)).toBeLessThan(1e-4)
    } finally {
      restore()
    }
  })
})
