"""Load the zoo's Hugging Face exports back into the reference modules (f16 weights widened to f32)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import torch
from safetensors.torch import load_file

from .models import BertConfig, BertModel, OpenElmConfig, OpenElmForCausalLM


def _fields(cls: type, d: dict) -> dict:
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in d.items() if k in names}


def read_config(dir_: str | Path) -> dict:
    p = Path(dir_) / "config.json"
    if not p.exists():
        raise SystemExit(f"{dir_}: no config.json (train and export that model first)")
    return json.loads(p.read_text())


def load_weights(dir_: str | Path) -> dict[str, torch.Tensor]:
    return {k: v.float() for k, v in load_file(str(Path(dir_) / "model.safetensors")).items()}


def load_openelm(dir_: str | Path) -> OpenElmForCausalLM:
    cfg = OpenElmConfig(**_fields(OpenElmConfig, read_config(dir_)))
    model = OpenElmForCausalLM(cfg)
    model.load_state_dict(load_weights(dir_))
    return model


def load_bert(dir_: str | Path, **overrides) -> tuple[BertModel, BertConfig]:
    """A BERT export; ``overrides`` change the head (e.g. ``architectures``) keeping the encoder weights."""
    d = {**_fields(BertConfig, read_config(dir_)), **overrides}
    cfg = BertConfig(**d)
    model = BertModel(cfg)
    weights = load_weights(dir_)
    if model.head != "BertModel" and not any(k.startswith("bert.") for k in weights):
        # A bare encoder (unprefixed names) under a task head.
        weights = {("bert." + k if not k.startswith(("classifier", "qa_outputs")) else k): v for k, v in weights.items()}
    elif model.head == "BertModel" and any(k.startswith("bert.") for k in weights):
        weights = {k[5:]: v for k, v in weights.items() if k.startswith("bert.") and not k.startswith("bert.pooler")}
    missing, unexpected = model.load_state_dict(weights, strict=False)
    if unexpected:
        raise SystemExit(f"{dir_}: unexpected tensors {unexpected[:4]}")
    return model, cfg
