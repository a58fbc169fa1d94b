"""Reference logits of an exported (structurally pruned) BERT classifier, for the TypeScript runtime's parity test.

    python3 -m training.apt_reference --model packages/zoo/models/frugal-enc-spam-apt40 \
        --out packages/zoo/src/apt40-reference.json

The safetensors weights (f16 in the zoo) are cast to f32 and run through ``training.models.BertModel``
built from the model's own ``config.json`` (``pruned_heads``, ``intermediate_sizes``); each text is
encoded with the model's ``tokenizer.json``. The JSON lists the texts, their token ids and the logits.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import torch
from safetensors.torch import load_file
from tokenizers import Tokenizer

from .models import BertConfig, BertModel

TEXTS = [
    "Congratulations! You have been selected to receive a FREE cruise. Click here now to claim your prize!!!",
    "Hi Tom, the patch for the kernel build is attached; can you review it before Friday's release?",
    "MAKE MONEY FAST working from home. No experience needed, guaranteed income, reply with your bank details.",
    "The meeting notes from yesterday are on the wiki. Let me know if I missed anything about the CVS migration.",
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    raw = json.loads((args.model / "config.json").read_text())
    fields = {f.name for f in dataclasses.fields(BertConfig)}
    cfg = BertConfig(**{k: v for k, v in raw.items() if k in fields})
    model = BertModel(cfg)
    state = {k: v.to(torch.float32) for k, v in load_file(str(args.model / "model.safetensors")).items()}
    model.load_state_dict(state, strict=True)
    model.eval()
    tok = Tokenizer.from_file(str(args.model / "tokenizer.json"))
    cases = []
    with torch.no_grad():
        for text in TEXTS:
            ids = tok.encode(text).ids[: cfg.max_position_embeddings]
            logits = model(torch.tensor([ids]))["logits"][0]
            cases.append({"text": text, "ids": ids, "logits": [float(v) for v in logits]})
    ref = {"model": args.model.name, "dtype": "f32 (from the stored weights)", "cases": cases}
    args.out.write_text(json.dumps(ref, indent=1) + "\n")


if __name__ == "__main__":
    main()
