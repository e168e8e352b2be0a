"""Build the events and labels DataFrames straight from SQLite, column by column.

Fetching a million rows through the cursor costs a Python object per value (seconds). Instead one
query aggregates each column into a single string inside SQLite -- integers as comma-separated
decimals (parsed by ``numpy.fromstring`` in C), reals as JSON arrays (``json.loads``), text as
its UTF-8 bytes concatenated plus the byte length of each value (the data and offsets buffers of
an Arrow string array: no Python object per value), and the small columns (low-cardinality text as codes into its few distinct values, relevance,
booleans) packed together into one integer per row -- and the frame is assembled from those arrays
with the contract dtypes. All columns come from one aggregate query, so they share one row order.

This is the exact read for any store and any size. A large read of a file store goes through the
ADBC driver instead (``_read_arrow``), which builds on the per-row expressions and the decoding
here (``row_values``, ``int_array``, ``unpack_word``, ``assemble``).
"""

from __future__ import annotations

import functools
import json
import sqlite3
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
    "Slot",
    "assemble",
    "check_filters",
    "column_ref",
    "full_column",
    "in_event_order",
    "int_array",
    "plan",
    "project",
    "read_frame",
    "row_values",
    "slot_dtype",
    "split_columns",
    "unpack_word",
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


def _aggregates(expr: str, dtype: str) -> list[str]:
    """SQL aggregates of the per-row expression ``expr`` (``row_values``); text takes two."""
    if _is_integer(dtype):
        return [f"ifnull(group_concat({expr}, ','), '')"]
    if dtype.startswith("Float"):
        # %!.17g round-trips a double exactly; SQLite's own REAL-to-text keeps only 15 digits.
        # printf formats NULL as '0.0' (not NULL), so the null test must come first
        value = f"CASE WHEN {expr} IS NULL THEN 'null' ELSE printf('%!.17g', {expr}) END"
        return [f"'[' || ifnull(group_concat({value}, ','), '') || ']'"]
    # the bytes as a blob (no decoding into one big str), and each value's byte length, -1 for
    # NULL (group_concat skips NULLs, so they add no bytes)
    return [
        f"CAST(ifnull(group_concat({expr}, ''), '') AS BLOB)",
        f"ifnull(group_concat(ifnull(length(CAST({expr} AS BLOB)), -1), ','), '')",
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
        return int_array(_ints(text), col, dtype)
    if dtype.startswith("Float"):
        floats = np.array(json.loads(text), dtype=np.float64)
        return pd.arrays.FloatingArray(np.nan_to_num(floats), np.isnan(floats))
    # text as a JSON array: what the PostgreSQL store sends (this module reads SQLite text by _text)
    return _strings(np.array(json.loads(text), dtype=object), dtype)


def int_array(values: np.ndarray, col: str, dtype: str) -> Any:
    """The ``dtype`` array of an integer-like column read as int64 ``values`` (nulls as the
    column's stand-in, ``_INT_NULL``)."""
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


def _arrow_strings(dtype: str) -> bool:
    """Whether a ``dtype`` column is an Arrow string array (pandas' default from version 3)."""
    return dtype == "string" and pd.StringDtype().storage == "pyarrow"


@functools.lru_cache(maxsize=2)
def _null_strings(n: int) -> pa.Array:
    """``n`` null strings: one Arrow array (immutable) for every all-null text column of a frame.

    Its 8 bytes of offsets per row are zeroed memory, and memory touched for the first time is
    what such a column costs (~25 ms for a million rows on a virtual machine, each time).
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


# what one value of a read holds: a column, or the (column, shift, bits) packed in one integer
Slot = str | list[tuple[str, int, int]]


def plan(
    columns: Mapping[str, str],
    used: set[str],
    names: Mapping[str, Sequence[str]],
    constants: Mapping[str, str],
) -> tuple[list[str], dict[str, Sequence[str]]]:
    """The columns a read fetches (the used ones that no filter fixes, event_id first) and the
    coded ones among them with their distinct values."""
    fetched = [col for col in columns if col in used and col != "event_id" and col not in constants]
    coded = {
        col: names.get(col, ())
        for col in fetched
        if col in CODED_COLUMNS and 0 < len(names.get(col, ())) <= _MAX_CODES
    }
    return ["event_id", *fetched], coded


def split_columns(
    fetched: Sequence[str], n: int, columns: Mapping[str, str], coded: Mapping[str, Sequence[str]]
) -> list[list[str]]:
    """``fetched`` (event_id first) in ``n`` parts of about the same cost, each with event_id
    (which lines the parts up); parts left empty are dropped."""
    parts: list[list[str]] = [["event_id"] for _ in range(n)]
    loads = [0.0] * n
    for col in sorted(fetched[1:], key=lambda c: -_weight(c, columns[c], coded)):
        lightest = loads.index(min(loads))
        parts[lightest].append(col)
        loads[lightest] += _weight(col, columns[col], coded)
    return [part for k, part in enumerate(parts) if k == 0 or len(part) > 1]


def row_values(
    part: Sequence[str], columns: Mapping[str, str], coded: Mapping[str, Sequence[str]], alias: str
) -> tuple[list[str], list[Any], list[Slot]]:
    """Per-row SQL expressions for the columns ``part``, their parameters, and what each holds.

    An integer column reads its null as its stand-in (``_INT_NULL``); the small columns
    (``_small``) are packed several to one integer, after the others.
    """
    exprs: list[str] = []
    params: list[Any] = []
    slots: list[Slot] = []
    words: list[list[tuple[str, str, list[str], int, int]]] = []
    for col in part:
        ref = f"{alias}.{col}"
        small = _small(col, columns[col], ref, coded.get(col))
        if small is None:
            null = _INT_NULL.get(col) if _is_integer(columns[col]) else None
            exprs.append(ref if null is None else f"ifnull({ref}, {null})")
            slots.append(col)
            continue
        expr, expr_params, bits = small
        shift = sum(field[4] for field in words[-1]) if words else 0
        if not words or shift + bits > _WORD_BITS:
            words.append([])
            shift = 0
        words[-1].append((col, expr, expr_params, shift, bits))
    for word in words:
        exprs.append(" | ".join(f"(({expr}) << {shift})" for _, expr, _, shift, _ in word))
        params += [p for _, _, expr_params, _, _ in word for p in expr_params]
        slots.append([(col, shift, bits) for col, _, _, shift, bits in word])
    return exprs, params, slots


def slot_dtype(slot: Slot, columns: Mapping[str, str]) -> str:
    """The contract dtype of a slot's values (a packed word is an int64)."""
    return columns[slot] if isinstance(slot, str) else "int64"


def unpack_word(
    values: np.ndarray,
    word: Sequence[tuple[str, int, int]],
    columns: Mapping[str, str],
    coded: Mapping[str, Sequence[str]],
    data: dict[str, Any],
) -> None:
    """The columns packed in the integers ``values`` into ``data``."""
    for col, shift, bits in word:
        field = (values >> shift) & ((1 << bits) - 1)
        data[col] = _unpack(field, col, columns[col], coded.get(col))


def in_event_order(data: dict[str, Any]) -> dict[str, Any]:
    """The columns of ``data`` sorted by its event_id (unchanged when they already are)."""
    event_ids = data["event_id"]
    if len(event_ids) > 1 and not bool(np.all(event_ids[1:] > event_ids[:-1])):
        order = np.argsort(event_ids, kind="stable")
        data = {col: values[order] for col, values in data.items()}
    return data


def read_frame(
    con: sqlite3.Connection,
    columns: Mapping[str, str],
    from_where: tuple[str, Sequence[Any]],
    alias: str,
    used: set[str],
    names: Mapping[str, Sequence[str]],
    constants: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One aggregate query -> a frame of ``columns`` sorted by event_id.

    Parameters
    ----------
    con
        The connection, inside the read transaction of the snapshot to read.
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
    fetched, coded = plan(columns, used, names, constants)
    exprs, params, slots = row_values(fetched, columns, coded, alias)
    aggregates = [
        a
        for expr, slot in zip(exprs, slots, strict=True)
        for a in _aggregates(expr, slot_dtype(slot, columns))
    ]
    sql, where_params = from_where
    row = con.execute(
        f"SELECT count(*), {', '.join(aggregates)} {sql}", [*params, *where_params]
    ).fetchone()
    data: dict[str, Any] = {}
    values = iter(row[1:])
    for slot in slots:
        if not isinstance(slot, str):
            unpack_word(_ints(next(values)), slot, columns, coded, data)
        elif _is_integer(columns[slot]) or columns[slot].startswith("Float"):
            data[slot] = _column(next(values), slot, columns[slot])
        else:
            data[slot] = _text(next(values), next(values), columns[slot])
    return assemble(columns, row[0], in_event_order(data), constants)


def assemble(
    columns: Mapping[str, str], n: int, data: Mapping[str, Any], constants: Mapping[str, str]
) -> pd.DataFrame:
    """The frame of ``columns`` (``n`` rows) from the columns read (``data``, in event order)."""
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


def _values(value: Any) -> list[str]:
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
        unknown = [v for v in _values(role) if v not in ROLES]
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
            params.append(json.dumps(_values(value)))
    return clauses, params
