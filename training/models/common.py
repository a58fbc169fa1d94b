"""Layers shared by the architectures: RMSNorm, rotary embeddings, attention written out by hand.

Attention is written with plain matmul/softmax (no fused kernels) so that the graphs export to ONNX
with basic operators, and so that attention probabilities are available to token-reduction methods.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class RMSNorm(nn.Module):
    """``x * rsqrt(mean(x^2) + eps) * weight`` over the last dimension (exports to any ONNX opset)."""

    def __init__(self, dim: int, eps: float = 1e-6) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_tables(positions: torch.Tensor, head_dim: int, theta: float) -> tuple[torch.Tensor, torch.Tensor]:
    """cos/sin tables ``[T, head_dim]`` for the rotate-half layout at integer ``positions`` ``[T]``."""
    inv = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
    freqs = positions.to(torch.float32)[:, None] * inv[None, :]
    emb = torch.cat([freqs, freqs], dim=-1)
    return emb.cos(), emb.sin()


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate ``x`` ``[B, H, T, hd]`` by the tables ``[T, hd]`` (rotate-half, as HF OpenELM/LLaMA)."""
    half = x.shape[-1] // 2
    rotated = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
    return x * cos + rotated * sin


def attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    mask: torch.Tensor | None,
    key_bias: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Scaled dot-product attention; ``q`` ``[B,H,Tq,hd]``, ``k``/``v`` ``[B,H,Tk,hd]`` (already expanded for GQA).

    ``mask`` is additive ``[Tq, Tk]`` (``-inf`` where a query may not look); ``key_bias`` ``[B, Tk]`` is added to
    every query's scores (ToMe's proportional attention uses ``log(size)``). Returns the output and the probabilities.
    """
    scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores + mask
    if key_bias is not None:
        scores = scores + key_bias[:, None, None, :]
    probs = torch.softmax(scores, dim=-1)
    return probs @ v, probs


def causal_mask(q_len: int, k_len: int) -> torch.Tensor:
    """Additive causal mask ``[q_len, k_len]``: query i (the last q_len of k_len positions) sees keys <= its position."""
    offset = k_len - q_len
    i = torch.arange(q_len)[:, None] + offset
    j = torch.arange(k_len)[None, :]
    return torch.where(j <= i, torch.zeros(()), torch.full((), float("-inf")))


def expand_kv(x: torch.Tensor, groups: int) -> torch.Tensor:
    """GQA: repeat each of ``x``'s ``[B, Hkv, T, hd]`` heads ``groups`` times (clean Expand/Reshape in ONNX)."""
    if groups == 1:
        return x
    b, h, t, d = x.shape
    return x[:, :, None].expand(b, h, groups, t, d).reshape(b, h * groups, t, d)


def gelu(x: torch.Tensor) -> torch.Tensor:
    """Exact (erf) GELU, as BERT and ViT use."""
    return nn.functional.gelu(x)


def quick_gelu(x: torch.Tensor) -> torch.Tensor:
    """``x * sigmoid(1.702 x)``, as OpenAI CLIP uses."""
    return x * torch.sigmoid(1.702 * x)
