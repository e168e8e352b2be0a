"""Columnar validation of a DataFrame of existing judgements for ``Store.import_labels``.

Everything is done with numpy/pandas column operations; the only per-row Python work left is the
tuple that ``executemany`` binds.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd

from .._contract import MAX_NOTE, TASKS, float_ids
from ..rubric import Flag
from ..scale import Scale
from ._errors import StoreError
from ._validate import (
    BROKEN,
    TIME_RANGE,
    as_python,
    check_name,
    flag_names,
    note_problem,
    now_micros,
    out_of_range,
    refuse_duplicate_columns,
)

__all__ = ["import_columns", "not_text", "query_order"]

_REQUIRED = ("query_id", "item_id", "relevance")
_OPTIONAL = ("annotator", "best", "note", "flags", "created_at")


def _row_name(df: pd.DataFrame, position: int) -> str:
    label = df.index[position]
    return f"row {position}" if label == position else f"row {position} (index {label!r})"


def _first_bad(df: pd.DataFrame, bad: np.ndarray) -> int:
    return int(np.flatnonzero(bad)[0])


# what each required text column is, for "every judgement needs ..."
_NEEDED = {
    "query_id": "a query_id",
    "item_id": "an item_id (import_labels imports the grades of candidates)",
    "annotator": "an annotator",
}
# pandas' inferred kinds of a column that hold numbers (or True/False), not text or dates
_NUMBER_KINDS = (
    "integer",
    "integer-na",
    "floating",
    "mixed-integer",
    "mixed-integer-float",
    "decimal",
    "boolean",
)
# at most this many offending values are shown in a message
_SHOWN = 3


def _examples(values: Any) -> str:
    return ", ".join(repr(as_python(v)) for v in list(values)[:_SHOWN])


def _check_float_ids(df: pd.DataFrame, col: str) -> None:
    """Refuse ids held as floats that are whole numbers, and booleans (``_contract.float_ids``)."""
    problem = float_ids(df[col], col)
    if problem:
        raise StoreError(problem + ("; nothing was imported" if "floats" in problem else ""))


def _warn_spaces(text: pd.Series, col: str) -> None:
    """Warn about ids with leading or trailing whitespace: legal, but they match only ids with
    the same spaces, and read_qrels/read_run never give such ids."""
    stripped = text.str.strip()
    spaced = (stripped != text).fillna(False).to_numpy(dtype=bool)
    if spaced.any():
        # only now: the media package is not needed otherwise
        from ..media._roles import _caller_level

        shown = pd.unique(text[spaced])
        warnings.warn(
            f"{col} has {int(spaced.sum())} value(s) with leading or trailing whitespace, e.g. "
            f"{_examples(shown)}: they are stored as given and match only values with the same "
            "spaces (read_qrels and read_run give none); if the spaces are not part of them, "
            f"strip them first: df[{col!r}] = df[{col!r}].str.strip()",
            UserWarning,
            stacklevel=_caller_level(),
        )


def _strings(df: pd.DataFrame, col: str, *, order: np.ndarray | None) -> np.ndarray:
    """Object array of str in ``order``; ids are cast with ``astype(str)``.

    The strings are made after the rows are put in order, so that the ones written one after
    the other also lie one after the other in memory: made first and then reordered, they are
    reached at random by the insert (rows in random query order cost 15% more to write).
    """
    series = df[col]
    isna = series.isna().to_numpy()
    if isna.any():
        pos = _first_bad(df, isna)
        raise StoreError(
            f"{col} is missing in {_row_name(df, pos)}: every judgement needs {_NEEDED[col]}; "
            "fill it or drop that row"
        )
    _check_float_ids(df, col)
    if isinstance(series.dtype, pd.StringDtype):
        _warn_spaces(series, col)  # on the column itself: Arrow strings strip in C
    if order is not None:
        series = series.take(order)
    values = series.astype(str).to_numpy(
        dtype=object, copy=True
    )  # never write into the caller's frame
    if not isinstance(df[col].dtype, pd.StringDtype):
        _warn_spaces(pd.Series(values, dtype=object, copy=False), col)
    return values


def _annotators(df: pd.DataFrame, order: np.ndarray | None) -> np.ndarray:
    """The annotator column as text, each a non-empty name (as the widgets require)."""
    values = _strings(df, "annotator", order=order)
    names = pd.unique(values)  # a few names: checked one by one
    for name in names:
        if not name.strip():
            pos = int(np.flatnonzero(df["annotator"].astype(str).to_numpy() == name)[0])
            raise StoreError(
                f"annotator {name!r} in {_row_name(df, pos)} is empty: every judgement needs an "
                "annotator's name; fill it, or pass annotator='name' for every row"
            )
    return values


def _refuse_booleans(df: pd.DataFrame, raw: pd.Series) -> None:
    """True/False is not a level of a scale (True would be stored as 1 without a word)."""
    if pd.api.types.is_bool_dtype(raw.dtype):
        bad = raw.notna().to_numpy(dtype=bool)
    elif raw.dtype == object and pd.api.types.infer_dtype(raw, skipna=True) in (
        "boolean",
        "mixed",
        "mixed-integer",
    ):
        bad = np.fromiter(
            (isinstance(v, bool | np.bool_) for v in raw.to_numpy()), dtype=bool, count=len(raw)
        )
    else:
        return
    if bad.any():
        pos = _first_bad(df, bad)
        raise StoreError(
            f"relevance {as_python(raw.iloc[pos])!r} in {_row_name(df, pos)} is True/False, not "
            "a level of the scale: relevance must be an integer level (e.g. 0-3 on TREC_SCALE); "
            "if True/False mean relevant/not relevant, convert the column first, e.g. "
            "df['relevance'] = df['relevance'].astype(int)"
        )


def _relevance(df: pd.DataFrame) -> np.ndarray:
    raw = df["relevance"]
    _refuse_booleans(df, raw)
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
    raw = df["created_at"]
    if pd.api.types.is_bool_dtype(raw.dtype) or pd.api.types.is_numeric_dtype(raw.dtype):
        numbers = raw.notna().to_numpy(dtype=bool)
    elif raw.dtype == object and pd.api.types.infer_dtype(raw, skipna=True) in _NUMBER_KINDS:
        numbers = np.fromiter(
            (isinstance(v, int | float | np.number) and not pd.isna(v) for v in raw.to_numpy()),
            dtype=bool,
            count=len(raw),
        )
    else:
        numbers = None
    if numbers is not None and numbers.any():
        # pandas reads a bare number as nanoseconds: 1700000000 seconds would be 1970-01-01
        pos = _first_bad(df, numbers)
        raise StoreError(
            f"created_at {as_python(raw.iloc[pos])!r} in {_row_name(df, pos)} is a number, not a "
            "date and time: convert the column first, e.g. df['created_at'] = "
            "pd.to_datetime(df['created_at'], unit='s', utc=True) for seconds since 1970 "
            "(unit='ms' for milliseconds); or pass datetimes or ISO 8601 strings (naive ones "
            "are taken as UTC)"
        )
    try:
        stamps = pd.to_datetime(raw, utc=True)
    except (TypeError, ValueError, OverflowError) as exc:
        raise StoreError(
            f"column 'created_at' must hold dates and times (naive ones are taken as UTC): {exc}"
        ) from None
    out = stamps.dt.as_unit("us").astype("int64").to_numpy(copy=True)
    isna = stamps.isna().to_numpy()
    bad = ~isna & ((out < TIME_RANGE[0]) | (out > TIME_RANGE[1]))
    if bad.any():
        pos = _first_bad(df, bad)
        raise out_of_range(raw.iloc[pos], f"in {_row_name(df, pos)}")
    out[isna] = now_micros()
    return out


def _flags(df: pd.DataFrame, order: np.ndarray | None) -> np.ndarray:
    """The flags column as the widgets store it: names joined by "," (None: no flag).

    A list (tuple, set) of names and a comma-separated str are both taken, and the spaces
    around each name dropped ("dissonant, broken-media" is two flags). Each distinct value is
    read once, so a million rows with a few flag combinations cost a factorize.
    """
    raw = df["flags"]
    values = raw.to_numpy(dtype=object)
    try:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    except TypeError:  # lists (unhashable, Arrow list cells too): as tuples, which factorize takes
        tupled = np.empty(len(values), dtype=object)  # not np.array: equal tuples would make 2-D
        for at, value in enumerate(values):
            listed = isinstance(value, list | tuple | set | frozenset | np.ndarray)
            inside = list(value) if listed else []
            wrong = next((v for v in inside if not isinstance(v, str)), None)
            if isinstance(value, dict) or (wrong is not None and not isinstance(wrong, Hashable)):
                # a list of lists, or a dict: pandas' bare 'unhashable type' before
                raise StoreError(
                    f"flags {as_python(value)!r} in {_row_name(df, at)}: a cell holds flag names, "
                    "as a list of str or one str of names separated by commas, e.g. "
                    "['near-duplicate'] or 'near-duplicate,dissonant'"
                ) from None
            tupled[at] = tuple(value) if listed else value
        codes, uniques = pd.factorize(tupled, use_na_sentinel=True)
    texts: list[str | None] = []
    broken: list[int] = []
    for code, value in enumerate(uniques):
        names = flag_names(value)
        if BROKEN in names:
            broken.append(code)
        for name in names:
            try:
                Flag(name)
            except ValueError as exc:
                pos = int(np.flatnonzero(codes == code)[0])
                raise StoreError(
                    f"flags {as_python(value)!r} in {_row_name(df, pos)}: {exc}; pass a list of "
                    "flag names or one str of names separated by commas"
                ) from None
        texts.append(",".join(names) or None)
    if broken:
        _refuse_graded_broken(df, np.isin(codes, broken))
    table = np.array([*texts, None], dtype=object)  # code -1 (null) is the last entry
    out = table[codes]
    return out if order is None else out[order]


def _refuse_graded_broken(df: pd.DataFrame, broken: np.ndarray) -> None:
    """A broken-media row with a grade (every imported row has one) is a contradiction: a broken
    file is handled, not judged, and stays out of the relevance judgements. Refused, naming the
    first such row (``broken``: a mask over the rows of ``df``)."""
    pos = int(np.flatnonzero(broken)[0])
    query_id, item_id = df["query_id"].iloc[pos], df["item_id"].iloc[pos]
    raise StoreError(
        f"flag {BROKEN!r} on a graded row in {int(broken.sum())} row(s) (e.g. query "
        f"{as_python(query_id)!r} item {as_python(item_id)!r}, {_row_name(df, pos)}): a candidate "
        "whose media does not load is handled without a grade, and stays out of the relevance "
        "judgements (the grid stores it so), while import_labels imports grades. Drop those rows "
        f"(or the flag) and append the flags with store.append(...) (task='grade', flags='{BROKEN}', "
        "no relevance); nothing was imported"
    )


def _refuse_best(df: pd.DataFrame) -> None:
    """A best pick is not a grade: refuse the rows that carry one (False and null carry none)."""
    try:
        values = pd.array(df["best"], dtype="boolean")
    except (TypeError, ValueError) as exc:
        raise StoreError(f"column 'best' must hold True, False or nulls: {exc}") from None
    picked = values.fillna(False).to_numpy(dtype=bool)
    if picked.any():
        pos = _first_bad(df, picked)
        query_id, item_id = df["query_id"].iloc[pos], df["item_id"].iloc[pos]
        raise StoreError(
            f"best is True in {int(picked.sum())} row(s) (e.g. query {as_python(query_id)!r} "
            f"item {as_python(item_id)!r}, {_row_name(df, pos)}): import_labels imports grades, "
            "and a grid shows a best pick only from an event of its own (task='pick', best=True, "
            "with shown: the item ids shown, in order). Import the grades without the column "
            "(df.drop(columns='best')), then append the picks with store.append(picks): a "
            "DataFrame with campaign, task='pick', query_id, item_id, annotator, "
            "guideline_version, best=True and shown, at most one per query and annotator, each "
            "on a relevant grade; nothing was imported"
        )


def check_options(annotator: object, campaign: object, guideline_version: object) -> None:
    """The scalar arguments of ``import_labels``, checked as a widget checks its own."""
    if annotator is not None:
        check_name(annotator, "annotator")
    check_name(campaign, "campaign")
    if guideline_version is not None and not isinstance(guideline_version, Scale):
        if not isinstance(guideline_version, str) or not guideline_version.strip():
            raise StoreError(
                "guideline_version must be a version name (a non-empty str such as 'v1'), the "
                f"rubric (an xmwidgets.Scale) or None, got {type(guideline_version).__name__} "
                f"{as_python(guideline_version)!r:.80}"
            )
        check_name(guideline_version, "guideline_version")


def check_import_task(task: object) -> None:
    """The ``task`` of ``import_labels``: a StoreError unless it is ``"grade"``."""
    if task not in TASKS:
        raise StoreError(f"unknown task {task!r}: the tasks are {', '.join(TASKS)}")
    if task != "grade":
        # rows of grades stored as picks, ranks or pairs: events no widget or analysis reads
        raise StoreError(
            f"import_labels imports grades (relevance per query and item), not {task!r} "
            f"events: a {task} event has fields of its own (a pick its 'shown' order, a "
            "pair its 'other_id' and 'choice', a rank its 'rank'); append those with "
            "store.append(events)"
        )


def import_columns(
    df: pd.DataFrame,
    *,
    annotator: str | None,
    campaign: str = "default",
    guideline_version: str | Scale | None = None,
) -> tuple[dict[str, np.ndarray], list[str]]:
    """Validate ``df`` and return column -> values (equal lengths) plus the optional columns used.

    The values are in the order the rows are written: grouped by query (``query_order``).
    ``annotator``, ``campaign`` and ``guideline_version`` are the import's own arguments, checked
    here too (the flags' names against a rubric are checked by ``_rubrics.check_import``).

    Raises
    ------
    StoreError
        Missing, unknown or duplicate columns, a missing or empty annotator (campaign, version),
        a null id, ids that are whole floats, a relevance that is not an integer in -128..127
        (or is True/False), a best pick (True in ``best``), a created_at that is a number or out
        of range, a flag name that is not one.
    """
    check_options(annotator, campaign, guideline_version)
    if not isinstance(df, pd.DataFrame):
        raise StoreError(f"import_labels needs a pandas DataFrame, not a {type(df).__name__}")
    refuse_duplicate_columns(df, "the frame", "df")
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
        "query_id": _strings(df, "query_id", order=order),
        "item_id": _strings(df, "item_id", order=order),
        "relevance": ordered(_relevance(df)),
    }
    used = ["relevance"]
    if len(df):
        used.append("item_id")
    if annotator is None:
        out["annotator"] = _annotators(df, order)
    if "note" in columns and bool(df["note"].notna().any()):
        out["note"] = _notes(df, order=order)
        used.append("note")
    if "flags" in columns and bool(df["flags"].notna().any()):
        flags = _flags(df, order)
        if any(v is not None for v in pd.unique(flags)):
            out["flags"] = flags
            used.append("flags")
    if "best" in columns and bool(df["best"].notna().any()):
        # checked, and not stored: False (or null) is what a grade without a best pick holds
        _refuse_best(df)
    if "created_at" in columns:
        out["created_at"] = ordered(_created_at(df))
    return out, used


def _notes(df: pd.DataFrame, *, order: np.ndarray | None) -> np.ndarray:
    """The note column as an object array of str (None for nulls) in ``order``.

    Each note is a str of at most MAX_NOTE characters, as the widgets and ``append`` keep them:
    a number is not cast to text without a word.
    """
    series = df["note"]
    isna = series.isna().to_numpy()
    values = series.to_numpy(dtype=object, copy=True)  # never write into the caller's frame
    if isna.any():
        values[isna] = None
    if isinstance(series.dtype, pd.StringDtype):  # all text: only the lengths, in C
        lengths = series.str.len().to_numpy(dtype=float, na_value=0)
        bad = np.flatnonzero(lengths > MAX_NOTE)
    else:
        bad = np.flatnonzero([v is not None and note_problem(v, "") is not None for v in values])
    if len(bad):
        pos = int(bad[0])
        raise StoreError(
            f"{note_problem(values[pos], f'in {_row_name(df, pos)}')}; nothing was imported"
        )
    return values if order is None else values[order]


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
