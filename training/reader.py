"""Recipe: an extractive reader for the fact world of ``@frugal/synth`` and its BTR variant (Binary Token
Representations, Cao et al. 2024).

    python3 -m training.reader --encoder packages/zoo/models/frugal-enc --out runs/reader \\
        --export packages/zoo/models --budget-minutes 6 --seed 0

Data: ``frugal synth facts`` worlds (generated on first use with ``npx -y pnpm@12.4.2 exec frugal``):
training world seed ``--train-seed``, test world seed ``--test-seed`` (never seen in training). The
reader reads ``<s> question </s> passage </s>`` (the passage stating the answer) and predicts the
answer's start and end tokens.

Three stages on shares of the budget, as the paper trains BTR:
1. ``reader``: fine-tune frugal-enc as a ``BertForQuestionAnswering`` (exported as ``frugal-reader``);
2. ``decomposed``: layers 1..k run the question and the passage separately (the passage at a fixed
   position offset, so its states can be computed offline), layers k+1.. read them jointly; trained
   with the task loss plus query-aware distillation from stage 1 (upper-layer states of the top 50 %
   passage tokens by question→passage attention);
3. ``btr``: passage states after layer k are binarised: calibrated sign codes
   ``ĥ = μ + α_t · sign(h − μ)`` (per-dimension centre μ from calibration passages, per-token scale α_t
   stored in f16), straight-through gradients (tanh), plus the recovery loss (a linear map of the
   codes regresses the continuous states). Exported as ``frugal-reader-btr``: the reader weights, the
   calibration centre in ``btr.safetensors`` and ``btr_layer`` in ``config.json``.

Evaluation on the test world: exact match for the three readers, passage storage per token and per
passage (f32 states vs bit-packed codes + f16 scales), and the reader time per question in PyTorch
(full reader over question + passage vs upper layers only over precomputed passage codes).
"""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import subprocess
import sys
import time
from pathlib import Path

import torch
from safetensors.torch import save_file
from torch import nn

from .hf import load_bert
from .models import BertModel
from .recipe import RecipeConfig, Run, autocast, evaluation_record, export_hf, parse_config, write_card, write_evaluation
from .tokenizer import BOS, EOS, PAD, load

ROOT = Path(__file__).resolve().parent.parent


@dataclasses.dataclass
class ReaderConfig(RecipeConfig):
    encoder: str = "packages/zoo/models/frugal-enc"
    name: str = "frugal-reader"
    train_world: str = "runs/facts-train"
    test_world: str = "runs/facts-test"
    train_entities: int = 3000
    test_entities: int = 400
    train_seed: int = 11
    test_seed: int = 977
    q_len: int = 24
    p_len: int = 64
    btr_layer: int = 2
    batch: int = 32
    lr: float = 5e-4
    shares: list[float] = dataclasses.field(default_factory=lambda: [0.4, 0.25, 0.35])
    distill_weight: float = 1.0
    recovery_weight: float = 0.5
    eval_limit: int = 0


# Data ---------------------------------------------------------------------------------------------------
def ensure_world(path: str, entities: int, seed: int) -> Path:
    p = ROOT / path if not Path(path).is_absolute() else Path(path)
    if not (p / "answers.jsonl").exists():
        cmd = ["npx", "-y", "pnpm@12.4.2", "exec", "frugal", "synth", "facts", "--entities", str(entities),
               "--seed", str(seed), "--out", str(p)]
        r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{r.stderr[-2000:]}")
    return p


def read_world(p: Path) -> list[dict]:
    corpus = {}
    for line in (p / "corpus.jsonl").read_text().splitlines():
        d = json.loads(line)
        corpus[d["_id"]] = d["text"]
    queries = {json.loads(l)["_id"]: json.loads(l)["text"] for l in (p / "queries.jsonl").read_text().splitlines()}
    out = []
    for line in (p / "answers.jsonl").read_text().splitlines():
        a = json.loads(line)
        span = a["spans"][0]
        out.append({"question": queries[a["query_id"]], "passage": corpus[span["doc_id"]], "start": span["start"],
                    "end": span["end"], "answers": a["answers"], "type": a["type"]})
    return out


@dataclasses.dataclass
class Batch:
    q: torch.Tensor  # [N, q_len]  <s> question </s>
    p: torch.Tensor  # [N, p_len]  passage </s>
    start: torch.Tensor  # answer token index within the joint sequence [q | p]
    end: torch.Tensor
    offsets: list[list[tuple[int, int]]]
    items: list[dict]


