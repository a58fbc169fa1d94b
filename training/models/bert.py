"""BERT-style encoder with Hugging Face ``BertModel`` weight names and three heads.

Heads (chosen by ``architectures[0]`` as in Hugging Face):
- ``BertForSequenceClassification``: pooler (tanh dense over [CLS]) then ``classifier`` -> ``[B, num_labels]``;
- ``BertForQuestionAnswering``: ``qa_outputs`` -> start/end logits ``[B, T]`` (the extractive reader);
- ``BertModel`` with ``matryoshka_dims``: mean pooling over the attention mask, an embedding whose
  prefixes of the listed sizes are each usable after L2 normalisation (Matryoshka).
Post-LayerNorm blocks, exact GELU, learned absolute positions and token types.
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
    model_type: str = "bert"
    architectures: list[str] = field(default_factory=lambda: ["BertModel"])

    def to_dict(self) -> dict:
        d = asdict(self)
        if d["matryoshka_dims"] is None:
            del d["matryoshka_dims"]
        return d


class BertEmbeddings(nn.Module):
    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(cfg.vocab_size, cfg.hidden_size)
        self.position_embeddings = nn.Embedding(cfg.max_position_embeddings, cfg.hidden_size)
        self.token_type_embeddings = nn.Embedding(cfg.type_vocab_size, cfg.hidden_size)
        self.LayerNorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)

    def forward(self, ids: torch.Tensor, token_type_ids: torch.Tensor) -> torch.Tensor:
        pos = torch.arange(ids.shape[1])
        x = self.word_embeddings(ids) + self.position_embeddings(pos)[None] + self.token_type_embeddings(token_type_ids)
        return self.LayerNorm(x)


class BertSelfAttention(nn.Module):
    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.h = cfg.num_attention_heads
        self.query = nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.key = nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.value = nn.Linear(cfg.hidden_size, cfg.hidden_size)


class BertSelfOutput(nn.Module):
    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.LayerNorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)


class BertAttention(nn.Module):
    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.self = BertSelfAttention(cfg)
        self.output = BertSelfOutput(cfg)

    def forward(self, x: torch.Tensor, key_bias: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        b, t, d = x.shape
        h = self.self.h

        def heads(y: torch.Tensor) -> torch.Tensor:
            return y.view(b, t, h, d // h).transpose(1, 2)

        out, probs = attention(
            heads(self.self.query(x)), heads(self.self.key(x)), heads(self.self.value(x)), None, key_bias
        )
        out = out.transpose(1, 2).reshape(b, t, d)
        return self.output.LayerNorm(self.output.dense(out) + x), probs


class BertIntermediate(nn.Module):
    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(cfg.hidden_size, cfg.intermediate_size)


class BertOutput(nn.Module):
    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(cfg.intermediate_size, cfg.hidden_size)
        self.LayerNorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)


class BertLayer(nn.Module):
    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.attention = BertAttention(cfg)
        self.intermediate = BertIntermediate(cfg)
        self.output = BertOutput(cfg)

    def forward(self, x: torch.Tensor, key_bias: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        a, probs = self.attention(x, key_bias)
        y = self.output.dense(gelu(self.intermediate.dense(a)))
        return self.output.LayerNorm(y + a), probs


class BertEncoder(nn.Module):
    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(cfg) for _ in range(cfg.num_hidden_layers)])


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

    def forward(self, ids, attention_mask, token_type_ids):
        key_bias = (1.0 - attention_mask.to(torch.float32)) * torch.finfo(torch.float32).min
        x = self.embeddings(ids, token_type_ids)
        hidden, attns = [x], []
        for layer in self.encoder.layer:
            x, probs = layer(x, key_bias)
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

    def forward(self, ids: torch.Tensor, attention_mask: torch.Tensor | None = None, token_type_ids=None) -> dict:
        attention_mask = torch.ones_like(ids) if attention_mask is None else attention_mask
        token_type_ids = torch.zeros_like(ids) if token_type_ids is None else token_type_ids
        backbone = self._backbone[0]
        x, hidden, attns = backbone(ids, attention_mask, token_type_ids)
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
