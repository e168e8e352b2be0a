"""The columns of ``RelevanceGrid.labels`` and how the store's grade and pick rows fold into them.

One row per judged ``(query_id, item_id)`` of the grid's annotator; the frame object itself is kept
by :class:`~xmwidgets.widgets._live_labels.LiveLabels`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._live_labels import empty_frame

__all__ = ["FOLD_COLUMNS", "LABEL_FRAME_COLUMNS", "fold_query_notes", "fold_store_labels"]

LABEL_FRAME_COLUMNS: dict[str, str] = {
    "query_id": "string",
    "item_id": "string",
    "relevance": "Int8",
    "magnitude": "Float64",
    "best": "boolean",
    "none_relevant": "boolean",
    "flags": "string",
    "note": "string",
    "annotator": "string",
    "campaign": "string",
    "guideline_version": "string",
    "shown_position": "Int32",
    "duration_ms": "Int64",
    "created_at": "datetime64[ns, UTC]",
}
# the store's labels columns that fold_store_labels reads (Store.labels(columns=...)): the others
# (note, shown, segments) are neither read nor decoded when a grid opens
FOLD_COLUMNS = ("task", *LABEL_FRAME_COLUMNS)


def _mask(values: pd.Series) -> np.ndarray:
    return values.fillna(False).to_numpy(dtype=bool)


def fold_store_labels(rows: pd.DataFrame) -> tuple[pd.DataFrame, set[str]]:
    """Fold the store's labels rows (grade and pick tasks) into one row per judged pair.

    Vectorised: a store of a million labels is folded in a fraction of a second. Returns the
    frame (``LABEL_FRAME_COLUMNS``, in the order of the grade events; pairs with only a best pick
    at the end) and the ids of the queries marked "none relevant".
    """
    if rows.empty:
        return empty_frame(LABEL_FRAME_COLUMNS), set()
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
        | rows["note"].notna().to_numpy()
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


def fold_query_notes(rows: pd.DataFrame) -> dict[str, tuple[tuple[str, ...], str | None, Any]]:
    """The queries' own flags and notes (grade rows with no item id): query_id -> (flags, note,
    created_at). Few rows (one per flagged query), so a plain loop."""
    if rows.empty:
        return {}
    own = rows[_mask(rows["task"] == "grade") & rows["item_id"].isna().to_numpy()]
    notes: dict[str, tuple[tuple[str, ...], str | None, Any]] = {}
    for query_id, flags, note, created in zip(
        own["query_id"], own["flags"], own["note"], own["created_at"], strict=True
    ):
        flag_list = tuple(str(flags).split(",")) if not pd.isna(flags) else ()
        text = None if pd.isna(note) else str(note)
        if flag_list or text:
            notes[str(query_id)] = (flag_list, text, created)
    return notes
