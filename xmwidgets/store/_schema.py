"""The on-disk layout of a label store (SQLite) and how a file is recognised, created and checked.

Tables
------
``meta``
    ``format``, ``schema_version`` (also in ``PRAGMA user_version``) and, from version 2 on,
    ``store_id`` (a UUID that tells copies of a store apart). Older versions are upgraded in
    place on open by the steps in ``_MIGRATIONS``.
``events``
    The append-only log, one row per judgement act, in the columns of ``_contract.EVENT_COLUMNS``.
    ``event_id`` is the rowid (monotonic: rows are never deleted). ``created_at`` is UTC in integer
    microseconds, booleans are 0/1.
``current``
    One row per ``LABEL_KEY`` with the ``event_id`` of its current value: the materialised labels
    view, keyed (query_id, item_key, other_key, campaign, annotator, task, version_key) in one
    B-tree (WITHOUT ROWID). query_id leads because it tells keys apart at the first column, which
    makes the one insert per imported row cheaper than a key led by campaign and annotator, which
    repeat. ``item_key``, ``other_key`` and ``version_key`` are ``item_id``, ``other_id`` and
    ``guideline_version``, or the empty *blob* for a null: SQLite treats NULLs as distinct in a
    primary key, and a blob never equals any text, so no real value can collide with it.
``current_ids``
    The event ids of ``current`` as a rowid table: reading all labels walks it and ``events`` in
    event order (sequential pages) instead of jumping around ``events`` in key order.
``superseded``
    ``event_id -> prev``: the value that was current for the key when ``event_id`` became current.
    Written by a trigger only when a key is overwritten, it is the chain that an undo of the current
    value walks back to restore the previous value, without an index on the event keys.
``used_columns``
    Names of optional value columns that hold a non-null value somewhere; reading skips the others.
``names``
    The distinct values of the low-cardinality text columns (campaign, task, annotator,
    guideline_version, role, choice), so that reading can fetch them as small integer codes.
``rubrics``
    From version 4 on: per (campaign, guideline_version) the rubric that version names (its
    compared content as JSON, a fingerprint of it, the scale's name, when it was recorded), so that
    a second rubric under the same version is refused (``_rubrics``).

Versions: 1 is the first layout; 2 adds ``store_id``; 3 adds the event columns ``other_id``,
``choice``, ``rank`` and ``role`` and widens the key of ``current`` by ``other_id`` and
``guideline_version`` (``_migrate_to_3`` rebuilds ``current``, ``current_ids`` and ``superseded``
from the events, so that each key of the new layout has its own current value and undo chain);
4 adds ``rubrics`` (empty: a version judged before learns its rubric when a widget next opens with
it, see ``_rubrics``).
"""

from __future__ import annotations

import os
import sqlite3
import stat
import urllib.parse
import uuid

from .._contract import EVENT_COLUMNS
from ._errors import StoreError

__all__ = [
    "APPLICATION_ID",
    "CURRENT_KEY",
    "EVENT_KEY",
    "SCHEMA_VERSION",
    "SQL_TYPES",
    "check_file",
    "create",
    "identify",
    "upgrade",
]

# "xmwg" as a big-endian int32: written to the SQLite header so that the file identifies itself
APPLICATION_ID = 0x786D7767
SCHEMA_VERSION = 4


def sql_type(dtype: str) -> str:
    """SQLite column type for a contract dtype."""
    if dtype.startswith(("Int", "int", "boolean", "datetime")):
        return "INTEGER"
    if dtype.startswith("Float"):
        return "REAL"
    return "TEXT"


SQL_TYPES: dict[str, str] = {col: sql_type(dtype) for col, dtype in EVENT_COLUMNS.items()}
_NOT_NULL = {"campaign", "task", "query_id", "annotator", "created_at"}
# event columns added by version 3 (version 1 created the others)
_V3_COLUMNS = ("other_id", "role", "choice", "rank")

