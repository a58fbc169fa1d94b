"""Write the OpenELM decoder of the models benchmark in the Hugging Face layout.

The zoo's target size (d 256, 6 layers, vocabulary 4096, layer-wise scaling of heads and FFN
width, GQA), random-initialised with a fixed seed by ``training.models`` (the reference
modules), unless ``--from`` names a trained model directory whose weights are used instead.
Writes ``config.json``, ``model.safetensors`` (f32) and ``onnx/model.onnx``: ``input_ids``
plus ``past_key_values.N.key|value`` ``[1, kv_heads, past, 64]`` (k-normed keys before RoPE, as
the reference cache holds them) to ``logits`` and ``present.N.key|value``, the export that
onnxruntime-web, onnxruntime-node and transformers.js run.

    python benchmarks/src/models/export_openelm.py --out benchmarks/.cache/models/openelm-5m
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from training.models.openelm import LayerCache, OpenElmConfig, OpenElmForCausalLM  # noqa: E402


class OpenElmWithCache(torch.nn.Module):
    """``(input_ids, past k/v per layer) -> (logits, present k/v per layer)`` for ONNX export."""

    def __init__(self, model: OpenElmForCausalLM) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, *past: torch.Tensor):
        p = past[0].shape[2]
        t = input_ids.shape[1]
        positions = torch.arange(t) + p
        past_pos = torch.arange(p)
        caches = [LayerCache(past[2 * i], past[2 * i + 1], past_pos) for i in range(len(past) // 2)]
        out = self.model(input_ids, positions=positions, past=caches)
        present = []
        for c in out.cache:
            present += [c.k, c.v]
        return (out.logits, *present)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--opset", type=int, default=17)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    cfg = OpenElmConfig.layerwise(
        4096,
        256,
        6,
        64,
        gqa_groups=2,
        qkv_multipliers=(0.5, 1.0),
        ffn_multipliers=(1.0, 5.0),
        ffn_dim_divisor=64,
        max_context_length=2048,
    )
    model = OpenElmForCausalLM(cfg).eval()
    out = Path(args.out)
    (out / "onnx").mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(cfg.to_dict(), indent=2) + "\n")
    from safetensors.torch import save_file

    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(out / "model.safetensors"))

    wrapper = OpenElmWithCache(model).eval()
    layers = cfg.num_transformer_layers
    ids = torch.randint(0, cfg.vocab_size, (1, 5))
    past = []
    names_in, names_out = ["input_ids"], ["logits"]
    dyn = {"input_ids": {0: "batch", 1: "sequence"}, "logits": {0: "batch", 1: "sequence"}}
    for i in range(layers):
        for kind in ("key", "value"):
            past.append(torch.randn(1, cfg.num_kv_heads[i], 3, cfg.head_dim))
            names_in.append(f"past_key_values.{i}.{kind}")
            names_out.append(f"present.{i}.{kind}")
            dyn[names_in[-1]] = {0: "batch", 2: "past_sequence"}
            dyn[names_out[-1]] = {0: "batch", 2: "total_sequence"}
    with torch.no_grad():
        torch.onnx.export(
            wrapper,
            (ids, *past),
            str(out / "onnx" / "model.onnx"),
            input_names=names_in,
            output_names=names_out,
            dynamic_axes=dyn,
            opset_version=args.opset,
            dynamo=False,
        )

    # Check the export against PyTorch on a prompt and one cached step.
    import numpy as np
    import onnxruntime as ort

    sess = ort.InferenceSession(str(out / "onnx" / "model.onnx"), providers=["CPUExecutionProvider"])
    prompt = torch.randint(0, cfg.vocab_size, (1, 16))
    feeds = {"input_ids": prompt.numpy()}
    for i in range(layers):
        for kind in ("key", "value"):
            feeds[f"past_key_values.{i}.{kind}"] = np.zeros((1, cfg.num_kv_heads[i], 0, cfg.head_dim), np.float32)
    got = sess.run(None, feeds)
    with torch.no_grad():
        ref = model(prompt, positions=torch.arange(16))
    diff = float(np.abs(got[0] - ref.logits.numpy()).max())
    n_params = sum(p.numel() for p in model.parameters())
    meta = {
        "weights": "random-initialised",
        "seed": args.seed,
        "parameters": n_params,
        "onnx_opset": args.opset,
        "onnx_max_abs_diff": diff,
        "torch": torch.__version__,
    }
    (out / "bench-model.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(json.dumps(meta))


if __name__ == "__main__":
    main()
