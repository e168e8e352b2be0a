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

__all__ = ["LABEL_FRAME_COLUMNS", "LiveLabels", "fold_store_labels"]

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

Row = tuple[Any, ...]  # values in LABEL_FRAME_COLUMNS order, None for missing


def empty_frame() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=d) for c, d in LABEL_FRAME_COLUMNS.items()})


def _array(values: Sequence[Any], dtype: str) -> Any:
    if dtype.startswith("datetime"):
        return pd.array(pd.to_datetime(list(values), utc=True), dtype=dtype)
    return pd.array(list(values), dtype=dtype)


def fold_store_labels(rows: pd.DataFrame) -> tuple[pd.DataFrame, set[str]]:
    """Fold the store's labels rows (grade and pick tasks) into one row per judged pair.

    Vectorised: a store of a million labels is folded in a fraction of a second. Returns the
    frame (``LABEL_FRAME_COLUMNS``, in the order of the grade events; pairs with only a best pick
    at the end) and the ids of the queries marked "none relevant".
    """
    if rows.empty:
        return empty_frame(), set()
    task = rows["task"].to_numpy(dtype=object)
    has_item = rows["item_id"].notna().to_numpy()
    picks = rows[(task == "pick") & has_item]
    marks = rows[(task == "pick") & ~has_item]
    none_relevant = set(
        marks.loc[marks["none_relevant"].fillna(False).to_numpy(dtype=bool), "query_id"].astype(str)
    )
    grades = rows[(task == "grade") & has_item]
    judged = (
        grades["relevance"].notna() | grades["magnitude"].notna() | grades["flags"].notna()
    ).to_numpy()
    grades = grades[judged]
    best_rows = picks[picks["best"].fillna(False).to_numpy(dtype=bool)]
    base = pd.DataFrame(
        {
            c: (
                grades[c].astype(d).array
                if c in grades.columns
                else pd.array([None] * len(grades), dtype=d)
            )
            for c, d in LABEL_FRAME_COLUMNS.items()
            if c not in ("best", "none_relevant")
        }
    )
    base.insert(4, "best", pd.array(np.zeros(len(base), dtype=bool), dtype="boolean"))
    base.insert(5, "none_relevant", pd.array(np.zeros(len(base), dtype=bool), dtype="boolean"))
    if len(best_rows):
        # one best pick per query at most: a small dict, matched per query
        best_at = {
            (str(q), str(i)): t
            for q, i, t in zip(
                best_rows["query_id"], best_rows["item_id"], best_rows["created_at"], strict=True
            )
        }
        queries = set(q for q, _ in best_at)
        in_query = base["query_id"].isin(queries).to_numpy()
        found: set[tuple[str, str]] = set()
        positions, stamps = [], []
        for position, q, i in zip(
            np.flatnonzero(in_query),
            base["query_id"].to_numpy()[in_query],
            base["item_id"].to_numpy()[in_query],
            strict=True,
        ):
            stamp = best_at.get((q, i))
            if stamp is not None:
                positions.append(position)
                stamps.append(max(stamp, base["created_at"].iloc[position]))
                found.add((q, i))
        if positions:
            base.loc[positions, "best"] = True
            base.loc[positions, "created_at"] = stamps
        extra = [
            (q, i, t) for (q, i), t in best_at.items() if (q, i) not in found
        ]  # best without a grade: only older stores have these
        if extra:
            only = best_rows.set_index(["query_id", "item_id"]).loc[[(q, i) for q, i, _ in extra]]
            more = pd.DataFrame(
                {
                    "query_id": [q for q, _, _ in extra],
                    "item_id": [i for _, i, _ in extra],
                    "best": True,
                    "annotator": only["annotator"].to_numpy(),
                    "campaign": only["campaign"].to_numpy(),
                    "created_at": [t for _, _, t in extra],
                }
            )
            base = pd.concat([base, more], ignore_index=True)
    if none_relevant:
        base.loc[base["query_id"].isin(none_relevant).to_numpy(), "none_relevant"] = True
    base = base.astype(LABEL_FRAME_COLUMNS)
    return base.reset_index(drop=True), none_relevant


class LiveLabels:
    """Owns the labels DataFrame; rows are queued with :meth:`put` and written by :meth:`flush`."""

    def __init__(self) -> None:
        self.frame = empty_frame()
        self._cols: dict[str, Any] = {c: self.frame[c].array.copy() for c in _COLUMNS}
        self._alive = np.ones(0, dtype=bool)
        self._slot: dict[tuple[str, str], int] = {}
        self._pending: dict[tuple[str, str], Row | None] = {}

    def load(self, base: pd.DataFrame) -> None:
        """Start from ``base`` (the folded store labels): slots 0..len(base)-1, in place."""
        self._cols = {c: base[c].array.copy() for c in _COLUMNS}
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
                self._cols[name][slots] = values
        if added:
            start = len(alive)
            for j, (name, dtype) in enumerate(LABEL_FRAME_COLUMNS.items()):
                values = _array([row[j] for _, row in added], dtype)
                current = self._cols[name]
                self._cols[name] = type(current)._concat_same_type([current, values])
            for k, (key, _) in enumerate(added):
                self._slot[key] = start + k
            self._alive = np.concatenate([alive, np.ones(len(added), dtype=bool)])
        self._publish()

    def _publish(self) -> None:
        alive = self._alive
        everything = bool(alive.all())
        data = {c: (a.copy() if everything else a[alive]) for c, a in self._cols.items()}
        new = pd.DataFrame(data, copy=False)
        # re-initialise the very object users hold (its manager is swapped, its identity kept)
        self.frame.__init__(new)
