"""OpenELM decoder (Mehta et al. 2024) with Hugging Face ``OpenELMForCausalLM`` weight names.

Layer-wise scaling of query/KV heads and FFN width, grouped-query attention, RoPE, RMSNorm on q and k
over the head dimension, SwiGLU, no biases, tied input/output embeddings.

The KV cache holds, per layer, keys *before* RoPE (rotary embeddings are applied to the whole key
sequence at every step, as corenet does) and the position of every cached token, so that a layer
that saw fewer tokens (a token-reduction hook dropped some) keeps a shorter cache. The KV Prediction
switches follow corenet's ``MultiHeadCausalAttention``: an auxiliary model can write keys without
k_norm, and a base model can apply its own k_norm to predicted past keys.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from .common import RMSNorm, apply_rope, attention, expand_kv, rope_tables


def make_divisible(v: float, divisor: int, min_value: int | None = None) -> int:
    """corenet's ``make_divisible``: round to a multiple of ``divisor``, never more than 10 % down."""
    min_value = divisor if min_value is None else min_value
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return int(new_v)


@dataclass
class OpenElmConfig:
    """The fields of a Hugging Face OpenELM ``config.json`` (per-layer lists stored explicitly)."""

    vocab_size: int
    model_dim: int
    num_transformer_layers: int
    head_dim: int
    num_query_heads: list[int]
    num_kv_heads: list[int]
    ffn_multipliers: list[float]
    ffn_dim_divisor: int = 256
    num_gqa_groups: int = 4
    normalize_qk_projections: bool = True
    share_input_output_layers: bool = True
    rope_freq_constant: float = 10000.0
    rope_max_length: int = 4096
    max_context_length: int = 2048
    rms_norm_eps: float = 1e-6
    bos_token_id: int = 1
    eos_token_id: int = 2
    ffn_with_glu: bool = True
    activation_fn_name: str = "swish"
    normalization_layer_name: str = "rms_norm"
    model_type: str = "openelm"
    architectures: list[str] = field(default_factory=lambda: ["OpenELMForCausalLM"])

    @staticmethod
    def layerwise(
        vocab_size: int,
        model_dim: int,
        layers: int,
        head_dim: int,
        gqa_groups: int = 4,
        qkv_multipliers: tuple[float, float] = (0.5, 1.0),
        ffn_multipliers: tuple[float, float] = (0.5, 4.0),
        ffn_dim_divisor: int = 256,
        **kw,
    ) -> OpenElmConfig:
        """Build the per-layer lists with OpenELM's layer-wise scaling (linear in depth, 2-decimal rounding)."""

        def lin(lo: float, hi: float) -> list[float]:
            if layers == 1:
                return [round(lo, 2)]
            return [round(lo + (hi - lo) * i / (layers - 1), 2) for i in range(layers)]

        q_heads, kv_heads = [], []
        for a in lin(*qkv_multipliers):
            q_dim = make_divisible(model_dim * a, head_dim * gqa_groups)
            q_heads.append(q_dim // head_dim)
            kv_heads.append(q_dim // head_dim // gqa_groups)
        return OpenElmConfig(
            vocab_size=vocab_size,
            model_dim=model_dim,
            num_transformer_layers=layers,
            head_dim=head_dim,
            num_query_heads=q_heads,
            num_kv_heads=kv_heads,
            ffn_multipliers=lin(*ffn_multipliers),
            ffn_dim_divisor=ffn_dim_divisor,
            num_gqa_groups=gqa_groups,
            **kw,
        )

    def ffn_dim(self, layer: int) -> int:
        return make_divisible(self.ffn_multipliers[layer] * self.model_dim, self.ffn_dim_divisor)

    def kv_dim(self, layer: int) -> int:
        return self.num_kv_heads[layer] * self.head_dim

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class LayerCache:
    """One layer's cache: pre-RoPE keys and values ``[B, Hkv, T, hd]`` and the positions ``[T]`` of the tokens."""

    k: torch.Tensor
    v: torch.Tensor
    positions: torch.Tensor


class OpenElmAttention(nn.Module):
    def __init__(self, cfg: OpenElmConfig, layer: int) -> None:
        super().__init__()
        self.nq = cfg.num_query_heads[layer]
        self.nkv = cfg.num_kv_heads[layer]
        self.hd = cfg.head_dim
        self.theta = cfg.rope_freq_constant
        self.qkv_proj = nn.Linear(cfg.model_dim, (self.nq + 2 * self.nkv) * self.hd, bias=False)
        self.out_proj = nn.Linear(self.nq * self.hd, cfg.model_dim, bias=False)
        self.q_norm = RMSNorm(self.hd, cfg.rms_norm_eps) if cfg.normalize_qk_projections else None
        self.k_norm = RMSNorm(self.hd, cfg.rms_norm_eps) if cfg.normalize_qk_projections else None

    def split(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        b, t, _ = x.shape
        qkv = self.qkv_proj(x).view(b, t, self.nq + 2 * self.nkv, self.hd).transpose(1, 2)
        return qkv[:, : self.nq], qkv[:, self.nq : self.nq + self.nkv], qkv[:, self.nq + self.nkv :]

    def forward(
        self,
        x: torch.Tensor,
        positions: torch.Tensor,
        past: LayerCache | None,
        *,
        key_bias: torch.Tensor | None = None,
        k_norm_before_cache: bool = True,
        k_norm_past: bool = False,
        kv_override: tuple[torch.Tensor, torch.Tensor] | None = None,
    ) -> tuple[torch.Tensor, LayerCache, torch.Tensor]:
        q, k, v = self.split(x)
        if self.q_norm is not None:
            q = self.q_norm(q)
        k_normed = self.k_norm(k) if self.k_norm is not None else k
        cache_k = k_normed if k_norm_before_cache else k
        if past is not None:
            past_k = self.k_norm(past.k) if (k_norm_past and self.k_norm is not None) else past.k
            all_k = torch.cat([past_k, k_normed], dim=2)
            all_v = torch.cat([past.v, v], dim=2)
            k_pos = torch.cat([past.positions, positions])
            # Predicted past keys are stored k-normed once they enter this model's cache.
            new_cache = LayerCache(torch.cat([past_k, cache_k], dim=2), all_v, k_pos)
        else:
            all_k, all_v, k_pos = k_normed, v, positions
            new_cache = LayerCache(cache_k, v, positions)
        if kv_override is not None:
            # KV Prediction training ("masked cross-attention"): attend only to the predicted cache.
            ok, ov = kv_override
            all_k = self.k_norm(ok) if self.k_norm is not None else ok
            all_v, k_pos = ov, positions
        qc, qs = rope_tables(positions, self.hd, self.theta)
        kc, ks = rope_tables(k_pos, self.hd, self.theta)
        q = apply_rope(q, qc, qs)
        all_k = apply_rope(all_k, kc, ks)
        groups = self.nq // self.nkv
        mask = torch.where(k_pos[None, :] <= positions[:, None], torch.zeros(()), torch.full((), float("-inf")))
        out, probs = attention(q, expand_kv(all_k, groups), expand_kv(all_v, groups), mask, key_bias)
        b, _, t, _ = out.shape
        return self.out_proj(out.transpose(1, 2).reshape(b, t, self.nq * self.hd)), new_cache, probs


class OpenElmFeedForward(nn.Module):
    def __init__(self, cfg: OpenElmConfig, layer: int) -> None:
        super().__init__()
        self.ffn_dim = cfg.ffn_dim(layer)
        self.proj_1 = nn.Linear(cfg.model_dim, 2 * self.ffn_dim, bias=False)
        self.proj_2 = nn.Linear(self.ffn_dim, cfg.model_dim, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y1, y2 = self.proj_1(x).chunk(2, dim=-1)
        return self.proj_2(nn.functional.silu(y1) * y2)


class OpenElmDecoderLayer(nn.Module):
    def __init__(self, cfg: OpenElmConfig, layer: int) -> None:
        super().__init__()
        self.attn_norm = RMSNorm(cfg.model_dim, cfg.rms_norm_eps)
        self.attn = OpenElmAttention(cfg, layer)
        self.ffn_norm = RMSNorm(cfg.model_dim, cfg.rms_norm_eps)
        self.ffn = OpenElmFeedForward(cfg, layer)

    def forward(self, x, positions, past, **kw):
        a, cache, probs = self.attn(self.attn_norm(x), positions, past, **kw)
        h = x + a
        return h + self.ffn(self.ffn_norm(h)), cache, probs


class OpenElmTransformer(nn.Module):
    def __init__(self, cfg: OpenElmConfig) -> None:
        super().__init__()
        self.token_embeddings = nn.Embedding(cfg.vocab_size, cfg.model_dim)
        self.layers = nn.ModuleList([OpenElmDecoderLayer(cfg, i) for i in range(cfg.num_transformer_layers)])
        self.norm = RMSNorm(cfg.model_dim, cfg.rms_norm_eps)


# A hook between layers: (index of the layer just run, hidden [B,T,D], positions [T]) -> indices of tokens to keep, or None.
LayerHook = Callable[[int, torch.Tensor, torch.Tensor], "torch.Tensor | None"]


@dataclass
class DecoderOutput:
    logits: torch.Tensor
    cache: list[LayerCache]
    hidden_states: list[torch.Tensor]
    attentions: list[torch.Tensor]
    positions: torch.Tensor


class OpenElmForCausalLM(nn.Module):
    """``OpenELMForCausalLM``: ``transformer.*`` plus ``lm_head`` when embeddings are not shared."""

    def __init__(self, cfg: OpenElmConfig) -> None:
        super().__init__()
        self.config = cfg
        self.transformer = OpenElmTransformer(cfg)
        self.lm_head = None if cfg.share_input_output_layers else nn.Linear(cfg.model_dim, cfg.vocab_size, bias=False)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """OpenELM initialisation: N(0, in^-1/2); output projections scaled by (2L)^-1/2."""
        d, n = self.config.model_dim, self.config.num_transformer_layers
        for name, p in self.named_parameters():
            if p.dim() == 1:
                nn.init.ones_(p)
            elif name.endswith(("out_proj.weight", "proj_2.weight")):
                nn.init.normal_(p, std=d**-0.5 * (2 * n) ** -0.5)
            else:
                nn.init.normal_(p, std=p.shape[-1] ** -0.5)

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        *,
        inputs_embeds: torch.Tensor | None = None,
        positions: torch.Tensor | None = None,
        past: list[LayerCache] | None = None,
        hook: LayerHook | None = None,
        key_bias: torch.Tensor | None = None,
        k_norm_before_cache: bool = True,
        k_norm_past: bool = False,
        kv_override: list[tuple[torch.Tensor, torch.Tensor]] | None = None,
    ) -> DecoderOutput:
        """Run the decoder; ``positions`` defaults to continuing after the cache (or 0..T-1)."""
        x = self.transformer.token_embeddings(input_ids) if inputs_embeds is None else inputs_embeds
        t = x.shape[1]
        if positions is None:
            start = 0 if not past else int(past[0].positions.max().item()) + 1
            positions = torch.arange(start, start + t)
        caches: list[LayerCache] = []
        hidden = [x]
        attns = []
        for i, layer in enumerate(self.transformer.layers):
            x, cache, probs = layer(
                x,
                positions,
                past[i] if past else None,
                key_bias=key_bias,
                k_norm_before_cache=k_norm_before_cache,
                k_norm_past=k_norm_past,
                kv_override=kv_override[i] if kv_override else None,
            )
            caches.append(cache)
            attns.append(probs)
            if hook is not None:
                keep = hook(i, x, positions)
                if keep is not None:
                    x, positions = x[:, keep], positions[keep]
                    if key_bias is not None:
                        key_bias = key_bias[:, keep]
            hidden.append(x)
        x = self.transformer.norm(x)
        w = self.transformer.token_embeddings.weight if self.lm_head is None else self.lm_head.weight
        return DecoderOutput(x @ w.t(), caches, hidden, attns, positions)


class OpenElmLogits(nn.Module):
    """``input_ids [B,T] -> logits [B,T,V]`` without a cache: the graph exported to ONNX."""

    def __init__(self, model: OpenElmForCausalLM) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self.model(input_ids, positions=torch.arange(input_ids.shape[1])).logits


class OpenElmCachedLogits(nn.Module):
    """``input_ids [1,T]`` plus ``past_key_values.N.key/value [1,Hkv,P,hd]`` -> ``logits`` and ``present.N.key/value``.

    The graph exported to ONNX for cached decoding, in the Hugging Face input/output naming; the cached keys are
    this module's (k-normed, before RoPE), the new tokens sit at positions ``P .. P+T-1``.
    """

    def __init__(self, model: OpenElmForCausalLM) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, *past: torch.Tensor) -> tuple[torch.Tensor, ...]:
        p = past[0].shape[2]
        positions = torch.arange(input_ids.shape[1]) + p
        caches = [
            LayerCache(past[2 * i], past[2 * i + 1], torch.arange(p))
            for i in range(self.model.config.num_transformer_layers)
        ]
        out = self.model(input_ids, positions=positions, past=caches)
        return (out.logits, *[t for c in out.cache for t in (c.k, c.v)])
