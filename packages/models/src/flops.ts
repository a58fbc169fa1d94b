/**
 * Floating-point operations spent by a forward pass, counted as the kernels run (a multiply-add is
 * 2 FLOPs): `linear` is every matrix product with weights, `attention` the score and mixing products
 * over the key/query pairs that are not masked. Token reductions show up here directly.
 */
export class FlopCounter {
  linear = 0
  attention = 0

  get total(): number {
    return this.linear + this.attention
  }

  addLinear(rows: number, inDim: number, outDim: number): void {
    this.linear += 2 * rows * inDim * outDim
  }

  /** `pairs` query-key pairs per head that were not masked. */
  addAttention(pairs: number, heads: number, headDim: number): void {
    this.attention += 4 * pairs * heads * headDim
  }
}

/** Number of (query, key) pairs that causal masking by position leaves (all pairs when no positions). */
export function visiblePairs(
  qPositions: Int32Array | undefined,
  kPositions: Int32Array | undefined,
  qLen: number,
  kLen: number,
): number {
  if (!qPositions || !kPositions) return qLen * kLen
  let n = 0
  for (let i = 0; i < qLen; i++) {
    const p = qPositions[i]!
    for (let j = 0; j < kLen; j++) if (kPositions[j]! <= p) n++
  }
  return n
}
