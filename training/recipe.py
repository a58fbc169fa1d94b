"""What every recipe shares: a dataclass config exposed as argparse flags, a wall-clock budget, resumable
checkpoints, JSON-lines logs, the Hugging Face export (f16 safetensors) and the model card.

A run directory (``--out``) holds ``checkpoint.pt`` (model, optimiser, RNG and budget state, rewritten
atomically every ``--checkpoint-every`` seconds and at the end), ``log.jsonl`` and ``evaluation.json``.
``--resume`` continues an interrupted run from its checkpoint with the same config; the time already
spent counts against the budget. The export (``--export``, default ``<out>/export``) is a Hugging Face
model directory whose ``README.md`` is generated from ``evaluation.json``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import random
import shlex
import sys
import time
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import save_file


@dataclasses.dataclass
class RecipeConfig:
    """Knobs every recipe has (each becomes a ``--flag``)."""

    out: str = ""
    export: str = ""
    budget_minutes: float = 10.0
    max_steps: int = 0
    warmup: int = 20
    seed: int = 0
    resume: bool = False
    smoke: bool = False
    threads: int = 1
    bf16: bool = True
    checkpoint_every: float = 60.0
    eval_every: float = 120.0
    log_every: int = 20


def parse_config(cls: type, argv: list[str] | None = None, description: str = "") -> Any:
    """Build ``--kebab-case`` flags from a dataclass's fields (bool fields become ``--x/--no-x``)."""
    p = argparse.ArgumentParser(description=description)
    for f in dataclasses.fields(cls):
        flag = "--" + f.name.replace("_", "-")
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
        if isinstance(default, bool):
            p.add_argument(flag, action=argparse.BooleanOptionalAction, default=default)
        elif isinstance(default, list):
            p.add_argument(flag, type=type(default[0]) if default else str, nargs="+", default=default)
        else:
            p.add_argument(flag, type=type(default), default=default, required=f.name == "out")
    args = p.parse_args(argv)
    cfg = cls(**{f.name: getattr(args, f.name) for f in dataclasses.fields(cls)})
    if cfg.budget_minutes <= 0:
        p.error("--budget-minutes must be positive")
    if not cfg.export:
        cfg.export = str(Path(cfg.out) / "export")
    return cfg


def seed_everything(seed: int) -> None:
    random.seed(seed)
    torch.manual_seed(seed)


