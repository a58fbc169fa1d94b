"""Recipe: frugal-embed, a Matryoshka text embedder fine-tuned from frugal-enc, compared with the LSA default
of ``@frugal/retrieval`` on Cranfield nDCG@10 at every nested dimension.

    python3 -m training.embed --encoder packages/zoo/models/frugal-enc --out runs/embed \\
        --export packages/zoo/models/frugal-embed --budget-minutes 5 --seed 0

Contrastive training (InfoNCE, in-batch negatives, temperature ``--temperature``), summed over the
nested prefixes ``--dims`` of the mean-pooled embedding (Matryoshka). Positive pairs alternate between
two independent crops of the same training document (State of the Union, Moby Dick, SpamAssassin;
Contriever-style) and question → answer passage of the ``frugal synth facts`` training world.
Cranfield (``../shared/datasets/cranfield``) is used only for evaluation: nDCG@10 with Cleverdon's codes
mapped to gains 1→4 … 4→1 (as ``@frugal/datasets``), cosine ranking over all 1,400 abstracts. The LSA
numbers come from the project's own CLI in the same run (``frugal index build`` + ``frugal eval
--modes dense``), so both sides are measured, not quoted.
"""

from __future__ import annotations

import dataclasses
import json
import math
import random
import subprocess
import sys
from pathlib import Path

import torch
from torch import nn

from . import data
from .hf import load_bert
from .reader import ensure_world, read_world
from .recipe import RecipeConfig, Run, autocast, evaluation_record, export_hf, parse_config, write_card, write_evaluation
from .tokenizer import PAD, load

ROOT = Path(__file__).resolve().parent.parent


@dataclasses.dataclass
class EmbedConfig(RecipeConfig):
    encoder: str = "packages/zoo/models/frugal-enc"
    name: str = "frugal-embed"
    dims: list[int] = dataclasses.field(default_factory=lambda: [32, 64, 128])
    corpora: str = "sotu,moby,spam"
    facts_world: str = "runs/facts-train"
    crop: int = 64
    batch: int = 64
    lr: float = 3e-4
    temperature: float = 0.05
    seq: int = 128
    lsa: bool = True


def cranfield() -> tuple[dict[str, str], dict[str, str], dict[str, dict[str, int]]]:
    d = data.cranfield_dir()

    def records(text: str) -> list[tuple[str, dict[str, str]]]:
        out, cur, tag = [], None, None
        for line in text.splitlines():
            if line.startswith(".I "):
                cur = (line[3:].strip(), {})
                out.append(cur)
                tag = None
            elif len(line) >= 2 and line[0] == "." and line[1] in "TABW" and line[2:].strip() == "":
                tag = line[1]
                cur[1][tag] = ""
            elif cur is not None and tag is not None and line.strip():
                cur[1][tag] = (cur[1][tag] + " " + line.strip()).strip()
        return out

    docs = {i: f.get("W", "") for i, f in records((d / "cran.all.1400").read_text(errors="replace"))}
    queries = {str(n + 1): f["W"] for n, (_, f) in enumerate(records((d / "cran.qry").read_text(errors="replace")))}
    gains = {1: 4, 2: 3, 3: 2, 4: 1, -1: 0}
    qrels: dict[str, dict[str, int]] = {}
    for line in (d / "cranqrel").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 3:
            qrels.setdefault(parts[0], {})[parts[1]] = gains[int(parts[2])]
    return docs, queries, qrels


def ndcg10(ranking: list[str], judged: dict[str, int]) -> float:
    dcg = sum(judged.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranking[:10]) if judged.get(d, 0) > 0)
    ideal = sorted((g for g in judged.values() if g > 0), reverse=True)[:10]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def embed_texts(model, tok, texts: list[str], seq: int, bs: int = 64) -> torch.Tensor:
    out = []
    model.eval()
    with torch.no_grad():
        for i in range(0, len(texts), bs):
            ids = batch_ids(tok, texts[i : i + bs], seq)
            out.append(model(ids, attention_mask=(ids != PAD).long())["embedding"].float())
    model.train()
    return torch.cat(out)