def encode(tokenizer: str, items: list[dict], q_len: int, p_len: int) -> Batch:
    tok = load(tokenizer)
    tok.no_padding()
    tok.no_truncation()
    qs = tok.encode_batch([it["question"] for it in items], add_special_tokens=False)
    ps = tok.encode_batch([it["passage"] for it in items], add_special_tokens=False)
    q = torch.full((len(items), q_len), PAD, dtype=torch.long)
    p = torch.full((len(items), p_len), PAD, dtype=torch.long)
    start = torch.zeros(len(items), dtype=torch.long)
    end = torch.zeros(len(items), dtype=torch.long)
    offsets, kept = [], []
    for i, (it, qe, pe) in enumerate(zip(items, qs, ps, strict=True)):
        qi = [BOS, *qe.ids[: q_len - 2], EOS]
        pi = [*pe.ids[: p_len - 1], EOS]
        q[i, : len(qi)] = torch.tensor(qi)
        p[i, : len(pi)] = torch.tensor(pi)
        s = e = -1
        for t, (a, b) in enumerate(pe.offsets[: p_len - 1]):
            if s < 0 and b > it["start"]:
                s = t
            if a < it["end"]:
                e = t
        start[i], end[i] = q_len + max(s, 0), q_len + max(e, 0)
        offsets.append(pe.offsets[: p_len - 1])
        kept.append(it)
    return Batch(q, p, start, end, offsets, kept)


# Models -------------------------------------------------------------------------------------------------
def backbone(m: BertModel):
    return m._backbone[0]


def key_bias(ids: torch.Tensor) -> torch.Tensor:
    return (ids == PAD).float() * torch.finfo(torch.float32).min


def lower(m: BertModel, ids: torch.Tensor, offset: int, type_id: int, k: int) -> torch.Tensor:
    """Layers 1..k over one segment alone (positions from ``offset``)."""
    bb = backbone(m)
    x = bb.embeddings(ids, torch.full_like(ids, type_id), torch.arange(offset, offset + ids.shape[1]))
    kb = key_bias(ids)
    for layer in bb.encoder.layer[:k]:
        x, _ = layer(x, kb)
    return x


def upper(m: BertModel, x: torch.Tensor, ids: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor, list]:
    """Layers k+1.. over the joint sequence; returns start/end logits (masked to the passage) and states."""
    bb = backbone(m)
    kb = key_bias(ids)
    states, attns = [], []
    for layer in bb.encoder.layer[k:]:
        x, probs = layer(x, kb)
        states.append(x)
        attns.append(probs)
    se = m.qa_outputs(x)
    return se[..., 0], se[..., 1], states + [attns]


def full_forward(m: BertModel, b: Batch, idx) -> tuple[torch.Tensor, torch.Tensor, dict]:
    ids = torch.cat([b.q[idx], b.p[idx]], dim=1)
    types = torch.cat([torch.zeros_like(b.q[idx]), torch.ones_like(b.p[idx])], dim=1)
    out = m(ids, attention_mask=(ids != PAD).long(), token_type_ids=types)
    return out["start_logits"], out["end_logits"], out


