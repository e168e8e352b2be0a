"""Turn judgement events (mappings from the widget or a user) into SQLite row values."""

from __future__ import annotations

import json
import math
import numbers
import re
import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .._contract import CHOICES, EVENT_COLUMNS, ROLES, TASKS
from ._errors import StoreError

__all__ = [
    "INSERT_COLUMNS",
    "REQUIRED",
    "RETRACTION_VALUE_FIELDS",
    "as_python",
    "micros",
    "normalize_event",
    "now_micros",
]

# every column a caller may give (event_id is assigned by the store)
INSERT_COLUMNS: tuple[str, ...] = tuple(c for c in EVENT_COLUMNS if c != "event_id")
REQUIRED = ("campaign", "task", "query_id", "annotator")
# a retraction carries the key of what it cancels but no value of its own
RETRACTION_VALUE_FIELDS = (
    "relevance",
    "magnitude",
    "best",
    "none_relevant",
    "choice",
    "rank",
    "flags",
    "note",
    "segment_start",
    "segment_end",
    "shown_position",
    "shown",
)
_INT_RANGES = {
    "relevance": (-128, 127),
    "rank": (1, 2**31 - 1),
    "shown_position": (0, 2**31 - 1),
    "duration_ms": (0, 2**63 - 1),
    "retracts": (1, 2**63 - 1),
}


def as_python(value: Any) -> Any:
    """``value`` as a message shows it: numpy scalars as plain Python (2.5, not np.float64(2.5))."""
    return value.item() if isinstance(value, np.generic) else value


def now_micros() -> int:
    """The current UTC time in integer microseconds since the epoch."""
    return time.time_ns() // 1000


