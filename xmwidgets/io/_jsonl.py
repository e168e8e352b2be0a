"""JSON Lines and Parquet for any frame of the contract (queries, items, candidates, labels)."""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._errors import FormatError, PathLike, _check_file, _data_lines, _short, _unique_keys

__all__ = ["read_jsonl", "read_parquet", "write_jsonl", "write_parquet"]

# columns that hold ids: strings everywhere (evaluation libraries need str ids)
_ID_COLUMNS = ("query_id", "item_id")


def _cast(
    frame: pd.DataFrame,
    dtypes: Mapping[str, Any] | None,
    path: PathLike,
    lines: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Ids to str (missing ids stay missing), then the caller's dtypes for the columns present.

    A cast that fails names the column, the dtype and the first value that does not fit, with its
    line (``lines``: the line of each row) or row.
    """
    casts: dict[str, Any] = {c: str for c in _ID_COLUMNS if c in frame.columns}
    if dtypes:
        # a column the file lacks is skipped, so one mapping (e.g. the contract's LABEL_COLUMNS)
        # serves files with fewer columns; but a near-miss of a column that dtypes= leaves out
        # is a misspelling, and would read that column uncast without a word
        uncast = [str(c) for c in frame.columns if c not in dtypes]
        for column in dtypes:
            close = (
                []
                if column in frame.columns
                else difflib.get_close_matches(str(column), uncast, 1, 0.8)
            )
            if close:
                raise FormatError(
                    path,
                    f"dtypes= names the column {column!r}, which the file does not have; did "
                    f"you mean {close[0]!r}? Fix the name in dtypes=",
                )
        casts.update({c: t for c, t in dtypes.items() if c in frame.columns})
    for column, dtype in casts.items():
        try:
            if str(dtype).startswith("datetime64") and frame[column].dtype == object:
                # ISO strings as written by write_jsonl; an explicit parse keeps the time zone
                frame[column] = pd.to_datetime(
                    frame[column], utc="UTC" in str(dtype), format="ISO8601"
                )
            frame[column] = frame[column].astype(dtype)
        except (ValueError, TypeError, OverflowError) as err:
            raise _cast_error(frame, column, dtype, err, path, lines) from None
    return frame


def _cast_error(
    frame: pd.DataFrame,
    column: str,
    dtype: Any,
    err: Exception,
    path: PathLike,
    lines: Sequence[int] | None,
) -> FormatError:
    """Why ``frame[column]`` does not cast to ``dtype``: a dtype pandas does not know, or the
    first value that does not fit it."""
    try:
        pd.Series([], dtype=dtype)
    except (ValueError, TypeError):
        return FormatError(
            path,
            f"dtypes={{{column!r}: {dtype!r}}}: {dtype!r} is not a dtype pandas knows ({err}); "
            "use e.g. 'int64', 'Int8', 'float64', 'string', 'boolean' or 'datetime64[ns, UTC]'",
        )
    values = frame[column].astype(object).tolist()
    for row, value in enumerate(values):
        try:
            cell = pd.Series([value], dtype=object)
            if str(dtype).startswith("datetime64"):
                cell = pd.to_datetime(cell, utc="UTC" in str(dtype), format="ISO8601")
            cell.astype(dtype)
        except (ValueError, TypeError, OverflowError) as value_err:
            line, where = (lines[row], None) if lines is not None else (None, f"row {row}")
            shown = _short(value) if isinstance(value, str) else _short(repr(value))[1:-1]
            convert = "to_datetime" if str(dtype).startswith("datetime64") else "to_numeric"
            return FormatError(
                path,
                f"column {column!r} cannot be cast to {dtype!r} as dtypes= asks: it holds "
                f"{shown} ({type(value).__name__}: {str(value_err).splitlines()[0][:120]}); fix that "
                "value, choose a dtype that holds it, or read the column without a dtype and "
                "convert it yourself, e.g. "
                f"pd.{convert}(frame[{column!r}], errors='coerce')",
                line=line,
                where=where,
            )
    return FormatError(
        path, f"column {column!r} cannot be cast to {dtype!r} as dtypes= asks ({err})"
    )


def _frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Records to a frame; in object columns a missing key and a JSON null both become None."""
    frame = pd.DataFrame.from_records(records)
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


# what may stand for a number that is not finite: Python's json reads NaN and Infinity (no JSON)
# and 1e400 as inf; the hooks that catch them cost a Python call per number, so only such lines
# are read again with them
_NOT_FINITE_HINT = re.compile(r"NaN|Infinity|[eE][+]?\d{3}")


def _refuse_not_finite(path: PathLike, number: int, line: str) -> None:
    def constant(name: str) -> float:
        raise FormatError(
            path,
            f"{name} is no JSON number (Python writes it for a float that is not finite); "
            f"write null for a missing value: {_short(line)}",
            line=number,
        )

    def finite(text: str) -> float:
        value = float(text)
        if math.isinf(value):
            raise FormatError(
                path,
                f"number {text} is too large for a float (it would be read as infinity): "
                f"{_short(line)}",
                line=number,
            )
        return value

    json.loads(line, parse_constant=constant, parse_float=finite)


def _jsonl_records(
    path: PathLike, *, allow_empty: bool = False
) -> list[tuple[int, dict[str, Any]]]:
    """Parse JSON Lines into ``(line_number, object)`` pairs; every line must be an object."""
    records: list[tuple[int, dict[str, Any]]] = []
    for number, line in _data_lines(path, allow_empty=allow_empty):
        try:
            value = json.loads(line, object_pairs_hook=_unique_keys(path, number))
        except json.JSONDecodeError as err:
            raise FormatError(
                path,
                f"expected one JSON object per line; invalid JSON at column {err.colno} "
                f"({err.msg}): {_short(line)}",
                line=number,
            ) from None
        if not isinstance(value, dict):
            raise FormatError(
                path,
                f"expected a JSON object, got {type(value).__name__}: {_short(line)}",
                line=number,
            )
        if _NOT_FINITE_HINT.search(line):
            _refuse_not_finite(path, number, line)
        # a lone surrogate can only come from a \\u escape (the text was decoded as strict
        # UTF-8): it would fail later, in pandas' Arrow strings, with no file or line
        if "\\u" in line and _SURROGATE_ESCAPE.search(line):
            _refuse_surrogates(path, number, value)
        records.append((number, value))
    return records


_SURROGATE = re.compile("[\ud800-\udfff]")
# the escape of a surrogate, \\ud800-\\udfff (any case): json.dumps writes every non-ASCII letter as
# \\u00e9 and such, so a line with "\\u" is common; only one with this escape is walked
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")


def _lone_surrogate(value: Any, where: str) -> tuple[str, str, str] | None:
    """``(JSON path, text, surrogate)`` of the first key or string in ``value`` that holds a lone
    surrogate, or None."""
    if isinstance(value, str):
        found = _SURROGATE.search(value)
        return None if found is None else (where, value, found.group())
    if isinstance(value, dict):
        for key, item in value.items():
            found_key = _SURROGATE.search(key)
            if found_key is not None:
                return (f"{where} (a key)", key, found_key.group())
            hit = _lone_surrogate(item, f"{where}.{key}")
            if hit is not None:
                return hit
    elif isinstance(value, list):
        for index, item in enumerate(value):
            hit = _lone_surrogate(item, f"{where}[{index}]")
            if hit is not None:
                return hit
    return None


def _refuse_surrogates(path: PathLike, number: int, record: dict[str, Any]) -> None:
    hit = _lone_surrogate(record, "$")
    if hit is None:
        return
    where, text, surrogate = hit
    escape = f"\\u{ord(surrogate):04x}"
    raise FormatError(
        path,
        f"the text at {where}, {_short(text)}, holds the escape '{escape}': half of a "
        "UTF-16 pair without its other half (a lone surrogate), which is not valid Unicode text, "
        f"and pandas and the store cannot hold it; fix the file, e.g. replace '{escape}' with "
        "'\\ufffd' (the replacement character)",
        line=number,
    )


def read_jsonl(path: PathLike, *, dtypes: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Read a JSON Lines file (one object per line) into a frame.

    Parameters
    ----------
    path : str or PathLike
        The ``.jsonl`` file; blank lines are skipped.
    dtypes : mapping, optional
        Column → dtype to apply after reading (JSON has no dtypes), e.g. ``{"relevance": "Int8",
        "created_at": "datetime64[ns, UTC]"}`` for a labels frame. ``query_id``/``item_id`` are
        always cast to ``str``. Columns the file lacks are skipped, so one mapping (e.g. one for
        every labels column) serves files with fewer columns; a name that looks like a
        misspelling of a column left uncast (``"relevence"``) is refused.

    Returns
    -------
    pandas.DataFrame
        One row per line; the columns are the union of the keys, in first-seen order.

    Raises
    ------
    FormatError
        Empty file, or a line that is not a JSON object (the message names the line).
    """
    numbered = _jsonl_records(path)
    frame = _frame([record for _, record in numbered])
    return _cast(frame, dtypes, path, [number for number, _ in numbered])


def write_jsonl(frame: pd.DataFrame, path: PathLike) -> Path:
    """Write a frame as JSON Lines, one object per row.

    Missing values become ``null``, timestamps ISO 8601 strings, non-ASCII text stays readable
    except U+0085, U+2028 and U+2029, which are written as ``\\u`` escapes (tools that split
    lines with ``str.splitlines`` would break a record at them; JSON reads both forms alike).

    Parameters
    ----------
    frame : pandas.DataFrame
        Any frame whose cells JSON can hold (text, numbers, booleans, lists, dicts, timestamps).
    path : str or PathLike
        The file to write.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    ValueError
        A float is infinite, or a cell holds what JSON cannot (bytes, other objects); the message
        names the column and row, and nothing is written.
    """
    out = Path(path)
    _refuse_infinite(frame)
    _refuse_unwritable(frame, "JSON Lines")
    text = frame.reset_index(drop=True).to_json(
        orient="records", lines=True, force_ascii=False, date_format="iso", date_unit="us"
    )
    # these can only stand inside JSON strings here; escaped, no line-based reader (str.splitlines,
    # JavaScript) breaks a record at them
    text = text.translate(_LINE_BREAKS_ESCAPED)
    out.write_text(text if text.endswith("\n") or not text else text + "\n", encoding="utf-8")
    return out


def _refuse_infinite(frame: pd.DataFrame) -> None:
    """JSON has no infinity: pandas writes it as null, a number silently turned missing."""
    for column in frame.columns:
        values = frame[column]
        if not pd.api.types.is_float_dtype(values.dtype):
            continue
        infinite = np.isinf(values.to_numpy(dtype=float, na_value=np.nan))
        if infinite.any():
            row = frame.index[int(np.flatnonzero(infinite)[0])]
            raise ValueError(
                f"cannot write JSON Lines: {column} is {values[row]} at row {row!r}, and JSON has "
                "no infinity (it would be written as null); clip or drop those values first"
            )


# pandas' inferred kinds of an object column whose every cell JSON (and Arrow) can hold as it is
_PLAIN_KINDS = frozenset(
    {"empty", "string", "integer", "floating", "mixed-integer-float", "boolean", "decimal"}
    | {"datetime", "datetime64", "date"}
)
# what a JSON cell may hold (numpy arrays, tuples and sets are written as lists)
_JSON_SCALARS = (str, bool, np.bool_, int, np.integer, float, np.floating, pd.Timestamp)
_JSON_LISTS = (list, tuple, set, frozenset, np.ndarray)


def _not_json(value: Any) -> Any:
    """The first value in ``value`` (itself, or inside its lists and dicts) that JSON cannot
    hold, or None: pandas writes bytes as an error, other objects as ``{}`` (their content lost).
    """
    if value is None or value is pd.NA or value is pd.NaT or isinstance(value, _JSON_SCALARS):
        return None
    if isinstance(value, dict):
        inside: Any = [*value.keys(), *value.values()]
    elif isinstance(value, _JSON_LISTS):
        inside = value
    else:
        return value
    return next((bad for v in inside if (bad := _not_json(v)) is not None), None)


def _unwritable_cell(values: pd.Series) -> tuple[int, Any] | None:
    """(position, offending value) of the first cell of an object column that JSON cannot hold."""
    if pd.api.types.infer_dtype(values, skipna=True) in _PLAIN_KINDS:
        return None  # one pass in C: text, numbers, dates
    for pos, cell in enumerate(values.to_numpy(dtype=object)):
        bad = _not_json(cell)
        if bad is not None:
            return pos, bad
    return None


def _refuse_unwritable(
    frame: pd.DataFrame, what: str, columns: Sequence[Any] | None = None
) -> None:
    """A ValueError naming the column, row and value of a cell that ``what`` cannot hold."""
    for column in frame.columns if columns is None else columns:
        values = frame[column]
        if values.dtype != object:
            continue
        found = _unwritable_cell(values)
        if found is None:
            continue
        pos, bad = found
        shown = repr(bad) if len(repr(bad)) <= 80 else repr(bad)[:80] + "…"
        hint = (
            "decode it first (df[col].str.decode('utf-8')) or drop the column"
            if isinstance(bad, bytes | bytearray)
            else "convert those cells to text, numbers, lists or dicts first, or drop the column"
        )
        raise ValueError(
            f"cannot write {what}: column {column!r} holds {shown} (type "
            f"{type(bad).__name__}) at row {frame.index[pos]!r}, which {what} cannot hold as it "
            f"is; cells may be text, numbers, booleans, timestamps, lists and dicts of these: "
            f"{hint}"
        )


_LINE_BREAKS_ESCAPED = {ord(c): f"\\u{ord(c):04x}" for c in "\x85\u2028\u2029"}


def _need_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise ImportError(
            "reading and writing Parquet needs pyarrow, which is not installed; "
            "run pip install pyarrow (a dependency of xmwidgets: reinstall it)"
        ) from None


def read_parquet(path: PathLike, *, dtypes: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Read a Parquet file (through pyarrow).

    Parameters
    ----------
    path : str or PathLike
        The ``.parquet`` file.
    dtypes : mapping, optional
        Column → dtype to apply after reading; ``query_id``/``item_id`` are always cast to ``str``.
        Columns the file lacks are skipped, and misspellings refused, as in :func:`read_jsonl`.

    Returns
    -------
    pandas.DataFrame
        List columns hold Python lists (not numpy arrays); dict columns written by
        :func:`write_parquet` hold the dicts as they were given.

    Raises
    ------
    ImportError
        pyarrow is missing (``pip install pyarrow``).
    FormatError
        The file is not Parquet.
    """
    _need_pyarrow()
    import pyarrow as pa
    import pyarrow.parquet as pq

    _check_file(path)
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as err:
        raise FormatError(path, f"not a readable Parquet file ({err})") from None
    frame = table.to_pandas()
    as_json = _json_columns_of(table)
    for field in table.schema:
        values = table.column(field.name).to_pylist
        if field.name in as_json:
            cells = [None if v is None else json.loads(v) for v in values()]
            frame[field.name] = pd.Series(cells, dtype=object, index=frame.index)
        elif pa.types.is_list(field.type) or pa.types.is_large_list(field.type):
            # to_pandas gives numpy arrays; the frame that was written held lists
            frame[field.name] = pd.Series(values(), dtype=object, index=frame.index)
    return _cast(frame, dtypes, path)


_META_KEY = b"xmwidgets"


def _json_columns_of(table: Any) -> list[str]:
    meta = (table.schema.metadata or {}).get(_META_KEY)
    return list(json.loads(meta).get("json_columns", [])) if meta else []


def _needs_json(values: pd.Series) -> bool:
    """Object cells Arrow would change or cannot type: dicts (a struct fills every key in every
    row), lists that are not one plain list type, or scalars of several types (1 and "x")."""
    import pyarrow as pa

    if pd.api.types.infer_dtype(values, skipna=True) in _PLAIN_KINDS | {"bytes"}:
        return False
    try:
        kind = pa.array(values.tolist()).type
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        return True
    return "struct<" in str(kind) or "map<" in str(kind)


def write_parquet(frame: pd.DataFrame, path: PathLike) -> Path:
    """Write a frame as Parquet (through pyarrow); dtypes and cells survive the round trip.

    Lists of one type are stored as Arrow lists; columns holding dicts, lists Arrow cannot type
    or scalars of several types (1 and "x") are stored as JSON text, named in the file's metadata, so that :func:`read_parquet`
    gives back each dict with exactly its own keys (Arrow's struct type would give every row all
    keys of the column, the missing ones None).

    Parameters
    ----------
    frame : pandas.DataFrame
    path : str or PathLike

    Returns
    -------
    pathlib.Path
        The file written.
    """
    _need_pyarrow()
    import pyarrow as pa
    import pyarrow.parquet as pq

    encoded = frame.reset_index(drop=True)
    as_json = [c for c in encoded.columns if encoded[c].dtype == object and _needs_json(encoded[c])]
    _refuse_unwritable(encoded, "Parquet", as_json)  # those go as JSON text
    for column in as_json:
        encoded[column] = [None if v is None else json.dumps(v) for v in encoded[column]]
    table = pa.Table.from_pandas(encoded, preserve_index=False)
    meta = {**(table.schema.metadata or {}), _META_KEY: json.dumps({"json_columns": as_json})}
    out = Path(path)
    pq.write_table(table.replace_schema_metadata(meta), out)
    return out