# the key of `current` (version 3), and the same key computed from a row of `events`
CURRENT_KEY = "query_id, item_key, other_key, campaign, annotator, task, version_key"
EVENT_KEY = (
    "query_id, ifnull(item_id, x''), ifnull(other_id, x''), campaign, annotator, task, "
    "ifnull(guideline_version, x'')"
)


def _split(script: str) -> list[str]:
    """SQL statements of ``script`` (the trigger bodies have semicolons of their own)."""
    statements, pending = [], ""
    for line in script.splitlines(keepends=True):
        if line.startswith("--"):
            continue
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    return statements


def _ddl() -> list[str]:
    """The statements that create an empty store of version 1 (run inside one transaction).

    Frozen as version 1 was: a new store is made by creating it and running every migration, so
    that a new store and an upgraded one have the same layout.
    """
    columns = ",\n  ".join(
        f"{col} {SQL_TYPES[col]}{' NOT NULL' if col in _NOT_NULL else ''}"
        for col in EVENT_COLUMNS
        if col != "event_id" and col not in _V3_COLUMNS
    )
    script = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE events (
  event_id INTEGER PRIMARY KEY,
  {columns}
);
-- "is this event retracted?" looks up only retraction rows, so the index stays tiny
CREATE INDEX events_retracts ON events (retracts) WHERE retracts IS NOT NULL;
CREATE TABLE current (
  query_id TEXT NOT NULL, item_key NOT NULL, campaign TEXT NOT NULL, annotator TEXT NOT NULL,
  task TEXT NOT NULL, event_id INTEGER NOT NULL,
  PRIMARY KEY (query_id, item_key, campaign, annotator, task)
) WITHOUT ROWID;
CREATE TABLE current_ids (event_id INTEGER PRIMARY KEY);
CREATE TABLE superseded (event_id INTEGER PRIMARY KEY, prev INTEGER NOT NULL);
-- only a forward move (a newer value) is recorded: an undo moves current back, keeping history
CREATE TRIGGER current_superseded AFTER UPDATE OF event_id ON current
WHEN new.event_id > old.event_id
BEGIN
  INSERT OR REPLACE INTO superseded (event_id, prev) VALUES (new.event_id, old.event_id);
