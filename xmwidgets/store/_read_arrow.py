"""Large frames of an SQLite file store, read as Arrow columns by the ADBC SQLite driver.

``_read.read_frame`` has SQLite format every value as text and parses it back: exact, but a
million labels cost ~2 s of CPU (1.1 s on two cores). The ADBC driver (``adbc-driver-sqlite``,
Apache Arrow) fills Arrow arrays in C from the rows SQLite steps through, with no text and no
Python object per value: the same read costs ~0.4 s on two connections. It is used for the reads
that scan many events; the small ones stay on the store's own connection.

The driver infers each column's type from its first batch of rows and refuses a later value of
another type, so a text or real column that starts with nulls would be read as integers and then
fail. Each query therefore starts with one row of typed literals (event_id -1), which is dropped.
The integer columns read a null as their stand-in (``_read.row_values``), as the exact read does.

Whatever the driver refuses (a value of an unexpected type written by another program, text that
is not UTF-8) makes ``read_frame`` return None: the exact read then reads the same snapshot and
says what is wrong, if anything is.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ._read import (
    Slot,
    assemble,
    in_event_order,
    int_array,
    plan,
    row_values,
    slot_dtype,
    split_columns,
    unpack_word,
)

__all__ = ["read_frame"]


_BATCH_ROWS = 65_536
_BUSY_TIMEOUT_MS = 30_000


class _Moved(Exception):
    """A reader's snapshot is not the one asked for: a write landed in between."""


def read_frame(
    uri: str,
    last: int,
    readers: int,
    columns: Mapping[str, str],
    from_where: tuple[str, Sequence[Any]],
    alias: str,
    used: set[str],
    names: Mapping[str, Sequence[str]],
    constants: Mapping[str, str] | None = None,
) -> pd.DataFrame | None:
    """A frame of ``columns`` sorted by event_id, as of event ``last``; None when it cannot be
    read this way (the caller then reads it with ``_read.read_frame``).

    Parameters
    ----------
    uri
        SQLite URI of the store file (each reader opens its own connection).
    last
        The last event id of the snapshot to read: a reader that sees another gives up.
    readers
        Connections that read parts of the columns in parallel threads (the driver releases the
        GIL while it steps).
    columns, from_where, alias, used, names, constants
        As for ``_read.read_frame``.
    """
    # imported only now (most reads are small and never need the driver), and here, before the
    # threads: two threads importing a module at once can see it half initialised
    import adbc_driver_manager
    import adbc_driver_sqlite.dbapi  # noqa: F401

    constants = constants or {}
    fetched, coded = plan(columns, used, names, constants)
    parts = split_columns(fetched, readers, columns, coded)
    results: list[dict[str, Any] | BaseException | None] = [None] * len(parts)

    def run(k: int) -> None:
        try:
            results[k] = _read_part(uri, last, parts[k], columns, coded, alias, from_where)
        except BaseException as exc:  # handled in the calling thread
            results[k] = exc

    threads = [threading.Thread(target=run, args=(k,)) for k in range(1, len(parts))]
    for thread in threads:
        thread.start()
    run(0)
    for thread in threads:
        thread.join()
    data: dict[str, Any] = {}
    for result in results:
        if isinstance(result, (_Moved, adbc_driver_manager.Error, pa.ArrowException)):
            return None
        if isinstance(result, BaseException):
            raise result
        assert result is not None
        data.update(result)
    return assemble(columns, len(data["event_id"]), data, constants)


def _read_part(
    uri: str,
    last: int,
    part: Sequence[str],
    columns: Mapping[str, str],
    coded: Mapping[str, Sequence[str]],
    alias: str,
    from_where: tuple[str, Sequence[Any]],
) -> dict[str, Any]:
    """The columns ``part`` (event_id first) on a connection of their own, in event order."""
    from adbc_driver_sqlite import dbapi

    exprs, params, slots = row_values(part, columns, coded, alias)
    typed = ", ".join(_literal(slot, columns) for slot in slots)
    sql, where_params = from_where
    query = f"SELECT {typed} UNION ALL SELECT {', '.join(exprs)} {sql}"
    with dbapi.connect(uri) as con, con.cursor() as cur:
        # batches of 64k rows instead of 1k: fewer chunks to join, and the column types are
        # inferred from more rows
        cur.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(_BATCH_ROWS)})
        # as the store's own connections wait: another connection may hold a lock for a moment
        # (one that opens the write-ahead log sets it up)
        cur.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        # the connection is in a transaction (autocommit off): its first read fixes the snapshot
        cur.execute("SELECT ifnull(max(event_id), 0) FROM events")
        row = cur.fetchone()
        if row is None or row[0] != last:
            raise _Moved
        cur.execute(query, [*params, *where_params])
        table = cur.fetch_arrow_table()
        con.rollback()
    if table.num_rows == 0 or table.column(0)[0].as_py() != -1:
        raise _Moved  # not the typed row first: never seen, but then the types are not certain
    table = table.slice(1)
    data: dict[str, Any] = {}
    for k, slot in enumerate(slots):
        values = table.column(k)
        if not isinstance(slot, str):
            unpack_word(_int64(values), slot, columns, coded, data)
        elif slot_dtype(slot, columns).startswith("Float"):
            nulls = values.is_null().to_numpy()
            data[slot] = pd.arrays.FloatingArray(
                values.fill_null(0.0).to_numpy().astype(np.float64), nulls
            )
        elif _is_text(slot_dtype(slot, columns)):
            if not pa.types.is_string(values.type):  # blobs in the first batch: binary
                raise pa.ArrowInvalid(f"text column {slot!r} read as {values.type}")
            values.validate(full=True)  # text another program wrote may not be UTF-8
            # chunks and all: pandas keeps a chunked Arrow array (joining them is a copy)
            data[slot] = pd.array(values, dtype=columns[slot])
        else:
            data[slot] = int_array(_int64(values), slot, columns[slot])
    return in_event_order(data)


def _is_text(dtype: str) -> bool:
    return not dtype.startswith(("Int", "int", "boolean", "datetime", "Float"))


def _literal(slot: Slot, columns: Mapping[str, str]) -> str:
    """A non-null value of the slot's type, for the typed first row."""
    if slot == "event_id":
        return "-1"
    dtype = slot_dtype(slot, columns)
    if dtype.startswith("Float"):
        return "0.0"
    return "''" if _is_text(dtype) else "0"


def _int64(values: pa.ChunkedArray) -> np.ndarray:
    """An integer column as int64; a null (which no stand-in covered) is refused."""
    if values.null_count or not pa.types.is_integer(values.type):
        raise pa.ArrowInvalid(
            f"integer column of type {values.type} with {values.null_count} nulls"
        )
    return values.to_numpy().astype(np.int64, copy=False)