def machine() -> str:
    """One line describing the machine (CPU model, cores, torch) for the model card."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, torch {torch.__version__}, {torch.get_num_threads()} thread(s)"


class Run:
    """A run directory: budget clock, checkpoints, logs."""

    def __init__(self, cfg: RecipeConfig, recipe: str) -> None:
        self.cfg = cfg
        self.recipe = recipe
        self.dir = Path(cfg.out)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.ckpt = self.dir / "checkpoint.pt"
        self.log_file = self.dir / "log.jsonl"
        self.spent = 0.0  # training seconds of earlier sessions (evaluation excluded)
        self.step = 0
        self.state: dict = {}
        self._t0 = time.monotonic()
        self._paused = 0.0
        self._last_ckpt = time.monotonic()
        torch.set_num_threads(cfg.threads)
        seed_everything(cfg.seed)
        if cfg.resume:
            if not self.ckpt.exists():
                raise SystemExit(f"--resume: no checkpoint at {self.ckpt}")
            self.state = torch.load(self.ckpt, map_location="cpu", weights_only=False)
            saved = self.state.get("config", {})
            for k in ("seed",):
                if saved.get(k) != getattr(cfg, k):
                    raise SystemExit(f"--resume: checkpoint was made with {k}={saved.get(k)}, not {getattr(cfg, k)}")
            self.spent = float(self.state["spent"])
            self.step = int(self.state["step"])
            random.setstate(self.state["py_rng"])
            torch.set_rng_state(self.state["torch_rng"])
            self.log("resume", spent=round(self.spent, 1), step=self.step)
        elif self.log_file.exists():
            self.log_file.unlink()
        self.log("start", command=command_line(), machine=machine(), config=dataclasses.asdict(cfg))

    # Clock ------------------------------------------------------------------------------------------
    def begin(self) -> None:
        """Start the budget clock (data preparation before it does not count)."""
        self._t0 = time.monotonic()
        self._paused = 0.0

    def elapsed(self) -> float:
        """Training seconds so far, over all sessions, excluding evaluation pauses."""
        return self.spent + time.monotonic() - self._t0 - self._paused

    def budget(self) -> float:
        return self.cfg.budget_minutes * 60

    def fraction(self) -> float:
        """Progress through the run: time over budget (or steps over ``--max-steps`` if that is larger)."""
        f = self.elapsed() / self.budget()
        if self.cfg.max_steps:
            f = max(f, self.step / self.cfg.max_steps)
        return min(1.0, f)

    def done(self) -> bool:
        """The budget is spent (or ``--max-steps`` reached, when set)."""
        if self.cfg.max_steps and self.step >= self.cfg.max_steps:
            return True
        return self.elapsed() >= self.budget()

    def paused(self):
        """Context manager: time inside does not count as training (evaluation, checkpoints)."""
        run = self

        class _P:
            def __enter__(self):
                self.t = time.monotonic()

            def __exit__(self, *a):
                run._paused += time.monotonic() - self.t

        return _P()

    # Logs and checkpoints -------------------------------------------------------------------------------
    def log(self, event: str, **fields) -> None:
        rec = {"event": event, "step": self.step, "train_s": round(self.elapsed(), 2), **fields}
        line = json.dumps(rec)
        print(line, flush=True)
        with self.log_file.open("a") as f:
            f.write(line + "\n")

    def maybe_checkpoint(self, payload: dict, force: bool = False) -> None:
        if not force and time.monotonic() - self._last_ckpt < self.cfg.checkpoint_every:
            return
        with self.paused():
            state = {
                **payload,
                "config": dataclasses.asdict(self.cfg),
                "spent": self.elapsed(),
                "step": self.step,
                "py_rng": random.getstate(),
                "torch_rng": torch.get_rng_state(),
            }
            tmp = self.ckpt.with_suffix(".tmp")
            torch.save(state, tmp)
            os.replace(tmp, self.ckpt)
            self._last_ckpt = time.monotonic()


def wsd_lr(base: float, fraction: float, step: int, warmup: int, decay: float = 0.2) -> float:
    """Warmup (steps), then constant, then linear decay to 0 over the last ``decay`` of the time budget."""
    w = min(1.0, (step + 1) / max(1, warmup))
    if fraction > 1 - decay:
        w *= max(0.0, (1 - fraction) / decay)
    return base * w


def command_line() -> str:
    mod = sys.modules["__main__"].__spec__
    name = mod.name if mod else sys.argv[0]
    return "python3 -m " + name + " " + " ".join(shlex.quote(a) for a in sys.argv[1:])


def autocast(cfg: RecipeConfig):
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=cfg.bf16)


# Export -------------------------------------------------------------------------------------------------
def save_f16(state: dict[str, torch.Tensor], path: Path, metadata: dict[str, str] | None = None) -> None:
    """Float tensors as f16 (contiguous, shared storage broken), others as they are."""
    out = {}
    for k, v in state.items():
        v = v.detach().cpu()
        out[k] = (v.to(torch.float16) if v.is_floating_point() else v).contiguous().clone()
    save_file(out, str(path), metadata=metadata or {"format": "pt"})


def export_hf(
    dir_: str | Path,
    config: dict,
    state: dict[str, torch.Tensor],
    tokenizer_json: str | Path | None,
) -> Path:
    d = Path(dir_)
    d.mkdir(parents=True, exist_ok=True)
    (d / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    save_f16(state, d / "model.safetensors")
    if tokenizer_json is not None:
        (d / "tokenizer.json").write_text(Path(tokenizer_json).read_text())
    return d


def fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def write_card(
    dir_: str | Path,
    *,
    name: str,
    summary: str,
    evaluation: dict,
    data: str,
    notes: list[str] | None = None,
) -> None:
    """``README.md`` of an export, generated from the run's ``evaluation.json`` (also copied next to it)."""
    d = Path(dir_)
    ev = evaluation
    lines = [
        f"# {name}",
        "",
        summary,
        "",
        "## Evaluation",
        "",
    ]
    for title, table in ev.get("tables", {}).items():
        rows = table["rows"]
        cols = table["columns"]
        lines += [f"### {title}", "", "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        for r in rows:
            lines.append("| " + " | ".join(fmt(r.get(c, "")) for c in cols) + " |")
        lines.append("")
    if ev.get("targets"):
        lines += ["## Targets", "", "| target | measured | met |", "|---|---|---|"]
        for t in ev["targets"]:
            lines.append(f"| {t['target']} | {t['measured']} | {'yes' if t['met'] else 'no — ' + t.get('gap', '')} |")
        lines.append("")
    lines += [
        "## Data",
        "",
        data,
        "",
        "## Training",
        "",
        f"- Recipe: `training/{ev['recipe']}.py`",
        f"- Command: `{ev['command']}`",
        f"- Training time: {ev['train_seconds'] / 60:.1f} min of a {ev['budget_minutes']} min budget, "
        f"{ev['steps']} steps",
        f"- Machine: {ev['machine']} (shared with other jobs while training)",
        f"- Parameters: {ev['parameters']:,}",
        "",
    ]
    if notes:
        lines += ["## Notes", "", *[f"- {n}" for n in notes], ""]
    (d / "README.md").write_text("\n".join(lines))
    (d / "evaluation.json").write_text(json.dumps(ev, indent=2) + "\n")


def evaluation_record(run: Run, recipe: str, parameters: int, **extra) -> dict:
    return {
        "recipe": recipe,
        "command": command_line(),
        "machine": machine(),
        "train_seconds": round(run.elapsed(), 1),
        "budget_minutes": run.cfg.budget_minutes,
        "steps": run.step,
        "seed": run.cfg.seed,
        "parameters": parameters,
        **extra,
    }


def write_evaluation(run: Run, ev: dict) -> None:
    (run.dir / "evaluation.json").write_text(json.dumps(ev, indent=2) + "\n")
    run.log("evaluation", **{k: v for k, v in ev.items() if k not in ("tables",)})
