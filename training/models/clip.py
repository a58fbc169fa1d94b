"""Two-tower CLIP with Hugging Face ``CLIPModel`` weight names.

Text tower: token + position embeddings, causal pre-LayerNorm blocks, ``final_layer_norm``, pooled at the
first ``eos_token_id``. Vision tower: patch convolution without bias, ``class_embedding``, positions,
``pre_layrnorm`` (Hugging Face's spelling), pre-LayerNorm blocks, ``post_layernorm`` on [CLS]. Both project
without bias (``text_projection``, ``visual_projection``); ``logit_scale`` is the log temperature.
Activation ``quick_gelu`` as OpenAI CLIP.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from .common import attention, causal_mask, quick_gelu


@dataclass
class ClipTextConfig:
    vocab_size: int
    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    intermediate_size: int
    max_position_embeddings: int = 77
    layer_norm_eps: float = 1e-5
    hidden_act: str = "quick_gelu"
    eos_token_id: int = 2
    pad_token_id: int = 0


@dataclass
class ClipVisionConfig:
    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    intermediate_size: int
    image_size: int
    patch_size: int
    num_channels: int = 3
    layer_norm_eps: float = 1e-5
    hidden_act: str = "quick_gelu"
    image_mean: list[float] = field(default_factory=lambda: [0.5, 0.5, 0.5])
    image_std: list[float] = field(default_factory=lambda: [0.5, 0.5, 0.5])


@dataclass
class ClipConfig:
    text_config: ClipTextConfig
    vision_config: ClipVisionConfig
    projection_dim: int
    logit_scale_init_value: float = 2.6592
    model_type: str = "clip"
    architectures: list[str] = field(default_factory=lambda: ["CLIPModel"])

    def to_dict(self) -> dict:
        return asdict(self)


class ClipAttention(nn.Module):
    def __init__(self, d: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.q_proj = nn.Linear(d, d)
        self.k_proj = nn.Linear(d, d)
        self.v_proj = nn.Linear(d, d)
        self.out_proj = nn.Linear(d, d)

    def forward(self, x, mask, key_bias):
        b, t, d = x.shape

        def heads(y):
            return y.view(b, t, self.heads, d // self.heads).transpose(1, 2)

        out, probs = attention(heads(self.q_proj(x)), heads(self.k_proj(x)), heads(self.v_proj(x)), mask, key_bias)
        return self.out_proj(out.transpose(1, 2).reshape(b, t, d)), probs


class ClipMlp(nn.Module):
    def __init__(self, d: int, inner: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(d, inner)
        self.fc2 = nn.Linear(inner, d)

    def forward(self, x):
        return self.fc2(quick_gelu(self.fc1(x)))


class ClipEncoderLayer(nn.Module):
    def __init__(self, d: int, heads: int, inner: int, eps: float) -> None:
        super().__init__()
        self.self_attn = ClipAttention(d, heads)
        self.layer_norm1 = nn.LayerNorm(d, eps=eps)
        self.mlp = ClipMlp(d, inner)
        self.layer_norm2 = nn.LayerNorm(d, eps=eps)

    def forward(self, x, mask, key_bias):
        a, probs = self.self_attn(self.layer_norm1(x), mask, key_bias)
        x = x + a
        return x + self.mlp(self.layer_norm2(x)), probs


class ClipEncoder(nn.Module):
    def __init__(self, n: int, d: int, heads: int, inner: int, eps: float) -> None:
        super().__init__()
        self.layers = nn.ModuleList([ClipEncoderLayer(d, heads, inner, eps) for _ in range(n)])


class ClipTextEmbeddings(nn.Module):
    def __init__(self, c: ClipTextConfig) -> None:
        super().__init__()
        self.token_embedding = nn.Embedding(c.vocab_size, c.hidden_size)
        self.position_embedding = nn.Embedding(c.max_position_embeddings, c.hidden_size)


class ClipTextTransformer(nn.Module):
    def __init__(self, c: ClipTextConfig) -> None:
        super().__init__()
        self.config = c
        self.embeddings = ClipTextEmbeddings(c)
        self.encoder = ClipEncoder(
            c.num_hidden_layers, c.hidden_size, c.num_attention_heads, c.intermediate_size, c.layer_norm_eps
        )
        self.final_layer_norm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        t = ids.shape[1]
        x = self.embeddings.token_embedding(ids) + self.embeddings.position_embedding(torch.arange(t))[None]
        key_bias = (1.0 - attention_mask.to(torch.float32)) * torch.finfo(torch.float32).min
        hidden = [x]
        for layer in self.encoder.layers:
            x, _ = layer(x, causal_mask(t, t), key_bias)
            hidden.append(x)
        x = self.final_layer_norm(x)
        is_eos = (ids == self.config.eos_token_id).to(torch.int64)
        # First EOS of each row (the last token when a row has none).
        eos = torch.where(is_eos.sum(1) > 0, is_eos.argmax(1), torch.full_like(is_eos[:, 0], t - 1))
        return x[torch.arange(ids.shape[0]), eos], hidden


class ClipVisionEmbeddings(nn.Module):
    def __init__(self, c: ClipVisionConfig) -> None:
        super().__init__()
        n = (c.image_size // c.patch_size) ** 2
        self.class_embedding = nn.Parameter(torch.randn(c.hidden_size) * 0.1)
        self.patch_embedding = nn.Conv2d(c.num_channels, c.hidden_size, c.patch_size, stride=c.patch_size, bias=False)
        self.position_embedding = nn.Embedding(n + 1, c.hidden_size)


class ClipVisionTransformer(nn.Module):
    def __init__(self, c: ClipVisionConfig) -> None:
        super().__init__()
        self.embeddings = ClipVisionEmbeddings(c)
        self.pre_layrnorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.encoder = ClipEncoder(
            c.num_hidden_layers, c.hidden_size, c.num_attention_heads, c.intermediate_size, c.layer_norm_eps
        )
        self.post_layernorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, pixels: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        e = self.embeddings
        x = e.patch_embedding(pixels).flatten(2).transpose(1, 2)
        x = torch.cat([e.class_embedding.expand(x.shape[0], 1, -1), x], dim=1)
        x = self.pre_layrnorm(x + e.position_embedding.weight[None])
        hidden = [x]
        for layer in self.encoder.layers:
            x, _ = layer(x, None, None)
            hidden.append(x)
        return self.post_layernorm(x[:, 0]), hidden


class ClipModel(nn.Module):
    def __init__(self, cfg: ClipConfig) -> None:
        super().__init__()
        self.config = cfg
        self.text_model = ClipTextTransformer(cfg.text_config)
        self.vision_model = ClipVisionTransformer(cfg.vision_config)
        self.text_projection = nn.Linear(cfg.text_config.hidden_size, cfg.projection_dim, bias=False)
        self.visual_projection = nn.Linear(cfg.vision_config.hidden_size, cfg.projection_dim, bias=False)
        self.logit_scale = nn.Parameter(torch.tensor(cfg.logit_scale_init_value))
        for name, p in self.named_parameters():
            if p.dim() > 1:
                nn.init.normal_(p, std=0.1)

    def encode_text(self, ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        mask = torch.ones_like(ids) if attention_mask is None else attention_mask
        pooled, _ = self.text_model(ids, mask)
        e = self.text_projection(pooled)
        return e / e.norm(dim=-1, keepdim=True)

    def encode_image(self, pixels: torch.Tensor) -> torch.Tensor:
        pooled, _ = self.vision_model(pixels)
        e = self.visual_projection(pooled)
        return e / e.norm(dim=-1, keepdim=True)

    def forward(self, ids, pixels, attention_mask=None) -> dict:
        t, i = self.encode_text(ids, attention_mask), self.encode_image(pixels)
        logits_per_image = self.logit_scale.exp() * i @ t.t()
        return {"text_embeds": t, "image_embeds": i, "logits_per_image": logits_per_image}
