"""Vision Transformer with Hugging Face ``ViTModel`` / ``ViTForImageClassification`` weight names.

Patch embedding by a strided convolution (``embeddings.patch_embeddings.projection``), a [CLS] token,
learned absolute positions, pre-LayerNorm blocks with exact GELU, a final ``layernorm``; the classifier
(when ``num_labels`` > 0) reads the [CLS] token. Images are ``[B, C, H, W]`` floats, already normalised.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from .common import attention, gelu


@dataclass
class VitConfig:
    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    intermediate_size: int
    image_size: int
    patch_size: int
    num_channels: int = 3
    layer_norm_eps: float = 1e-12
    hidden_act: str = "gelu"
    qkv_bias: bool = True
    num_labels: int = 0
    image_mean: list[float] = field(default_factory=lambda: [0.5, 0.5, 0.5])
    image_std: list[float] = field(default_factory=lambda: [0.5, 0.5, 0.5])
    model_type: str = "vit"
    architectures: list[str] = field(default_factory=lambda: ["ViTModel"])

    @property
    def num_patches(self) -> int:
        return (self.image_size // self.patch_size) ** 2

    def to_dict(self) -> dict:
        return asdict(self)


class PatchEmbeddings(nn.Module):
    def __init__(self, cfg: VitConfig) -> None:
        super().__init__()
        self.projection = nn.Conv2d(cfg.num_channels, cfg.hidden_size, cfg.patch_size, stride=cfg.patch_size)


class VitEmbeddings(nn.Module):
    def __init__(self, cfg: VitConfig) -> None:
        super().__init__()
        self.cls_token = nn.Parameter(torch.randn(1, 1, cfg.hidden_size) * 0.02)
        self.position_embeddings = nn.Parameter(torch.randn(1, cfg.num_patches + 1, cfg.hidden_size) * 0.02)
        self.patch_embeddings = PatchEmbeddings(cfg)

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        x = self.patch_embeddings.projection(pixels).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1)
        return x + self.position_embeddings


class VitSelfAttention(nn.Module):
    def __init__(self, cfg: VitConfig) -> None:
        super().__init__()
        self.query = nn.Linear(cfg.hidden_size, cfg.hidden_size, bias=cfg.qkv_bias)
        self.key = nn.Linear(cfg.hidden_size, cfg.hidden_size, bias=cfg.qkv_bias)
        self.value = nn.Linear(cfg.hidden_size, cfg.hidden_size, bias=cfg.qkv_bias)


class VitSelfOutput(nn.Module):
    def __init__(self, cfg: VitConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(cfg.hidden_size, cfg.hidden_size)


class VitAttention(nn.Module):
    def __init__(self, cfg: VitConfig) -> None:
        super().__init__()
        self.attention = VitSelfAttention(cfg)
        self.output = VitSelfOutput(cfg)


class VitIntermediate(nn.Module):
    def __init__(self, cfg: VitConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(cfg.hidden_size, cfg.intermediate_size)


class VitOutput(nn.Module):
    def __init__(self, cfg: VitConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(cfg.intermediate_size, cfg.hidden_size)


class VitLayer(nn.Module):
    def __init__(self, cfg: VitConfig) -> None:
        super().__init__()
        self.heads = cfg.num_attention_heads
        self.layernorm_before = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)
        self.attention = VitAttention(cfg)
        self.layernorm_after = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)
        self.intermediate = VitIntermediate(cfg)
        self.output = VitOutput(cfg)

    def attend(self, x: torch.Tensor, key_bias: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        b, t, d = x.shape
        h = self.layernorm_before(x)
        a = self.attention.attention

        def heads(y: torch.Tensor) -> torch.Tensor:
            return y.view(b, t, self.heads, d // self.heads).transpose(1, 2)

        out, probs = attention(heads(a.query(h)), heads(a.key(h)), heads(a.value(h)), None, key_bias)
        return x + self.attention.output.dense(out.transpose(1, 2).reshape(b, t, d)), probs

    def mlp(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.output.dense(gelu(self.intermediate.dense(self.layernorm_after(x))))


class VitEncoder(nn.Module):
    def __init__(self, cfg: VitConfig) -> None:
        super().__init__()
        self.layer = nn.ModuleList([VitLayer(cfg) for _ in range(cfg.num_hidden_layers)])


class VitModel(nn.Module):
    """``ViTModel`` (unprefixed names) or, with ``num_labels`` > 0, ``ViTForImageClassification`` (``vit.*`` + ``classifier``)."""

    def __init__(self, cfg: VitConfig) -> None:
        super().__init__()
        self.config = cfg
        body = nn.Module()
        body.embeddings = VitEmbeddings(cfg)
        body.encoder = VitEncoder(cfg)
        body.layernorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)
        if cfg.num_labels > 0:
            self.vit = body
            self.classifier = nn.Linear(cfg.hidden_size, cfg.num_labels)
        else:
            self.embeddings, self.encoder, self.layernorm = body.embeddings, body.encoder, body.layernorm
        self._body = [body]
        for name, p in self.named_parameters():
            if "layernorm" not in name and p.dim() > 1:
                nn.init.normal_(p, std=0.1)
            elif "layernorm" not in name:
                nn.init.normal_(p, std=0.02)

    def forward(self, pixels: torch.Tensor, hook=None) -> dict:
        """``hook(i, x)`` after each block's attention+MLP may return token indices to keep (index 0 must stay)."""
        body = self._body[0]
        x = body.embeddings(pixels)
        hidden, attns = [x], []
        for i, layer in enumerate(body.encoder.layer):
            x, probs = layer.attend(x, None)
            x = layer.mlp(x)
            attns.append(probs)
            if hook is not None:
                keep = hook(i, x)
                if keep is not None:
                    x = x[:, keep]
            hidden.append(x)
        x = body.layernorm(x)
        out = {"last_hidden_state": x, "hidden_states": hidden, "attentions": attns}
        if self.config.num_labels > 0:
            out["logits"] = self.classifier(x[:, 0])
        return out
