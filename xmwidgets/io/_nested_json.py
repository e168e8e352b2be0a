"""Qrels and runs as nested JSON, ``{query_id: {item_id: value}}``: the files of ranx
(``Qrels.from_file`` / ``Run.from_file`` on ``.json``) and the dicts of pytrec_eval and ir-measures.

The standard ``json`` module reads and writes them; what is ours is the check of the shape (with a
JSON path in the error) and the ranks of a run, given as trec_eval orders it (score descending,
ties by docno descending).
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

import pandas as pd

from ._errors import FormatError, PathLike, _int64, _load_json

__all__ = ["read_json_qrels", "read_json_run", "write_json_qrels", "write_json_run"]


def _nested(path: PathLike, what: str) -> list[tuple[str, str, Any]]:
    document = _load_json(path)
    if not isinstance(document, dict) or not document:
        raise FormatError(
            path,
            f"expected a non-empty object {{query_id: {{item_id: {what}}}}}, "
            f"got {type(document).__name__}",
            where="$",
        )
    rows: list[tuple[str, str, Any]] = []
    for query_id, items in document.items():
        if not isinstance(items, dict):
            raise FormatError(
                path,
                f"expected an object {{item_id: {what}}}, got {type(items).__name__} {items!r:.60}",
                where=f"$[{query_id!r}]",
            )
        for item_id, value in items.items():
            rows.append((query_id, item_id, value))
    return rows


def _finite(value: float) -> bool:
    """``math.isfinite``, also for an integer too large for a float (which would raise)."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def read_json_qrels(path: PathLike) -> pd.DataFrame:
    """Read qrels written as nested JSON ``{query_id: {item_id: relevance}}`` (ranx, pytrec_eval).

    Returns
    -------
    pandas.DataFrame
        ``query_id, item_id`` (str) and ``relevance`` (int64), in file order, like
        :func:`read_qrels`.

    Raises
    ------
    FormatError
        Not JSON, not an object of objects, or a relevance that is not an integer; the message
        names the JSON path, e.g. ``$['q1']['d3']``.
    """
    rows = _nested(path, "relevance")
    for query_id, item_id, value in rows:
        if isinstance(value, bool) or not isinstance(value, int):
            raise FormatError(
                path,
                f"relevance must be an integer, got {value!r}",
                where=f"$[{query_id!r}][{item_id!r}]",
            )
        _int64(path, value, "relevance", where=f"$[{query_id!r}][{item_id!r}]")
    frame = pd.DataFrame(rows, columns=["query_id", "item_id", "relevance"])
    return frame.astype({"query_id": str, "item_id": str, "relevance": "int64"})


def read_json_run(path: PathLike, *, tag: str | None = None) -> pd.DataFrame:
    """Read a run written as nested JSON ``{query_id: {item_id: score}}`` (ranx, pytrec_eval).

    Parameters
    ----------
    tag : str, optional
        The run's name for the ``run`` column; default the file name without its suffix.

    Returns
    -------
    pandas.DataFrame
        ``query_id, item_id, rank, score, run`` like :func:`read_run`; ``rank`` (1-based) is the
        order trec_eval evaluates: score descending, ties by item_id descending.

    Raises
    ------
    FormatError
        Not JSON, not an object of objects, or a score that is not a finite number.
    """
    rows = _nested(path, "score")
    for query_id, item_id, value in rows:
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not number or not _finite(value):
            raise FormatError(
                path,
                f"score must be a finite number, got {value!r:.80}",
                where=f"$[{query_id!r}][{item_id!r}]",
            )
    frame = pd.DataFrame(rows, columns=["query_id", "item_id", "score"])
    frame = frame.astype({"query_id": str, "item_id": str, "score": "float64"})
    order = frame.sort_values(
        ["query_id", "score", "item_id"], ascending=[True, False, False], kind="stable"
    )
    frame["rank"] = order.groupby("query_id", sort=False).cumcount().add(1).reindex(frame.index)
    name = tag if tag is not None else os.path.splitext(os.path.basename(os.fspath(path)))[0]
    frame["run"] = name
    return frame[["query_id", "item_id", "rank", "score", "run"]]


def _write(nested: dict[str, dict[str, Any]], path: PathLike) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(nested, handle, ensure_ascii=False, indent=2)
        handle.write("\n")


def _group(frame: pd.DataFrame, column: str, cast: type) -> dict[str, dict[str, Any]]:
    nested: dict[str, dict[str, Any]] = {}
    for query_id, item_id, value in zip(
        frame["query_id"].astype(str), frame["item_id"].astype(str), frame[column], strict=True
    ):
        nested.setdefault(query_id, {})[item_id] = cast(value)
    return nested


def write_json_qrels(qrels: pd.DataFrame, path: PathLike) -> None:
    """Write ``query_id, item_id, relevance`` rows as nested JSON (ranx reads it), in row order."""
    _write(_group(qrels, "relevance", int), path)


def write_json_run(run: pd.DataFrame, path: PathLike) -> None:
    """Write ``query_id, item_id, score`` rows as nested JSON (ranx reads it), in row order."""
    _write(_group(run, "score", float), path)
