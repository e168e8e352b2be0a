"""Checks and normalisation of the input frames (queries, items, candidates), shared by the widgets.

Every check names the offending value and says what to do instead; ids are cast to ``str``.
"""

from __future__ import annotations

import numbers
import unicodedata
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING

from .._contract import float_ids, repeated_columns

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = [
    "InputError",
    "check_candidates",
    "check_grid_options",
    "check_records",
    "group_positions",
    "near_ids",
    "nothing_to_add",
    "positions_in",
]


class InputError(ValueError):
    """A DataFrame handed to a widget does not follow the data contract."""


def _as_frame(df: object, name: str) -> pd.DataFrame:
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise InputError(f"{name} must be a pandas DataFrame, got {type(df).__name__}")
    problem = repeated_columns(df, name, name)
    if problem:
        raise InputError(problem)
    return df


def check_grid_options(
    *,
    annotator: object,
    campaign: object,
    max_px: object,
    seed: object,
    shuffle: object,
    show_sources: object,
) -> None:
    """Check the scalar options of a widget, so that a bad one fails here and not on every page."""
    for name, value in (("annotator", annotator), ("campaign", campaign)):
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"{name} must be a non-empty string, got {value!r}")
        _check_text(value, name)
        _check_name(value, name)
    if isinstance(max_px, bool) or not isinstance(max_px, numbers.Integral) or max_px <= 0:
        raise InputError(
            f"max_px must be a positive integer (the longest side of an image, in pixels), "
            f"got {max_px!r}"
        )
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise InputError(f"seed must be an integer, got {seed!r}")
    for name, value in (("shuffle", shuffle), ("show_sources", show_sources)):
        if not isinstance(value, bool):
            raise InputError(f"{name} must be True or False, got {value!r}")


def _check_name(value: str, what: str) -> None:
    """Refuse a name with spaces at either end or a control character (a newline, a tab).

    The store matches an annotator or a campaign by its exact text: "ana\\n" or " ana" would be
    another annotator than "ana", whose judgements the widget would not count as this one's.
    """
    fixed = " ".join("".join(" " if unicodedata.category(c) == "Cc" else c for c in value).split())
    if value != value.strip():
        raise InputError(
            f"{what} {value!r} has spaces or a line break at its start or end: it would be "
            f"stored as another {what} than {fixed!r}; pass {what}={fixed!r}"
        )
    at = next((k for k, c in enumerate(value) if unicodedata.category(c) == "Cc"), None)
    if at is not None:
        raise InputError(
            f"{what} {value!r} holds a control character (U+{ord(value[at]):04X}) at position "
            f"{at}, which no one sees or types in a name; pass {what}={fixed!r}"
        )


def _check_text(value: str, what: str) -> None:
    """Refuse text that cannot be stored or sent (a lone surrogate is not valid UTF-8)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(
            f"{what} {value!r} holds {value[exc.start : exc.end]!r}, a lone surrogate that is "
            "not valid Unicode text; fix the id (e.g. decode the source with errors='replace')"
        ) from None


def nothing_to_add(df: object, name: str, columns: list[str]) -> bool:
    """Whether ``df`` is a frame with ``columns`` and no row: nothing to add to a running widget
    (``xm.discover`` returns one once every pair is judged), where a widget to build needs rows."""
    frame = _as_frame(df, name)
    require_columns(frame, name, columns)
    return not len(frame)


def require_columns(df: pd.DataFrame, name: str, columns: list[str]) -> None:
    """Raise InputError naming every missing column and what the frame has instead."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        have = ", ".join(map(str, df.columns)) or "no columns"
        hint = ""
        if len(missing) == 1 and missing[0].endswith("_id"):
            hint = f"; rename your id column, e.g. {name}.rename(columns={{'id': '{missing[0]}'}})"
        raise InputError(
            f"{name} is missing column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(c) for c in missing)} (it has: {have}){hint}"
        )


def _string_ids(series: pd.Series, name: str, column: str) -> pd.Series:
    if series.isna().any():
        row = series.index[series.isna()][0]
        raise InputError(f"{name}.{column} is missing at row {row!r}: every row needs an id")
    # '1.0' would be stored, and match no '1' of a run or of qrels (import_labels refuses it too)
    problem = float_ids(series, column, name)
    if problem:
        raise InputError(f"{name}.{problem}")
    try:
        out = series.astype(str).astype("string")
        # one encode of all ids at once (pyarrow strings check this themselves, Python ones do not)
        if out.dtype.storage == "python":
            "\x00".join(out.tolist()).encode("utf-8")
    except UnicodeEncodeError:
        # only a failure looks for the row
        for row, value in zip(series.index, series.to_numpy(dtype=object), strict=True):
            _check_text(str(value), f"{name}.{column} at row {row!r}:")
        raise
    return out