END;
CREATE TABLE used_columns (name TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE names (col TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (col, value)) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('format', 'xmwidgets label store');
INSERT INTO meta (key, value) VALUES ('schema_version', '1');
PRAGMA application_id = {APPLICATION_ID};
PRAGMA user_version = 1;
"""
    return _split(script)


def check_file(path: str) -> None:
    """Raise StoreError when an existing non-empty file is not an SQLite database at all.

    Checked before SQLite opens it, so that a foreign file is never touched.
    """
    if path == ":memory:":
        return
    if not path.strip():
        # SQLite opens "" as a private temporary database: every judgement would be gone on close
        raise StoreError(
            f"the store path is empty ({path!r}): pass a file name such as 'labels.sqlite', a "
            "PostgreSQL URL, or ':memory:' for throwaway work"
        )
    if path.startswith("file:"):
        raise StoreError(
            f"store path {path!r} is an SQLite URI: pass the file's path itself "
            f"({path[5:].split('?')[0].removeprefix('//')!r}); a store opens read-only by itself "
            "when it cannot be written"
        )
    if path.strip(": ").lower() == "memory" and not os.path.exists(path):
        # ':memory' or 'memory' made a file of that name, with -wal and -shm beside it
        raise StoreError(
            f"store path {path!r} would create a file named so: for a store in memory, for "
            "throwaway work, pass ':memory:' (with both colons); for a file of that name, "
            f"pass {os.path.join('.', path)!r}"
        )
    if path.endswith((os.sep, "/")):
        # SQLite would create a file named like the folder, which the same path cannot open again
        raise StoreError(
            f"store path {path!r} ends in {path[-1]!r}, so it names a folder: pass the path of a "
            f"file, e.g. {os.path.join(path, 'labels.sqlite')!r}"
        )
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    except NotADirectoryError:
        raise StoreError(
            f"cannot open store {path!r}: a part of its folder path is a file, not a folder; "
            "pass a path in an existing folder"
        ) from None
    if stat.S_ISDIR(mode):
        raise StoreError(f"{path!r} is a directory, not an xmwidgets store file")
    if not stat.S_ISREG(mode):
        # opening a FIFO blocks forever; a device is nothing SQLite can keep labels in
        raise StoreError(
            f"{path!r} is not a regular file (a pipe, socket or device): pass the path of a "
            "store file, or a new file name to create one"
        )
    if not _reads_as_sqlite(path):
        raise StoreError(
            f"file {path!r} is not an xmwidgets store (it is not an SQLite database); "
            "pass a new file name to create a store, or the path of an existing labels store"
        )


def _reads_as_sqlite(path: str) -> bool:
    """Whether SQLite reads ``path`` as a database (an empty file is one), asked of SQLite itself
    on a read-only connection, which changes nothing in a foreign file.

    Not with Python's ``open()``: on POSIX, closing any descriptor of a file drops every lock this
    process holds on it, those of an open store's connection too. A second ``open_store`` of a file
    a grid is writing did that, and the next process to open and close the file (``sqlite3`` in a
    shell) took it for unused and deleted its WAL, with every judgement written after. SQLite keeps
    the descriptors of its own connections to one file together, and closes none while another
    connection of the process holds a lock.
    """
    uri = f"file:{urllib.parse.quote(os.path.abspath(path))}?mode=ro"
    con = sqlite3.connect(uri, uri=True, timeout=0)  # busy: the store's own open waits and says
    try:
        con.execute("PRAGMA schema_version").fetchone()
    except sqlite3.DatabaseError as exc:
        # locked, or a WAL whose -shm cannot be made: the store's own open says so
        return getattr(exc, "sqlite_errorname", "") != "SQLITE_NOTADB"
    finally:
        con.close()
    return True


def identify(con: sqlite3.Connection, path: str) -> bool:
    """What ``con`` holds: True for an empty database (a new store), False for a readable store.

    A zero-byte or missing file is a new, empty store: that is what ``touch`` or an interrupted
    first open leaves behind, and there is nothing in it to lose.

    Raises
    ------
    StoreError
        An SQLite database that is not a store, a store of a newer schema, or a damaged store.
    """
    app_id = con.execute("PRAGMA application_id").fetchone()[0]
    version = con.execute("PRAGMA user_version").fetchone()[0]
    tables = sorted(
        r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    )
    if app_id == 0 and version == 0 and not tables:
        return True
    if app_id != APPLICATION_ID:
        shown = ", ".join(tables[:8]) or "none"
        raise StoreError(
            f"file {path!r} is an SQLite database but not an xmwidgets store "
            f"(its tables: {shown}); pass a new file name to create a store"
        )
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"store {path!r} has schema version {version}, newer than this xmwidgets can read "
            f"({SCHEMA_VERSION}): upgrade xmwidgets (pip install -U xmwidgets)"
        )
    needed = {"events", "current", "current_ids", "superseded", "used_columns", "names"}
    if version >= 4:
        needed.add("rubrics")
    if version < 1 or not needed <= set(tables):
        raise StoreError(
            f"file {path!r} is marked as an xmwidgets store but its schema is incomplete "
            f"(version {version}, tables: {', '.join(tables) or 'none'}); "
            "it may be damaged: open a copy or start a new file"
        )
    return False


def _migrate_to_2(con: sqlite3.Connection) -> None:
    """Version 2: the store gets an id of its own (tells copies of a store apart)."""
    con.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('store_id', ?)", (str(uuid.uuid4()),)
    )


_CURRENT_V3 = f"""
CREATE TABLE current (
  query_id TEXT NOT NULL, item_key NOT NULL, other_key NOT NULL, campaign TEXT NOT NULL,
  annotator TEXT NOT NULL, task TEXT NOT NULL, version_key NOT NULL, event_id INTEGER NOT NULL,
  PRIMARY KEY ({CURRENT_KEY})
) WITHOUT ROWID;
-- only a forward move (a newer value) is recorded: an undo moves current back, keeping history
CREATE TRIGGER current_superseded AFTER UPDATE OF event_id ON current
WHEN new.event_id > old.event_id
BEGIN
  INSERT OR REPLACE INTO superseded (event_id, prev) VALUES (new.event_id, old.event_id);
END;
-- the newest live value per key: not a retraction, not retracted
INSERT INTO current ({CURRENT_KEY}, event_id)
SELECT {EVENT_KEY}, max(event_id) FROM events e
WHERE retracts IS NULL AND NOT EXISTS (SELECT 1 FROM events r WHERE r.retracts = e.event_id)
GROUP BY {EVENT_KEY};
DELETE FROM current_ids;
INSERT INTO current_ids (event_id) SELECT event_id FROM current ORDER BY event_id;
-- each value's predecessor of the same key, retracted or not: undo walks it and skips the
-- retracted ones, which finds what the chain the trigger writes finds
DELETE FROM superseded;
INSERT INTO superseded (event_id, prev)
SELECT event_id, prev FROM (
  SELECT event_id, lag(event_id) OVER (PARTITION BY {EVENT_KEY} ORDER BY event_id) AS prev
  FROM events WHERE retracts IS NULL
) WHERE prev IS NOT NULL ORDER BY event_id;
"""


def _migrate_to_3(con: sqlite3.Connection) -> None:
    """Version 3: the event columns of the pair, rank and review tasks, and a label key that
    tells guideline versions and pairs apart (``_contract.LABEL_KEY``).

    The events keep every value. ``current`` is rebuilt from them under the new key: a label
    current before stays current (its new key is part of its old one), and a value that an
    event of another guideline version had replaced is a label of its own again.
    """
    for col in _V3_COLUMNS:
        con.execute(f"ALTER TABLE events ADD COLUMN {col} {SQL_TYPES[col]}")
    con.execute("DROP TABLE current")  # its trigger goes with it
    for statement in _split(_CURRENT_V3):
        con.execute(statement)


_RUBRICS_V4 = """
CREATE TABLE rubrics (
  campaign TEXT NOT NULL, guideline_version TEXT NOT NULL, name TEXT NOT NULL,
  fingerprint TEXT NOT NULL, content TEXT NOT NULL, created_at INTEGER NOT NULL,
  PRIMARY KEY (campaign, guideline_version)
) WITHOUT ROWID
"""


def _migrate_to_4(con: sqlite3.Connection) -> None:
    """Version 4: the rubric each guideline version names, per campaign (``_rubrics``).

    Empty after the upgrade: the events do not say which rubric they were made under, so a
    version judged before learns its rubric from the next widget that opens with it (after a
    check that the judgements stored under it fit that rubric).
    """
    con.execute(_RUBRICS_V4)


# version -> the step that upgrades a store of the version before it
_MIGRATIONS = {2: _migrate_to_2, 3: _migrate_to_3, 4: _migrate_to_4}


def _migrate(con: sqlite3.Connection, target: int) -> None:
    found = con.execute("PRAGMA user_version").fetchone()[0]
    for version in range(found + 1, target + 1):
        _MIGRATIONS[version](con)
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),))
        con.execute(f"PRAGMA user_version = {int(version)}")


def create(con: sqlite3.Connection, path: str, version: int = SCHEMA_VERSION) -> None:
    """Create the schema in an empty database (no-op when another process just did).

    ``version`` below the current one creates an old store, for the upgrade tests.
    """
    # IMMEDIATE: two processes opening a new file at once must not both create the schema
    con.execute("BEGIN IMMEDIATE")
    try:
        if identify(con, path):
            for statement in _ddl():
                con.execute(statement)
            _migrate(con, version)
        con.execute("COMMIT")
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise


def upgrade(con: sqlite3.Connection, path: str) -> None:
    """Upgrade a store of an older schema in place, in one transaction (no-op when current)."""
    if con.execute("PRAGMA user_version").fetchone()[0] >= SCHEMA_VERSION:
        return
    con.execute("BEGIN IMMEDIATE")
    try:
        identify(con, path)  # another process may have upgraded it meanwhile; still a store
        _migrate(con, SCHEMA_VERSION)
        con.execute("COMMIT")
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise
