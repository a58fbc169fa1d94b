"""KV Prediction (Horton et al. 2024): per-layer linear maps from an auxiliary model's KV cache to a base model's.

For every base layer ``i`` one ``nn.Linear`` (with bias) maps the auxiliary layer ``j_i``'s keys, and one its
values, over merged heads: ``[B, Ha, S, ha] -> [B, S, Ha*ha] -> Linear -> [B, S, Hb, hb] -> [B, Hb, S, hb]``.
Consecutive base layers share an auxiliary layer (``j_i = floor(i * L_aux / L_base)``). The auxiliary model
writes keys without k_norm and before RoPE; the base applies its own k_norm to the predicted keys (corenet's
``apply_k_norm_before_cache_write=False`` / ``apply_k_norm_to_past_keys_before_cache_write=True``).
Weight names: ``k_projections.N.{weight,bias}``, ``v_projections.N.{weight,bias}``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from .openelm import LayerCache, OpenElmConfig, OpenElmForCausalLM


@dataclass
class KvPredictorConfig:
    base: str
    aux: str
    aux_layer_for_base_layer: list[int]
    aux_num_kv_heads: list[int]
    aux_head_dim: int
    base_num_kv_heads: list[int]
    base_head_dim: int
    model_type: str = "kv_predictor"
    architectures: list[str] = field(default_factory=lambda: ["KVPredictor"])

    @staticmethod
    def between(base_name: str, base: OpenElmConfig, aux_name: str, aux: OpenElmConfig) -> KvPredictorConfig:
        lb, la = base.num_transformer_layers, aux.num_transformer_layers
        return KvPredictorConfig(
            base=base_name,
            aux=aux_name,
            aux_layer_for_base_layer=[i * la // lb for i in range(lb)],
            aux_num_kv_heads=list(aux.num_kv_heads),
            aux_head_dim=aux.head_dim,
            base_num_kv_heads=list(base.num_kv_heads),
            base_head_dim=base.head_dim,
        )

    def to_dict(self) -> dict:
        return asdict(self)


class KvPredictor(nn.Module):
    def __init__(self, cfg: KvPredictorConfig) -> None:
        super().__init__()
        self.config = cfg

        def dims(i: int) -> tuple[int, int]:
            j = cfg.aux_layer_for_base_layer[i]
            return cfg.aux_num_kv_heads[j] * cfg.aux_head_dim, cfg.base_num_kv_heads[i] * cfg.base_head_dim

        n = len(cfg.aux_layer_for_base_layer)
        self.k_projections = nn.ModuleList([nn.Linear(*dims(i)) for i in range(n)])
        self.v_projections = nn.ModuleList([nn.Linear(*dims(i)) for i in range(n)])

    def forward(self, aux_cache: list[LayerCache]) -> list[LayerCache]:
        out = []
        for i, j in enumerate(self.config.aux_layer_for_base_layer):
            src = aux_cache[j]
            hb, hd = self.config.base_num_kv_heads[i], self.config.base_head_dim

            def project(x: torch.Tensor, lin: nn.Linear, hb: int = hb, hd: int = hd) -> torch.Tensor:
                b, _, s, _ = x.shape
                y = lin(x.transpose(1, 2).reshape(b, s, -1))
                return y.view(b, s, hb, hd).transpose(1, 2)

            out.append(
                LayerCache(project(src.k, self.k_projections[i]), project(src.v, self.v_projections[i]), src.positions)
            )
        return out


@torch.no_grad()
def kv_prediction_generate(
    base: OpenElmForCausalLM, aux: OpenElmForCausalLM, predictor: KvPredictor, prompt: torch.Tensor, steps: int
) -> tuple[list[int], list[torch.Tensor]]:
    """Greedy generation with KV Prediction: aux runs ``prompt[:-1]``, the base runs the last prompt token
    against the predicted cache, then the base generates alone. Returns the tokens and each step's logits ``[V]``."""
    aux_out = aux(prompt[:, :-1], k_norm_before_cache=False)
    predicted = predictor(aux_out.cache)
    n = prompt.shape[1]
    out = base(prompt[:, -1:], positions=torch.tensor([n - 1]), past=predicted, k_norm_past=True)
    tokens, logits = [], []
    for step in range(steps):
        last = out.logits[0, -1]
        logits.append(last)
        tok = int(last.argmax())
        tokens.append(tok)
        if step + 1 < steps:
            out = base(torch.tensor([[tok]]), positions=torch.tensor([n + step]), past=out.cache)
    return tokens, logits
