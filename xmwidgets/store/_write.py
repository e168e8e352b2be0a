"""Writing events: value rows with the set-based update of ``current``, and retractions."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .._contract import EVENT_COLUMNS, LABEL_KEY
from ._errors import StoreError
from ._read import ALWAYS_READ, CODED_COLUMNS
from ._schema import CURRENT_KEY, EVENT_KEY

__all__ = [
    "KEY_FIELDS",
    "RETRACTION_TARGET",
    "insert_values",
    "note",
    "previous_live",
    "retract_one",
    "retraction_key",
]

KEY_FIELDS = LABEL_KEY
# the unique key of `current`, one placeholder per KEY_FIELDS in its order
_KEY_SQL = (
    "campaign = ? AND task = ? AND version_key = ifnull(?, x'') AND query_id = ? AND "
    "item_key = ifnull(?, x'') AND other_key = ifnull(?, x'') AND annotator = ?"
)
# what a retraction copies from the event it retracts: the key, and who wrote it in which role
_COPIED = (*KEY_FIELDS, "role")
_OPTIONAL_COLUMNS = set(EVENT_COLUMNS) - ALWAYS_READ


def _literal(value: str | int) -> str:
    """An SQL literal (SQLite has no backslash escapes: doubling quotes is the whole rule)."""
    if isinstance(value, int):
        return str(int(value))
    text = str(value)
    if "\x00" in text:
        raise StoreError(f"{text!r} contains a NUL character, which a label store cannot hold")
    return "'" + text.replace("'", "''") + "'"


def insert_values(
    con: sqlite3.Connection,
    columns: Sequence[str],
    rows: Any,
    constants: Mapping[str, str | int] | None = None,
) -> tuple[int, int]:
    """Insert value events, bring ``current`` up to date; return (first, last) new event_id.

    ``constants`` (column -> value, the same for every row) go into the statement as literals,
    so that executemany binds only the columns that vary.
    """
    before = con.execute("SELECT ifnull(max(event_id), 0) FROM events").fetchone()[0]
    names = [*(constants or {}), *columns]
    values = [_literal(v) for v in (constants or {}).values()] + ["?"] * len(columns)
    con.executemany(f"INSERT INTO events ({', '.join(names)}) VALUES ({', '.join(values)})", rows)
    last = con.execute("SELECT ifnull(max(event_id), 0) FROM events").fetchone()[0]
    # set-based, in event order: the newest value per key wins; overwrites feed `superseded`
    con.execute(
        f"INSERT INTO current ({CURRENT_KEY}, event_id) SELECT {EVENT_KEY}, event_id "
        "FROM events WHERE event_id > ? AND retracts IS NULL ORDER BY event_id "
        f"ON CONFLICT ({CURRENT_KEY}) DO UPDATE SET event_id = excluded.event_id",
        (before,),
    )
    # current_ids follows: every new value is current, except those a later value overwrote,
    # and the values this batch overwrote are not any more; both are in `superseded`
    con.execute(
        "INSERT INTO current_ids (event_id) SELECT event_id FROM events "
        "WHERE event_id > ? AND retracts IS NULL",
        (before,),
    )
    con.execute(
        "DELETE FROM current_ids WHERE event_id IN (SELECT prev FROM superseded WHERE event_id > ?)",
        (before,),
    )
    return before + 1, last


def note(
    con: sqlite3.Connection, columns: Iterable[str], names: Mapping[str, Iterable[Any]]
) -> None:
    """Record the optional columns that now hold values and the new distinct coded names."""
    con.executemany(
        "INSERT OR IGNORE INTO used_columns (name) VALUES (?)",
        [(c,) for c in columns if c in _OPTIONAL_COLUMNS],
    )
    con.executemany(
        "INSERT OR IGNORE INTO names (col, value) VALUES (?, ?)",
        [(col, v) for col, values in names.items() for v in set(values) if v is not None],
    )


def retraction_key(
    row: Mapping[str, Any],
    found: Sequence[Any] | None,
    retracted_by: Sequence[Any] | None,
    path: str,
    last: int,
) -> dict[str, Any]:
    """Check the retraction ``row`` against its target; return what the retraction copies from it.

    That is the target's key (``KEY_FIELDS``) and its ``role``, nulls left out. ``found`` is the
    target's ``RETRACTION_TARGET`` columns (``KEY_FIELDS``, role, retracts) or None,
    ``retracted_by`` the (event_id,) of an existing retraction of it or None, ``last`` the
    newest event id. Shared by both backends, so that they refuse the same things alike.
    """
    target = row["retracts"]
    if found is None:
        raise StoreError(
            f"cannot retract event {target}: store {path!r} has no such event "
            f"(its event ids run from 1 to {last})"
        )
    if found[-1] is not None:
        raise StoreError(
            f"event {target} is itself a retraction (of event {found[-1]}); to redo, append "
            "the value again"
        )
    if retracted_by is not None:
        raise StoreError(f"event {target} is already retracted (by event {retracted_by[0]})")
    key = dict(zip(_COPIED, found[:-1], strict=True))
    for col, value in key.items():
        if col in row and row[col] != value:
            raise StoreError(
                f"a retraction of event {target} has {col}={row[col]!r} but event {target} "
                f"has {col}={value!r}; leave the key out and the store copies it"
            )
    return {col: value for col, value in key.items() if value is not None}


# the columns of a retraction's target that retraction_key checks, in its order
RETRACTION_TARGET = ", ".join([*_COPIED, "retracts"])


def retract_one(con: sqlite3.Connection, row: dict[str, Any], path: str) -> int:
    """Append the retraction ``row`` (``retracts`` set) and restore the previous value if needed."""
    target = row["retracts"]
    found = con.execute(
        f"SELECT {RETRACTION_TARGET} FROM events WHERE event_id = ?", (target,)
    ).fetchone()
    by = con.execute("SELECT event_id FROM events WHERE retracts = ?", (target,)).fetchone()
    last = con.execute("SELECT ifnull(max(event_id), 0) FROM events").fetchone()[0]
    key = retraction_key(row, found, by, path, last)
    event = {**row, **key}
    columns = list(event)
    cursor = con.execute(
        f"INSERT INTO events ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        tuple(event.values()),
    )
    new_id = int(cursor.lastrowid or 0)
    note(con, columns, {c: [event[c]] for c in CODED_COLUMNS if c in event})
    key_params = tuple(key.get(col) for col in KEY_FIELDS)
    current = con.execute(f"SELECT event_id FROM current WHERE {_KEY_SQL}", key_params).fetchone()
    if current is not None and current[0] == target:
        previous = previous_live(con, target)
        con.execute("DELETE FROM current_ids WHERE event_id = ?", (target,))
        if previous is None:
            con.execute(f"DELETE FROM current WHERE {_KEY_SQL}", key_params)
        else:
            con.execute(
                f"UPDATE current SET event_id = ? WHERE {_KEY_SQL}", (previous, *key_params)
            )
            con.execute("INSERT INTO current_ids (event_id) VALUES (?)", (previous,))
    return new_id


def previous_live(con: sqlite3.Connection, event_id: int) -> int | None:
    """The newest live (non-retracted) value of the key before ``event_id``."""
    while True:
        found = con.execute(
            "SELECT prev FROM superseded WHERE event_id = ?", (event_id,)
        ).fetchone()
        if found is None:
            return None
        event_id = found[0]
        retracted = con.execute("SELECT 1 FROM events WHERE retracts = ?", (event_id,)).fetchone()
        if retracted is None:
            return event_id