def batch_ids(tok, texts: list[str], seq: int) -> torch.Tensor:
    encs = tok.encode_batch(texts)
    ids = torch.full((len(texts), seq), PAD, dtype=torch.long)
    for i, e in enumerate(encs):
        x = e.ids[:seq]
        ids[i, : len(x)] = torch.tensor(x)
    return ids


def evaluate_cranfield(model, tok, dims: list[int], seq: int) -> dict[int, float]:
    docs, queries, qrels = cranfield()
    dids = list(docs)
    de = embed_texts(model, tok, [docs[d] for d in dids], seq)
    qids = [q for q in queries if q in qrels]
    qe = embed_texts(model, tok, [queries[q] for q in qids], seq)
    out = {}
    for dim in dims:
        a = nn.functional.normalize(de[:, :dim], dim=-1)
        b = nn.functional.normalize(qe[:, :dim], dim=-1)
        top = (b @ a.t()).topk(10, dim=1).indices
        out[dim] = sum(ndcg10([dids[j] for j in top[i].tolist()], qrels[q]) for i, q in enumerate(qids)) / len(qids)
    return out


def lsa_baseline(dims: list[int], run_dir: Path) -> dict[int, float]:
    """nDCG@10 of the LSA default through the project's CLI (index built at the largest dim, scanned at each)."""
    corpus = data.cranfield_dir()
    idx = run_dir / "lsa-index"
    exe = ["npx", "-y", "pnpm@12.4.2", "exec", "frugal"]
    r = subprocess.run([*exe, "index", "build", "--corpus", str(corpus), "--out", str(idx), "--dims", str(max(dims)),
                        "--kind", "flat"], cwd=ROOT, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"frugal index build failed:\n{r.stderr[-2000:]}")
    r = subprocess.run([*exe, "eval", "--index", str(idx), "--dataset", str(corpus), "--modes", "dense", "--dims",
                        ",".join(map(str, dims)), "--json", "--quiet"], cwd=ROOT, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"frugal eval failed:\n{r.stderr[-2000:]}")
    return {int(row["dims"]): float(row["ndcg10"]) for row in json.loads(r.stdout)}


