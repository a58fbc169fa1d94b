"""BERT-style encoder with Hugging Face ``BertModel`` weight names and three heads.

Heads (chosen by ``architectures[0]`` as in Hugging Face):
- ``BertForSequenceClassification``: pooler (tanh dense over [CLS]) then ``classifier`` -> ``[B, num_labels]``;
- ``BertForQuestionAnswering``: ``qa_outputs`` -> start/end logits ``[B, T]`` (the extractive reader);
- ``BertModel`` with ``matryoshka_dims``: mean pooling over the attention mask, an embedding whose
  prefixes of the listed sizes are each usable after L2 normalisation (Matryoshka).
Post-LayerNorm blocks, exact GELU, learned absolute positions and token types. Structurally pruned
models (APT) keep Hugging Face's ``pruned_heads`` and list each layer's FFN width in ``intermediate_sizes``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from .common import attention, gelu

HEADS = ("BertForSequenceClassification", "BertForQuestionAnswering", "BertModel")


@dataclass
class BertConfig:
    vocab_size: int
    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    intermediate_size: int
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12
    hidden_act: str = "gelu"
    pad_token_id: int = 0
    num_labels: int = 2
    matryoshka_dims: list[int] | None = None
    # Structured pruning (APT): Hugging Face's ``pruned_heads`` ({layer: [head, ...]}, heads keep their
    # size, the layer's q/k/v/out matrices shrink) and the width of each layer's FFN after pruning.
    pruned_heads: dict[str, list[int]] | None = None
    intermediate_sizes: list[int] | None = None
    model_type: str = "bert"
    architectures: list[str] = field(default_factory=lambda: ["BertModel"])

    def to_dict(self) -> dict:
        d = asdict(self)
        for k in ("matryoshka_dims", "pruned_heads", "intermediate_sizes"):
            if d[k] is None:
                del d[k]
        return d

    def heads(self, layer: int) -> int:
        """Attention heads left in ``layer`` after pruning."""
        return self.num_attention_heads - len((self.pruned_heads or {}).get(str(layer), []))

    def head_size(self) -> int:
        return self.hidden_size // self.num_attention_heads

    def ffn(self, layer: int) -> int:
        """FFN width of ``layer`` after pruning."""
        return self.intermediate_sizes[layer] if self.intermediate_sizes else self.intermediate_size


class BertEmbeddings(nn.Module):
    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(cfg.vocab_size, cfg.hidden_size)
        self.position_embeddings = nn.Embedding(cfg.max_position_embeddings, cfg.hidden_size)
        self.token_type_embeddings = nn.Embedding(cfg.type_vocab_size, cfg.hidden_size)
        self.LayerNorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)

    def forward(
        self, ids: torch.Tensor, token_type_ids: torch.Tensor, position_ids: torch.Tensor | None = None
    ) -> torch.Tensor:
        """``position_ids`` ``[T]`` default to 0..T-1 (a decomposed reader encodes a passage at an offset)."""
        pos = torch.arange(ids.shape[1]) if position_ids is None else position_ids
        x = self.word_embeddings(ids) + self.position_embeddings(pos)[None] + self.token_type_embeddings(token_type_ids)
        return self.LayerNorm(x)


class BertSelfAttention(nn.Module):
    def __init__(self, cfg: BertConfig, layer: int) -> None:
        super().__init__()
        self.h = cfg.heads(layer)
        self.hd = cfg.head_size()
        inner = self.h * self.hd
        self.query = nn.Linear(cfg.hidden_size, inner)
        self.key = nn.Linear(cfg.hidden_size, inner)
        self.value = nn.Linear(cfg.hidden_size, inner)


class BertSelfOutput(nn.Module):
    def __init__(self, cfg: BertConfig, layer: int) -> None:
        super().__init__()
        self.dense = nn.Linear(cfg.heads(layer) * cfg.head_size(), cfg.hidden_size)
        self.LayerNorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)


@dataclass
class BlockProbe:
    """Optional masks and captured activations of prunable blocks (APT): heads and FFN neurons.

    ``head_mask`` ``[L, H]`` multiplies each head's context, ``ffn_mask`` ``[L, F]`` each FFN neuron's
    activation; with ``capture`` the masked-in activations are kept (gradients retained) in ``heads``
    (``[B, H, T, hd]`` per layer) and ``neurons`` (``[B, T, F]`` per layer).
    """

    head_mask: torch.Tensor | None = None
    ffn_mask: torch.Tensor | None = None
    capture: bool = False
    heads: list[torch.Tensor] = field(default_factory=list)
    neurons: list[torch.Tensor] = field(default_factory=list)


def _keep(x: torch.Tensor, probe: BlockProbe | None, store: str) -> None:
    if probe is not None and probe.capture and x.requires_grad:
        x.retain_grad()
        getattr(probe, store).append(x)


class BertAttention(nn.Module):
    def __init__(self, cfg: BertConfig, layer: int) -> None:
        super().__init__()
        self.layer = layer
        self.self = BertSelfAttention(cfg, layer)
        self.output = BertSelfOutput(cfg, layer)

    def forward(
        self, x: torch.Tensor, key_bias: torch.Tensor, probe: BlockProbe | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        b, t, _ = x.shape
        h, hd = self.self.h, self.self.hd

        def heads(y: torch.Tensor) -> torch.Tensor:
            return y.view(b, t, h, hd).transpose(1, 2)

        out, probs = attention(
            heads(self.self.query(x)), heads(self.self.key(x)), heads(self.self.value(x)), None, key_bias
        )
        _keep(out, probe, "heads")
        if probe is not None and probe.head_mask is not None:
            out = out * probe.head_mask[self.layer][None, :, None, None]
        out = out.transpose(1, 2).reshape(b, t, h * hd)
        return self.output.LayerNorm(self.output.dense(out) + x), probs


class BertIntermediate(nn.Module):
    def __init__(self, cfg: BertConfig, layer: int) -> None:
        super().__init__()
        self.dense = nn.Linear(cfg.hidden_size, cfg.ffn(layer))


class BertOutput(nn.Module):
    def __init__(self, cfg: BertConfig, layer: int) -> None:
        super().__init__()
        self.dense = nn.Linear(cfg.ffn(layer), cfg.hidden_size)
        self.LayerNorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)


class BertLayer(nn.Module):
    def __init__(self, cfg: BertConfig, layer: int = 0) -> None:
        super().__init__()
        self.layer = layer
        self.attention = BertAttention(cfg, layer)
        self.intermediate = BertIntermediate(cfg, layer)
        self.output = BertOutput(cfg, layer)

    def forward(
        self, x: torch.Tensor, key_bias: torch.Tensor, probe: BlockProbe | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        a, probs = self.attention(x, key_bias, probe)
        act = gelu(self.intermediate.dense(a))
        _keep(act, probe, "neurons")
        if probe is not None and probe.ffn_mask is not None:
            act = act * probe.ffn_mask[self.layer]
        y = self.output.dense(act)
        return self.output.LayerNorm(y + a), probs


class BertEncoder(nn.Module):
    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(cfg, i) for i in range(cfg.num_hidden_layers)])


class BertPooler(nn.Module):
    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(cfg.hidden_size, cfg.hidden_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.dense(x[:, 0]))


class BertBackbone(nn.Module):
    """``BertModel`` itself (names ``embeddings.*``, ``encoder.layer.N.*``, ``pooler.*``)."""

    def __init__(self, cfg: BertConfig, with_pooler: bool) -> None:
        super().__init__()
        self.embeddings = BertEmbeddings(cfg)
        self.encoder = BertEncoder(cfg)
        self.pooler = BertPooler(cfg) if with_pooler else None

    def forward(self, ids, attention_mask, token_type_ids, probe: BlockProbe | None = None):
        key_bias = (1.0 - attention_mask.to(torch.float32)) * torch.finfo(torch.float32).min
        x = self.embeddings(ids, token_type_ids)
        hidden, attns = [x], []
        for layer in self.encoder.layer:
            x, probs = layer(x, key_bias, probe)
            hidden.append(x)
            attns.append(probs)
        return x, hidden, attns


class BertModel(nn.Module):
    """A BERT encoder with the head named by ``config.architectures[0]`` (see module docstring)."""

    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.config = cfg
        self.head = cfg.architectures[0]
        if self.head not in HEADS:
            raise ValueError(f"unknown BERT head {self.head}")
        if any(d > cfg.hidden_size for d in cfg.matryoshka_dims or []):
            raise ValueError(f"matryoshka_dims {cfg.matryoshka_dims} exceed hidden_size {cfg.hidden_size}")
        backbone = BertBackbone(cfg, with_pooler=self.head == "BertForSequenceClassification")
        if self.head == "BertModel":
            # A bare encoder keeps Hugging Face's unprefixed names (as sentence-transformers checkpoints do).
            self.embeddings, self.encoder, self.pooler = backbone.embeddings, backbone.encoder, backbone.pooler
            self._backbone = [backbone]
        else:
            self.bert = backbone
            self._backbone = [backbone]
        if self.head == "BertForSequenceClassification":
            self.classifier = nn.Linear(cfg.hidden_size, cfg.num_labels)
        elif self.head == "BertForQuestionAnswering":
            self.qa_outputs = nn.Linear(cfg.hidden_size, 2)
        for name, p in self.named_parameters():
            if "LayerNorm" in name:
                continue
            if p.dim() > 1:
                nn.init.normal_(p, std=0.02 * 5)
            else:
                nn.init.normal_(p, std=0.02)

    def forward(
        self,
        ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids=None,
        probe: BlockProbe | None = None,
    ) -> dict:
        attention_mask = torch.ones_like(ids) if attention_mask is None else attention_mask
        token_type_ids = torch.zeros_like(ids) if token_type_ids is None else token_type_ids
        backbone = self._backbone[0]
        x, hidden, attns = backbone(ids, attention_mask, token_type_ids, probe)
        out = {"last_hidden_state": x, "hidden_states": hidden, "attentions": attns}
        if self.head == "BertForSequenceClassification":
            out["logits"] = self.classifier(backbone.pooler(x))
        elif self.head == "BertForQuestionAnswering":
            se = self.qa_outputs(x)
            out["start_logits"], out["end_logits"] = se[..., 0], se[..., 1]
        else:
            m = attention_mask.to(torch.float32)[..., None]
            out["embedding"] = (x * m).sum(1) / m.sum(1)
        return out

    @staticmethod
    def matryoshka(embedding: torch.Tensor, dim: int) -> torch.Tensor:
        """The ``dim``-prefix of an embedding, L2-normalised."""
        e = embedding[..., :dim]
        return e / e.norm(dim=-1, keepdim=True)
