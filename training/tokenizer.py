"""Recipe: the zoo's byte-level BPE tokenizer (Hugging Face ``tokenizers``), shared by every text model.

    python3 -m training.tokenizer --out runs/tokenizer --vocab-size 4096 --seed 0

Trained on the training split of the State of the Union speeches, Moby Dick and the SpamAssassin
messages (held-out documents never seen). Specials: ``<pad>`` 0, ``<s>`` 1, ``</s>`` 2, ``<mask>`` 3.
Writes ``tokenizer.json`` (decoder template ``<s> $A``) and ``tokenizer-encoder.json`` (``<s> $A </s>``,
pairs ``<s> $A </s> $B </s>`` with type ids 0/1) plus ``evaluation.json`` with bytes per token on
the held-out text.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

from . import data
from .recipe import RecipeConfig, Run, evaluation_record, parse_config

SPECIALS = ["<pad>", "<s>", "</s>", "<mask>"]
PAD, BOS, EOS, MASK = 0, 1, 2, 3


@dataclasses.dataclass
class TokenizerConfig(RecipeConfig):
    vocab_size: int = 4096
    corpora: str = "sotu,moby,spam"
    min_frequency: int = 2


def decoder_template(tok: Tokenizer) -> Tokenizer:
    t = Tokenizer.from_str(tok.to_str())
    t.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", BOS)])
    return t


def encoder_template(tok: Tokenizer) -> Tokenizer:
    t = Tokenizer.from_str(tok.to_str())
    t.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> $B:1 </s>:1",
        special_tokens=[("<s>", BOS), ("</s>", EOS)],
    )
    return t


def train(docs: list[data.Document], vocab_size: int, min_frequency: int) -> Tokenizer:
    if not 260 <= vocab_size <= 65536:
        raise SystemExit(f"--vocab-size {vocab_size}: must be within 260..65536")
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator((d.text for d in docs if d.split == "train"), trainer, length=None)
    return tok


def token_bytes(tok: Tokenizer) -> list[int]:
    """UTF-8 bytes each token stands for (byte-level alphabet: one character per byte; specials 0)."""
    vocab = tok.get_vocab()
    out = [0] * tok.get_vocab_size()
    for s, i in vocab.items():
        out[i] = 0 if s in SPECIALS else len(s)
    return out


def load(path: str | Path) -> Tokenizer:
    p = Path(path)
    if not p.exists():
        raise SystemExit(f"tokenizer {p} not found; run `python3 -m training.tokenizer --out {p.parent}` first")
    return Tokenizer.from_file(str(p))


def main(argv: list[str] | None = None) -> None:
    cfg: TokenizerConfig = parse_config(TokenizerConfig, argv, __doc__)
    run = Run(cfg, "tokenizer")
    docs = data.corpus(tuple(cfg.corpora.split(",")))
    if cfg.smoke:
        docs = [d for d in docs if d.split != "train"][:40] + [d for d in docs if d.split == "train"][:60]
    t0 = time.monotonic()
    tok = train(docs, cfg.vocab_size, cfg.min_frequency)
    dec, enc = decoder_template(tok), encoder_template(tok)
    out = Path(cfg.export)
    out.mkdir(parents=True, exist_ok=True)
    dec.save(str(out / "tokenizer.json"))
    enc.save(str(out / "tokenizer-encoder.json"))
    run.step = 1
    # Bytes per token on held-out documents, per corpus.
    rows = []
    for name in cfg.corpora.split(","):
        held = [d.text for d in docs if d.split != "train" and d.id.startswith(name + "/")]
        if not held:
            continue
        n_bytes = sum(len(t.encode()) for t in held)
        n_tok = sum(len(e.ids) for e in tok.encode_batch(held))
        rows.append({"corpus": name, "held-out documents": len(held), "bytes": n_bytes, "bytes/token": n_bytes / n_tok})
    # Round trip of held-out text (byte-level BPE must be lossless).
    sample = next(d.text for d in docs if d.split != "train")
    if tok.decode(tok.encode(sample).ids) != sample:
        raise SystemExit("tokenizer does not round-trip held-out text")
    ev = evaluation_record(
        run,
        "tokenizer",
        0,
        vocab_size=tok.get_vocab_size(),
        train_wall_s=round(time.monotonic() - t0, 1),
        data=data.describe(docs),
        tables={"Bytes per token on held-out documents": {"columns": ["corpus", "held-out documents", "bytes", "bytes/token"], "rows": rows}},
    )
    (Path(cfg.out) / "evaluation.json").write_text(json.dumps(ev, indent=2) + "\n")
    (out / "tokenizer-evaluation.json").write_text(json.dumps(ev, indent=2) + "\n")
    run.log("done", vocab_size=tok.get_vocab_size(), rows=rows)


if __name__ == "__main__":
    main()