def main(argv: list[str] | None = None) -> None:
    cfg: EmbedConfig = parse_config(EmbedConfig, argv, __doc__)
    run = Run(cfg, "embed")
    model, bcfg = load_bert(cfg.encoder, architectures=["BertModel"], matryoshka_dims=list(cfg.dims))
    if max(cfg.dims) > bcfg.hidden_size:
        raise SystemExit(f"--dims {cfg.dims} exceed the encoder's hidden size {bcfg.hidden_size}")
    tok_path = str(Path(cfg.encoder) / "tokenizer.json")
    tok = load(tok_path)
    docs = [d for d in data.corpus(tuple(cfg.corpora.split(","))) if d.split == "train" and len(d.text) > 200]
    world = read_world(ensure_world(cfg.facts_world, 3000, 11))
    if cfg.smoke:
        docs, world = docs[:50], world[:200]
    rng = random.Random(cfg.seed)
    opt = torch.optim.AdamW([p for p in model.parameters()], lr=cfg.lr, weight_decay=0.01)
    if run.state:
        model.load_state_dict(run.state["model"])
        opt.load_state_dict(run.state["opt"])
        rng.setstate(run.state["rng"])

    def crop(text: str) -> str:
        words = text.split()
        n = min(len(words), cfg.crop)
        s = rng.randrange(0, max(1, len(words) - n + 1))
        return " ".join(words[s : s + n])

    def pairs() -> tuple[list[str], list[str]]:
        if run.step % 2 == 0:
            ds = rng.sample(docs, min(cfg.batch, len(docs)))
            return [crop(d.text) for d in ds], [crop(d.text) for d in ds]
        qs = rng.sample(world, min(cfg.batch, len(world)))
        return [q["question"] for q in qs], [q["passage"] for q in qs]

    def loss_fn(a: list[str], b: list[str]) -> torch.Tensor:
        ia, ib = batch_ids(tok, a, cfg.seq), batch_ids(tok, b, cfg.seq)
        ea = model(ia, attention_mask=(ia != PAD).long())["embedding"].float()
        eb = model(ib, attention_mask=(ib != PAD).long())["embedding"].float()
        total = 0.0
        labels = torch.arange(len(a))
        for dim in cfg.dims:
            x = nn.functional.normalize(ea[:, :dim], dim=-1)
            y = nn.functional.normalize(eb[:, :dim], dim=-1)
            s = x @ y.t() / cfg.temperature
            total = total + (nn.functional.cross_entropy(s, labels) + nn.functional.cross_entropy(s.t(), labels)) / 2
        return total / len(cfg.dims)

    before = {} if cfg.smoke else evaluate_cranfield(model, tok, cfg.dims, cfg.seq)
    run.log("before", ndcg10=before)
    run.begin()
    hist, first, lv = [], None, float("nan")
    model.train()
    while not run.done():
        for g in opt.param_groups:
            g["lr"] = cfg.lr * min(1.0, (run.step + 1) / max(1, cfg.warmup)) * (max(0.0, (1 - run.fraction()) / 0.2) if run.fraction() > 0.8 else 1.0)
        a, b = pairs()
        with autocast(cfg):
            loss = loss_fn(a, b)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        run.step += 1
        lv = loss.item()
        if not math.isfinite(lv):
            raise SystemExit(f"loss is {lv}")
        first = lv if first is None else first
        hist.append(lv)
        if run.step % cfg.log_every == 0:
            run.log("train", loss=round(sum(hist) / len(hist), 4))
            hist.clear()
        run.maybe_checkpoint({"model": model.state_dict(), "opt": opt.state_dict(), "rng": rng.getstate()})
    run.maybe_checkpoint({"model": model.state_dict(), "opt": opt.state_dict(), "rng": rng.getstate()}, force=True)
    with run.paused():
        with torch.no_grad():
            for p in model.parameters():
                p.copy_(p.half().float())  # evaluate the f16 weights that ship
        after = evaluate_cranfield(model, tok, cfg.dims, cfg.seq)
        lsa = lsa_baseline(cfg.dims, run.dir) if cfg.lsa else {}
    rows = [{"dims": d, "frugal-embed nDCG@10": after[d], "frugal-enc mean-pooled (before)": before.get(d, ""),
             "LSA default nDCG@10": lsa.get(d, ""), "difference": after[d] - lsa[d] if d in lsa else ""} for d in cfg.dims]
    wins = bool(lsa) and all(after[d] > lsa[d] for d in cfg.dims)
    ev = evaluation_record(
        run, "embed", sum(p.numel() for p in model.parameters()), first_loss=first, final_loss=lv,
        cranfield_ndcg10=after, before=before, lsa=lsa, wins_over_lsa=wins,
        summary={**{f"cranfield_ndcg10_d{d}": round(after[d], 4) for d in cfg.dims}, "beats_lsa": "yes" if wins else "no"},
        tables={"Cranfield nDCG@10 (225 queries, 1,400 abstracts)": {"columns": list(rows[0].keys()), "rows": rows}},
    )
    write_evaluation(run, ev)
    export_hf(cfg.export, bcfg.to_dict(), model.state_dict(), tok_path)
    write_card(cfg.export, name=cfg.name, summary=(
        f"Matryoshka text embedder (mean pooling; prefixes {cfg.dims} each usable after L2 normalisation), contrastively "
        f"fine-tuned from frugal-enc. {'It beats' if wins else 'It does not beat'} the LSA default on Cranfield at every "
        f"nested dimension, so it {'is' if wins else 'is not'} a candidate default embedder for `@frugal/retrieval`."),
        evaluation=ev, data=(
            "Contrastive pairs from the training documents of the State of the Union speeches, Moby Dick and SpamAssassin "
            "(two crops of one document) and from the `frugal synth facts` training world (question → passage). Cranfield "
            "is never trained on."),
        notes=[f"Nested dims stop at the encoder's hidden size ({bcfg.hidden_size}); 256 would need a wider encoder."])
    run.log("exported", dir=cfg.export)


if __name__ == "__main__":
    main(sys.argv[1:])
