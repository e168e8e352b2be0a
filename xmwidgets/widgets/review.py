"""Review: adjudicate disagreements, with every annotator's grade, flags and note beside each candidate.

The grading task in the role of adjudicator: the candidates are the disputed pairs (from
``xm.agreement(...).disagreements`` or ``xm.compare_guidelines(...).moved``), each tile shows what
each annotator said, and the adjudicator's grade is a ``grade`` event with ``role="adjudicator"``
and the adjudicator as annotator. :func:`xmwidgets.adjudicated` then prefers those grades.
"""

from __future__ import annotations

import os
from typing import Any

import pandas as pd

from ..scale import TREC_SCALE, Scale
from ..store import Store, open_store
from ._checks import InputError, require_columns
from ._grade_rules import GradeRules
from .grade import RelevanceGrid

__all__ = ["Review"]

ADJUDICATOR = "adjudicator"
# how many annotators' judgements a tile shows at most (a tile is small; the rest are counted)
MAX_SHOWN = 8


class Review(RelevanceGrid):
    """Adjudication of disagreements: the annotators' judgements side by side, one adjudicated grade.

    Parameters
    ----------
    queries, items : DataFrame
        As for :class:`~xmwidgets.RelevanceGrid`.
    disagreements : DataFrame
        The pairs to adjudicate: ``query_id, item_id`` (other columns are ignored), e.g.
        ``xm.agreement(labels).disagreements`` or ``xm.compare_guidelines(...).moved``.
    labels : DataFrame, optional
        The annotators' judgements to show: ``query_id, item_id, annotator`` plus ``relevance``
        (and optionally ``flags``, ``note``, ``guideline_version``, ``role``). Default: the
        store's labels of the campaign's ``grade`` task, without adjudicator rows.
    store, annotator, campaign, scale, ...
        As for :class:`~xmwidgets.RelevanceGrid`; ``annotator`` is the adjudicator. Candidates are
        shown in the given order (``shuffle=False``) unless ``shuffle=True``.

    Notes
    -----
    The adjudicated grades are events of the ``grade`` task with ``role="adjudicator"``; they sit
    next to the annotators' own in the store and never replace them. ``review.labels`` holds the
    adjudicator's grades; ``xm.adjudicated(store.labels())`` gives the labels with each adjudicated
    pair's grade taken from the adjudicator.
    """

    def __init__(
        self,
        queries: pd.DataFrame,
        items: pd.DataFrame,
        disagreements: pd.DataFrame,
        labels: pd.DataFrame | None = None,
        *,
        store: str | os.PathLike[str] | Store = "labels.sqlite",
        campaign: str = "default",
        scale: Scale = TREC_SCALE,
        shuffle: bool = False,
        **kwargs: Any,
    ) -> None:
        if not isinstance(disagreements, pd.DataFrame):
            raise InputError(
                f"disagreements must be a DataFrame with query_id, item_id, got "
                f"{type(disagreements).__name__}"
            )
        require_columns(disagreements, "disagreements", ["query_id", "item_id"])
        pairs = disagreements[["query_id", "item_id"]].astype(str).drop_duplicates()
        if labels is None:
            store = open_store(store)
            labels = store.labels(campaign=campaign, task="grade")
        self._reviews = _reviews_by_pair(labels, pairs)
        adjudicator = kwargs.get("annotator")
        said = {r["annotator"] for reviews in self._reviews.values() for r in reviews}
        if adjudicator is not None and adjudicator in said:
            raise InputError(
                f"annotator {adjudicator!r} judged some of these pairs: the adjudicator must be "
                "someone else (their grades would replace their own judgements); pass another "
                "annotator name"
            )
        super().__init__(
            queries,
            items,
            pairs,
            store=store,
            campaign=campaign,
            scale=scale,
            shuffle=shuffle,
            **kwargs,
        )

    _READ_ROLE = ADJUDICATOR

    def _page_states(self, q: Any) -> dict[str, dict[str, Any]]:
        states = super()._page_states(q)
        for item_id in q.shown:
            reviews = self._reviews.get((q.query_id, item_id))
            if reviews:
                states.setdefault(item_id, {})["reviews"] = reviews
        return states

    def _new_rules(self, **counts: Any) -> GradeRules:
        rules = super()._new_rules(**counts)
        rules.role = ADJUDICATOR
        return rules


def _reviews_by_pair(
    labels: pd.DataFrame, pairs: pd.DataFrame
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """What each annotator said about each pair to adjudicate: (query, item) -> list of dicts."""
    if not isinstance(labels, pd.DataFrame):
        raise InputError(f"labels must be a DataFrame, got {type(labels).__name__}")
    require_columns(labels, "labels", ["query_id", "item_id", "annotator"])
    frame = labels
    if "role" in frame.columns:
        frame = frame[frame["role"].fillna("annotator").astype(str) != ADJUDICATOR]
    if "task" in frame.columns:
        frame = frame[frame["task"].fillna("grade").astype(str) == "grade"]
    frame = frame[frame["item_id"].notna()]
    keys = frame["query_id"].astype(str) + "\x00" + frame["item_id"].astype(str)
    wanted = set(pairs["query_id"] + "\x00" + pairs["item_id"])
    frame = frame[keys.isin(wanted).to_numpy()]
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}

    def text(row: pd.Series, column: str) -> str | None:
        value = row.get(column)
        return None if value is None or pd.isna(value) else str(value)

    for _, row in frame.sort_values("annotator", kind="stable").iterrows():
        relevance = row.get("relevance")
        entry = {
            "annotator": str(row["annotator"]),
            "relevance": None if relevance is None or pd.isna(relevance) else int(relevance),
            "flags": [f for f in (text(row, "flags") or "").split(",") if f],
            "note": text(row, "note"),
            "guideline_version": text(row, "guideline_version"),
        }
        shown = out.setdefault((str(row["query_id"]), str(row["item_id"])), [])
        if len(shown) < MAX_SHOWN:
            shown.append(entry)
    return out
