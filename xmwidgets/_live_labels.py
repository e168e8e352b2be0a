"""The live labels DataFrame of a widget: one row per judged ``(query_id, item_id)`` of its annotator.

The frame is the same object for the widget's whole life, so a variable a user took from
``grid.labels`` earlier also shows new judgements. Judgements do not write to it one row at a time
(a pandas row write costs about a millisecond, more than the rest of a judgement): they are queued
with :meth:`LiveLabels.put` and applied in bulk by :meth:`LiveLabels.flush`, which the widget calls
whenever user code can look at the frame (reading ``grid.labels``, and before each notebook cell).

Rows keep stable *slots* in column arrays held here; a row that stops being judged (undo) is only
marked dead, so no slot ever moves. A flush writes the changed slots, appends the new ones and
re-initialises the frame object in place from the live slots, with a RangeIndex 0..n-1.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["FOLD_COLUMNS", "LABEL_FRAME_COLUMNS", "LiveLabels", "fold_store_labels"]

LABEL_FRAME_COLUMNS: dict[str, str] = {
    "query_id": "string",
    "item_id": "string",
    "relevance": "Int8",
    "magnitude": "Float64",
    "best": "boolean",
    "none_relevant": "boolean",
    "flags": "string",
    "annotator": "string",
    "campaign": "string",
    "guideline_version": "string",
    "shown_position": "Int32",
    "duration_ms": "Int64",
    "created_at": "datetime64[ns, UTC]",
}
_COLUMNS = list(LABEL_FRAME_COLUMNS)
# the store's labels columns that fold_store_labels reads (Store.labels(columns=...)): the others
# (note, shown, segments) are neither read nor decoded when a grid opens
FOLD_COLUMNS = ("task", *LABEL_FRAME_COLUMNS)

Row = tuple[Any, ...]  # values in LABEL_FRAME_COLUMNS order, None for missing


def empty_frame() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=d) for c, d in LABEL_FRAME_COLUMNS.items()})


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


def _mask(values: pd.Series) -> np.ndarray:
    return values.fillna(False).to_numpy(dtype=bool)


def fold_store_labels(rows: pd.DataFrame) -> tuple[pd.DataFrame, set[str]]:
    """Fold the store's labels rows (grade and pick tasks) into one row per judged pair.

    Vectorised: a store of a million labels is folded in a fraction of a second. Returns the
    frame (``LABEL_FRAME_COLUMNS``, in the order of the grade events; pairs with only a best pick
    at the end) and the ids of the queries marked "none relevant".
    """
    if rows.empty:
        return empty_frame(), set()
    is_grade = _mask(rows["task"] == "grade")
    is_pick = _mask(rows["task"] == "pick")
    has_item = rows["item_id"].notna().to_numpy()
    none_relevant: set[str] = set()
    best_rows = rows.iloc[:0]
    if is_pick.any():
        picks = rows[is_pick]
        with_item = picks["item_id"].notna().to_numpy()
        marks = picks[~with_item]
        none_relevant = set(marks.loc[_mask(marks["none_relevant"]), "query_id"].astype(str))
        best_rows = picks[with_item & _mask(picks["best"])]
    judged = (
        rows["relevance"].notna().to_numpy()
        | rows["magnitude"].notna().to_numpy()
        | rows["flags"].notna().to_numpy()
    )
    keep = is_grade & has_item & judged
    positions = None if keep.all() else np.flatnonzero(keep)
    columns: dict[str, Any] = {}
    for name, dtype in LABEL_FRAME_COLUMNS.items():
        if name in ("best", "none_relevant"):
            continue
        array = rows[name].array
        if positions is not None:
            array = array.take(positions)
        columns[name] = array if str(array.dtype) == dtype else array.astype(dtype)
    n = len(columns["query_id"])
    best = np.zeros(n, dtype=bool)
    created = columns["created_at"]
    extra: list[tuple[str, str, Any]] = []
    if len(best_rows):
        # one best pick per query at most: a small dict, matched within those queries' rows
        best_at = {
            (str(q), str(i)): t
            for q, i, t in zip(
                best_rows["query_id"], best_rows["item_id"], best_rows["created_at"], strict=True
            )
        }
        query_ids = pd.Series(columns["query_id"], copy=False)
        in_query = np.flatnonzero(query_ids.isin({q for q, _ in best_at}).to_numpy())
        item_ids = columns["item_id"].take(in_query).to_numpy(dtype=object)
        found: dict[tuple[str, str], int] = {}
        for position, q, i in zip(
            in_query,
            columns["query_id"].take(in_query).to_numpy(dtype=object),
            item_ids,
            strict=True,
        ):
            if (q, i) in best_at:
                found[(q, i)] = int(position)
        if found:
            slots = np.fromiter(found.values(), dtype=np.int64, count=len(found))
            best[slots] = True
            created = created.copy()
            created[slots] = pd.array(
                [max(best_at[k], created[p]) for k, p in found.items()], dtype=created.dtype
            )
            columns["created_at"] = created
        # a best pick without a grade: only older stores have these
        extra = [(q, i, t) for (q, i), t in best_at.items() if (q, i) not in found]
    columns["best"] = pd.array(best, dtype="boolean")
    marked = (
        pd.Series(columns["query_id"], copy=False).isin(none_relevant).to_numpy()
        if none_relevant
        else np.zeros(n, dtype=bool)
    )
    columns["none_relevant"] = pd.array(marked, dtype="boolean")
    base = pd.DataFrame({c: columns[c] for c in LABEL_FRAME_COLUMNS}, copy=False)
    if extra:
        annotator, campaign = best_rows["annotator"].iloc[0], best_rows["campaign"].iloc[0]
        more = pd.DataFrame(
            {
                "query_id": [q for q, _, _ in extra],
                "item_id": [i for _, i, _ in extra],
                "best": True,
                "none_relevant": [q in none_relevant for q, _, _ in extra],
                "annotator": annotator,
                "campaign": campaign,
                "created_at": [t for _, _, t in extra],
            }
        ).reindex(columns=list(LABEL_FRAME_COLUMNS))
        base = pd.concat([base, more.astype(LABEL_FRAME_COLUMNS)], ignore_index=True)
    return base, none_relevant


class LiveLabels:
    """Owns the labels DataFrame; rows are queued with :meth:`put` and written by :meth:`flush`."""

    def __init__(self) -> None:
        self.frame = empty_frame()
        self._cols: dict[str, Any] = {c: self.frame[c].array for c in _COLUMNS}
        self._alive = np.ones(0, dtype=bool)
        self._slot: dict[tuple[str, str], int] = {}
        self._pending: dict[tuple[str, str], Row | None] = {}

    def load(self, base: pd.DataFrame) -> None:
        """Start from ``base`` (the folded store labels): slots 0..len(base)-1, in place."""
        self._cols = {c: base[c].array for c in _COLUMNS}
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
            for j, (name, dtype) in enumerate(LABEL_FRAME_COLUMNS.items()):
                values = _array([row[j] for _, row in updates], dtype)
                # the published frame shares these arrays: write a copy, never the shared one
                column = self._cols[name].copy()
                column[slots] = values
                self._cols[name] = _compact(column)
        if added:
            start = len(alive)
            for j, (name, dtype) in enumerate(LABEL_FRAME_COLUMNS.items()):
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
