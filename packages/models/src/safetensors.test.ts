import { describe, expect, it } from 'vitest'
import { parseSafetensors, writeSafetensors } from './safetensors.ts'

function file(header: object, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header))
  const out = new Uint8Array(8 + json.length + data.length)
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true)
  out.set(json, 8)
  out.set(data, 8 + json.length)
  return out
}

const f32 = (values: number[]) => new Uint8Array(new Float32Array(values).buffer)

describe('parseSafetensors', () => {
  it('round-trips f32 exactly and f16/bf16 to their precision', () => {
    const data = new Float32Array([0, 1, -2.5, 3.140625, 65504, 1e-3, -7.75])
    const tensors = new Map([['w', { shape: [7], data }]])
    expect(parseSafetensors(writeSafetensors(tensors, 'F32')).tensors.get('w')!.data).toEqual(data)
    const half = parseSafetensors(writeSafetensors(tensors, 'F16')).tensors.get('w')!
    expect(half.dtype).toBe('F16')
    for (let i = 0; i < data.length; i++)
      expect(Math.abs(half.data[i]! - data[i]!)).toBeLessThanOrEqual(Math.abs(data[i]!) * 2 ** -11)
    const bf = parseSafetensors(writeSafetensors(tensors, 'BF16')).tensors.get('w')!
    for (let i = 0; i < data.length; i++)
      expect(Math.abs(bf.data[i]! - data[i]!)).toBeLessThanOrEqual(Math.abs(data[i]!) * 2 ** -8)
  })

  it('refuses a finite weight beyond ±2^16 (it made a forward pass overflow to NaN logits)', () => {
    for (const value of [3.0e38, -1e20, 65_537]) {
      const bytes = file({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, f32([1, value]))
      expect(() => parseSafetensors(bytes), String(value)).toThrow(
        expect.objectContaining({ code: 'NOT_FINITE' }),
      )
    }
    const edge = file({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, f32([1, -65_536]))
    expect(parseSafetensors(edge).tensors.get('w')!.data[1]).toBe(-65_536)
  })

  it('reads metadata and several tensors in any header order', () => {
    const bytes = file(
      {
        b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
        __metadata__: { format: 'pt' },
        a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      },
      f32([1, 2, 3]),
    )
    const st = parseSafetensors(bytes)
    expect(st.metadata).toEqual({ format: 'pt' })
    expect([...st.tensors.get('a')!.data]).toEqual([1, 2])
    expect([...st.tensors.get('b')!.data]).toEqual([3])
  })

  it.each([
    ['a file shorter than the length prefix', new Uint8Array(4), 'CORRUPT', 'shorter'],
    [
      'a header length beyond the file',
      (() => {
        const b = new Uint8Array(16)
        new DataView(b.buffer).setBigUint64(0, 1000n, true)
        return b
      })(),
      'CORRUPT',
      'exceeds',
    ],
    [
      'a header that is not JSON',
      (() => {
        const b = file({}, new Uint8Array())
        b[8] = 0x7b + 1
        return b
      })(),
      'CORRUPT',
      'JSON',
    ],
    [
      'an unsupported dtype',
      file({ w: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8)),
      'UNSUPPORTED_DTYPE',
      '"w"',
    ],
    [
      'bytes that disagree with the shape',
      file({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32([1, 2])),
      'CORRUPT',
      '"w"',
    ],
    [
      'offsets outside the data',
      file({ w: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, f32([1, 2])),
      'CORRUPT',
      '"w"',
    ],
    [
      'overlapping tensors',
      file(
        {
          a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
          b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
        },
        f32([1, 2, 3]),
      ),
      'CORRUPT',
      'overlap',
    ],
    [
      'trailing bytes (a truncated or padded file)',
      file({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32([1, 2])),
      'CORRUPT',
      'after the last tensor',
    ],
    [
      'a negative shape',
      file({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, f32([1])),
      'CORRUPT',
      '"w"',
    ],
    [
      'a NaN weight',
      file({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, f32([1, Number.NaN])),
      'NOT_FINITE',
      '"w"',
    ],
  ])('refuses %s', (_what, bytes, code, fragment) => {
    expect(() => parseSafetensors(bytes)).toThrow(expect.objectContaining({ code }))
    expect(() => parseSafetensors(bytes)).toThrow(fragment)
  })
})
