"""Columnar validation of a DataFrame of existing judgements for ``Store.import_labels``.

Everything is done with numpy/pandas column operations; the only per-row Python work left is the
tuple that ``executemany`` binds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._errors import StoreError
from ._validate import as_python, now_micros

__all__ = ["import_columns", "not_text", "query_order"]

_REQUIRED = ("query_id", "item_id", "relevance")
_OPTIONAL = ("annotator", "best", "note", "flags", "created_at")


def _row_name(df: pd.DataFrame, position: int) -> str:
    label = df.index[position]
    return f"row {position}" if label == position else f"row {position} (index {label!r})"


def _first_bad(df: pd.DataFrame, bad: np.ndarray) -> int:
    return int(np.flatnonzero(bad)[0])


def _strings(df: pd.DataFrame, col: str, *, nullable: bool, order: np.ndarray | None) -> np.ndarray:
    """Object array of str (None for nulls) in ``order``; ids are cast with ``astype(str)``.

    The strings are made after the rows are put in order, so that the ones written one after
    the other also lie one after the other in memory: made first and then reordered, they are
    reached at random by the insert (rows in random query order cost 15% more to write).
    """
    series = df[col]
    isna = series.isna().to_numpy()
    if isna.any() and not nullable:
        pos = _first_bad(df, isna)
        raise StoreError(f"{col} is missing in {_row_name(df, pos)}: every judgement needs a {col}")
    if order is not None:
        series, isna = series.take(order), isna[order]
    values = series.astype(str).to_numpy(
        dtype=object, copy=True
    )  # never write into the caller's frame
    if isna.any():
        values[isna] = None
    return values


def _relevance(df: pd.DataFrame) -> np.ndarray:
    raw = df["relevance"]
    numbers = pd.to_numeric(raw, errors="coerce")
    bad = numbers.isna().to_numpy()
    if bad.any():
        pos = _first_bad(df, bad)
        value = as_python(raw.iloc[pos])
        raise StoreError(
            f"relevance {value!r} in {_row_name(df, pos)} is not an integer: relevance must be "
            "a level of the scale (an integer from -128 to 127); fix or drop that row"
        )
    floats = numbers.to_numpy(dtype=np.float64)
    bad = floats != np.round(floats)
    if bad.any():
        pos = _first_bad(df, bad)
        value = as_python(raw.iloc[pos])
        raise StoreError(
            f"relevance {value!r} in {_row_name(df, pos)} is not an integer: relevance must be "
            "a level of the scale (an integer from -128 to 127)"
        )
    bad = (floats < -128) | (floats > 127)
    if bad.any():
        pos = _first_bad(df, bad)
        value = as_python(raw.iloc[pos])
        raise StoreError(
            f"relevance {value!r} in {_row_name(df, pos)} is out of range: it must be an integer "
            "from -128 to 127"
        )
    return floats.astype(np.int64)


def _booleans(df: pd.DataFrame, col: str) -> np.ndarray:
    try:
        values = pd.array(df[col], dtype="boolean")
    except (TypeError, ValueError) as exc:
        raise StoreError(f"column {col!r} must hold True, False or nulls: {exc}") from None
    out = values.to_numpy(dtype=object, na_value=None)
    out[~values.isna()] = values[~values.isna()].astype(int)
    return out


def _created_at(df: pd.DataFrame) -> np.ndarray:
    try:
        stamps = pd.to_datetime(df["created_at"], utc=True)
    except (TypeError, ValueError) as exc:
        raise StoreError(
            f"column 'created_at' must hold dates and times (naive ones are taken as UTC): {exc}"
        ) from None
    out = stamps.dt.as_unit("us").astype("int64").to_numpy(copy=True)
    isna = stamps.isna().to_numpy()
    out[isna] = now_micros()
    return out


def import_columns(
    df: pd.DataFrame, *, annotator: str | None
) -> tuple[dict[str, np.ndarray], list[str]]:
    """Validate ``df`` and return column -> values (equal lengths) plus the optional columns used.

    The values are in the order the rows are written: grouped by query (``query_order``).

    Raises
    ------
    StoreError
        Missing or unknown columns, a missing annotator, a null id, a relevance that is not an
        integer in -128..127.
    """
    if not isinstance(df, pd.DataFrame):
        raise StoreError(f"import_labels needs a pandas DataFrame, not a {type(df).__name__}")
    columns = [str(c) for c in df.columns]
    missing = [c for c in _REQUIRED if c not in columns]
    if missing:
        raise StoreError(
            f"the frame has no {', '.join(map(repr, missing))} column(s); import_labels needs "
            f"query_id, item_id and relevance (it has: {', '.join(columns) or 'no columns'})"
        )
    unknown = [c for c in columns if c not in _REQUIRED + _OPTIONAL]
    if unknown:
        raise StoreError(
            f"unknown column(s) {', '.join(map(repr, unknown))}: import_labels takes query_id, "
            f"item_id, relevance and optionally {', '.join(_OPTIONAL)}; drop the others first "
            f"(df.drop(columns={unknown!r}))"
        )
    if annotator is None and "annotator" not in columns:
        raise StoreError(
            "no annotator: pass annotator='name' to import_labels or give the frame an "
            "annotator column"
        )
    if annotator is not None and "annotator" in columns:
        raise StoreError(
            "the frame has an annotator column and annotator= was passed too; use one of them"
        )
    order = query_order(df["query_id"])

    def ordered(values: np.ndarray) -> np.ndarray:
        return values if order is None else values[order]

    out: dict[str, np.ndarray] = {
        "query_id": _strings(df, "query_id", nullable=False, order=order),
        "item_id": _strings(df, "item_id", nullable=True, order=order),
        "relevance": ordered(_relevance(df)),
    }
    used = ["relevance"]
    if bool(df["item_id"].notna().any()):
        used.append("item_id")
    if annotator is None:
        out["annotator"] = _strings(df, "annotator", nullable=False, order=order)
    for col in ("note", "flags"):
        if col in columns and bool(df[col].notna().any()):
            out[col] = _strings(df, col, nullable=True, order=order)
            used.append(col)
    if "best" in columns and bool(df["best"].notna().any()):
        out["best"] = ordered(_booleans(df, "best"))
        used.append("best")
    if "created_at" in columns:
        out["created_at"] = ordered(_created_at(df))
    return out, used


def query_order(query_ids: pd.Series) -> np.ndarray | None:
    """Row order that groups the rows by query_id (sorted as text), stable within a query; None
    if they already are.

    The labels index (``current``) is keyed by query_id first: rows in random query order insert
    at random pages of it (2.4x the cost of a bare insert of 1M rows was measured), rows grouped
    by query fill it front to back. Stable, so a later row of a key stays later.
    """
    # as text, as they are written (ids that are numbers sort as their text: "10" < "9")
    text = query_ids if isinstance(query_ids.dtype, pd.StringDtype) else query_ids.astype(str)
    codes, _ = pd.factorize(text, sort=True)
    if len(codes) < 2 or bool(np.all(codes[1:] >= codes[:-1])):
        return None
    if codes.max() < 2**16:
        # numpy sorts 16-bit integers stably by radix: 6 ms for a million rows, 68 as int64
        codes = codes.astype(np.uint16)
    return np.argsort(codes, kind="stable")


def not_text(df: pd.DataFrame, constants: dict[str, str | int]) -> StoreError:
    """The error for an import whose text cannot be encoded as UTF-8: the first value (of
    ``constants``, then of the frame's columns) that holds a lone surrogate, with its row."""
    fix = "fix the text, e.g. text.encode('utf-8', 'replace').decode('utf-8')"

    def bad(text: object) -> bool:
        return isinstance(text, str) and any("\ud800" <= c <= "\udfff" for c in text)

    for col, value in constants.items():
        if bad(value):
            return StoreError(f"{col} {value!r} holds a lone surrogate, which is not text: {fix}")
    for col in df.columns:
        column = df[col].astype(object).to_numpy()
        found = next((k for k, v in enumerate(column) if bad(v)), None)
        if found is not None:
            return StoreError(
                f"{col} {column[found]!r} in {_row_name(df, found)} holds a lone surrogate, "
                f"which is not text: the store (UTF-8) cannot hold it; {fix}; nothing was imported"
            )
    return StoreError(f"the frame holds text that UTF-8 cannot encode: {fix}")
