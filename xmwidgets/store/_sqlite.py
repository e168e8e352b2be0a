"""``Store``: the append-only event log of judgements in one SQLite file, and the live labels view.

Durability: WAL mode with ``synchronous=FULL``, so a committed append survives a kill -9 of the
kernel and a power cut; ``append`` commits before it returns, which is what lets the widget mark a
judgement as saved. Two Store objects or two processes may write the same file: each write takes
the write lock up front (``BEGIN IMMEDIATE``) and waits up to ``timeout`` seconds for it.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._contract import EVENT_COLUMNS, LABEL_COLUMNS
from . import _kept_labels
from ._errors import StoreError
from ._files import (
    DAMAGED_ERRORS,
    READ_ONLY_ERRORS,
    check_folder,
    check_timeout,
    connect_read_only,
    damaged,
    read_only_reason,
)
from ._import import check_import_task, import_columns, not_text
from ._read import (
    ALWAYS_READ,
    CODED_COLUMNS,
    check_filters,
    filter_values,
    project,
    read_frame,
    where_clauses,
)
from ._rubrics import JudgedValues, as_rubric, check_import, register, rubrics_frame, version_of
from ._schema import CURRENT_KEY, EVENT_KEY, check_file, create, identify, upgrade
from ._validate import INSERT_COLUMNS, event_rows, now_micros
from ._write import insert_values, note, retract_one

if TYPE_CHECKING:
    from ..scale import Scale

__all__ = ["Store", "open_store"]


class Store:
    """The label store: an append-only SQLite log of judgement events plus the current labels.

    Parameters
    ----------
    path
        File of the store (created when missing; a zero-byte file counts as a new store), or
        ``":memory:"`` for a store that lives as long as this object.
    timeout
        Seconds a write waits for another writer (another widget or process) before failing.

    Examples
    --------
    >>> store = Store(":memory:")
    >>> ids = store.append([dict(campaign="c", task="grade", query_id="q1", item_id="d1",
    ...                          annotator="ann", relevance=2)])
    >>> store.labels()[["query_id", "item_id", "relevance"]].to_dict("records")
    [{'query_id': 'q1', 'item_id': 'd1', 'relevance': 2}]
    >>> _ = store.retract(ids); len(store.labels())
    0
    """

    path: str

    def __new__(cls, path: str | os.PathLike[str] = "labels.sqlite", **kwargs: Any) -> Store:
        if cls is Store and is_postgres_url(path):
            # imported only now: SQLAlchemy and psycopg are the optional `postgres` extra
            from ._postgres import PostgresStore

            return super().__new__(PostgresStore)
        return super().__new__(cls)

    def __init__(self, path: str | os.PathLike[str] = "labels.sqlite", *, timeout: float = 30.0):
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(
                f"store must be a file path, ':memory:', a PostgreSQL URL or an xmwidgets Store, "
                f"got {type(path).__name__} {path!r}"
            )
        if isinstance(path, str):
            _refuse_url(path)
        # "~/labels.sqlite" is the home folder's, as in pandas and the shell
        self.path = os.path.expanduser(os.fspath(path))
        # the file itself whatever the working directory later (%cd, os.chdir): what the
        # write-time check and a second connection open (self.path stays as given, for messages)
        self._abs_path = self.path if self.path in (":memory:", "") else os.path.abspath(self.path)
        timeout = check_timeout(timeout)
        self._lock = threading.RLock()
        check_file(self.path)
        check_folder(self.path)
        # why this store can only be read (None: it can be written)
        self._read_only: str | None = read_only_reason(self.path)
        # what a second connection opens: the path, or the read-only URI
        self._uri: tuple[str, bool] = (self._abs_path, False)
        con = None
        if self._read_only is None:
            try:
                con = self._connect_writable(timeout)
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorname in ("SQLITE_BUSY", "SQLITE_LOCKED"):
                    raise StoreError(
                        f"store {self.path!r} is locked by another process ({exc}) for longer "
                        f"than timeout={timeout:g} s; try again when it is done, or pass a "
                        "longer timeout"
                    ) from exc
                if exc.sqlite_errorname not in READ_ONLY_ERRORS:
                    raise _not_a_store(self.path, exc) from exc
                if not os.path.exists(self.path):
                    raise StoreError(
                        f"cannot create store {self.path!r}: the file system refused ({exc}); "
                        "pass a path in a folder you can write to"
                    ) from exc
                self._read_only = f"the file system refused to write it ({exc})"
            except sqlite3.DatabaseError as exc:
                raise _not_a_store(self.path, exc) from exc
        if con is None:
            con, uri = connect_read_only(self.path, timeout)
            self._uri = (uri, True)
            try:
                if identify(con, self.path):
                    raise StoreError(
                        f"store {self.path!r} is empty and read-only ({self._read_only}): there "
                        "is no store to read in it, and none can be created there"
                    )
            except sqlite3.DatabaseError as exc:
                con.close()
                raise _not_a_store(self.path, exc) from exc
            except BaseException:
                con.close()
                raise
        self._con: sqlite3.Connection | None = con
        # the file the connection opened (device, inode): a write checks that the path still
        # names it, since SQLite goes on writing into a file deleted or moved meanwhile, and
        # what it writes into a deleted one is lost when the connection closes
        self._file = _file_identity(self._abs_path)
        # a second connection for reading large frames in parallel, opened when first needed
        self._reader: sqlite3.Connection | None = None
        # the last labels() frame with its query and last event id, reused while nothing changed
        self._labels_cache: tuple[tuple[Any, ...], int, pd.DataFrame] | None = None

    def _connect_writable(self, timeout: float) -> sqlite3.Connection:
        """The connection of a store this process may write; creates the schema in a new file."""
        con = sqlite3.connect(
            self.path, timeout=timeout, isolation_level=None, check_same_thread=False
        )
        try:
            # identify first: a foreign database must not be switched to WAL or written to
            new = identify(con, self.path)
            con.execute("PRAGMA journal_mode = WAL")
            # FULL: a commit is on disk before append() returns (kill -9 and power loss both safe)
            con.execute("PRAGMA synchronous = FULL")
            if new:
                create(con, self.path)
            else:
                upgrade(con, self.path)
        except BaseException:
            con.close()
            raise
        return con

    @property
    def read_only(self) -> bool:
        """True when this store can be read but not written (a read-only file or folder)."""
        return self._read_only is not None

    # ------------------------------------------------------------------ plumbing
    def __repr__(self) -> str:
        state = "closed" if self._con is None else f"last_event_id={self.last_event_id()}"
        return f"Store({self.path!r}, {state})"

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (idempotent). Everything appended is already on disk."""
        with self._lock:
            self._labels_cache = None
            if self._reader is not None:
                self._reader.close()
                self._reader = None
            if self._con is not None:
                self._con.close()
                self._con = None

    def _connection(self) -> sqlite3.Connection:
        if self._con is None:
            raise StoreError(f"store {self.path!r} is closed; open it again with open_store(path)")
        return self._con

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, committed (durable) on leaving, rolled back on error."""
        if self._read_only is not None:
            raise StoreError(
                f"store {self.path!r} is read-only: {self._read_only}. It can be read "
                "(labels(), events()) but not written; to label into it, make the file and its "
                "folder writable, or copy it to a folder you can write to"
            )
        with self._lock:
            con = self._connection()
            try:
                con.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StoreError(
                    f"store {self.path!r} is locked by another writer ({exc}); try again"
                ) from exc
            try:
                self._check_same_file()
                yield con
                self._check_same_file()  # a long import: the file may have gone meanwhile
                con.execute("COMMIT")
            except BaseException as exc:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                if (
                    isinstance(exc, sqlite3.DatabaseError)
                    and exc.sqlite_errorname in DAMAGED_ERRORS
                ):
                    raise damaged(self.path, exc) from exc
                raise

    def _check_same_file(self) -> None:
        """Refuse to write when the store's path no longer names the file this store opened (it
        was deleted, moved or replaced): the write would be acknowledged and then lost."""
        if self._file is None:
            return
        now = _file_identity(self._abs_path)
        if now == self._file:
            return
        there = "no file is there any more" if now is None else "another file is there now"
        raise StoreError(
            f"store file {self._abs_path!r} was deleted or moved while the store was open ({there}): "
            "nothing was written, as it would be lost. Move the file back (writing then works "
            "again) or open the store where it is now (open_store(new_path)); if it was "
            "deleted, keep what this store still holds with store.backup(new_path) and "
            "open_store(new_path)"
        )

    def backup(self, path: str | os.PathLike[str]) -> str:
        """Copy the whole store into a new SQLite file, and return its path.

        The copy is one consistent snapshot, taken with SQLite's online backup while widgets may
        go on writing. It is also the rescue of a store whose file was deleted while open: the
        open connection still holds every judgement saved before, and the copy keeps them
        (``open_store(copy)`` then labels on). ``":memory:"`` stores can be kept this way too.

        Parameters
        ----------
        path
            The new file; it must not exist yet (nothing is overwritten), in an existing folder.
        """
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"backup path must be a file path, got {type(path).__name__} {path!r}")
        target = os.path.abspath(os.path.expanduser(os.fspath(path)))
        if os.fspath(path) in (":memory:", ""):
            raise StoreError(f"backup path must name a file, got {os.fspath(path)!r}")
        if os.path.isdir(target):
            raise StoreError(
                f"cannot back up store {self.path!r} to {target!r}: it is a folder; pass the path "
                f"of a new file in it, e.g. {os.path.join(target, 'labels-backup.sqlite')!r}"
            )
        if os.path.lexists(target):
            raise StoreError(
                f"cannot back up store {self.path!r} to {target!r}: a file is already there, and "
                "a backup never overwrites one; pass a new path"
            )
        check_folder(target)
        with self._lock:
            source = self._connection()
            copy = sqlite3.connect(target)
            try:
                source.backup(copy)
                copy.execute("PRAGMA journal_mode = WAL")  # as a store the widgets open
            except BaseException:
                copy.close()
                with suppress(OSError):
                    os.remove(target)
                raise
            copy.close()
        return target

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: every query inside sees the same snapshot."""
        with self._lock:
            con = self._connection()
            con.execute("BEGIN")
            done = False
            try:
                yield con
                done = True
            except sqlite3.DatabaseError as exc:
                if exc.sqlite_errorname in DAMAGED_ERRORS:
                    raise damaged(self.path, exc) from exc
                raise
            finally:
                try:
                    for reading in (con, self._reader):
                        if reading is not None and reading.in_transaction:
                            reading.execute("COMMIT")
                except sqlite3.Error:
                    # after a failed read (a damaged page) ending it may fail too: the first
                    # error is the one that says what happened
                    if done:
                        raise

    # ------------------------------------------------------------------ writing
    def append(self, events: Sequence[Mapping[str, Any]]) -> list[int]:
        """Append judgement events in one transaction, durable before returning.

        Parameters
        ----------
        events
            Mappings of column -> value (columns of ``_contract.EVENT_COLUMNS`` except event_id),
            or a DataFrame of such rows.
            ``campaign``, ``task``, ``query_id`` and ``annotator`` are required; ``created_at``
            defaults to now (UTC). An event with ``retracts`` set is an undo (see ``retract``).

        Returns
        -------
        list of int
            The new event ids, in the order of ``events``.
        """
        rows = event_rows(events)
        if not rows:
            return []
        ids: list[int] = []
        with self._write() as con:
            start = 0
            while start < len(rows):
                if "retracts" in rows[start]:
                    ids.append(retract_one(con, rows[start], self.path))
                    start += 1
                    continue
                stop = start
                while stop < len(rows) and "retracts" not in rows[stop]:
                    stop += 1
                batch = rows[start:stop]
                columns = [c for c in INSERT_COLUMNS if any(c in r for r in batch)]
                first, last = insert_values(
                    con, columns, [tuple(r.get(c) for c in columns) for r in batch]
                )
                ids.extend(range(first, last + 1))
                names = {c: [r.get(c) for r in batch] for c in CODED_COLUMNS}
                note(con, columns, names)
                start = stop
        return ids

    def retract(self, event_ids: Sequence[int]) -> list[int]:
        """Undo events: append one retraction per id, in one transaction; return the new ids.

        Retracting the current value of a key brings back the previous value of that key (or
        removes the key from the labels when there is none).

        Raises
        ------
        StoreError
            An id that does not exist, is already retracted, or is itself a retraction.
        """
        if isinstance(event_ids, int | np.integer):
            event_ids = [int(event_ids)]
        return self.append([{"retracts": int(i)} for i in event_ids])

    def import_labels(
        self,
        df: pd.DataFrame,
        *,
        annotator: str | None = None,
        campaign: str = "default",
        task: str = "grade",
        guideline_version: str | Scale | None = None,
    ) -> int:
        """Bulk-load existing judgements (qrels, an earlier campaign), one event per row.

        Parameters
        ----------
        df
            Columns ``query_id``, ``item_id``, ``relevance`` (integer levels), an ``annotator``
            column when ``annotator`` is None, and optionally ``note``, ``flags`` (a list of
            names or one str of names separated by commas, per row), ``created_at`` (datetimes
            or ISO 8601 strings, not numbers; naive times are taken as UTC; missing ones are
            now) and ``best``, which may hold only False or nulls: a best pick is an event of
            its own (``task="pick"``, with the ``shown`` order), appended with :meth:`append`.
            Ids are stored as text (``astype(str)``); floats that are whole numbers are refused
            (they would be ``"1.0"``), and ids with spaces around them draw a warning.
        annotator, campaign
            Values for every row: non-empty names.
        task
            ``"grade"``, the only task whose events are rows of this frame; events of the other
            tasks are appended with :meth:`append`.
        guideline_version
            The guideline version of every row: a str such as ``"v1"``, or the rubric (a
            :class:`~xmwidgets.Scale`) the grades were made under, whose version is stored and
            which is recorded as the rubric of that version in ``campaign`` (as a widget opening
            with it does). Either way the grades must be levels of the rubric stored for the
            version, when one is (see :meth:`register_rubric`), and the flags its candidate
            flags.

        Returns
        -------
        int
            The number of events written. Rows are written grouped by query_id (the queries in
            sorted order, the rows of one query in frame order), so a later row for the same key
            is the current value; the event ids follow that order. Grouping keeps the cost of
            updating the labels index the same whatever the order of the rows.

        Raises
        ------
        StoreError
            A bad frame or argument; grades that are not levels, or flags that are not
            candidate flags, of the rubric of ``guideline_version``; a rubric whose version names
            another rubric in ``campaign``. Nothing is written then.

        Notes
        -----
        After an import of 100,000 rows or more into a store file, a background thread reads all
        the labels once (about a second per million) and keeps them beside the file
        (``<store>.xmw-labels/``): a grid opened next, in this session or another, and any
        filtered ``labels()`` then start from that frame instead of reading every event; a read
        that comes while it runs waits for it.

        Examples
        --------
        >>> store = Store(":memory:")
        >>> qrels = pd.DataFrame(
        ...     {"query_id": ["q1", "q1"], "item_id": ["d1", "d2"], "relevance": [1, 0]}
        ... )
        >>> store.import_labels(qrels, annotator="trec")
        2
        """
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
        constants: dict[str, str | int] = {"campaign": str(campaign), "task": task}
        if annotator is not None:
            constants["annotator"] = str(annotator)
        if "created_at" not in values:
            constants["created_at"] = now_micros()
        version = version_of(guideline_version)
        if version is not None:
            constants["guideline_version"] = version
            used.append("guideline_version")
        arrays = [column.tolist() for column in values.values()]
        with self._write() as con:
            check_import(_Rubrics(con), guideline_version, campaign, values, self.path)
            # a bigger page cache for this connection keeps the `current` B-tree in memory
            con.execute("PRAGMA cache_size = -262144")
            try:
                try:
                    insert_values(con, list(values), zip(*arrays, strict=True), constants)
                except UnicodeEncodeError:
                    # a lone surrogate in a str (looked for only now: a scan of every value would
                    # cost as much as the write); the transaction is rolled back
                    raise not_text(df, constants) from None
                names = {c: [v] for c, v in constants.items() if c in CODED_COLUMNS}
                if annotator is None:
                    names["annotator"] = pd.unique(values["annotator"]).tolist()
                note(con, used, names)
            finally:
                con.execute("PRAGMA cache_size = -2000")
        if n >= _kept_labels.MIN_ROWS:
            # what a grid or an analysis reads next comes from this frame (filtered), not from
            # a read of every event: see _read_labels_frame
            self._keep_all_labels_soon()
        return n

    # ------------------------------------------------------------------ rubrics
    def register_rubric(self, scale: Scale, *, campaign: str = "default") -> None:
        """Record ``scale`` as the rubric its version names in ``campaign``, or refuse it when
        another rubric is stored under that version. Every widget does this when it opens.

        The same rubric (same levels, definitions, rules, examples, flags and description; keys,
        names, title, whitespace runs and the order of flags and examples aside) is accepted
        again, from any process. A version first seen in a store from before this check is
        recorded after checking that the judgements stored under it fit ``scale``. A read-only
        store is checked against but not written.

        Raises
        ------
        StoreError
            Another rubric is stored under ``scale.version`` in ``campaign`` (the message lists
            the differences and a free version to use instead), or the judgements stored under
            it could not have been made with ``scale``.
        """
        scale, campaign = as_rubric(scale), str(campaign)
        with self._read() as con:
            table = _Rubrics(con)
            if self._read_only is not None or table.find(campaign, scale.version) is not None:
                register(table, scale, campaign, self.path, record=False)
                return
        with self._write() as con:
            register(_Rubrics(con), scale, campaign, self.path, record=True)

    def rubrics(self, *, campaign: str | None = None) -> pd.DataFrame:
        """The rubric stored for each guideline version, one row per (campaign, version).

        Columns ``campaign, guideline_version, name`` (the scale's), ``fingerprint``, ``summary``
        (its levels or range, as text), ``content`` (what is compared: levels, range, flags,
        description, as a dict) and ``created_at`` (when it was recorded, UTC).
        """
        where, params = ("", []) if campaign is None else (" WHERE campaign = ?", [str(campaign)])
        with self._read() as con:
            if not _Rubrics(con).exists:
                return rubrics_frame([])
            rows = con.execute(
                "SELECT campaign, guideline_version, name, fingerprint, content, created_at "
                f"FROM rubrics{where} ORDER BY campaign, created_at, guideline_version",
                params,
            ).fetchall()
        return rubrics_frame(rows)

    # ------------------------------------------------------------------ reading
    def _frame(
        self,
        con: sqlite3.Connection,
        columns: Mapping[str, str],
        sql: str,
        params: list[Any],
        *,
        parallel: bool = True,
        constants: Mapping[str, str] | None = None,
    ) -> pd.DataFrame:
        used = ALWAYS_READ | {r[0] for r in con.execute("SELECT name FROM used_columns")}
        names: dict[str, list[str]] = {}
        for col, value in con.execute("SELECT col, value FROM names ORDER BY col, value"):
            names.setdefault(col, []).append(value)
        cons = self._snapshot_readers(con) if parallel else [con]
        return read_frame(cons, columns, (sql, params), "e", used, names, constants)

    def _snapshot_readers(self, con: sqlite3.Connection) -> list[sqlite3.Connection]:
        """``con`` plus, for a large file store read from the main thread, a second connection on
        the same snapshot.

        Called inside ``con``'s read transaction. Every write appends an event, so two read
        transactions that see the same last event id see the same data.
        """
        last = con.execute("SELECT ifnull(max(event_id), 0) FROM events").fetchone()[0]
        if self.path == ":memory:" or last < _PARALLEL_READ_EVENTS:
            return [con]
        if threading.current_thread() is not threading.main_thread():
            # a read on a worker thread already runs beside other work (a grid reads its labels
            # while it checks its pool): a second connection would contend for the same cores
            # and repeat the join, costing CPU (1.85 -> 1.58 s for a 1M-label grid) for no gain
            return [con]
        if self._reader is None:
            self._reader = self._connect_reader()
        reader = self._reader
        if reader.in_transaction:
            reader.execute("COMMIT")
        reader.execute("BEGIN")
        seen = reader.execute("SELECT ifnull(max(event_id), 0) FROM events").fetchone()[0]
        if seen != last:  # a write landed in between: read on one connection this time
            reader.execute("COMMIT")
            return [con]
        return [con, reader]

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
        """The event log (``EVENT_COLUMNS``), ordered by event_id.

        Parameters
        ----------
        campaign, annotator, task, guideline_version
            Keep only these (a value or a list of values); None keeps all.
        role
            ``"annotator"`` (which includes the events stored without a role: ``role`` reads
            as "annotator" for them) or ``"adjudicator"``, or a list; None keeps all.
        since
            Keep only events with ``event_id > since``: pass the last id seen to refresh
            incrementally.

        Raises
        ------
        ValueError
            A role that is not one of ``_contract.ROLES``.
        """
        check_filters(role=role)
        clauses, params = where_clauses(
            "e",
            campaign=campaign,
            annotator=annotator,
            task=task,
            guideline_version=guideline_version,
            role=role,
        )
        if since is not None:
            clauses.insert(0, "e.event_id > ?")
            params.insert(0, int(since))
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._read() as con:
            return self._frame(con, EVENT_COLUMNS, f"FROM events e{where}", params)

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
        """The current judgement per (campaign, task, guideline_version, query_id, item_id,
        other_id, annotator) (``_contract.LABEL_KEY``).

        One row per key (``LABEL_COLUMNS``): the newest event that is not a retraction and has not
        been retracted; ordered by event_id. Judgements under another guideline version are
        other labels (a grade under "v2" does not replace one under "v1"), and so are the pairs
        (a, b) and (a, c) of the pair task.

        Parameters
        ----------
        campaign, annotator, task, guideline_version
            Keep only these (a value or a list of values); None keeps all.
            ``guideline_version="v2"`` gives only the judgements made under "v2".
        role
            ``"annotator"`` (which includes the events stored without a role: ``role`` reads
            as "annotator" for them) or ``"adjudicator"``, or a list; None keeps all.
        query_ids
            Keep only the labels of these queries (read by key: cheap for a few queries).
        columns
            Only these of ``LABEL_COLUMNS``, in this order (None: all of them): the others are
            neither read nor decoded, which makes a large read cheaper.

        Raises
        ------
        ValueError
            A name in ``columns`` that is not a labels column, or a role that is not one of
            ``_contract.ROLES``.
        """
        if isinstance(query_ids, str):
            query_ids = [query_ids]
        if isinstance(columns, str):
            columns = [columns]
        check_filters(role=role)
        read = project(columns, LABEL_COLUMNS)
        filters = {
            "campaign": campaign,
            "annotator": annotator,
            "task": task,
            "guideline_version": guideline_version,
            "role": role,
        }
        constants = constant_columns(filters, read)
        # the key columns are filtered on `current` when reading by key, the others on `events`
        key_filters = {k: v for k, v in filters.items() if k in ("campaign", "annotator", "task")}
        value_filters = {k: v for k, v in filters.items() if k not in key_filters}
        by_key = _joined(
            where_clauses("c", **key_filters, query_id=query_ids),
            where_clauses("e", **value_filters),
        )
        # filters for refreshing a frame by the keys that changed (see _labels_delta)
        delta_filters = by_key
        if query_ids is None:
            # in event order through current_ids: events is read sequentially
            clauses, params = where_clauses("e", **filters)
            where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
            from_where = f"{_ALL_LABELS_FROM}{where}"
        else:
            # by key: seeks on the query ids
            clauses, params = by_key
            where = f" WHERE {' AND '.join(clauses)}"
            from_where = f"FROM current c JOIN events e ON e.event_id = c.event_id{where}"
        query = (from_where, tuple(params), tuple(read))
        with self._read() as con:
            # every write appends an event: an unchanged last event id means unchanged labels,
            # and the events after the cached frame's last id say which keys to refresh
            last = con.execute("SELECT ifnull(max(event_id), 0) FROM events").fetchone()[0]
            cache = self._labels_cache
            if cache is not None and cache[0] == query and cache[1] == last:
                frame = cache[2]
            elif (
                cache is not None
                and cache[0] == query
                and cache[1] < last
                and last - cache[1] <= max(_DELTA_EVENTS, len(cache[2]) // 20)
            ):
                frame = self._labels_delta(con, cache[2], cache[1], *delta_filters, read, constants)
            else:
                frame = self._read_labels_frame(
                    con,
                    query,
                    last,
                    delta_filters,
                    read,
                    constants,
                    by_key=query_ids is not None,
                    filters=filters,
                )
            self._labels_cache = (query, last, frame)
            if columns is not None and list(columns) != list(frame.columns):
                # selecting columns makes a new frame; its arrays are shared until written
                return frame[list(columns)].copy(deep=not _COPY_ON_WRITE)
            # a copy, so that a caller editing its frame cannot change what the next call returns
            # (with copy-on-write, pandas >= 3, a shallow copy is enough and costs nothing)
            return frame.copy(deep=not _COPY_ON_WRITE)

    def _read_labels_frame(
        self,
        con: sqlite3.Connection,
        query: tuple[Any, ...],
        last: int,
        delta_filters: tuple[list[str], list[Any]],
        read: Mapping[str, str],
        constants: Mapping[str, str],
        *,
        by_key: bool,
        filters: Mapping[str, Any],
    ) -> pd.DataFrame:
        """The labels of ``query`` as of event ``last`` when nothing in memory can be refreshed:
        from the frame an earlier session kept beside the store file (``_kept_labels``) and the
        events since; else, for a filtered read, from the kept frame of all the labels, filtered;
        else from all the events (and then kept for the next session, when large)."""
        from_where, params, _ = query
        keeps = not by_key and self.path != ":memory:"
        kept = _kept_labels.load(con, self.path, query) if keeps else None
        if kept is not None:
            frame = self._kept_up_to(con, kept, last, query, delta_filters, read, constants)
            if frame is not None:
                return frame
        if keeps and query != _ALL_LABELS:
            every = _kept_labels.load(con, self.path, _ALL_LABELS)
            if every is not None:
                frame = self._kept_up_to(con, every, last, _ALL_LABELS, ([], []), LABEL_COLUMNS, {})
                if frame is not None:
                    return _filtered(frame, filters, read)
        frame = self._frame(con, read, from_where, list(params), constants=constants)
        if keeps and len(frame) >= _kept_labels.MIN_ROWS and self._read_only is None:
            _kept_labels.save_soon(self._connect_reader, self.path, query, last, frame)
        return frame

    def _kept_up_to(
        self,
        con: sqlite3.Connection,
        kept: tuple[int, pd.DataFrame],
        last: int,
        query: tuple[Any, ...],
        delta_filters: tuple[list[str], list[Any]],
        read: Mapping[str, str],
        constants: Mapping[str, str],
    ) -> pd.DataFrame | None:
        """A kept frame (its last event id, the frame) brought up to event ``last`` by the events
        since (kept again when they are many); None when too many came since to read them so."""
        since, frame = kept
        if since == last:
            return frame
        if last - since > max(_DELTA_EVENTS, len(frame) // 20):
            return None
        frame = self._labels_delta(con, frame, since, *delta_filters, read, constants)
        if last - since > _KEEP_AGAIN_EVENTS and self._read_only is None:
            _kept_labels.save_soon(self._connect_reader, self.path, query, last, frame)
        return frame

    def _keep_all_labels_soon(self) -> None:
        """Read all the labels on a thread of its own and keep them beside the store file: after
        a large import, the next session (or a grid opened a moment later) filters that frame
        instead of reading every event (see ``_filtered``)."""
        if self.path == ":memory:" or self._read_only is not None:
            return

        def read(con: sqlite3.Connection) -> tuple[int, pd.DataFrame]:
            # one read transaction: the frame and its last event id are of the same snapshot
            con.execute("BEGIN")
            try:
                last = con.execute("SELECT ifnull(max(event_id), 0) FROM events").fetchone()[0]
                frame = self._frame(con, LABEL_COLUMNS, _ALL_LABELS_FROM, [], parallel=False)
                return last, frame
            finally:
                con.execute("COMMIT")

        _kept_labels.read_and_save_soon(self._connect_reader, self.path, _ALL_LABELS, read)

    def _connect_reader(self) -> sqlite3.Connection:
        """A new read-only connection to this store (usable from any thread)."""
        con = sqlite3.connect(
            self._uri[0], uri=self._uri[1], isolation_level=None, check_same_thread=False
        )
        con.execute("PRAGMA query_only = 1")
        return con

    def _labels_delta(
        self,
        con: sqlite3.Connection,
        frame: pd.DataFrame,
        since: int,
        clauses: list[str],
        params: list[Any],
        columns: Mapping[str, str],
        constants: Mapping[str, str],
    ) -> pd.DataFrame:
        """``frame`` (the labels as of event ``since``) brought up to date with the newer events.

        A cached label stops being current only when a newer value supersedes it (recorded in
        ``superseded``) or it is retracted; those rows go, and the current rows of every key the
        newer events touched are read and merged in.
        """
        gone = [
            r[0]
            for r in con.execute(
                "SELECT prev FROM superseded WHERE event_id > ? "
                "UNION SELECT retracts FROM events WHERE event_id > ? AND retracts IS NOT NULL",
                (since, since),
            )
        ]
        key = ", ".join(f"c.{col}" for col in CURRENT_KEY.split(", "))
        touched = f"({key}) IN (SELECT {EVENT_KEY} FROM events WHERE event_id > ?)"
        where = " AND ".join([touched, *clauses])
        sql = f"FROM current c JOIN events e ON e.event_id = c.event_id WHERE {where}"
        new = self._frame(con, columns, sql, [since, *params], parallel=False, constants=constants)
        drop = np.isin(frame["event_id"].to_numpy(), np.array([*gone, *new["event_id"]], np.int64))
        if not len(new):
            return frame[~drop].reset_index(drop=True)
        merged = pd.concat([frame[~drop], new], ignore_index=True)
        if not merged["event_id"].is_monotonic_increasing:
            merged = merged.sort_values("event_id", kind="stable", ignore_index=True)
        return merged

    def counts(
        self,
        *,
        campaign: str,
        annotator: str,
        task: str = "grade",
        guideline_version: str | None = None,
    ) -> pd.DataFrame:
        """Number of current labels per query for one annotator: columns ``query_id``, ``judged``.

        Only queries with at least one label appear; ordered by query_id. Read from the
        ``current`` table's key, so it costs a range scan, not a frame of labels.
        ``guideline_version`` counts only the labels made under that version (None: all).
        """
        version = "" if guideline_version is None else " AND version_key = ?"
        params = [campaign, task, annotator]
        if guideline_version is not None:
            params.append(str(guideline_version))
        with self._lock:
            rows = (
                self._connection()
                .execute(
                    "SELECT query_id, count(*) FROM current "
                    f"WHERE campaign = ? AND task = ? AND annotator = ?{version} GROUP BY query_id",
                    params,
                )
                .fetchall()
            )
        query_ids = [r[0] for r in rows]
        judged = np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows))
        return pd.DataFrame(
            {"query_id": pd.array(query_ids, dtype="string"), "judged": judged}, copy=False
        )

    def last_event_id(self) -> int:
        """The newest event id (0 for an empty store)."""
        with self._lock:
            return int(
                self._connection()
                .execute("SELECT ifnull(max(event_id), 0) FROM events")
                .fetchone()[0]
            )


