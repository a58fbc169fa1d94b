"""LLaVA-style vision-language model: ViT -> MLP projector -> OpenELM decoder, with optional registers.

The decoder input is ``[visual tokens (N) ; register tokens (M) ; text tokens]``: the ViT's patch tokens
after its final LayerNorm (its [CLS] is dropped, LLaVA's "default" feature selection), projected by
``multi_modal_projector`` (``linear_1`` -> GELU -> ``linear_2``, LLaVA-1.5), then ``M`` learned
``register_tokens`` (Victor), then the embedded prompt. With ``visual_token_drop_layer = k`` the visual
tokens are removed from the hidden states after decoder layer ``k - 1``; layers ``< k`` keep their
cache entries for them, later layers never see them. Remaining tokens keep their original positions.
Weight names: ``vision_tower.*`` (ViTModel), ``multi_modal_projector.*``, ``register_tokens``,
``language_model.*`` (OpenELMForCausalLM).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from .common import gelu
from .openelm import DecoderOutput, LayerCache, OpenElmConfig, OpenElmForCausalLM
from .vit import VitConfig, VitModel

MODALITY_IMAGE, MODALITY_REGISTER, MODALITY_TEXT = 0, 1, 2


@dataclass
class VlmConfig:
    vision_config: VitConfig
    text_config: OpenElmConfig
    num_registers: int = 0
    visual_token_drop_layer: int | None = None
    projector_hidden_act: str = "gelu"
    # How a question is put to the model ("{question}" is replaced); None means the question alone.
    prompt_template: str | None = None
    model_type: str = "frugal_vlm"
    architectures: list[str] = field(default_factory=lambda: ["FrugalVlmForCausalLM"])

    def to_dict(self) -> dict:
        return asdict(self)


class Projector(nn.Module):
    def __init__(self, d_in: int, d_out: int) -> None:
        super().__init__()
        self.linear_1 = nn.Linear(d_in, d_out)
        self.linear_2 = nn.Linear(d_out, d_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear_2(gelu(self.linear_1(x)))


class VlmForCausalLM(nn.Module):
    def __init__(self, cfg: VlmConfig) -> None:
        super().__init__()
        self.config = cfg
        self.vision_tower = VitModel(cfg.vision_config)
        self.multi_modal_projector = Projector(cfg.vision_config.hidden_size, cfg.text_config.model_dim)
        if cfg.num_registers > 0:
            self.register_tokens = nn.Parameter(torch.randn(cfg.num_registers, cfg.text_config.model_dim) * 0.5)
        self.language_model = OpenElmForCausalLM(cfg.text_config)

    def embed(self, pixels: torch.Tensor, input_ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Decoder input embeddings ``[B, N+M+T, D]`` and the modality of every token ``[N+M+T]``."""
        visual = self.multi_modal_projector(self.vision_tower(pixels)["last_hidden_state"][:, 1:])
        parts = [visual]
        modality = [torch.full((visual.shape[1],), MODALITY_IMAGE)]
        if self.config.num_registers > 0:
            parts.append(self.register_tokens[None].expand(visual.shape[0], -1, -1))
            modality.append(torch.full((self.config.num_registers,), MODALITY_REGISTER))
        parts.append(self.language_model.transformer.token_embeddings(input_ids))
        modality.append(torch.full((input_ids.shape[1],), MODALITY_TEXT))
        return torch.cat(parts, dim=1), torch.cat(modality)

    def forward(self, pixels: torch.Tensor, input_ids: torch.Tensor, drop_visual: bool = True) -> DecoderOutput:
        """Prefill: logits for every remaining token (visual tokens are gone if they were dropped)."""
        x, modality = self.embed(pixels, input_ids)
        k = self.config.visual_token_drop_layer
        state = {"modality": modality}

        def hook(i: int, hidden: torch.Tensor, positions: torch.Tensor):
            if drop_visual and k is not None and i == k - 1:
                keep = torch.nonzero(state["modality"] != MODALITY_IMAGE).flatten()
                state["modality"] = state["modality"][keep]
                return keep
            return None

        return self.language_model(inputs_embeds=x, positions=torch.arange(x.shape[1]), hook=hook)

    def decode(self, token: torch.Tensor, position: int, cache: list[LayerCache]) -> DecoderOutput:
        """One generation step after the prefill."""
        return self.language_model(token, positions=torch.tensor([position]), past=cache)
