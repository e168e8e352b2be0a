"""``PostgresStore``: the label store in a PostgreSQL database (SQLAlchemy Core + psycopg 3).

The same events/labels semantics as the SQLite store, in tables prefixed ``xmw_`` (a team
database may hold other tables):

``xmw_meta``
    ``format``, ``schema_version``, ``store_id``.
``xmw_events``
    The append-only log, columns of ``_contract.EVENT_COLUMNS``; ``created_at`` in integer UTC
    microseconds, as in SQLite.
``xmw_current``
    The current event per label key (``_contract.LABEL_KEY``). ``item_key`` is ``item_id`` or ''
    and ``item_null`` says which, so that a null item id never collides with the empty string;
    likewise ``other_key``/``other_null`` (other_id) and ``version_key``/``version_null``
    (guideline_version).
``xmw_superseded``
    ``event_id -> prev``: the value that was current when ``event_id`` replaced it (undo walks it).
``xmw_counter``
    One row: the last event id handed out.
``xmw_used_columns``
    The optional value columns that hold a value somewhere; reading skips the others.
``xmw_rubrics``
    The rubric each guideline version names, per campaign (as SQLite's ``rubrics``, see
    ``_rubrics``).

Event ids and readers: a writer takes the next ids from ``xmw_counter`` with an UPDATE, whose
row lock it holds until it commits. So writers commit one after the other, in id order, and a
reader can never see event N without every event before N: ``events(since=last_id)`` polled while
writers commit misses nothing (a sequence would hand out ids that become visible out of order).

Versions: 2 adds ``store_id`` and ``xmw_used_columns``; 3 adds the event columns ``other_id``,
``choice``, ``rank`` and ``role`` and rebuilds ``xmw_current`` and ``xmw_superseded`` under the
wider key (as the SQLite store's version 3); 4 adds ``xmw_rubrics`` (as SQLite's version 4).

Imported only when a ``postgresql://`` URL is opened.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._contract import EVENT_COLUMNS, LABEL_COLUMNS
from ._errors import StoreError
from ._import import check_import_task, import_columns, not_text
from ._read import (
    _INT_NULL,
    ALWAYS_READ,
    _column,
    _is_integer,
    check_filters,
    column_ref,
    full_column,
    project,
)
from ._rubrics import JudgedValues, as_rubric, check_import, register, rubrics_frame, version_of
from ._sqlite import Store
from ._validate import INSERT_COLUMNS, event_rows, now_micros
from ._write import KEY_FIELDS, RETRACTION_TARGET, retraction_key

try:
    import sqlalchemy as sa
    from sqlalchemy.engine import URL, make_url
except ImportError as exc:  # pragma: no cover - the message is the point
    raise StoreError(
        "a postgresql:// store needs SQLAlchemy and psycopg 3: pip install 'xmwidgets[postgres]' "
        f"({exc.name} is not installed)"
    ) from exc
try:
    import psycopg
except ImportError as exc:  # pragma: no cover
    raise StoreError(
        "a postgresql:// store needs psycopg 3: pip install 'xmwidgets[postgres]' "
        f"({exc.name} is not installed)"
    ) from exc

if TYPE_CHECKING:
    from ..scale import Scale

__all__ = ["SCHEMA_VERSION", "PostgresStore", "create_schema", "engine_url"]

SCHEMA_VERSION = 4
_FORMAT = "xmwidgets label store"
# pg_advisory_xact_lock key for creating/upgrading the schema ("xmwg")
_SCHEMA_LOCK = 0x786D7767

_PG_TYPES = {
    "int64": "bigint",
    "Int8": "smallint",
    "Int32": "integer",
    "Int64": "bigint",
    "Float64": "double precision",
    "boolean": "boolean",
    "string": "text",
    "datetime64[ns, UTC]": "bigint",
}
_NOT_NULL = {"campaign", "task", "query_id", "annotator", "created_at"}
# event columns added by version 3 (version 1 created the others)
_V3_COLUMNS = ("other_id", "role", "choice", "rank")
# the key of xmw_current (version 3), and the same key computed from a row of xmw_events
_KEY_COLUMNS = (
    "query_id, item_key, item_null, other_key, other_null, campaign, annotator, task, "
    "version_key, version_null"
)
_KEY_OF_EVENT = (
    "query_id, coalesce(item_id, ''), item_id IS NULL, coalesce(other_id, ''), other_id IS NULL, "
    "campaign, annotator, task, coalesce(guideline_version, ''), guideline_version IS NULL"
)
# a row of xmw_current whose key is that of the named parameters (the names of KEY_FIELDS)
_KEY_SQL = " AND ".join(
    f"{key} = coalesce(:{col}, '') AND {null} = (CAST(:{col} AS text) IS NULL)"
    if null
    else f"{key} = :{col}"
    for col, key, null in (
        ("query_id", "query_id", None),
        ("item_id", "item_key", "item_null"),
        ("other_id", "other_key", "other_null"),
        ("campaign", "campaign", None),
        ("annotator", "annotator", None),
        ("task", "task", None),
        ("guideline_version", "version_key", "version_null"),
    )
)


def _schema_v1() -> list[str]:
    """The tables of version 1, frozen: a new store is made by running every migration on them,
    so that a new store and an upgraded one have the same layout."""
    columns = ",\n  ".join(
        f"{col} {_PG_TYPES[dtype]}{' NOT NULL' if col in _NOT_NULL else ''}"
        for col, dtype in EVENT_COLUMNS.items()
        if col != "event_id" and col not in _V3_COLUMNS
    )
    return [
        "CREATE TABLE xmw_meta (key text PRIMARY KEY, value text NOT NULL)",
        f"CREATE TABLE xmw_events (event_id bigint PRIMARY KEY, {columns})",
        # unique: an event is retracted at most once, whatever two writers try at the same time
        "CREATE UNIQUE INDEX xmw_events_retracts ON xmw_events (retracts) "
        "WHERE retracts IS NOT NULL",
        "CREATE TABLE xmw_current (query_id text NOT NULL, item_key text NOT NULL, "
        "item_null boolean NOT NULL, campaign text NOT NULL, annotator text NOT NULL, "
        "task text NOT NULL, event_id bigint NOT NULL, "
        "PRIMARY KEY (query_id, item_key, item_null, campaign, annotator, task))",
        "CREATE TABLE xmw_superseded (event_id bigint PRIMARY KEY, prev bigint NOT NULL)",
        "CREATE TABLE xmw_counter (one boolean PRIMARY KEY DEFAULT true CHECK (one), "
        "last bigint NOT NULL)",
        "INSERT INTO xmw_counter (one, last) VALUES (true, 0)",
        f"INSERT INTO xmw_meta (key, value) VALUES ('format', '{_FORMAT}')",
        "INSERT INTO xmw_meta (key, value) VALUES ('schema_version', '1')",
    ]


def _migrate_to_2(con: sa.Connection) -> None:
    """Version 2: the store gets an id of its own (tells copies of a store apart), and
    ``xmw_used_columns`` names the optional columns that hold a value somewhere, so that reading
    skips the others (as SQLite's ``used_columns``); filled from the events already stored."""
    con.execute(
        sa.text(
            "INSERT INTO xmw_meta (key, value) VALUES ('store_id', :id) ON CONFLICT DO NOTHING"
        ),
        {"id": str(uuid.uuid4())},
    )
    con.execute(sa.text("CREATE TABLE xmw_used_columns (name text PRIMARY KEY)"))
    for col in sorted(_OPTIONAL_COLUMNS - set(_V3_COLUMNS)):  # those of version 2's events
        con.execute(
            sa.text(
                "INSERT INTO xmw_used_columns (name) SELECT :name WHERE EXISTS "
                f"(SELECT 1 FROM xmw_events WHERE {col} IS NOT NULL)"
            ),
            {"name": col},
        )


def _migrate_to_3(con: sa.Connection) -> None:
    """Version 3: the event columns of the pair, rank and review tasks, and a label key that
    tells guideline versions and pairs apart (``_contract.LABEL_KEY``).

    The events keep every value; ``xmw_current`` is rebuilt from them under the new key (a label
    current before stays current, a value that an event of another guideline version had
    replaced is a label again) and ``xmw_superseded`` links each value to the value before it
    of its key, retracted or not (undo skips the retracted ones).
    """
    for col in _V3_COLUMNS:
        con.execute(
            sa.text(f"ALTER TABLE xmw_events ADD COLUMN {col} {_PG_TYPES[EVENT_COLUMNS[col]]}")
        )
    con.execute(sa.text("DROP TABLE xmw_current"))
    con.execute(
        sa.text(
            "CREATE TABLE xmw_current (query_id text NOT NULL, item_key text NOT NULL, "
            "item_null boolean NOT NULL, other_key text NOT NULL, other_null boolean NOT NULL, "
            "campaign text NOT NULL, annotator text NOT NULL, task text NOT NULL, "
            "version_key text NOT NULL, version_null boolean NOT NULL, "
            f"event_id bigint NOT NULL, PRIMARY KEY ({_KEY_COLUMNS}))"
        )
    )
    con.execute(
        sa.text(
            f"INSERT INTO xmw_current ({_KEY_COLUMNS}, event_id) "
            f"SELECT {_KEY_OF_EVENT}, max(event_id) FROM xmw_events e "
            "WHERE retracts IS NULL AND NOT EXISTS "
            "(SELECT 1 FROM xmw_events r WHERE r.retracts = e.event_id) "
            f"GROUP BY {_KEY_OF_EVENT}"
        )
    )
    con.execute(sa.text("TRUNCATE xmw_superseded"))
    con.execute(
        sa.text(
            "INSERT INTO xmw_superseded (event_id, prev) SELECT event_id, prev FROM ("
            f"  SELECT event_id, lag(event_id) OVER (PARTITION BY {_KEY_OF_EVENT} "
            "ORDER BY event_id) AS prev FROM xmw_events WHERE retracts IS NULL"
            ") chain WHERE prev IS NOT NULL"
        )
    )


def _migrate_to_4(con: sa.Connection) -> None:
    """Version 4: the rubric each guideline version names, per campaign (``_rubrics``); empty
    after the upgrade, as SQLite's version 4."""
    con.execute(
        sa.text(
            "CREATE TABLE xmw_rubrics (campaign text NOT NULL, guideline_version text NOT NULL, "
            "name text NOT NULL, fingerprint text NOT NULL, content text NOT NULL, "
            "created_at bigint NOT NULL, PRIMARY KEY (campaign, guideline_version))"
        )
    )


_MIGRATIONS = {2: _migrate_to_2, 3: _migrate_to_3, 4: _migrate_to_4}
_OPTIONAL_COLUMNS = set(EVENT_COLUMNS) - ALWAYS_READ


def create_schema(con: sa.Connection, version: int = SCHEMA_VERSION) -> None:
    """Create the tables of schema ``version`` (older versions exist for the upgrade tests)."""
    for statement in _schema_v1():
        con.execute(sa.text(statement))
    _upgrade(con, 1, version)


def _upgrade(con: sa.Connection, found: int, target: int = SCHEMA_VERSION) -> None:
    for version in range(found + 1, target + 1):
        _MIGRATIONS[version](con)
        con.execute(
            sa.text("UPDATE xmw_meta SET value = :v WHERE key = 'schema_version'"),
            {"v": str(version)},
        )


def engine_url(url: str) -> URL:
    """The SQLAlchemy URL for a store URL: a bare ``postgresql://`` uses psycopg 3."""
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise StoreError(f"not a valid PostgreSQL URL: {exc}") from None
    if parsed.drivername in ("postgresql", "postgres"):
        # SQLAlchemy would pick psycopg2 for a bare postgresql:// URL
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername != "postgresql+psycopg":
        raise StoreError(
            f"store URL scheme {parsed.drivername!r} is not supported: use postgresql:// or "
            "postgresql+psycopg:// (psycopg 3)"
        )
    return parsed


def _where(alias: str, **filters: Any) -> tuple[list[str], dict[str, Any]]:
    """SQL conditions (named parameters) for filters that are a value, a sequence or None."""
    clauses: list[str] = []
    params: dict[str, Any] = {}
    for col, value in filters.items():
        if value is None:
            continue
        ref = column_ref(alias, col, null="coalesce")
        if isinstance(value, str) or not isinstance(value, Iterable):
            clauses.append(f"{ref} = :{col}")
            params[col] = str(value)
        else:
            clauses.append(f"{ref} = ANY(:{col})")
            params[col] = [str(v) for v in value]
    return clauses, params


def _aggregate(col: str, dtype: str) -> str:
    """One column of the frame as one text value (parsed by ``_read._column``)."""
    ref = f"e.{col}"
    if _is_integer(dtype):
        if dtype == "boolean":
            ref = f"{ref}::int"
        null = _INT_NULL.get(col)
        value = ref if null is None else f"coalesce({ref}, {null})"
        return f"coalesce(string_agg({value}::text, ','), '')"
    # floats print exactly (shortest round-trip text); NULL becomes JSON null
    return f"coalesce(json_agg({ref})::text, '[]')"


_BOOLEAN_COLUMNS = {col for col, dtype in EVENT_COLUMNS.items() if dtype == "boolean"}


def _bind(col: str, value: Any) -> Any:
    """A normalised event value as PostgreSQL takes it (booleans are 0/1 for SQLite)."""
    return bool(value) if col in _BOOLEAN_COLUMNS and value is not None else value


# what the server says while it shuts down or starts up
_RESTARTING = ("starting up", "shutting down", "not yet accepting", "terminating connection")


def _transient(exc: sa.exc.DBAPIError) -> bool:
    """A lost or refused connection (server restarting), as opposed to a refusal to retry on."""
    if exc.connection_invalidated:
        return True
    text = str(exc.orig).lower()
    if "password" in text or "does not exist" in text or "permission denied" in text:
        return False
    return isinstance(exc.orig, psycopg.OperationalError)


class PostgresStore(Store):
    """The label store in PostgreSQL; the same API and semantics as the SQLite ``Store``.

    Parameters
    ----------
    url
        ``postgresql://user:password@host:port/database`` (or ``postgresql+psycopg://``).
        The tables are created in an empty database, or beside other tables (all prefixed
        ``xmw_``); an older schema is upgraded in place.
    timeout
        Seconds a write waits for another writer, and a connection attempt for the server.
    """

    def __init__(self, url: str | os.PathLike[str], *, timeout: float = 30.0):
        self._url = engine_url(os.fspath(url))
        self.path = self._url.render_as_string(hide_password=True)
        self._lock = threading.RLock()
        self._read_only = None
        # optional columns known to be in xmw_used_columns (committed), and those noted by the
        # transaction under way
        self._used: set[str] = set()
        self._used_pending: set[str] = set()
        self._timeout = timeout
        self._engine: sa.Engine | None = sa.create_engine(
            self._url,
            # no pre-ping round trip per operation: writes and reads retry a lost connection
            pool_size=2,
            max_overflow=4,
            connect_args={
                "connect_timeout": max(1, int(timeout)),
                "options": f"-c lock_timeout={int(timeout * 1000)}",
            },
        )
        try:
            self._prepare_when_up()
        except BaseException:
            self._engine.dispose()
            self._engine = None
            raise

    # ------------------------------------------------------------------ plumbing
    def _where_server(self) -> str:
        url = self._url
        return (
            f"PostgreSQL at {url.host or 'localhost'}:{url.port or 5432}, "
            f"database {url.database!r}, user {url.username!r}"
        )

    def _explain(self, exc: BaseException) -> StoreError:
        """A StoreError a person understands (never with the password) for a driver error."""
        text = str(getattr(exc, "orig", None) or exc)
        if self._url.password:
            text = text.replace(str(self._url.password), "***")
        first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
        lower = text.lower()
        url = self._url
        if "password authentication failed" in lower or "no password supplied" in lower:
            hint = f"check the user name and password for {url.username!r}"
        elif "does not exist" in lower and "database" in lower:
            hint = (
                f"create it first (createdb -h {url.host} -p {url.port or 5432} "
                f'{url.database}, or CREATE DATABASE "{url.database}")'
            )
        elif "connection refused" in lower or "could not connect" in lower or "timeout" in lower:
            hint = (
                "is the server running and listening there? "
                f"(check with: pg_isready -h {url.host or 'localhost'} -p {url.port or 5432})"
            )
        elif "shutting down" in lower or "terminating connection" in lower or "closed" in lower:
            hint = "the server went away (restarted?); try again"
        else:
            hint = "that is what the server said"
        return StoreError(f"{self._where_server()}: {first}; {hint}")

    def _prepare_when_up(self) -> None:
        """``_prepare``, waiting up to ``min(timeout, 10)`` s for a server that is restarting."""
        deadline = time.monotonic() + min(self._timeout, 10.0)
        while True:
            try:
                return self._prepare()
            except StoreError as exc:
                restarting = any(word in str(exc) for word in _RESTARTING)
                if not restarting or time.monotonic() > deadline:
                    raise
                time.sleep(0.25)

    def _prepare(self) -> None:
        """Create the schema in a new database, upgrade an older one, refuse a newer one."""
        try:
            with self._begin() as con:
                con.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SCHEMA_LOCK})
                exists = con.execute(sa.text("SELECT to_regclass('xmw_meta') IS NOT NULL")).scalar()
                if not exists:
                    create_schema(con)
                    return
                meta: dict[str, str] = dict(
                    con.execute(sa.text("SELECT key, value FROM xmw_meta")).all()
                )
                if meta.get("format") != _FORMAT:
                    raise StoreError(
                        f"{self._where_server()}: the table xmw_meta is not an xmwidgets store's; "
                        "use another database"
                    )
                version = int(meta.get("schema_version", "0"))
                if version > SCHEMA_VERSION:
                    raise StoreError(
                        f"store {self.path!r} has schema version {version}, newer than this "
                        f"xmwidgets can read ({SCHEMA_VERSION}): upgrade xmwidgets "
                        "(pip install -U xmwidgets)"
                    )
                if version < SCHEMA_VERSION:
                    _upgrade(con, version)
        except sa.exc.DBAPIError as exc:
            raise self._explain(exc) from None

    def _engine_or_raise(self) -> sa.Engine:
        if self._engine is None:
            raise StoreError(f"store {self.path!r} is closed; open it again with open_store(url)")
        return self._engine

    @contextmanager
    def _begin(self, isolation: str | None = None) -> Iterator[sa.Connection]:
        engine = self._engine_or_raise()
        bind = engine if isolation is None else engine.execution_options(isolation_level=isolation)
        with bind.begin() as con:
            yield con

    def _write_with_ids(
        self, n: int, work: Callable[[sa.Connection, int], None], first_row: Mapping[str, Any]
    ) -> int:
        """Run ``work(con, first_id)`` in one transaction that reserves ``n`` ids; return first_id.

        The transaction holds the id counter's row lock until it commits, so writers commit in
        id order. A lost connection (server restart) is retried on a new one for up to
        ``min(timeout, 10)`` seconds. A commit whose reply was lost is never repeated blindly:
        the retry first looks whether event ``first_id`` is ours (``first_row``'s key and
        created_at, to the microsecond) and returns it if so.
        """
        deadline = time.monotonic() + min(self._timeout, 10.0)
        unknown: int | None = None  # first id of a commit whose outcome we did not hear
        while True:
            try:
                with self._lock:
                    if unknown is not None:
                        if self._committed(unknown, first_row):
                            return unknown
                        unknown = None  # it was not committed: the whole write is redone
                    with self._engine_or_raise().connect() as con:
                        tx = con.begin()
                        self._used_pending = set()
                        first = self._take_ids(con, n)
                        work(con, first)
                        unknown = first
                        tx.commit()
                        self._used |= self._used_pending
                        return first
            except sa.exc.DBAPIError as exc:
                if not _transient(exc):
                    raise self._explain(exc) from None
                if time.monotonic() > deadline:
                    error = self._explain(exc)
                    if unknown is None:
                        raise StoreError(f"{error}; nothing was written") from None
                    raise StoreError(
                        f"{error}; the connection was lost while committing events "
                        f"{unknown}..{unknown + n - 1}, so whether they were saved is unknown: "
                        f"look at store.events(since={unknown - 1}) before writing them again"
                    ) from None
                time.sleep(0.25)

    def _query(self, read: Callable[[sa.Connection], Any], isolation: str | None = None) -> Any:
        """Run ``read(con)`` in one read transaction; a lost connection is retried (reads are
        idempotent) for up to ``min(timeout, 10)`` seconds."""
        deadline = time.monotonic() + min(self._timeout, 10.0)
        while True:
            try:
                with self._lock, self._begin(isolation) as con:
                    return read(con)
            except sa.exc.DBAPIError as exc:
                if not _transient(exc) or time.monotonic() > deadline:
                    raise self._explain(exc) from None
                time.sleep(0.25)

    def _committed(self, first: int, first_row: Mapping[str, Any]) -> bool:
        """Whether event ``first`` is the first event of ours (after a lost commit reply)."""
        cols = [
            c for c in ("campaign", "task", "query_id", "annotator", "created_at") if c in first_row
        ]
        with self._engine_or_raise().connect() as con:
            found = con.execute(
                sa.text(f"SELECT {', '.join(cols)} FROM xmw_events WHERE event_id = :e"),
                {"e": first},
            ).first()
        return found is not None and tuple(found) == tuple(first_row[c] for c in cols)

    def close(self) -> None:
        """Close the connection pool (idempotent). Everything appended is already committed."""
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None

    def __repr__(self) -> str:
        state = "closed" if self._engine is None else f"last_event_id={self.last_event_id()}"
        return f"PostgresStore({self.path!r}, {state})"

    @property
    def read_only(self) -> bool:
        """Always False: a PostgreSQL user without write rights gets an error on the write."""
        return False

    def backup(self, path: str | os.PathLike[str]) -> str:
        """Not for a PostgreSQL store: the server keeps it; copy it with its own tools."""
        raise StoreError(
            f"backup({os.fspath(path)!r}) copies SQLite stores only; back up the PostgreSQL "
            "store with the server's tools, e.g. pg_dump --table='xmw_*' DATABASE > labels.sql"
        )

    # ------------------------------------------------------------------ writing
    @staticmethod
    def _take_ids(con: sa.Connection, n: int) -> int:
        """Reserve ``n`` event ids under the counter's row lock; return the first one."""
        last = con.execute(
            sa.text("UPDATE xmw_counter SET last = last + :n RETURNING last"), {"n": n}
        ).scalar_one()
        return int(last) - n + 1

    @staticmethod
    def _apply_values(con: sa.Connection, first: int, last: int) -> None:
        """Bring xmw_current (and xmw_superseded) up to date with value events first..last."""
        # one statement, one sort by key: `new` feeds both tables; the join with xmw_current
        # sees it as before this statement (all parts of a statement share one snapshot)
        con.execute(
            sa.text(
                "WITH new AS ("
                "  SELECT event_id, query_id, coalesce(item_id, '') AS item_key, "
                "    item_id IS NULL AS item_null, coalesce(other_id, '') AS other_key, "
                "    other_id IS NULL AS other_null, campaign, annotator, task, "
                "    coalesce(guideline_version, '') AS version_key, "
                "    guideline_version IS NULL AS version_null, "
                "    lag(event_id) OVER w AS prev_in_batch, "
                "    lead(event_id) OVER w IS NULL AS newest "
                "  FROM xmw_events WHERE event_id BETWEEN :first AND :last AND retracts IS NULL "
                f"  WINDOW w AS (PARTITION BY {_KEY_OF_EVENT} ORDER BY event_id)"
                "), superseded AS ("
                "  INSERT INTO xmw_superseded (event_id, prev) "
                "  SELECT n.event_id, coalesce(n.prev_in_batch, c.event_id) "
                f"  FROM new n LEFT JOIN xmw_current c USING ({_KEY_COLUMNS}) "
                "  WHERE coalesce(n.prev_in_batch, c.event_id) IS NOT NULL"
                ") "
                f"INSERT INTO xmw_current ({_KEY_COLUMNS}, event_id) "
                f"SELECT {_KEY_COLUMNS}, event_id FROM new WHERE newest "
                f"ON CONFLICT ({_KEY_COLUMNS}) DO UPDATE SET event_id = excluded.event_id"
            ),
            {"first": first, "last": last},
        )

    def _note_used(self, con: sa.Connection, columns: Iterable[str]) -> None:
        """Record optional columns that now hold a value (skipped when already recorded)."""
        new = sorted(set(columns) & _OPTIONAL_COLUMNS - self._used)
        if new:
            con.execute(
                sa.text(
                    "INSERT INTO xmw_used_columns (name) SELECT unnest(CAST(:names AS text[])) "
                    "ON CONFLICT DO NOTHING"
                ),
                {"names": new},
            )
            self._used_pending.update(new)  # known for good once the transaction commits

    def _insert(self, con: sa.Connection, first: int, rows: list[dict[str, Any]]) -> None:
        columns = [c for c in INSERT_COLUMNS if any(c in r for r in rows)]
        self._note_used(con, columns)
        names = ", ".join(["event_id", *columns])
        values = ", ".join(f":{c}" for c in ["event_id", *columns])
        con.execute(
            sa.text(f"INSERT INTO xmw_events ({names}) VALUES ({values})"),
            [
                {"event_id": first + i, **{c: _bind(c, r.get(c)) for c in columns}}
                for i, r in enumerate(rows)
            ],
        )

    def _retract(self, con: sa.Connection, row: dict[str, Any], event_id: int) -> None:
        target = row["retracts"]
        found = con.execute(
            sa.text(f"SELECT {RETRACTION_TARGET} FROM xmw_events WHERE event_id = :t"),
            {"t": target},
        ).first()
        by = con.execute(
            sa.text("SELECT event_id FROM xmw_events WHERE retracts = :t"), {"t": target}
        ).first()
        last = con.execute(
            sa.text("SELECT coalesce(max(event_id), 0) FROM xmw_events")
        ).scalar_one()
        copied = retraction_key(row, found, by, self.path, int(last))
        self._insert(con, event_id, [{**row, **copied}])
        key = {col: copied.get(col) for col in KEY_FIELDS}
        key_sql = _KEY_SQL
        current = con.execute(
            sa.text(f"SELECT event_id FROM xmw_current WHERE {key_sql}"), key
        ).scalar()
        if current != target:
            return
        previous = self._previous_live(con, target)
        if previous is None:
            con.execute(sa.text(f"DELETE FROM xmw_current WHERE {key_sql}"), key)
        else:
            con.execute(
                sa.text(f"UPDATE xmw_current SET event_id = :prev WHERE {key_sql}"),
                {**key, "prev": previous},
            )

    @staticmethod
    def _previous_live(con: sa.Connection, event_id: int) -> int | None:
        while True:
            prev = con.execute(
                sa.text("SELECT prev FROM xmw_superseded WHERE event_id = :e"), {"e": event_id}
            ).scalar()
            if prev is None:
                return None
            event_id = int(prev)
            retracted = con.execute(
                sa.text("SELECT 1 FROM xmw_events WHERE retracts = :e"), {"e": event_id}
            ).scalar()
            if retracted is None:
                return event_id

    def append(self, events: Sequence[Mapping[str, Any]]) -> list[int]:
        """Append judgement events in one transaction, committed before returning.

        See ``Store.append``; the ids are consecutive and visible to readers in id order.
        """
        rows = event_rows(events)
        if not rows:
            return []

        def work(con: sa.Connection, first: int) -> None:
            start = 0
            while start < len(rows):
                if "retracts" in rows[start]:
                    self._retract(con, rows[start], first + start)
                    start += 1
                    continue
                stop = start
                while stop < len(rows) and "retracts" not in rows[stop]:
                    stop += 1
                self._insert(con, first + start, rows[start:stop])
                self._apply_values(con, first + start, first + stop - 1)
                start = stop

        first = self._write_with_ids(len(rows), work, rows[0])
        return list(range(first, first + len(rows)))

    def import_labels(
        self,
        df: pd.DataFrame,
        *,
        annotator: str | None = None,
        campaign: str = "default",
        task: str = "grade",
        guideline_version: str | Scale | None = None,
    ) -> int:
        """Bulk-load existing judgements with COPY, one event per row (see ``Store.import_labels``)."""
        check_import_task(task)
        try:
            values, used = import_columns(
                df, annotator=annotator, campaign=campaign, guideline_version=guideline_version
            )
        except UnicodeEncodeError:  # a lone surrogate in an object column (pandas' str refuses it)
            raise not_text(df, {}) from None
        n = len(df)
        if n == 0:
            return 0
        constants: dict[str, Any] = {"campaign": str(campaign), "task": task}
        if annotator is not None:
            constants["annotator"] = str(annotator)
        if "created_at" not in values:
            constants["created_at"] = now_micros()
        version = version_of(guideline_version)
        if version is not None:
            constants["guideline_version"] = version
        for text in constants.values():
            if isinstance(text, str) and "\x00" in text:
                raise StoreError(
                    f"{text!r} contains a NUL character, which a label store cannot hold"
                )
        columns = list(values.values())
        names = ["event_id", *constants, *values]
        lists = [*([v] * n for v in constants.values()), *(c.tolist() for c in columns)]
        first_row = dict(zip(names[1:], (column[0] for column in lists), strict=True))

        def work(con: sa.Connection, first: int) -> None:
            # the key sort of _apply_values in memory, not in temp files (default 4 MB)
            con.exec_driver_sql("SET LOCAL work_mem = '256MB'")
            check_import(_Rubrics(con), guideline_version, campaign, values, self.path)
            self._note_used(con, [*used, *constants])
            ids = range(first, first + n)
            raw = con.connection.driver_connection
            assert raw is not None
            copy_sql = f"COPY xmw_events ({', '.join(names)}) FROM STDIN"
            with raw.cursor() as cursor, cursor.copy(copy_sql) as copy:
                for row in zip(ids, *lists, strict=True):
                    copy.write_row(row)
            self._apply_values(con, first, first + n - 1)

        try:
            self._write_with_ids(n, work, first_row)
        except UnicodeEncodeError:  # a lone surrogate in a str: the transaction was rolled back
            raise not_text(df, constants) from None
        return n

    # ------------------------------------------------------------------ rubrics
    def register_rubric(self, scale: Scale, *, campaign: str = "default") -> None:
        """Record ``scale`` as the rubric its version names in ``campaign``, or refuse another
        one (see ``Store.register_rubric``). Two processes recording different rubrics under one
        version at once: the first commit wins, the other is refused."""
        scale, campaign = as_rubric(scale), str(campaign)

        def known(con: sa.Connection) -> bool:
            table = _Rubrics(con)
            if table.find(campaign, scale.version) is None:
                return False
            register(table, scale, campaign, self.path, record=False)
            return True

        if not self._query(known):
            self._query(
                lambda con: register(_Rubrics(con), scale, campaign, self.path, record=True)
            )

    def rubrics(self, *, campaign: str | None = None) -> pd.DataFrame:
        """The rubric stored for each guideline version (see ``Store.rubrics``)."""
        where = "" if campaign is None else " WHERE campaign = :c"
        rows = self._query(
            lambda con: con.execute(
                sa.text(
                    "SELECT campaign, guideline_version, name, fingerprint, content, created_at "
                    f'FROM xmw_rubrics{where} ORDER BY campaign COLLATE "C", created_at, '
                    'guideline_version COLLATE "C"'
                ),
                {} if campaign is None else {"c": str(campaign)},
            ).all()
        )
        return rubrics_frame(rows)

    # ------------------------------------------------------------------ reading
    def _read_frame(
        self, columns: Mapping[str, str], from_where: str, params: dict[str, Any]
    ) -> pd.DataFrame:
        def read(con: sa.Connection) -> tuple[list[str], Any]:
            used = ALWAYS_READ | set(
                con.execute(sa.text("SELECT name FROM xmw_used_columns")).scalars()
            )
            fetched = [col for col in columns if col in used]
            exprs = [_aggregate(col, columns[col]) for col in fetched]
            sql = f"SELECT count(*), {', '.join(exprs)} {from_where}"
            return fetched, con.execute(sa.text(sql), params).one()

        # one read transaction (REPEATABLE READ): the used columns and the rows agree
        fetched, row = self._query(read, isolation="REPEATABLE READ")
        data = {
            col: _column(text, col, columns[col])
            for col, text in zip(fetched, row[1:], strict=True)
        }
        event_ids = data["event_id"]
        if len(event_ids) > 1 and not bool(np.all(event_ids[1:] > event_ids[:-1])):
            order = np.argsort(event_ids, kind="stable")
            data = {col: values[order] for col, values in data.items()}
        n = int(row[0])
        frame = {col: full_column(col, dtype, n, data, {}) for col, dtype in columns.items()}
        return pd.DataFrame(frame, copy=False)

    def events(
        self,
        *,
        campaign: str | Sequence[str] | None = None,
        annotator: str | Sequence[str] | None = None,
        task: str | Sequence[str] | None = None,
        guideline_version: str | Sequence[str] | None = None,
        role: str | Sequence[str] | None = None,
        since: int | None = None,
    ) -> pd.DataFrame:
        """The event log (``EVENT_COLUMNS``), ordered by event_id; see ``Store.events``."""
        check_filters(role=role)
        clauses, params = _where(
            "e",
            campaign=campaign,
            annotator=annotator,
            task=task,
            guideline_version=guideline_version,
            role=role,
        )
        if since is not None:
            clauses.insert(0, "e.event_id > :since")
            params["since"] = int(since)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        return self._read_frame(EVENT_COLUMNS, f"FROM xmw_events e{where}", params)

    def labels(
        self,
        *,
        campaign: str | Sequence[str] | None = None,
        annotator: str | Sequence[str] | None = None,
        task: str | Sequence[str] | None = None,
        guideline_version: str | Sequence[str] | None = None,
        role: str | Sequence[str] | None = None,
        query_ids: Sequence[str] | None = None,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """The current judgement per label key (``LABEL_COLUMNS``); see ``Store.labels``."""
        if isinstance(query_ids, str):
            query_ids = [query_ids]
        if isinstance(columns, str):
            columns = [columns]
        check_filters(role=role)
        read = project(columns, LABEL_COLUMNS)
        clauses, params = _where(
            "c", campaign=campaign, annotator=annotator, task=task, query_id=query_ids
        )
        value_clauses, value_params = _where("e", guideline_version=guideline_version, role=role)
        clauses += value_clauses
        params.update(value_params)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        sql = f"FROM xmw_current c JOIN xmw_events e ON e.event_id = c.event_id{where}"
        frame = self._read_frame(read, sql, params)
        return frame if columns is None else frame[list(columns)]

    def counts(
        self,
        *,
        campaign: str,
        annotator: str,
        task: str = "grade",
        guideline_version: str | None = None,
    ) -> pd.DataFrame:
        """Number of current labels per query for one annotator (see ``Store.counts``)."""
        version = "" if guideline_version is None else " AND version_key = :v AND NOT version_null"
        params = {"c": campaign, "t": task, "a": annotator}
        if guideline_version is not None:
            params["v"] = str(guideline_version)
        rows = self._query(
            lambda con: con.execute(
                sa.text(
                    "SELECT query_id, count(*) FROM xmw_current WHERE campaign = :c "
                    f"AND task = :t AND annotator = :a{version} "
                    'GROUP BY query_id ORDER BY query_id COLLATE "C"'
                ),
                params,
            ).all()
        )
        return pd.DataFrame(
            {
                "query_id": pd.array([r[0] for r in rows], dtype="string"),
                "judged": np.array([r[1] for r in rows], dtype=np.int64),
            }
        )

    def last_event_id(self) -> int:
        """The newest committed event id (0 for an empty store)."""
        return int(
            self._query(
                lambda con: con.execute(
                    sa.text("SELECT coalesce(max(event_id), 0) FROM xmw_events")
                ).scalar_one()
            )
        )


class _Rubrics:
    """``xmw_rubrics`` on a connection in a transaction (``_rubrics.RubricTable``)."""

    def __init__(self, con: sa.Connection) -> None:
        self.con = con

    def find(self, campaign: str, version: str) -> tuple[str, str] | None:
        row = self.con.execute(
            sa.text(
                "SELECT fingerprint, content FROM xmw_rubrics "
                "WHERE campaign = :c AND guideline_version = :v"
            ),
            {"c": campaign, "v": version},
        ).first()
        return None if row is None else (row[0], row[1])

    def taken(self, campaign: str) -> set[str]:
        rows = self.con.execute(
            sa.text(
                "SELECT guideline_version FROM xmw_rubrics WHERE campaign = :c UNION "
                "SELECT DISTINCT guideline_version FROM xmw_events "
                "WHERE campaign = :c AND guideline_version IS NOT NULL"
            ),
            {"c": campaign},
        )
        return {r[0] for r in rows}

    def judged(self, campaign: str, version: str) -> JudgedValues | None:
        levels, count, low, high = self.con.execute(
            sa.text(
                "SELECT array_agg(DISTINCT relevance) FILTER (WHERE relevance IS NOT NULL), "
                "count(magnitude), min(magnitude), max(magnitude) FROM xmw_events "
                "WHERE campaign = :c AND guideline_version = :v AND retracts IS NULL"
            ),
            {"c": campaign, "v": version},
        ).one()
        return JudgedValues(frozenset(int(v) for v in levels or ()), int(count), low, high)

    def insert(self, row: dict[str, Any]) -> None:
        self.con.execute(
            sa.text(
                f"INSERT INTO xmw_rubrics ({', '.join(row)}) "
                f"VALUES ({', '.join(':' + c for c in row)}) ON CONFLICT DO NOTHING"
            ),
            row,
        )