class _Rubrics:
    """The ``rubrics`` table on an SQLite connection in a transaction (``_rubrics.RubricTable``)."""

    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con
        # a read-only store of an older schema is not upgraded: it has no rubrics table
        self.exists = (
            con.execute("SELECT 1 FROM sqlite_master WHERE name = 'rubrics'").fetchone() is not None
        )

    def find(self, campaign: str, version: str) -> tuple[str, str] | None:
        if not self.exists:
            return None
        row = self.con.execute(
            "SELECT fingerprint, content FROM rubrics WHERE campaign = ? AND guideline_version = ?",
            (campaign, version),
        ).fetchone()
        return None if row is None else (row[0], row[1])

    def taken(self, campaign: str) -> set[str]:
        # every version this store has seen (the names table), and those recorded for campaign
        rows = self.con.execute(
            "SELECT value FROM names WHERE col = 'guideline_version'"
            + (
                " UNION SELECT guideline_version FROM rubrics WHERE campaign = ?"
                if self.exists
                else ""
            ),
            (campaign,) if self.exists else (),
        )
        return {r[0] for r in rows}

    def judged(self, campaign: str, version: str) -> JudgedValues | None:
        seen = self.con.execute(
            "SELECT 1 FROM names WHERE col = 'guideline_version' AND value = ?", (version,)
        ).fetchone()
        if seen is None:  # no event ever had this version: nothing to scan
            return None
        where = "campaign = ? AND guideline_version = ? AND retracts IS NULL"
        levels = self.con.execute(
            f"SELECT DISTINCT relevance FROM events WHERE {where} AND relevance IS NOT NULL",
            (campaign, version),
        ).fetchall()
        count, low, high = self.con.execute(
            f"SELECT count(magnitude), min(magnitude), max(magnitude) FROM events WHERE {where}",
            (campaign, version),
        ).fetchone()
        return JudgedValues(frozenset(int(r[0]) for r in levels), int(count), low, high)

    def insert(self, row: dict[str, Any]) -> None:
        self.con.execute(
            f"INSERT OR IGNORE INTO rubrics ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
            tuple(row.values()),
        )


