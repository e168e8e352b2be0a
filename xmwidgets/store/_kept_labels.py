"""A large ``labels()`` frame of an SQLite store, kept in a file beside it for the next session.

``Store.labels()`` keeps its last frame in memory and brings it up to date from the events that
came after it (``_labels_delta``: the superseded and retracted rows go, the touched keys are read
again). Reading a million labels from the events costs ~1.2 s of SQLite work however it is
written; this module keeps that frame on disk, so that the next process (a grid resumed tomorrow)
starts from it and reads only the events that came since.

The file is derived data: the events stay the only truth. A kept frame is used only when it was
made from this store (its ``store_id``), under this schema version, for the same query, and every
event it was made from is still there (the count of events up to its last event id). Anything
else (missing, damaged, from a copy of the store, another version) is ignored and replaced by the
next full read; nothing is lost by deleting the folder.

Layout: ``<store file>.xmw-labels/<hash of the query>.arrow``: an Arrow IPC file, uncompressed,
read memory-mapped, so that the frame's columns are the file's pages (no decoding, no copy: a
million labels load in ~0.05 s, where a zstd-compressed file of 5 MB took 0.15-0.9 s to decompress
on the same machine; the price is ~130 MB of disk per million labels). Written to a temporary file
and renamed into place, so a reader never sees half a file and a frame still mapped keeps the
file it was read from; at most ``KEPT_FILES`` per store (the oldest go).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather

__all__ = ["KEPT_FILES", "MIN_ROWS", "folder_of", "load", "read_and_save_soon", "save", "save_soon"]

# frames of fewer rows are read from the events fast enough (~0.1 s) to not be worth a file
MIN_ROWS = 100_000
KEPT_FILES = 4
_FORMAT = "xmwidgets kept labels 1"
_writing = threading.Lock()
# a temporary file older than this is the leftover of a killed write
_STALE_TMP_S = 600.0
# the longest a load waits for a keep in progress before reading the events itself
_WAIT_S = 60.0


class _Keep:
    """A keep in progress in this process: once its frame is read (``read`` set), ``frame`` holds
    it with what identifies it, until the file is written; a load of its file takes it from here
    rather than reading the events again (a grid opened just after a large import)."""

    def __init__(self) -> None:
        self.read = threading.Event()
        # (store id, schema version, last event id, events up to it, the frame)
        self.frame: tuple[str, str, int, int, pd.DataFrame] | None = None
        self.thread: threading.Thread | None = None
        # asked again while running: the read to do once more when this one is done
        self.again: Callable[[sqlite3.Connection], tuple[int, pd.DataFrame]] | None = None


# the keeps of this process still running, by kept file
_running: dict[Path, _Keep] = {}
_running_lock = threading.Lock()


def _being_kept(con: sqlite3.Connection, path: Path) -> tuple[int, pd.DataFrame] | None:
    """The frame a keep in progress read for ``path`` (waited for), if it is of ``con``'s store
    and its events are all there; None when no keep runs or its frame does not fit."""
    with _running_lock:
        keep = _running.get(path)
    if keep is None or keep.thread is threading.current_thread():
        return None
    keep.read.wait(_WAIT_S)
    read = keep.frame
    if read is None:
        return None
    store_id, version, last, events, frame = read
    if (store_id, version) != _identity(con) or _events_up_to(con, last) != events:
        return None
    return last, frame


def folder_of(store_path: str) -> Path:
    """The folder that holds the kept frames of the store file ``store_path``."""
    return Path(store_path + ".xmw-labels")


def _identity(con: sqlite3.Connection) -> tuple[str, str]:
    rows = dict(
        con.execute("SELECT key, value FROM meta WHERE key IN ('store_id', 'schema_version')")
    )
    return str(rows.get("store_id", "")), str(rows.get("schema_version", ""))


def _file(store_path: str, query: tuple[Any, ...]) -> Path:
    digest = hashlib.sha1(repr(query).encode("utf-8", "surrogatepass")).hexdigest()[:20]
    return folder_of(store_path) / f"{digest}.arrow"


def _events_up_to(con: sqlite3.Connection, last: int) -> int:
    return int(
        con.execute("SELECT count(*) FROM events WHERE event_id <= ?", (last,)).fetchone()[0]
    )


def load(
    con: sqlite3.Connection, store_path: str, query: tuple[Any, ...]
) -> tuple[int, pd.DataFrame] | None:
    """The kept frame of ``query`` with its last event id, or None when there is none to trust.

    Called inside a read transaction of ``con`` (the counts it checks see the same snapshot).
    """
    path = _file(store_path, query)
    being_kept = _being_kept(con, path)
    if being_kept is not None:
        return being_kept
    try:
        if not path.is_file():
            return None
        table = feather.read_table(str(path), memory_map=True)  # zero-copy: see the module doc
        meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
        store_id, version = _identity(con)
        last = int(meta.get("last_event_id", "-1"))
        if (
            meta.get("format") != _FORMAT
            or meta.get("store_id") != store_id
            or meta.get("schema_version") != version
            or meta.get("query") != repr(query)
            or last < 0
            or int(meta.get("events", "-1")) != _events_up_to(con, last)
        ):
            return None
        return last, table.to_pandas()
    except (OSError, ValueError, pa.ArrowException):
        return None  # damaged or unreadable: the events are read instead


def save(
    con: sqlite3.Connection, store_path: str, query: tuple[Any, ...], last: int, frame: pd.DataFrame
) -> None:
    """Keep ``frame`` (the labels of ``query`` as of event ``last``) for the next session.

    ``con`` is a connection of the store (read for its id and the event count). Errors are
    warnings: the file is a cache, the store itself is unaffected.
    """
    path = _file(store_path, query)
    try:
        store_id, version = _identity(con)
        events = _events_up_to(con, last)
        # one thread: pyarrow's pool of threads refuses work once the interpreter is exiting, and
        # a script that reads its labels and ends is exiting while this runs
        table = pa.Table.from_pandas(frame, preserve_index=False, nthreads=1)
        meta = dict(table.schema.metadata or {})
        meta.update(
            {
                b"format": _FORMAT.encode(),
                b"store_id": store_id.encode(),
                b"schema_version": version.encode(),
                b"query": repr(query).encode("utf-8", "surrogatepass"),
                b"last_event_id": str(last).encode(),
                b"events": str(events).encode(),
            }
        )
        table = table.replace_schema_metadata(meta)
        with _writing:
            if _gone(store_path):
                return
            path.parent.mkdir(exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
            try:
                feather.write_feather(table, str(tmp), compression="uncompressed")
                os.replace(tmp, path)
            finally:
                if tmp.exists():
                    tmp.unlink()
            _prune(path.parent)
    except (OSError, ValueError, RuntimeError, pa.ArrowException, sqlite3.Error) as exc:
        if _gone(store_path):
            return
        warnings.warn(
            f"could not keep the labels of store {store_path!r} in {path.parent} ({exc}); "
            "the next session reads them from the store's events instead",
            RuntimeWarning,
            stacklevel=2,
        )


def save_soon(
    connect: Any, store_path: str, query: tuple[Any, ...], last: int, frame: pd.DataFrame
) -> threading.Thread:
    """:func:`save` on a thread of its own (with its own connection, ``connect()``), so that the
    read that made ``frame`` returns at once. The frame is not changed afterwards (labels()
    returns copies of it and replaces it rather than editing it)."""
    return read_and_save_soon(connect, store_path, query, lambda con: (last, frame))


def read_and_save_soon(
    connect: Any,
    store_path: str,
    query: tuple[Any, ...],
    read: Callable[[sqlite3.Connection], tuple[int, pd.DataFrame]],
) -> threading.Thread:
    """On a thread of its own, with its own connection (``connect()``): ``read(con)`` gives the
    frame of ``query`` and its last event id, and :func:`save` keeps it. A read error is a
    warning, as a write error is: the events are read instead next time.

    One keep per file at a time: asked again while one runs (an import in chunks), the running
    keep reads once more when it is done, with the newest ``read`` (the asks in between are one),
    instead of a second thread reading every event beside it.
    """
    path = _file(store_path, query)
    keep = _Keep()

    def once(read: Callable[[sqlite3.Connection], tuple[int, pd.DataFrame]]) -> None:
        try:
            con = connect()
        except sqlite3.Error:
            return
        try:
            last, frame = read(con)
            keep.frame = (*_identity(con), last, _events_up_to(con, last), frame)
            keep.read.set()
            save(con, store_path, query, last, frame)
        except (sqlite3.Error, ValueError, pa.ArrowException) as exc:
            if _gone(store_path):
                return
            warnings.warn(
                f"could not read the labels of store {store_path!r} to keep them ({exc}); "
                "the next session reads them from the store's events instead",
                RuntimeWarning,
                stacklevel=3,
            )
        finally:
            con.close()

    def run() -> None:
        step: Callable[[sqlite3.Connection], tuple[int, pd.DataFrame]] | None = read
        try:
            while step is not None:
                once(step)
                with _running_lock:
                    step, keep.again = keep.again, None
                    if step is None and _running.get(path) is keep:
                        del _running[path]
                    elif step is not None:
                        # a read that comes now waits for the newer frame
                        keep.frame = None
                        keep.read.clear()
        finally:
            with _running_lock:
                if _running.get(path) is keep:
                    del _running[path]
            keep.read.set()

    # not a daemon: a script that reads its labels and ends still leaves the file (the interpreter
    # waits for the write, a fraction of a second); a kill leaves at most a temporary file
    with _running_lock:
        running = _running.get(path)
        if running is not None and running.thread is not None:
            running.again = read
            return running.thread
        keep.thread = threading.Thread(target=run, name="xmwidgets-keep-labels", daemon=False)
        _running[path] = keep
    keep.thread.start()
    return keep.thread


def _gone(store_path: str) -> bool:
    """Whether the store file was removed while its frame was being kept (a script that imported
    into a temporary folder and ended): there is nothing to keep it for, and nothing to say."""
    return not os.path.exists(store_path)


def _prune(folder: Path) -> None:
    """Keep the ``KEPT_FILES`` newest frames of the folder; leftovers of a killed write go too
    (once they are old enough not to be another process's write in progress)."""
    files = sorted(folder.glob("*.arrow"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[KEPT_FILES:]:
        old.unlink(missing_ok=True)
    now = time.time()
    for tmp in folder.glob("*.tmp"):
        if now - tmp.stat().st_mtime > _STALE_TMP_S:
            tmp.unlink(missing_ok=True)