class Binarizer(nn.Module):
    """Calibrated sign codes: ``μ + α_t · sign(h − μ)``; straight-through (tanh) gradients."""

    def __init__(self, d: int) -> None:
        super().__init__()
        self.register_buffer("center", torch.zeros(d))
        self.recovery = nn.Linear(d, d)

    def calibrate(self, h: torch.Tensor, mask: torch.Tensor) -> None:
        self.center.copy_(h[mask].mean(0))

    def codes(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        c = h - self.center
        scale = c.abs().mean(-1, keepdim=True).half().float()  # stored as f16
        soft = torch.tanh(c / (scale + 1e-6))
        hard = torch.where(c > 0, torch.ones_like(c), -torch.ones_like(c))
        return soft + (hard - soft).detach(), scale

    def forward(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        b, scale = self.codes(h)
        return self.center + scale * b, b


def decomposed_forward(m, b: Batch, idx, cfg: ReaderConfig, binarizer: Binarizer | None = None):
    q, p = b.q[idx], b.p[idx]
    hq = lower(m, q, 0, 0, cfg.btr_layer)
    hp = lower(m, p, cfg.q_len, 1, cfg.btr_layer)
    extra = {"hp": hp}
    if binarizer is not None:
        hp_hat, codes = binarizer(hp)
        extra["codes"], extra["hp_hat"] = codes, hp_hat
        hp = hp_hat
    ids = torch.cat([q, p], dim=1)
    s, e, rest = upper(m, torch.cat([hq, hp], dim=1), ids, cfg.btr_layer)
    extra["states"], extra["attns"] = rest[:-1], rest[-1]
    return s, e, extra


def span_loss(s, e, b: Batch, idx, q_len: int) -> torch.Tensor:
    mask = torch.zeros_like(s, dtype=torch.bool)
    mask[:, :q_len] = True
    s = s.float().masked_fill(mask, -1e4)
    e = e.float().masked_fill(mask, -1e4)
    return (nn.functional.cross_entropy(s, b.start[idx]) + nn.functional.cross_entropy(e, b.end[idx])) / 2


def normalize(t: str) -> str:
    return " ".join(t.lower().strip(" .,;:").split())


def exact_match(start_logits, end_logits, b: Batch, idx, q_len: int, max_len: int = 12) -> list[int]:
    out = []
    for r, i in enumerate(idx.tolist()):
        s = start_logits[r, q_len:].float()
        e = end_logits[r, q_len:].float()
        n = len(b.offsets[i])
        score = s[:n, None] + e[None, :n]
        valid = torch.triu(torch.ones(n, n, dtype=torch.bool)) & ~torch.triu(torch.ones(n, n, dtype=torch.bool), max_len)
        score = score.masked_fill(~valid, -1e9)
        best = int(score.argmax())
        ts, te = divmod(best, n)
        text = b.items[i]["passage"][b.offsets[i][ts][0] : b.offsets[i][te][1]]
        out.append(int(any(normalize(text) == normalize(a) for a in b.items[i]["answers"])))
    return out


def main(argv: list[str] | None = None) -> None:
    cfg: ReaderConfig = parse_config(ReaderConfig, argv, __doc__)
    run = Run(cfg, "reader")
    tr_world = ensure_world(cfg.train_world, cfg.train_entities, cfg.train_seed)
    te_world = ensure_world(cfg.test_world, cfg.test_entities, cfg.test_seed)
    tok = str(Path(cfg.encoder) / "tokenizer.json")
    train_items, test_items = read_world(tr_world), read_world(te_world)
    if cfg.smoke:
        train_items, test_items = train_items[:200], test_items[:40]
    if cfg.eval_limit:
        test_items = test_items[: cfg.eval_limit]
    tr = encode(tok, train_items, cfg.q_len, cfg.p_len)
    te = encode(tok, test_items, cfg.q_len, cfg.p_len)
    reader, bcfg = load_bert(cfg.encoder, architectures=["BertForQuestionAnswering"])
    if cfg.q_len + cfg.p_len > bcfg.max_position_embeddings:
        raise SystemExit(f"--q-len + --p-len exceed the encoder's {bcfg.max_position_embeddings} positions")
    if cfg.btr_layer >= bcfg.num_hidden_layers:
        raise SystemExit(f"--btr-layer {cfg.btr_layer} must be below the encoder's {bcfg.num_hidden_layers} layers")
    gen = torch.Generator().manual_seed(cfg.seed)
    results: dict = dict(run.state.get("results", {})) if run.state else {}
    run.begin()

    def train_stage(stage: str, model, seconds: float, extra_params=(), loss_fn=None):
        params = [p for p in model.parameters() if p.requires_grad] + list(extra_params)
        opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=0.01)
        t0, step, hist, first, lv = run.elapsed(), 0, [], None, float("nan")
        model.train()
        while True:
            frac = (run.elapsed() - t0) / seconds
            if cfg.max_steps:
                frac = max(frac, step / cfg.max_steps)
            if frac >= 1:
                break
            for g in opt.param_groups:
                g["lr"] = cfg.lr * min(1.0, (step + 1) / max(1, cfg.warmup)) * (max(0.0, (1 - frac) / 0.2) if frac > 0.8 else 1.0)
            idx = torch.randint(0, len(tr.q), (cfg.batch,), generator=gen)
            with autocast(cfg):
                loss, task = loss_fn(model, idx)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            step += 1
            run.step += 1
            lv = task.item()
            if not math.isfinite(lv):
                raise SystemExit(f"{stage}: loss is {lv}")
            first = lv if first is None else first
            hist.append(lv)
            if step % cfg.log_every == 0:
                run.log("train", stage=stage, loss=round(sum(hist) / len(hist), 4), total=round(loss.item(), 4))
                hist.clear()
        model.eval()
        return {"steps": step, "first_loss": first, "final_loss": lv}

    share = [s / sum(cfg.shares) * run.budget() for s in cfg.shares]

    # Stage 1: the full reader.
    def loss_full(m, idx):
        s, e, _ = full_forward(m, tr, idx)
        t = span_loss(s, e, tr, idx, cfg.q_len)
        return t, t

    results["reader"] = train_stage("reader", reader, share[0], loss_fn=loss_full)
    teacher = copy.deepcopy(reader)
    for p in teacher.parameters():
        p.requires_grad_(False)

    # Stage 2: decomposed, distilled from stage 1 on the top half of passage tokens by question attention.
    def distill(m, idx, binarizer=None):
        s, e, ex = decomposed_forward(m, tr, idx, cfg, binarizer)
        task = span_loss(s, e, tr, idx, cfg.q_len)
        with torch.no_grad():
            _, _, tout = full_forward(teacher, tr, idx)
        att = tout["attentions"][-1].float().mean(1)  # [B, T, T]
        q2p = att[:, : cfg.q_len, cfg.q_len :].sum(1)  # [B, p_len]
        q2p = q2p.masked_fill(tr.p[idx] == PAD, -1)
        r = max(1, cfg.p_len // 2)
        top = q2p.topk(r, dim=1).indices + cfg.q_len
        hs = ex["states"][-1].float()
        ht = tout["last_hidden_state"].float()
        sel = lambda h: h.gather(1, top[..., None].expand(-1, -1, h.shape[-1]))  # noqa: E731
        l_distill = ((sel(hs) - sel(ht)) ** 2).mean()
        loss = task + cfg.distill_weight * l_distill
        if binarizer is not None:
            rec = binarizer.recovery(ex["codes"].float())
            keep = (tr.p[idx] != PAD)[..., None]
            loss = loss + cfg.recovery_weight * (((rec - ex["hp"].float().detach()) ** 2) * keep).mean()
        return loss, task

    decomposed = copy.deepcopy(reader)
    results["decomposed"] = train_stage("decomposed", decomposed, share[1], loss_fn=distill)

    # Stage 3: binarised passage states (calibrated on training passages), recovery loss.
    btr = copy.deepcopy(decomposed)
    binarizer = Binarizer(bcfg.hidden_size)
    with torch.no_grad():
        calib = torch.arange(min(512, len(tr.p)))
        hp = lower(btr, tr.p[calib], cfg.q_len, 1, cfg.btr_layer)
        binarizer.calibrate(hp, tr.p[calib] != PAD)
    results["btr"] = train_stage("btr", btr, share[2], extra_params=binarizer.recovery.parameters(),
                                 loss_fn=lambda m, idx: distill(m, idx, binarizer))
    run.maybe_checkpoint({"results": results}, force=True)

    # Evaluation on the test world.
    with run.paused(), torch.no_grad():
        idx_all = torch.arange(len(te.q))
        ems: dict[str, list[int]] = {"reader": [], "decomposed": [], "btr": []}
        times = {"reader": 0.0, "btr_upper": 0.0, "btr_offline": 0.0}
        for i in range(0, len(te.q), 64):
            idx = idx_all[i : i + 64]
            t0 = time.perf_counter()
            s, e, _ = full_forward(reader, te, idx)
            times["reader"] += time.perf_counter() - t0
            ems["reader"] += exact_match(s, e, te, idx, cfg.q_len)
            s, e, _ = decomposed_forward(decomposed, te, idx, cfg)
            ems["decomposed"] += exact_match(s, e, te, idx, cfg.q_len)
            # BTR: passage codes computed offline; at question time only the question's lower layers + upper layers.
            t0 = time.perf_counter()
            hp = lower(btr, te.p[idx], cfg.q_len, 1, cfg.btr_layer)
            bits, scale = binarizer.codes(hp)
            packed = pack_bits(bits > 0)
            times["btr_offline"] += time.perf_counter() - t0
            t0 = time.perf_counter()
            b = unpack_bits(packed, hp.shape[-1]).float() * 2 - 1
            hp_hat = binarizer.center + scale * b
            hq = lower(btr, te.q[idx], 0, 0, cfg.btr_layer)
            ids = torch.cat([te.q[idx], te.p[idx]], dim=1)
            s, e, _ = upper(btr, torch.cat([hq, hp_hat], dim=1), ids, cfg.btr_layer)
            times["btr_upper"] += time.perf_counter() - t0
            ems["btr"] += exact_match(s, e, te, idx, cfg.q_len)
        n = len(te.q)
        tokens = float((te.p != PAD).sum()) / n
        d = bcfg.hidden_size
        f32_bytes = d * 4
        btr_bytes = math.ceil(d / 8) + 2
    em = {k: 100 * sum(v) / n for k, v in ems.items()}
    ratio = f32_bytes / btr_bytes
    gap = em["reader"] - em["btr"]
    rows = [
        {"reader": "full reader (frugal-reader)", "exact match": em["reader"], "passage bytes/token": f32_bytes,
         "passage bytes/passage": f32_bytes * tokens, "ms/question (PyTorch)": times["reader"] / n * 1000},
        {"reader": f"decomposed at layer {cfg.btr_layer} (f32 passage states)", "exact match": em["decomposed"],
         "passage bytes/token": f32_bytes, "passage bytes/passage": f32_bytes * tokens, "ms/question (PyTorch)": ""},
        {"reader": "BTR (frugal-reader-btr: 1-bit codes + f16 scale)", "exact match": em["btr"],
         "passage bytes/token": btr_bytes, "passage bytes/passage": btr_bytes * tokens,
         "ms/question (PyTorch)": times["btr_upper"] / n * 1000},
    ]
    met = ratio >= 16 and gap <= 2
    ev = evaluation_record(
        run, "reader", sum(p.numel() for p in reader.parameters()),
        results=results, exact_match=em, passage_tokens_mean=tokens, storage_ratio=ratio, times_s=times, test_questions=n,
        tables={f"Fact world test split (seed {cfg.test_seed}, {n} questions)": {"columns": list(rows[0].keys()), "rows": rows}},
        targets=[{
            "target": "BTR: passage storage ≥ 16x smaller than f32, exact match within 2 points of the unbinarised reader",
            "measured": f"{ratio:.1f}x smaller; EM {em['btr']:.1f} vs {em['reader']:.1f} (gap {gap:.1f} points)",
            "met": met,
            "gap": "" if met else "; ".join(x for x in (f"{16 - ratio:.1f}x short" if ratio < 16 else "",
                                                        f"{gap - 2:.1f} EM points beyond 2" if gap > 2 else "") if x),
        }],
    )
    write_evaluation(run, ev)
    root = Path(cfg.export)
    data_txt = (f"`frugal synth facts` worlds: training seed {cfg.train_seed} ({cfg.train_entities} entities, one question "
                f"each, single- and two-hop), test seed {cfg.test_seed} ({cfg.test_entities} entities); the reader sees "
                f"the question ({cfg.q_len} tokens max) and the passage stating the answer ({cfg.p_len} tokens max).")
    for name, m, summ in ((cfg.name, reader, {"exact_match": round(em["reader"], 2)}),
                          (f"{cfg.name}-btr", btr, {"exact_match": round(em["btr"], 2), "storage_ratio_vs_f32": round(ratio, 2)})):
        conf = m.config.to_dict()
        if name.endswith("-btr"):
            conf["btr_layer"] = cfg.btr_layer
            conf["btr_passage_position_offset"] = cfg.q_len
        export_hf(root / name, conf, m.state_dict(), tok)
        if name.endswith("-btr"):
            save_file({"center": binarizer.center.half().contiguous()}, str(root / name / "btr.safetensors"))
        write_card(root / name, name=name, summary=(
            "Extractive reader (start/end logits over the passage) fine-tuned from frugal-enc." if not name.endswith("-btr") else
            f"BTR reader: layers 1..{cfg.btr_layer} encode question and passage separately; passage states after layer "
            f"{cfg.btr_layer} are stored as calibrated 1-bit codes (`btr.safetensors` holds the centre μ; each token keeps an "
            "f16 scale) and the upper layers read them with the question."),
            evaluation={**ev, "summary": summ}, data=data_txt,
            notes=["Offline token merging of the codes (BTR Algorithm 1) and runtime merging (Algorithm 2) are not applied."])
    run.log("exported", dir=str(root))


def pack_bits(bits: torch.Tensor) -> torch.Tensor:
    """Bool ``[..., d]`` → uint8 ``[..., ceil(d/8)]`` (little-endian bit order within a byte)."""
    d = bits.shape[-1]
    pad = (-d) % 8
    b = nn.functional.pad(bits.to(torch.uint8), (0, pad)).reshape(*bits.shape[:-1], -1, 8)
    weights = torch.tensor([1, 2, 4, 8, 16, 32, 64, 128], dtype=torch.uint8)
    return (b * weights).sum(-1).to(torch.uint8)


def unpack_bits(packed: torch.Tensor, d: int) -> torch.Tensor:
    weights = torch.tensor([1, 2, 4, 8, 16, 32, 64, 128], dtype=torch.uint8)
    bits = (packed[..., None] & weights) > 0
    return bits.reshape(*packed.shape[:-1], -1)[..., :d]


if __name__ == "__main__":
    main(sys.argv[1:])