def constant_columns(
    filters: Mapping[str, str | Sequence[str] | None], read: Mapping[str, str]
) -> dict[str, str]:
    """The columns of ``read`` that a filter to one value fixes: built from it, not read."""
    return {
        col: str(value)
        for col, value in filters.items()
        if col in read
        and value is not None
        and (isinstance(value, str) or not isinstance(value, Iterable))
    }


def _filtered(
    frame: pd.DataFrame, filters: Mapping[str, Any], read: Mapping[str, str]
) -> pd.DataFrame:
    """The rows of a frame of all the labels that ``filters`` keep (a value, a list of values or
    None, as ``where_clauses`` takes them), with the columns ``read``: what the filtered SQL read
    gives (a null never equals a value; ``role`` reads as its default already)."""
    keep = np.ones(len(frame), dtype=bool)
    for col, value in filters.items():
        if value is None:
            continue
        keep &= frame[col].isin(filter_values(value)).fillna(False).to_numpy(dtype=bool)
    rows = frame[list(read)]
    return rows if bool(keep.all()) else rows[keep].reset_index(drop=True)


def _joined(
    *parts: tuple[list[str], list[Any]],
) -> tuple[list[str], list[Any]]:
    """Several (clauses, params) as one, in order."""
    return [c for p in parts for c in p[0]], [v for p in parts for v in p[1]]


