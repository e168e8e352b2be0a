"""Turn judgement events (mappings from the widget or a user) into SQLite row values."""

from __future__ import annotations

import json
import math
import numbers
import re
import time
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .._contract import BROKEN, CHOICES, EVENT_COLUMNS, MAX_NOTE, ROLES, TASKS, repeated_columns
from ._errors import StoreError

__all__ = [
    "INSERT_COLUMNS",
    "REQUIRED",
    "RETRACTION_VALUE_FIELDS",
    "TIME_RANGE",
    "as_python",
    "check_name",
    "event_rows",
    "flag_names",
    "micros",
    "normalize_event",
    "note_problem",
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


def check_name(value: object, name: str) -> str:
    """``value`` when it is a non-empty str that UTF-8 can encode (an annotator, a campaign, a
    guideline version), else a StoreError naming it, as the widgets' own check says it."""
    if not isinstance(value, str) or not value.strip():
        raise StoreError(f"{name} must be a non-empty string, got {as_python(value)!r}")
    surrogate = _SURROGATE.search(value)
    if surrogate is not None:
        raise StoreError(
            f"{name} {value!r} holds a lone surrogate (U+{ord(surrogate.group()):04X}), which is "
            "not text: fix the text, e.g. text.encode('utf-8', 'replace').decode('utf-8')"
        )
    return value


# the created_at values a labels frame (datetime64[ns]) can hold, in UTC microseconds: a later
# one would be stored and read back wrapped round (2999-01-01 as 1829-11-23)
TIME_RANGE = (pd.Timestamp.min.ceil("us").value // 1000, pd.Timestamp.max.floor("us").value // 1000)
_TIME_RANGE_TEXT = (
    "dates and times must lie between 1677-09-21 00:12:44 and 2262-04-11 23:47:16 UTC, the "
    "range of the pandas datetime64[ns] that labels() reads them as"
)


def out_of_range(value: Any, where: str) -> StoreError:
    """The error for a created_at outside ``TIME_RANGE``."""
    return StoreError(
        f"created_at {as_python(value)!r} {where} is out of range: {_TIME_RANGE_TEXT}; "
        "fix or drop it"
    )


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
    except OverflowError:
        raise out_of_range(value, where) from None
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    # in microseconds at once: .value (nanoseconds) overflows after 2262
    stamp_micros = int(stamp.as_unit("us").asm8.view("i8"))
    if not TIME_RANGE[0] <= stamp_micros <= TIME_RANGE[1]:
        raise out_of_range(value, where)
    return stamp_micros


def flag_names(value: Any) -> list[str]:
    """The flag names of a ``flags`` value: a list (tuple, set) of names or a comma-separated
    str, each name stripped of the spaces around it; empty names and repeats left out."""
    if isinstance(value, set | frozenset):
        value = sorted(map(str, value))
    if isinstance(value, list | tuple | np.ndarray | pd.Series):
        value = ",".join(str(v) for v in value)
    elif isinstance(value, bytes):
        value = value.decode()
    parts = (part.strip() for part in str(value).split(","))
    return list(dict.fromkeys(part for part in parts if part))


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


def note_problem(value: object, where: str) -> str | None:
    """What is wrong with a note (a str of at most MAX_NOTE characters), or None; ``where``
    names it ("in event 3", "in row 7")."""
    if isinstance(value, str) and len(value) <= MAX_NOTE:
        return None
    shown = value[:40] + "…" if isinstance(value, str) else as_python(value)
    if not isinstance(value, str):
        problem = (
            f"is of type {type(value).__name__}, not text: a note is a str (cast the column with "
            ".astype(str) if the numbers are meant as text)"
        )
    else:
        problem = (
            f"has {len(value)} characters, more than the {MAX_NOTE} a note keeps: shorten it, "
            "or keep long text in a column of your own frame"
        )
    return f"note {shown!r} {where} {problem}"


def _text(value: Any, col: str, where: str) -> str:
    if col == "note":
        problem = note_problem(value, where)
        if problem is not None:
            raise StoreError(problem)
        return value
    if col == "shown" and isinstance(value, list | tuple | np.ndarray | pd.Series):
        # the ids shown, in order, as a JSON list of strings (ids are strings everywhere)
        return json.dumps([str(v) for v in value])
    if col == "flags":
        # "a, b" is the flags a and b, as ["a", "b"] is: " b" would be no flag the rubric has
        return ",".join(flag_names(value))
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
    text = _text(value, col, where)
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
    if row.get("flags") == "":  # no flag at all (e.g. "" or []): as null, as the widgets write it
        del row["flags"]
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
        graded = [col for col in ("relevance", "magnitude") if col in row]
        if graded and "flags" in row and BROKEN in flag_names(row["flags"]):
            # the widgets and import_labels never store it: a broken file was not judged
            raise StoreError(
                f"flag {BROKEN!r} {where} comes with {graded[0]} {row[graded[0]]!r}: a candidate "
                "whose media is broken was not judged, so it has no grade. Append the flag "
                f"without {graded[0]} (a flag event), or the {graded[0]} without the flag"
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


def refuse_duplicate_columns(frame: pd.DataFrame, what: str, name: str) -> None:
    """A StoreError when ``frame`` (called ``what``, a variable ``name`` in the fix) repeats a
    column name: which one it would read is pandas' choice, not the caller's."""
    problem = repeated_columns(frame, what, name)
    if problem:
        raise StoreError(problem)


def event_rows(events: Any) -> list[dict[str, Any]]:
    """The events ``append`` was given (a mapping, a DataFrame or a list of mappings), each
    checked by ``normalize_event``."""
    if isinstance(events, Mapping):
        events = [events]
    elif isinstance(events, pd.DataFrame):
        refuse_duplicate_columns(events, "the events frame", "events")
        events = events.to_dict("records")
    elif isinstance(events, str | bytes) or not isinstance(events, Iterable):
        raise StoreError(
            "events must be a list of mappings (column -> value), a mapping or a DataFrame, "
            f"got {type(events).__name__} {as_python(events)!r:.80}"
        )
    return [normalize_event(event, i) for i, event in enumerate(events)]
