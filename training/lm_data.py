"""Token streams of the language-model corpora and bits-per-byte evaluation on held-out documents."""

from __future__ import annotations

import math
from pathlib import Path

import torch

from . import data
from .tokenizer import BOS, EOS, load, token_bytes


def stream(tokenizer_path: str | Path, split: str, corpora: tuple[str, ...] = ("sotu", "moby"), limit_docs: int = 0):
    """``<s> doc </s>`` for every document of ``split``, concatenated into one int32 tensor."""
    tok = load(tokenizer_path)
    docs = [d for d in data.corpus(corpora) if d.split == split]
    if limit_docs:
        docs = docs[:limit_docs]
    ids: list[int] = []
    for enc in tok.encode_batch([d.text for d in docs], add_special_tokens=False):
        ids.append(BOS)
        ids.extend(enc.ids)
        ids.append(EOS)
    return torch.tensor(ids, dtype=torch.int32), sum(len(d.text.encode()) for d in docs), len(docs)


def batches(tokens: torch.Tensor, batch: int, seq: int, gen: torch.Generator):
    """Random windows of ``seq + 1`` tokens (input and shifted target)."""
    n = tokens.numel() - seq - 1
    while True:
        starts = torch.randint(0, n, (batch,), generator=gen)
        w = torch.stack([tokens[s : s + seq + 1] for s in starts.tolist()]).long()
        yield w[:, :-1], w[:, 1:]


def windows(tokens: torch.Tensor, seq: int, limit: int = 0) -> list[torch.Tensor]:
    """Non-overlapping windows of ``seq + 1`` tokens covering the stream (the last one shorter)."""
    out = []
    i = 0
    while i + 1 < tokens.numel():
        out.append(tokens[i : i + seq + 1].long())
        i += seq
        if limit and len(out) >= limit:
            break
    return out


@torch.no_grad()
def bits_per_byte(logits_fn, tokens: torch.Tensor, tokenizer_path: str | Path, seq: int, limit: int = 0) -> dict:
    """Cross-entropy in bits over the UTF-8 bytes the predicted tokens stand for.

    ``logits_fn(ids [1, T]) -> logits [1, T, V]``. Each window is read from its start (no context
    carried over); ``<s>``/``</s>`` carry no bytes but their loss still counts, as it must.
    """
    nbytes = torch.tensor(token_bytes(load(tokenizer_path)), dtype=torch.float64)
    nll, nb, nt, correct = 0.0, 0.0, 0, 0
    for w in windows(tokens, seq, limit):
        x, y = w[None, :-1], w[None, 1:]
        logits = logits_fn(x).float()
        nll += torch.nn.functional.cross_entropy(logits[0], y[0], reduction="sum").item()
        correct += int((logits[0].argmax(-1) == y[0]).sum())
        nb += float(nbytes[y[0]].sum())
        nt += y.numel()
    return {
        "bits_per_byte": nll / math.log(2) / nb,
        "loss_per_token": nll / nt,
        "next_token_accuracy": correct / nt,
        "tokens": nt,
        "bytes": int(nb),
    }