# the labels() read of every label, all columns (the query of an unfiltered call)
_ALL_LABELS_FROM = "FROM current_ids i JOIN events e ON e.event_id = i.event_id"
_ALL_LABELS: tuple[Any, ...] = (_ALL_LABELS_FROM, (), tuple(LABEL_COLUMNS))
# pandas 3 always copies on write: a shallow copy of a frame can then never change the original
_COPY_ON_WRITE = int(pd.__version__.split(".")[0]) >= 3 or bool(
    getattr(pd.options.mode, "copy_on_write", False) is True
)
# labels() refreshes its last frame by key when at most this many events (or 5% of its rows)
# came since, and reads it anew otherwise
_DELTA_EVENTS = 10_000
# a frame kept beside the store (_kept_labels) and refreshed from more events than this is kept anew
_KEEP_AGAIN_EVENTS = 1_000
# from this many events on, a frame is read by two connections in parallel
_PARALLEL_READ_EVENTS = 100_000


# "scheme://…": a URL, never the name of a store file
_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def _refuse_url(path: str) -> None:
    """A URL other than PostgreSQL's (those open a PostgresStore) would be taken as a relative
    file path with a folder named "sqlite:": refuse it, saying what the store takes."""
    match = _URL.match(path)
    if match is None:
        return
    scheme = match.group(1)
    forms = (
        "a store is a file path ('labels.sqlite', '/data/labels.sqlite'), ':memory:', a "
        "PostgreSQL URL (postgresql://user@host:5432/database) or an xmwidgets Store"
    )
    if scheme.split("+")[0].lower() == "sqlite":
        rest = path[match.end() :]
        # SQLAlchemy's form: sqlite:///relative/path, sqlite:////absolute/path
        meant = rest[1:] if rest.startswith("/") else rest
        if not meant:
            example = "':memory:' for a store in memory"
        elif meant.startswith("/"):
            example = repr(meant)
        else:
            example = (
                f"{'/' + meant!r} (or {meant!r}, which is what the URL means: in an SQLAlchemy "
                "URL three slashes start a relative path, four an absolute one)"
            )
        raise StoreError(
            f"store {path!r} is an SQLAlchemy URL, which the store does not take: pass the file "
            f"path itself, e.g. {example}; {forms}"
        )
    raise StoreError(f"store {path!r} is a {scheme}:// URL, which the store does not take: {forms}")