def is_null(value: Any) -> bool:
    """True for None, pd.NA, NaN and NaT."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    return isinstance(value, np.datetime64) and bool(np.isnat(value))


def micros(value: Any, where: str) -> int:
    """UTC microseconds of a datetime-like value; naive values are taken as UTC."""
    if isinstance(value, numbers.Number) and not isinstance(value, np.datetime64):
        raise StoreError(
            f"created_at {as_python(value)!r} {where} is a number; pass a datetime, a pandas "
            "Timestamp or an ISO 8601 string (naive values are taken as UTC)"
        )
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise StoreError(
            f"created_at {as_python(value)!r} {where} is not a date and time: {exc}; "
            "pass a datetime, a pandas Timestamp or an ISO 8601 string"
        ) from None
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return int(stamp.value // 1000)


def _integer(value: Any, col: str, where: str) -> int:
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise StoreError(f"{col} {as_python(value)!r} {where} is not an integer")
    if isinstance(value, float | np.floating) and not float(value).is_integer():
        raise StoreError(f"{col} {as_python(value)!r} {where} is not an integer")
    number = int(value) if isinstance(value, numbers.Integral) else int(float(value))
    lo, hi = _INT_RANGES[col]
    if col == "rank" and number < lo:
        raise StoreError(
            f"rank {number} {where} is out of range: ranks start at 1 (1 = best); "
            "to clear a rank, pass rank=None"
        )
    if not lo <= number <= hi:
        raise StoreError(
            f"{col} {number} {where} is out of range: it must be between {lo} and {hi}"
        )
    return number


def _boolean(value: Any, col: str, where: str) -> int:
    if isinstance(value, bool | np.bool_) or value in (0, 1):
        return int(bool(value))
    raise StoreError(
        f"{col} {as_python(value)!r} {where} is not a boolean: pass True, False or None"
    )


def _real(value: Any, col: str, where: str) -> float:
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise StoreError(f"{col} {as_python(value)!r} {where} is not a number")
    number = float(value)
    if not math.isfinite(number):
        raise StoreError(f"{col} {as_python(value)!r} {where} is not a finite number")
    return number


def _text(value: Any, col: str) -> str:
    if col == "shown" and isinstance(value, list | tuple | np.ndarray | pd.Series):
        # the ids shown, in order, as a JSON list of strings (ids are strings everywhere)
        return json.dumps([str(v) for v in value])
    if col == "flags" and isinstance(value, list | tuple | set | frozenset):
        return ",".join(str(v) for v in value)
    if isinstance(value, bytes):
        return value.decode()
    return str(value)


# text columns that hold one of a few values: column -> (values, what a null means)
_ENUMS = {
    "choice": (CHOICES, "to clear a choice, pass choice=None"),
    "role": (ROLES, "leave role out for an annotator's own judgement"),
}
# value columns that belong to some tasks only: column -> those tasks
_TASK_COLUMNS = {
    "other_id": ("pair",),
    "choice": ("pair",),
    "rank": ("pick", "rank"),
}


# a str that is not text (half of a UTF-16 pair): SQLite's UTF-8 cannot hold it
_SURROGATE = re.compile("[\ud800-\udfff]")


def _convert(value: Any, col: str, where: str) -> Any:
    dtype = EVENT_COLUMNS[col]
    if col == "created_at":
        return micros(value, where)
    if dtype == "boolean":
        return _boolean(value, col, where)
    if dtype.startswith(("Int", "int")):
        return _integer(value, col, where)
    if dtype.startswith("Float"):
        return _real(value, col, where)
    text = _text(value, col)
    surrogate = _SURROGATE.search(text)
    if surrogate is not None:
        raise StoreError(
            f"{col} {text!r} {where} holds a lone surrogate (U+{ord(surrogate.group()):04X}) at "
            f"position {surrogate.start()}, which is not text: the store (UTF-8) cannot hold it; "
            "fix the text, e.g. text.encode('utf-8', 'replace').decode('utf-8')"
        )
    if col in _ENUMS and text not in _ENUMS[col][0]:
        values, hint = _ENUMS[col]
        raise StoreError(
            f"{col} {as_python(value)!r} {where} is not one of {', '.join(map(repr, values))}; "
            f"{hint}"
        )
    return text


def normalize_event(event: Mapping[str, Any], position: int) -> dict[str, Any]:
    """Validate one event and return its column values as SQLite-ready Python scalars.

    Columns that are missing or null are left out, except ``created_at`` which is filled with now.
    """
    where = f"in event {position}"
    if not isinstance(event, Mapping):
        raise StoreError(
            f"event {position} is a {type(event).__name__}, not a mapping of column -> value"
        )
    unknown = [k for k in event if k not in INSERT_COLUMNS]
    if unknown:
        hint = " (event_id is assigned by the store)" if "event_id" in unknown else ""
        raise StoreError(
            f"unknown column(s) {', '.join(map(repr, unknown))} {where}{hint}; "
            f"the columns of an event are: {', '.join(INSERT_COLUMNS)}"
        )
    row = {col: _convert(v, col, where) for col, v in event.items() if not is_null(v)}
    if "retracts" not in row:
        missing = [col for col in REQUIRED if col not in row]
        if missing:
            raise StoreError(
                f"event {position} has no {', '.join(missing)}: these columns are required"
            )
        if row["task"] not in TASKS:
            raise StoreError(
                f"unknown task {row['task']!r} {where}: the tasks are {', '.join(TASKS)}"
            )
        for col, tasks in _TASK_COLUMNS.items():
            if col in row and row["task"] not in tasks:
                raise StoreError(
                    f"{col} {row[col]!r} {where} is set on a {row['task']!r} event: {col} "
                    f"belongs to {' and '.join(map(repr, tasks))} events only; "
                    f"leave it out, or pass task={tasks[0]!r}"
                )
    else:
        values = [col for col in RETRACTION_VALUE_FIELDS if col in row]
        if values:
            raise StoreError(
                f"event {position} retracts event {row['retracts']} but also carries "
                f"{', '.join(values)}: a retraction has no value of its own "
                "(append a new event instead)"
            )
    if "created_at" not in row:
        row["created_at"] = now_micros()
    return row
