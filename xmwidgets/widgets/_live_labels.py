"""The live labels DataFrame of a widget: one row per judged pair of its annotator.

The frame is the same object for the widget's whole life, so a variable a user took from
``widget.labels`` earlier also shows new judgements. Judgements do not write to it one row at a time
(a pandas row write costs about a millisecond, more than the rest of a judgement): they are queued
with :meth:`LiveLabels.put` and applied in bulk by :meth:`LiveLabels.flush`, which the widget calls
whenever user code can look at the frame (reading ``widget.labels``, and before each notebook cell).

Rows keep stable *slots* in column arrays held here; a row that stops being judged (undo) is only
marked dead, so no slot ever moves. A flush writes the changed slots, appends the new ones and
re-initialises the frame object in place from the live slots, with a RangeIndex 0..n-1.
"""

from __future__ import annotations

import contextlib
import inspect
import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["LIVE_DOC", "LiveLabels", "Row", "empty_frame", "labels_doc", "register_cell_hook"]

Row = tuple[Any, ...]  # values in the frame's column order, None for missing

# what a widget's ``labels`` frame is, whatever its task
LIVE_DOC = (
    "The same DataFrame object for the widget's life, brought up to date whenever it can be\n"
    "looked at (when this property is read, and before each notebook cell runs)."
)


def labels_doc(doc: str) -> str:
    """The doc of a task's ``labels``: the first paragraph of ``doc`` (what a row is), then
    :data:`LIVE_DOC`, then the rest of ``doc`` (the rows' order, the columns)."""
    summary, _, rest = inspect.cleandoc(doc).partition("\n\n")
    return "\n\n".join(part for part in (summary, LIVE_DOC, rest) if part)


def empty_frame(columns: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=d) for c, d in columns.items()})


def _array(values: Sequence[Any], dtype: str) -> Any:
    if dtype.startswith("datetime"):
        return pd.array(pd.to_datetime(list(values), utc=True), dtype=dtype)
    return pd.array(list(values), dtype=dtype)


# an Arrow-backed column gains a chunk per flush that appends rows; past this many it is made one
# chunk again, so that a long session does not leave a frame of thousands of tiny chunks
_MAX_CHUNKS = 16


def _compact(array: Any) -> Any:
    dtype = array.dtype
    if not isinstance(dtype, pd.StringDtype) or dtype.storage != "pyarrow":
        return array
    import pyarrow as pa

    chunked = pa.array(array)
    if isinstance(chunked, pa.ChunkedArray) and chunked.num_chunks > _MAX_CHUNKS:
        return pd.array(chunked.combine_chunks(), dtype=dtype)
    return array


class LiveLabels:
    """Owns the labels DataFrame; rows are queued with :meth:`put` and written by :meth:`flush`."""

    def __init__(self, columns: dict[str, str]) -> None:
        self.columns = dict(columns)
        self.frame = empty_frame(self.columns)
        self._cols: dict[str, Any] = {c: self.frame[c].array for c in self.columns}
        self._alive = np.ones(0, dtype=bool)
        self._slot: dict[tuple[str, str], int] = {}
        self._pending: dict[tuple[str, str], Row | None] = {}

    def load(self, base: pd.DataFrame) -> None:
        """Start from ``base`` (the folded store labels): slots 0..len(base)-1, in place."""
        self._cols = {c: base[c].array for c in self.columns}
        self._alive = np.ones(len(base), dtype=bool)
        self._slot = {}
        self._pending = {}
        self._publish()

    def column(self, name: str) -> Any:
        """The array of one column over all slots (dead ones too), e.g. to find a query's slots."""
        return self._cols[name]

    def register(self, slots: dict[tuple[str, str], int]) -> None:
        """Tell which loaded slots hold which pairs (done per query, when a query is first used)."""
        self._slot.update(slots)

    @property
    def pending(self) -> bool:
        return bool(self._pending)

    def put(self, key: tuple[str, str], row: Row | None) -> None:
        """Queue the new row of a pair (None: the pair is no longer judged). Cheap: O(1)."""
        self._pending[key] = row

    def flush(self) -> None:
        """Apply the queued rows to the frame, in bulk, keeping the frame object."""
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        updates: list[tuple[int, Row]] = []
        added: list[tuple[tuple[str, str], Row]] = []
        alive = self._alive
        for key, row in pending.items():
            slot = self._slot.get(key)
            if row is None:
                if slot is not None:
                    alive[slot] = False
            elif slot is None:
                added.append((key, row))
            else:
                alive[slot] = True
                updates.append((slot, row))
        if updates:
            slots = np.fromiter((s for s, _ in updates), dtype=np.int64, count=len(updates))
            for j, (name, dtype) in enumerate(self.columns.items()):
                values = _array([row[j] for _, row in updates], dtype)
                # the published frame shares these arrays: write a copy, never the shared one
                column = self._cols[name].copy()
                column[slots] = values
                self._cols[name] = _compact(column)
        if added:
            start = len(alive)
            for j, (name, dtype) in enumerate(self.columns.items()):
                values = _array([row[j] for _, row in added], dtype)
                current = self._cols[name]
                self._cols[name] = _compact(type(current)._concat_same_type([current, values]))
            for k, (key, _) in enumerate(added):
                self._slot[key] = start + k
            self._alive = np.concatenate([alive, np.ones(len(added), dtype=bool)])
        self._publish()

    def _publish(self) -> None:
        alive = self._alive
        everything = bool(alive.all())
        # the frame shares the arrays; flush() replaces an array rather than writing into it
        data = {c: (a if everything else a[alive]) for c, a in self._cols.items()}
        new = pd.DataFrame(data, copy=False)
        # re-initialise the very object users hold (its manager is swapped, its identity kept)
        self.frame.__init__(new)


def register_cell_hook(grid: Any) -> Any:
    """Under IPython, flush ``grid._live`` (its labels) before each cell runs; returns the
    unregister function.

    The hook holds the grid weakly, so a grid that is dropped without ``close()`` can still be
    collected (its hook then unregisters itself).
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    if shell is None or getattr(shell, "events", None) is None:
        return None
    ref = weakref.ref(grid)

    def before_cell(*_: Any) -> None:
        target = ref()
        if target is None:
            unregister()
            return
        with target._state_lock:  # a judgement may be handled on a subshell's thread meanwhile
            target._live.flush()

    def unregister() -> None:
        with contextlib.suppress(ValueError):  # already unregistered
            shell.events.unregister("pre_run_cell", before_cell)

    shell.events.register("pre_run_cell", before_cell)
    return unregister
