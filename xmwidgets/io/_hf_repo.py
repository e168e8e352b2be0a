"""A BEIR-style Hugging Face dataset repo on disk: ``corpus.jsonl``, ``queries.jsonl``,
``qrels/<split>.jsonl`` and a dataset card declaring the ``corpus``/``queries``/``qrels`` configs.

``write_hf`` makes one (ready for ``huggingface-cli upload`` or ``datasets.load_dataset(folder,
"corpus")``); ``read_hf`` reads one from disk without the ``datasets`` package.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ._beir import _records, _write_corpus_and_queries
from ._errors import FormatError, PathLike, _QrelsRows, _require_keys
from ._jsonl import _jsonl_records, write_jsonl
from ._loaded import Loaded
from ._trec import _to_qrels

__all__ = ["write_hf"]

_QRELS_KEYS = ("query-id", "corpus-id", "score")


def _is_repo(root: Path, qrels_ext: str = "jsonl") -> bool:
    """corpus.jsonl, queries.jsonl and qrels/*.jsonl (``qrels_ext="tsv"``: a BEIR folder)."""
    return (
        (root / "corpus.jsonl").is_file()
        and (root / "queries.jsonl").is_file()
        and any((root / "qrels").glob(f"*.{qrels_ext}"))
    )


def _card(splits: list[str]) -> str:
    """The dataset card: YAML front matter that tells ``datasets`` (and the Hub) the configs."""
    lines = ["---", "configs:"]
    for config in ("corpus", "queries"):
        lines += [f"- config_name: {config}", "  data_files:"]
        lines += [f"  - split: {config}", f"    path: {config}.jsonl"]
    lines += ["- config_name: qrels", "  data_files:"]
    for split in splits:
        lines += [f"  - split: {split}", f"    path: qrels/{split}.jsonl"]
    lines += [
        "---",
        "",
        "Written by xmwidgets (`xm.io.write_hf`): BEIR-style corpus, queries, qrels.",
        "",
    ]
    return "\n".join(lines)


def write_hf(
    folder: PathLike,
    queries: pd.DataFrame,
    items: pd.DataFrame,
    qrels: pd.DataFrame,
    split: str = "test",
    *,
    aggregate: str | None = None,
    annotator: str | None = None,
) -> Path:
    """Write a BEIR-style Hugging Face dataset repo to a folder.

    Files: ``corpus.jsonl`` (``_id, title, text``), ``queries.jsonl`` (``_id, text``),
    ``qrels/<split>.jsonl`` (``query-id, corpus-id, score``) and ``README.md`` whose front matter
    declares the configs ``corpus``, ``queries`` and ``qrels`` (one split per qrels file present, so
    writing another split adds it). Upload with ``huggingface-cli upload <repo> <folder>
    --repo-type dataset``; read back with :func:`read_hf` (no ``datasets`` needed) or
    ``datasets.load_dataset(folder, "qrels")``.

    Parameters
    ----------
    folder : str or PathLike
        Created if needed.
    queries, items : pandas.DataFrame
        ``query_id, text`` and ``item_id, text`` (+ ``title``, + extra columns kept as keys).
    qrels : pandas.DataFrame
        A qrels frame, or a labels frame with ``aggregate``/``annotator`` as in :func:`write_qrels`.
    split : str
        Name of the qrels split.

    Returns
    -------
    pathlib.Path
        The folder.
    """
    root = _write_corpus_and_queries(folder, queries, items)
    table = _to_qrels(qrels, aggregate=aggregate, annotator=annotator)
    table = table.rename(
        columns=dict(zip(("query_id", "item_id", "relevance"), _QRELS_KEYS, strict=True))
    )
    write_jsonl(table, root / "qrels" / f"{split}.jsonl")
    splits = sorted(p.stem for p in (root / "qrels").glob("*.jsonl"))
    (root / "README.md").write_text(_card(splits), encoding="utf-8")
    return root


def _read_qrels_jsonl(path: Path) -> pd.DataFrame:
    pairs = _QrelsRows(path, "pair (query-id corpus-id)")
    # an empty qrels split is written as an empty file (BEIR folders may hold header-only qrels)
    for number, record in _jsonl_records(path, allow_empty=True):
        _require_keys(path, record, _QRELS_KEYS, f"line {number}")
        score = record["score"]
        # not int(score) first: it raises for nan, inf and 1e400
        fraction = isinstance(score, float) and not score.is_integer()
        if isinstance(score, bool) or not isinstance(score, int | float) or fraction:
            raise FormatError(
                path, f"score must be an integer relevance, got {score!r}", line=number
            )
        pairs.add(number, str(record["query-id"]), str(record["corpus-id"]), int(score))
    return pairs.frame()


def _read_repo(root: Path, config: str | None, split: str | None) -> pd.DataFrame | Loaded:
    """Read the layout that :func:`write_hf` writes (and MTEB-style repos use), from plain files."""
    if config not in (None, "corpus", "queries", "qrels"):
        raise ValueError(f"unknown config {config!r} for {root}: use corpus, queries or qrels")
    if config == "corpus":
        return _records(root / "corpus.jsonl", "item_id", ("title", "text"))
    if config == "queries":
        return _records(root / "queries.jsonl", "query_id", ("text",))
    splits = sorted(p.stem for p in (root / "qrels").glob("*.jsonl"))
    chosen = split or (splits[0] if len(splits) == 1 else "test" if "test" in splits else None)
    if chosen not in splits:
        raise ValueError(f"{root / 'qrels'} has splits {', '.join(splits)}; pass split=")
    qrels = _read_qrels_jsonl(root / "qrels" / f"{chosen}.jsonl")
    if config == "qrels":
        return qrels
    items = _records(root / "corpus.jsonl", "item_id", ("title", "text"))
    queries = _records(root / "queries.jsonl", "query_id", ("text",))
    return Loaded(queries, items, qrels, "text_to_text")
