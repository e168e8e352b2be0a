"""The live labels DataFrame of a widget: one row per judged ``(query_id, item_id)`` of its annotator.

The frame is updated **in place** -- the same object for the widget's whole life -- so a variable a user
took from ``grid.labels`` earlier also shows new judgements. It is a view over the store: rows are
replaced per query from what the store says (``Store.labels``), never from what the browser claims.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import pandas as pd

__all__ = ["LABEL_FRAME_COLUMNS", "LiveLabels", "judged_value", "pair_states"]

LABEL_FRAME_COLUMNS: dict[str, str] = {
    "query_id": "string",
    "item_id": "string",
    "relevance": "Int8",
    "magnitude": "Float64",
    "best": "boolean",
    "annotator": "string",
    "campaign": "string",
    "guideline_version": "string",
    "shown_position": "Int32",
    "duration_ms": "Int64",
    "created_at": "datetime64[ns, UTC]",
}


def empty_frame() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=d) for c, d in LABEL_FRAME_COLUMNS.items()})


def _value(v: Any) -> Any:
    return None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else v


def judged_value(state: Mapping[str, Any]) -> Any:
    """The grade of a pair: its level (discrete scale) or magnitude (continuous), or None."""
    relevance = state.get("relevance")
    return state.get("magnitude") if relevance is None else relevance


def pair_states(
    store_labels: pd.DataFrame,
) -> tuple[dict[tuple[str, str], dict[str, Any]], set[str]]:
    """Fold the store's labels rows (grade and pick tasks) into one state per ``(query_id, item_id)``.

    Returns the states and the set of query ids marked "none relevant".
    """
    states: dict[tuple[str, str], dict[str, Any]] = {}
    none_relevant: set[str] = set()
    if store_labels.empty:
        return states, none_relevant
    records = store_labels.to_dict("records")
    for row in records:
        query_id = str(row["query_id"])
        item_id = _value(row.get("item_id"))
        task = row["task"]
        if item_id is None:
            if task == "pick" and _value(row.get("none_relevant")) is True:
                none_relevant.add(query_id)
            continue
        if task == "grade":
            state = states.setdefault((query_id, str(item_id)), {"best": None})
            for column in (
                "relevance",
                "magnitude",
                "guideline_version",
                "shown_position",
                "duration_ms",
                "annotator",
                "campaign",
            ):
                state[column] = _value(row.get(column))
            state["created_at"] = max(
                filter(None, [state.get("created_at"), _value(row.get("created_at"))])
            )
        elif task == "pick":
            best = _value(row.get("best"))
            if best is None:
                continue
            state = states.setdefault((query_id, str(item_id)), {"relevance": None})
            state["best"] = bool(best)
            for column in ("annotator", "campaign"):
                state.setdefault(column, _value(row.get(column)))
            state["created_at"] = max(
                filter(None, [state.get("created_at"), _value(row.get("created_at"))])
            )
    # a pair whose only pick is "no longer best" and that has no grade is not judged
    judged = {k: s for k, s in states.items() if judged_value(s) is not None or s.get("best")}
    return judged, none_relevant


class LiveLabels:
    """Owns the labels DataFrame and updates it in place, query by query."""

    def __init__(self) -> None:
        self.frame = empty_frame()
        self._rows: dict[tuple[str, str], int] = {}
        self._by_query: dict[str, dict[str, dict[str, Any]]] = {}
        self._next_label = 0

    def load(self, states: Mapping[tuple[str, str], Mapping[str, Any]]) -> None:
        """Fill the frame at once when the widget opens on an existing store (before users hold it)."""
        if not states:
            return
        rows = [
            {**{c: None for c in LABEL_FRAME_COLUMNS}, **s, "query_id": k[0], "item_id": k[1]}
            for k, s in states.items()
        ]
        new = pd.DataFrame(rows, columns=list(LABEL_FRAME_COLUMNS))
        new = new.astype({c: d for c, d in LABEL_FRAME_COLUMNS.items() if c != "created_at"})
        new["created_at"] = pd.to_datetime(new["created_at"], utc=True).astype(
            "datetime64[ns, UTC]"
        )
        new = new.sort_values("created_at", kind="stable").reset_index(drop=True)
        # the widget calls load() before anyone holds the frame, so replacing the object is safe here
        self.frame = new
        for position, (query_id, item_id) in enumerate(
            zip(new["query_id"], new["item_id"], strict=True)
        ):
            self._rows[(query_id, item_id)] = position
        for (query_id, item_id), state in states.items():
            self._by_query.setdefault(query_id, {})[item_id] = dict(state)
        self._next_label = len(new)

    def replace_query(self, query_id: str, states: Mapping[str, Mapping[str, Any]]) -> None:
        """Make the rows of ``query_id`` equal ``states`` (item_id -> state), in place.

        Only rows whose state changed are written: a row write costs ~1 ms in pandas, and a query
        may hold hundreds of judged candidates.
        """
        old = self._by_query.get(query_id, {})
        gone = [self._rows.pop((query_id, item_id)) for item_id in set(old) - set(states)]
        if gone:
            with warnings.catch_warnings():
                # pandas 3.1 deprecates inplace drop (PDEP-8), but in-place removal is the point here:
                # users hold a reference to this very frame.
                warnings.simplefilter("ignore")
                self.frame.drop(index=gone, inplace=True)
        for item_id, state in states.items():
            if old.get(item_id) == state:
                continue
            key = (query_id, item_id)
            values = [
                query_id if c == "query_id" else item_id if c == "item_id" else _value(state.get(c))
                for c in LABEL_FRAME_COLUMNS
            ]
            if values[-1] is not None:
                values[-1] = (
                    pd.Timestamp(values[-1]).tz_convert("UTC")
                    if pd.Timestamp(values[-1]).tzinfo
                    else pd.Timestamp(values[-1], tz="UTC")
                )
            label = self._rows.get(key)
            if label is None:
                label = self._next_label
                self._next_label += 1
                self._rows[key] = label
            self.frame.loc[label] = [pd.NA if v is None else v for v in values]
        self._by_query[query_id] = {item_id: dict(state) for item_id, state in states.items()}
        self._fix_dtypes()

    def _fix_dtypes(self) -> None:
        for column, dtype in LABEL_FRAME_COLUMNS.items():
            if str(self.frame[column].dtype) != dtype:
                self.frame[column] = self.frame[column].astype(dtype)