def _file_identity(path: str) -> tuple[int, int] | None:
    """(device, inode) of the file at ``path``; None for ":memory:" or when nothing is there."""
    if path in (":memory:", ""):
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


def _not_a_store(path: str, exc: sqlite3.Error) -> StoreError:
    """The error for a file SQLite refused to open as a store: damaged, or not a store at all."""
    if exc.sqlite_errorname in DAMAGED_ERRORS:
        # check_file saw the SQLite header: a store (or another database) whose pages are damaged
        return damaged(path, exc)
    return StoreError(f"file {path!r} is not an xmwidgets store ({exc})")


def open_store(path: str | os.PathLike[str] | Store = "labels.sqlite") -> Store:
    """Open (or create) the label store at ``path``; a Store passes through unchanged.

    ``path`` is an SQLite file, ``":memory:"``, or a PostgreSQL URL
    (``postgresql://user:password@host:port/database``, needs ``pip install 'xmwidgets[postgres]'``).

    Examples
    --------
    >>> store = open_store(":memory:")
    >>> open_store(store) is store
    True
    """
    if isinstance(path, Store):
        return path
    return Store(path)


def is_postgres_url(path: object) -> bool:
    """True for a ``postgresql://`` or ``postgresql+psycopg://`` (any ``postgresql+…``) URL."""
    return isinstance(path, str) and path.split("://", 1)[0].split("+")[0] in (
        "postgresql",
        "postgres",
    )