def check_records(df: object, name: str, id_column: str) -> pd.DataFrame:
    """Validate a queries or items frame; returns a copy indexed 0..n-1 with string ids.

    Raises InputError for a missing id column, missing ids, duplicate ids, or no content column.
    """
    frame = _as_frame(df, name)
    require_columns(frame, name, [id_column])
    if len(frame.columns) < 2:
        raise InputError(
            f"{name} has only the id column {id_column!r}: add a content column (text, image, audio, video)"
        )
    out = frame.reset_index(drop=True).copy(deep=False)
    out[id_column] = _string_ids(out[id_column], name, id_column)
    dup = out[id_column].duplicated(keep=False)
    if dup.any():
        first = out.loc[dup, id_column].iloc[0]
        count = int((out[id_column] == first).sum())
        raise InputError(
            f"{name} has duplicate {id_column} {first!r} ({count} rows; {int(dup.sum())} rows share an id "
            f"in all): ids must be unique, drop or rename the duplicates"
        )
    return out


def check_candidates(
    df: object, queries: pd.DataFrame, items: pd.DataFrame, name: str = "candidates"
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Validate the candidates frame against queries and items.

    Returns a copy with string ids, one row per ``(query_id, item_id)`` (a pair proposed by several
    sources is kept once, its sources joined by ``","``, its best rank), and for each row the
    positions of its query in ``queries`` and of its item in ``items``. Ids are matched through integer positions, not string
    comparisons, so that a pool of a million pairs is checked in a fraction of a second.
    ``name`` is what the messages call the frame (the argument the user passed it as).
    """
    import numpy as np
    import pandas as pd

    frame = _as_frame(df, name)
    require_columns(frame, name, ["query_id", "item_id"])
    if not len(frame):
        raise InputError(
            f"{name} is empty: the widget needs at least one (query_id, item_id) pair to judge, "
            "e.g. from xm.pool(runs, depth=10)"
        )
    out = frame.reset_index(drop=True).copy(deep=False)
    for column in ("score", "rank"):
        if column in out.columns:
            out[column] = _numbers(out[column], column)
    for column in ("query_id", "item_id"):
        out[column] = _string_ids(out[column], name, column)
    positions = {}
    for column, ref, ref_name in (
        ("query_id", queries["query_id"], "queries"),
        ("item_id", items["item_id"], "items"),
    ):
        found = positions_in(out[column], ref)
        unknown = found < 0
        if unknown.any():
            missing = out.loc[unknown, column]
            examples = ", ".join(repr(v) for v in missing.unique()[:3])
            held = ", ".join(repr(v) for v in ref.unique()[:3])
            raise InputError(
                f"{name} name {int(missing.nunique())} {column}(s) not in {ref_name}, "
                f"e.g. {examples} ({ref_name} has e.g. {held}): add them to {ref_name} or drop "
                f"those rows of {name}" + near_ids(missing, ref, column, name, ref_name)
            )
        positions[column] = found.astype(np.int64)
    pair = positions["query_id"] * max(len(items), 1) + positions["item_id"]
    dup = pd.Series(pair).duplicated().to_numpy()
    if dup.any():
        warnings.warn(
            f"{name} hold {int(dup.sum())} repeated (query_id, item_id) pairs; each pair is shown once "
            "with its sources joined",
            stacklevel=3,
        )
        out = _merge_duplicate_pairs(out)
        return (
            out,
            positions_in(out["query_id"], queries["query_id"]),
            positions_in(out["item_id"], items["item_id"]),
        )
    return out, positions["query_id"], positions["item_id"]


# unknown ids looked at for a hint (the error path only; a million of them need not all be)
_NEAR_IDS = 10_000


def _id_forms(ids: pd.Series) -> pd.Series:
    """Ids without what makes equal ids differ: spaces at either end, a float's ``.0``."""
    return ids.str.strip().str.replace(r"^(-?\d+)\.0+$", r"\1", regex=True)


def near_ids(
    missing: pd.Series,
    ref: pd.Series,
    column: str,
    name: str,
    ref_name: str,
    ref_column: str | None = None,
) -> str:
    """A hint when unknown ids (``name[column]``) differ from ids of ``ref_name[ref_column]``
    only by spaces at either end or by a float's ``.0`` (an id column read as floats: ``'1.0'``
    for ``'1'``); "" when they do not."""
    ref_column = column if ref_column is None else ref_column
    unknown = missing.drop_duplicates().iloc[:_NEAR_IDS].astype(object)
    forms = _id_forms(unknown.astype("string")).astype(object)
    ref_forms = _id_forms(ref.astype("string")).astype(object)
    near = forms.isin(set(ref_forms.dropna())).to_numpy(dtype=bool)
    if not near.any():
        return ""
    given = str(unknown[near].iloc[0])
    form = forms[near].iloc[0]
    held = str(ref[(ref_forms == form).to_numpy(dtype=bool)].iloc[0])
    pair = f"{given!r} in {name}, {held!r} in {ref_name}"
    if given.strip() != given or held.strip() != held:
        frame, col = (name, column) if given.strip() != given else (ref_name, ref_column)
        return (
            f"; the ids differ only by spaces at the start or end ({pair}): strip them, e.g. "
            f"{frame}[{col!r}] = {frame}[{col!r}].str.strip()"
        )
    frame, col = (name, column) if given.endswith(".0") else (ref_name, ref_column)
    return (
        f"; the ids differ only by a trailing '.0' ({pair}): {frame}.{col} was read as "
        f"floats (a missing value makes pandas read a column of integers as floats); cast it, "
        f"e.g. {frame}[{col!r}] = {frame}[{col!r}].astype('Int64').astype(str)"
    )


def _numbers(series: pd.Series, column: str) -> pd.Series:
    """``series`` as numbers; a clear error naming the first value that is not one."""
    import numpy as np
    import pandas as pd

    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        numbers = series
    else:
        numbers = pd.to_numeric(series, errors="coerce")
        bad = numbers.isna() & series.notna()
        if bad.any() or pd.api.types.is_bool_dtype(series):
            row = series.index[bad][0] if bad.any() else series.index[0]
            raise InputError(
                f"candidates.{column} must hold numbers, but row {row!r} has {series[row]!r}: "
                f"convert the column, e.g. pd.to_numeric(candidates[{column!r}])"
            )
    # a missing value is allowed (a source without scores); inf went to the browser as the
    # string "inf" (not JSON), a rank of 1.5 or -3 was shown as such
    values = numbers.to_numpy(dtype=float, na_value=np.nan)
    if column == "rank":
        wrong = ~np.isnan(values) & ((values < 1) | (values != np.floor(values)) | np.isinf(values))
        want = "whole numbers of at least 1 (1 = the top of a run)"
    else:
        wrong = np.isinf(values)
        want = "finite numbers (or missing)"
    if wrong.any():
        row = series.index[np.flatnonzero(wrong)[0]]
        value = series[row]
        raise InputError(
            f"candidates.{column} must hold {want}, but row {row!r} has "
            f"{value.item() if isinstance(value, np.generic) else value!r}: fix or drop that row"
        )
    return numbers


def positions_in(values: object, reference: object) -> np.ndarray:
    """The position of each of ``values`` in ``reference`` (unique strings), -1 when absent.

    A hash join in Arrow: matching a million ids takes tens of milliseconds, where
    ``Index.get_indexer`` first turns Arrow-backed strings into a million Python objects.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    def arrow(x: object) -> pa.Array:
        array = pa.array(getattr(x, "array", x))
        return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array

    left, right = arrow(values), arrow(reference)
    if left.type != right.type:  # string and large_string: cast the smaller side
        right = right.cast(left.type)
    found = pc.index_in(left, value_set=right)
    return np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False), dtype=np.int64)


def group_positions(query_positions: np.ndarray, query_ids: list[str]) -> dict[str, np.ndarray]:
    """Row positions of each query's candidates, keyed by query id, in the candidates' order."""
    import numpy as np

    order = np.argsort(query_positions, kind="stable")
    counts = np.bincount(query_positions, minlength=len(query_ids))
    chunks = np.split(order, np.cumsum(counts)[:-1])
    return {query_ids[k]: chunks[k] for k in np.flatnonzero(counts)}


def _merge_duplicate_pairs(out: pd.DataFrame) -> pd.DataFrame:
    aggregations: dict[str, object] = {}
    if "source" in out.columns:
        aggregations["source"] = lambda s: ",".join(dict.fromkeys(str(v) for v in s if v == v))
    if "rank" in out.columns:
        aggregations["rank"] = "min"
    if "score" in out.columns:
        aggregations["score"] = "max"
    for column in out.columns:
        if column not in aggregations and column not in ("query_id", "item_id"):
            aggregations[column] = "first"
    if not aggregations:
        return out.drop_duplicates(["query_id", "item_id"])
    merged = out.groupby(["query_id", "item_id"], sort=False, as_index=False).agg(aggregations)
    return merged.reset_index(drop=True)


def concepts_by_query(
    queries: pd.DataFrame, concepts: Mapping[str, str] | pd.DataFrame | None
) -> dict[str, list[dict[str, str]]]:
    """query_id -> the concepts it mentions, ``[{name, definition}]`` (see ``xm.consistency``)."""
    if concepts is None:
        return {}
    from ..analysis._consistency import _concept_table, link_concepts

    try:
        linked = link_concepts(queries, concepts)
        table = _concept_table(concepts)
    except (TypeError, ValueError) as exc:
        raise InputError(f"concepts: {exc}") from None
    from ._input import safe_text

    definitions = dict(zip(table["concept"], table["definition"], strict=True))
    out: dict[str, list[dict[str, str]]] = {}
    for query_id, concept in zip(linked["query_id"], linked["concept"], strict=True):
        out.setdefault(str(query_id), []).append(
            {"name": safe_text(str(concept)), "definition": safe_text(str(definitions[concept]))}
        )
    return out
