"""Build the events and labels DataFrames straight from SQLite, column by column.

Fetching a million rows through the cursor costs a Python object per value (seconds). Instead one
query aggregates each column into a single string inside SQLite -- integers as comma-separated
decimals (parsed by ``numpy.fromstring`` in C), reals as JSON arrays (``json.loads``), text as
its UTF-8 bytes concatenated plus the byte length of each value (the data and offsets buffers of
an Arrow string array: no Python object per value), and the small columns (low-cardinality text as codes into its few distinct values, relevance,
booleans) packed together into one integer per row -- and the frame is assembled from those arrays
with the contract dtypes. All columns come from one aggregate query, so they share one row order.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from .._contract import ROLES

__all__ = [
    "ALWAYS_READ",
    "CODED_COLUMNS",
    "DEFAULTS",
    "check_filters",
    "column_ref",
    "filter_values",
    "full_column",
    "project",
    "read_frame",
    "where_clauses",
]

# the columns every frame reads; the optional ones are read only once some event has used them
ALWAYS_READ = {"event_id", "campaign", "task", "query_id", "annotator", "created_at"}

# text columns with few distinct values, read as codes into the `names` table
CODED_COLUMNS = ("campaign", "task", "annotator", "guideline_version", "role", "choice")
# what a stored null reads as, in the frames (an event without a role is an annotator's)
DEFAULTS: dict[str, str] = {"role": "annotator"}
# more distinct values than this and a CASE per row costs more than reading the text
_MAX_CODES = 64
# stand-ins for NULL in integer columns, outside every value the writer accepts
_INT_NULL: dict[str, int] = {
    "relevance": -999,
    "best": -1,
    "none_relevant": -1,
    "rank": -1,
    "shown_position": -(2**40),
    "duration_ms": -1,
    "retracts": 0,
}


def _is_integer(dtype: str) -> bool:
    return dtype.startswith(("Int", "int", "boolean", "datetime"))


def _select(col: str, dtype: str, ref: str) -> list[str]:
    """SQL aggregates for one column that is not packed (see ``_small``); text takes two."""
    if _is_integer(dtype):
        null = _INT_NULL.get(col)
        value = ref if null is None else f"ifnull({ref}, {null})"
        return [f"ifnull(group_concat({value}, ','), '')"]
    if dtype.startswith("Float"):
        # %!.17g round-trips a double exactly; SQLite's own REAL-to-text keeps only 15 digits.
        # printf formats NULL as '0.0' (not NULL), so the null test must come first
        value = f"CASE WHEN {ref} IS NULL THEN 'null' ELSE printf('%!.17g', {ref}) END"
        return [f"'[' || ifnull(group_concat({value}, ','), '') || ']'"]
    # the bytes as a blob (no decoding into one big str), and each value's byte length, -1 for
    # NULL (group_concat skips NULLs, so they add no bytes)
    return [
        f"CAST(ifnull(group_concat({ref}, ''), '') AS BLOB)",
        f"ifnull(group_concat(ifnull(length(CAST({ref} AS BLOB)), -1), ','), '')",
    ]


def _strings(values: np.ndarray, dtype: str) -> Any:
    if dtype == "string" and pd.StringDtype().storage == "python":
        # validates in C without copying element by element, unlike pd.array(list, "string")
        return pd.arrays.StringArray(values)
    return pd.array(values, dtype=dtype)


def _ints(text: str) -> np.ndarray:
    return np.fromstring(text, dtype=np.int64, sep=",") if text else np.empty(0, np.int64)


def _text(data: bytes, lengths: str, dtype: str) -> Any:
    """Inverse of ``_select`` for a text column: an Arrow string array straight from the bytes."""
    sizes = _ints(lengths)
    nulls = sizes < 0
    offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(np.where(nulls, 0, sizes), out=offsets[1:])
    if offsets[-1] != len(data):
        raise ValueError(f"text column read as {len(data)} bytes, its lengths sum to {offsets[-1]}")
    null_count = int(nulls.sum())
    validity = pa.py_buffer(np.packbits(~nulls, bitorder="little")) if null_count else None
    strings = pa.LargeStringArray.from_buffers(
        len(sizes), pa.py_buffer(offsets), pa.py_buffer(data), validity, null_count
    )
    # the bytes come from the file: text another program wrote may not be valid UTF-8
    strings.validate(full=True)
    return pd.array(strings, dtype=dtype)


def _column(text: str, col: str, dtype: str) -> Any:
    """One column from its aggregate text: integers, reals, or text as a JSON array."""
    if _is_integer(dtype):
        values = _ints(text)
        if dtype == "datetime64[ns, UTC]":
            stamps = values.astype("datetime64[us]").astype("datetime64[ns]")
            return pd.DatetimeIndex(stamps).tz_localize("UTC").array
        if dtype == "int64":
            return values
        null = _INT_NULL.get(col)
        mask = values == null if null is not None else np.zeros(len(values), bool)
        if dtype == "boolean":
            return pd.arrays.BooleanArray(values == 1, mask)
        numpy_dtype = pd.api.types.pandas_dtype(dtype).numpy_dtype
        return pd.arrays.IntegerArray(np.where(mask, 0, values).astype(numpy_dtype), mask)
    if dtype.startswith("Float"):
        floats = np.array(json.loads(text), dtype=np.float64)
        return pd.arrays.FloatingArray(np.nan_to_num(floats), np.isnan(floats))
    # text as a JSON array: what the PostgreSQL store sends (this module reads SQLite text by _text)
    return _strings(np.array(json.loads(text), dtype=object), dtype)


def _arrow_strings(dtype: str) -> bool:
    """Whether a ``dtype`` column is an Arrow string array (pandas' default from version 3)."""
    return dtype == "string" and pd.StringDtype().storage == "pyarrow"


@functools.lru_cache(maxsize=2)
def _null_strings(n: int) -> pa.Array:
    """``n`` null strings: one Arrow array (immutable) for every all-null text column of a frame.

    A null array has no values to fill, but its offsets (8 bytes a row) are zeroed memory, and
    memory touched for the first time is what such a column costs: ~25 ms for a million rows on
    this project's virtual machines, for each of the ~7 all-null columns of a labels frame.
    """
    return pa.nulls(n, pa.large_string())


def _empty(dtype: str, n: int) -> Any:
    """An all-null column of ``n`` rows, built without a Python object per row where possible."""
    if _arrow_strings(dtype):
        return pd.array(_null_strings(n), dtype=dtype)
    mask = np.ones(n, dtype=bool)
    if dtype == "boolean":
        return pd.arrays.BooleanArray(np.zeros(n, dtype=bool), mask)
    if dtype.startswith("Int"):
        numpy_dtype = pd.api.types.pandas_dtype(dtype).numpy_dtype
        return pd.arrays.IntegerArray(np.zeros(n, dtype=numpy_dtype), mask)
    if dtype.startswith("Float"):
        return pd.arrays.FloatingArray(np.zeros(n), mask)
    if dtype == "datetime64[ns, UTC]":
        stamps = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
        return pd.DatetimeIndex(stamps).tz_localize("UTC").array
    return pd.array([None], dtype=dtype).take(np.full(n, -1), allow_fill=True)


def _weight(col: str, dtype: str, coded: Mapping[str, Sequence[str]]) -> float:
    """Rough relative cost of reading a column, to balance parallel queries."""
    if col in coded or _is_integer(dtype):
        return 1.0
    return 2.0


def _small(
    col: str, dtype: str, ref: str, names: Sequence[str] | None
) -> tuple[str, list[str], int] | None:
    """A column as a small non-negative integer (NULL -> the top value): SQL, parameters, bits.

    Such columns are packed several to one integer, so that SQLite formats and Python parses one
    number per row for all of them instead of one each.
    """
    if names is not None:
        cases = " ".join(f"WHEN ? THEN {code}" for code in range(len(names)))
        return f"(CASE {ref} {cases} ELSE {len(names)} END)", list(names), len(names).bit_length()
    if col == "relevance":
        return f"ifnull({ref} + 128, 256)", [], 9
    if dtype == "boolean":
        return f"ifnull({ref}, 2)", [], 2
    return None


def _unpack(values: np.ndarray, col: str, dtype: str, names: Sequence[str] | None) -> Any:
    """Inverse of ``_small`` for one column."""
    if names is not None:
        if dtype == "string" and pd.StringDtype().storage == "pyarrow":
            # a dictionary array cast to strings: one take in Arrow (pandas' take costs two)
            codes = pa.array(values.astype(np.int32))
            dictionary = pa.array([*names, None], type=pa.large_string())
            strings = pa.DictionaryArray.from_arrays(codes, dictionary).cast(pa.large_string())
            return pd.array(strings, dtype=dtype)
        return pd.array([*names, None], dtype=dtype).take(values)
    if col == "relevance":
        mask = values == 256
        return pd.arrays.IntegerArray(np.where(mask, 0, values - 128).astype(np.int8), mask)
    return pd.arrays.BooleanArray(values == 1, values == 2)


_WORD_BITS = 62  # packed fields per integer, clear of the sign bit


def _read_part(
    con: sqlite3.Connection,
    part: Sequence[str],
    columns: Mapping[str, str],
    coded: Mapping[str, Sequence[str]],
    alias: str,
    from_where: tuple[str, Sequence[Any]],
) -> tuple[int, dict[str, Any]]:
    """One aggregate query for the columns ``part`` (which include event_id), sorted by event_id."""
    exprs: list[str] = []
    params: list[Any] = []
    # per column or word: a column name (one aggregate), a 1-tuple (text: bytes and lengths),
    # or a list of (column, shift, bits) packed into one integer
    slots: list[Any] = []
    words: list[list[tuple[str, str, list[str], int, int]]] = []
    for col in part:
        ref = f"{alias}.{col}"
        small = _small(col, columns[col], ref, coded.get(col))
        if small is None:
            selected = _select(col, columns[col], ref)
            exprs += selected
            slots.append(col if len(selected) == 1 else (col,))
            continue
        expr, expr_params, bits = small
        shift = sum(field[4] for field in words[-1]) if words else 0
        if not words or shift + bits > _WORD_BITS:
            words.append([])
            shift = 0
        words[-1].append((col, expr, expr_params, shift, bits))
    for word in words:
        packed = " | ".join(f"(({expr}) << {shift})" for _, expr, _, shift, _ in word)
        exprs.append(f"ifnull(group_concat({packed}, ','), '')")
        params += [p for _, _, expr_params, _, _ in word for p in expr_params]
        slots.append([(col, shift, bits) for col, _, _, shift, bits in word])
    sql, where_params = from_where
    row = con.execute(
        f"SELECT count(*), {', '.join(exprs)} {sql}", [*params, *where_params]
    ).fetchone()
    data: dict[str, Any] = {}
    values = iter(row[1:])
    for slot in slots:
        text = next(values)
        if isinstance(slot, str):
            data[slot] = _column(text, slot, columns[slot])
            continue
        if isinstance(slot, tuple):
            data[slot[0]] = _text(text, next(values), columns[slot[0]])
            continue
        packed_values = _ints(text)
        for col, shift, bits in slot:
            field = (packed_values >> shift) & ((1 << bits) - 1)
            data[col] = _unpack(field, col, columns[col], coded.get(col))
    event_ids = data["event_id"]
    if len(event_ids) > 1 and not bool(np.all(event_ids[1:] > event_ids[:-1])):
        order = np.argsort(event_ids, kind="stable")
        data = {col: values[order] for col, values in data.items()}
    return row[0], data


def read_frame(
    cons: Sequence[sqlite3.Connection],
    columns: Mapping[str, str],
    from_where: tuple[str, Sequence[Any]],
    alias: str,
    used: set[str],
    names: Mapping[str, Sequence[str]],
    constants: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Aggregate queries -> a frame of ``columns`` sorted by event_id.

    Parameters
    ----------
    cons
        One connection, or several that see the same snapshot (each inside a read transaction
        started at the same last event id): the columns are then split between them and read in
        parallel threads (sqlite3 releases the GIL while a query runs). Each part is sorted by
        its own event_id, so the parts line up whatever order SQLite produced them in.
    columns
        Column -> contract dtype, in output order; must include ``event_id``.
    from_where
        ``FROM ... WHERE ...`` clause (the events table aliased ``alias``) and its parameters.
    alias
        Alias of the events table in ``from_where``.
    used
        Columns that may hold values; the others are all null and are not read.
    names
        Distinct values of the coded columns (see ``CODED_COLUMNS``).
    constants
        Text columns that hold one value on every row (a filter ``col = value``): built from the
        value instead of being read.
    """
    constants = constants or {}
    fetched = [col for col in columns if col in used and col != "event_id" and col not in constants]
    coded = {
        col: names.get(col, ())
        for col in fetched
        if col in CODED_COLUMNS and 0 < len(names.get(col, ())) <= _MAX_CODES
    }
    parts: list[list[str]] = [["event_id"] for _ in cons]
    loads = [0.0 for _ in cons]
    for col in sorted(fetched, key=lambda c: -_weight(c, columns[c], coded)):
        lightest = loads.index(min(loads))
        parts[lightest].append(col)
        loads[lightest] += _weight(col, columns[col], coded)
    jobs = [
        (con, part)
        for con, part in zip(cons, parts, strict=True)
        if len(part) > 1 or con is cons[0]
    ]
    results: list[tuple[int, dict[str, Any]] | BaseException] = [None] * len(jobs)  # type: ignore[list-item]

    def run(k: int) -> None:
        try:
            results[k] = _read_part(jobs[k][0], jobs[k][1], columns, coded, alias, from_where)
        except BaseException as exc:  # re-raised in the calling thread
            results[k] = exc

    threads = [threading.Thread(target=run, args=(k,)) for k in range(1, len(jobs))]
    for thread in threads:
        thread.start()
    run(0)
    for thread in threads:
        thread.join()
    data: dict[str, Any] = {}
    n = 0
    for result in results:
        if isinstance(result, BaseException):
            raise result
        n, part_data = result
        data.update(part_data)
    frame = {col: full_column(col, dtype, n, data, constants) for col, dtype in columns.items()}
    return pd.DataFrame(frame, copy=False)


def full_column(
    col: str, dtype: str, n: int, data: Mapping[str, Any], constants: Mapping[str, str]
) -> Any:
    """Column ``col`` of a frame of ``n`` rows: as read (``data``, nulls replaced by the column's
    default), the filter's one value (``constants``), the default, or all null (never read)."""
    if col in data:
        values = data[col]
        if col in DEFAULTS and bool(values.isna().any()):
            values = values.fillna(DEFAULTS[col])
        return values
    if col in constants:
        return _constant(constants[col], dtype, n)
    if col in DEFAULTS:
        return _constant(DEFAULTS[col], dtype, n)
    return _empty(dtype, n)


def _constant(value: str, dtype: str, n: int) -> Any:
    """A text column of ``n`` rows that all hold ``value``, without a Python object per row."""
    if _arrow_strings(dtype):
        # repeated in C: 7 ms for a million rows instead of 40 for a take
        return pd.array(pa.repeat(pa.scalar(value, pa.large_string()), n), dtype=dtype)
    return pd.array([value], dtype=dtype).take(np.zeros(n, dtype=np.intp))


def project(columns: Sequence[str] | None, available: Mapping[str, str]) -> dict[str, str]:
    """The columns to read for a frame of ``columns`` (None: all of ``available``), in the order
    of ``available``, with ``event_id`` (which orders and refreshes the rows) always included.

    Raises
    ------
    ValueError
        A name that is not one of ``available``.
    """
    if columns is None:
        return dict(available)
    if isinstance(columns, str):
        columns = [columns]
    unknown = [c for c in columns if c not in available]
    if unknown:
        raise ValueError(
            f"unknown column(s) {', '.join(map(repr, unknown))}: the columns are "
            f"{', '.join(available)}"
        )
    wanted = {"event_id", *columns}
    return {c: d for c, d in available.items() if c in wanted}


def filter_values(value: Any) -> list[str]:
    """A filter's values: one value or a sequence of them, as text."""
    if isinstance(value, str) or not isinstance(value, Iterable):
        return [str(value)]
    return [str(v) for v in value]


def check_filters(**filters: Any) -> None:
    """Refuse a filter value that no event can hold (a role that does not exist).

    Raises
    ------
    ValueError
        Naming the value and the ones there are.
    """
    role = filters.get("role")
    if role is not None:
        unknown = [v for v in filter_values(role) if v not in ROLES]
        if unknown:
            raise ValueError(
                f"unknown role(s) {', '.join(map(repr, unknown))}: the roles are "
                f"{', '.join(map(repr, ROLES))}"
            )


def column_ref(alias: str, col: str, null: str = "ifnull") -> str:
    """The SQL expression a filter on ``col`` compares: the column, or its default for a null."""
    if col in DEFAULTS:
        return f"{null}({alias}.{col}, '{DEFAULTS[col]}')"
    return f"{alias}.{col}"


def where_clauses(alias: str, **filters: Any) -> tuple[list[str], list[Any]]:
    """SQL conditions for filters that are a value, a sequence of values, or None (no filter)."""
    clauses: list[str] = []
    params: list[Any] = []
    for col, value in filters.items():
        if value is None:
            continue
        ref = column_ref(alias, col)
        if isinstance(value, str) or not isinstance(value, Iterable):
            clauses.append(f"{ref} = ?")
            params.append(str(value))
        else:
            # any number of values through one parameter (no SQLite variable limit)
            clauses.append(f"{ref} IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(filter_values(value)))
    return clauses, params
