"""Where a store file lives: its folder, whether this process may write it, read-only opening.

SQLite in WAL mode writes beside the database even to read it: ``<file>-wal`` and ``<file>-shm``
are created in the same folder. A store in a read-only folder, or a read-only file, cannot be
opened the usual way (SQLite says "attempt to write a readonly database" or "unable to open
database file", which used to be reported as "not an xmwidgets store"). Such a store is opened
read-only instead, and every write says why it is refused.
"""

from __future__ import annotations

import os
import sqlite3
import urllib.parse

from ._errors import StoreError

__all__ = [
    "DAMAGED_ERRORS",
    "READ_ONLY_ERRORS",
    "check_folder",
    "check_timeout",
    "connect_read_only",
    "damaged",
    "read_only_reason",
]

# SQLite error names meaning "this file (or its folder) cannot be written"
READ_ONLY_ERRORS = {
    "SQLITE_READONLY",
    "SQLITE_READONLY_DIRECTORY",
    "SQLITE_CANTOPEN",
    "SQLITE_PERM",
}


# SQLite error names meaning "this file is an SQLite database whose pages cannot be read"
DAMAGED_ERRORS = {"SQLITE_CORRUPT", "SQLITE_NOTADB"}


def damaged(path: str, exc: sqlite3.Error) -> StoreError:
    """The error for a store whose file SQLite finds damaged (it is not changed)."""
    return StoreError(
        f"store {path!r} is damaged: SQLite cannot read it ({exc}); the file was not changed. "
        "Restore it from a backup, or rescue what is readable into a new file with the sqlite3 "
        f"command: sqlite3 {path!r} .recover | sqlite3 recovered.sqlite"
    )


def check_timeout(timeout: object) -> float:
    """``timeout`` as seconds, or a StoreError for a value SQLite would misread."""
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float)
        or not 0 <= float(timeout) < float("inf")
    ):
        raise StoreError(
            f"timeout must be a number of seconds of at least 0 (how long a write waits for "
            f"another writer), got {timeout!r}; e.g. timeout=30"
        )
    return float(timeout)


def _folder(path: str) -> str:
    return os.path.dirname(os.path.abspath(path))


def check_folder(path: str) -> None:
    """Raise StoreError when the folder that should hold the store file does not exist."""
    if path == ":memory:":
        return
    folder = _folder(path)
    if not os.path.isdir(folder):
        raise StoreError(
            f"cannot open store {path!r}: its folder {folder!r} does not exist; create it first "
            "(os.makedirs(folder)) or pass a path in an existing folder"
        )


def read_only_reason(path: str) -> str | None:
    """Why this process cannot write the store ``path``, or None when it can (as far as we know).

    Permission bits only: a read-only mount, or root on a file it cannot change, shows up when
    SQLite first tries to write (see ``READ_ONLY_ERRORS``).
    """
    if path == ":memory:":
        return None
    folder = _folder(path)
    if not os.path.exists(path):
        if not os.access(folder, os.W_OK | os.X_OK):
            raise StoreError(
                f"cannot create store {path!r}: its folder {folder!r} is not writable for this "
                "user; pass a path in a folder you can write to"
            )
        return None
    if not os.access(path, os.W_OK):
        return "the file is not writable for this user"
    if not os.access(folder, os.W_OK | os.X_OK):
        return (
            f"its folder {folder!r} is not writable for this user (SQLite needs to create the "
            f"-wal and -shm files beside {os.path.basename(path)!r})"
        )
    return None


def _has_log(path: str) -> bool:
    """True when the store's write-ahead log holds pages not yet copied into the file."""
    try:
        return os.path.getsize(path + "-wal") > 0
    except OSError:
        return False


def connect_read_only(path: str, timeout: float) -> tuple[sqlite3.Connection, str]:
    """Open ``path`` read-only: (connection, the URI it was opened with, for more connections).

    ``mode=ro`` reads a WAL database when its ``-shm`` file exists or can be created. In a folder
    where it can be neither, the only way to read is ``immutable=1`` (no locking at all): right
    for a file nobody can write, which is what such a folder means for this user.
    """
    quoted = urllib.parse.quote(os.path.abspath(path))
    error: sqlite3.Error | None = None
    for flags in ("mode=ro", "immutable=1"):
        if flags == "immutable=1" and _has_log(path):
            # immutable reads the main file only: the judgements still in the log would be
            # missing without a word (all of them, after a kill, in a store never checkpointed)
            raise StoreError(
                f"cannot read store {path!r}: some of its judgements are still in its log "
                f"{path + '-wal'!r}, which SQLite reads only with a {path + '-shm'!r} file beside "
                f"it, and this user cannot create one there ({error}). Open the store once as a "
                "user who can write its folder (closing it folds the log into the file), or copy "
                "the file and its -wal together to a folder you can write to"
            ) from error
        uri = f"file:{quoted}?{flags}"
        con = sqlite3.connect(
            uri, uri=True, timeout=timeout, isolation_level=None, check_same_thread=False
        )
        try:
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return con, uri
        except sqlite3.Error as exc:
            con.close()
            error = exc
    raise StoreError(f"cannot read store {path!r}: {error}") from error
