"""Review: adjudicate disagreements, with every annotator's grade, flags and note beside each candidate.

The grading task in the role of adjudicator: the candidates are the disputed pairs (from
``xm.agreement(...).disagreements`` or ``xm.compare_guidelines(...).moved``), each tile shows what
each annotator said, and the adjudicator's grade is a ``grade`` event with ``role="adjudicator"``
and the adjudicator as annotator. :func:`xmwidgets.adjudicated` then prefers those grades.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import pandas as pd

from ..scale import TREC_SCALE, Scale
from ..store import Store, open_store
from ._checks import InputError, check_candidates, check_records, require_columns
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
        As for :class:`~xmwidgets.RelevanceGrid`; ``annotator`` is the adjudicator. Blind to
        sources and in a shuffled, recorded order as every task; the annotators' names are shown
        (whose judgement is whose is what an adjudicator weighs).

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
        **kwargs: Any,
    ) -> None:
        if not isinstance(scale, Scale):
            raise TypeError(f"scale must be an xmwidgets.Scale, got {type(scale).__name__}")
        if not isinstance(disagreements, pd.DataFrame):
            raise InputError(
                f"disagreements must be a DataFrame with query_id, item_id, got "
                f"{type(disagreements).__name__}"
            )
        require_columns(disagreements, "disagreements", ["query_id", "item_id"])
        if not len(disagreements):
            raise InputError(
                "disagreements is empty: there is nothing to adjudicate (the annotators agree on "
                "every pair, or a filter left no rows); pass the pairs to adjudicate, e.g. "
                "xm.agreement(labels).disagreements"
            )
        # checked here, so that an id that is not in queries or items is named as a disagreement
        checked, _, _ = check_candidates(
            disagreements[["query_id", "item_id"]],
            check_records(queries, "queries", "query_id"),
            check_records(items, "items", "item_id"),
            name="disagreements",
        )
        pairs = checked[["query_id", "item_id"]].astype(str).drop_duplicates()
        if labels is None:
            store = open_store(store)
            labels = store.labels(campaign=campaign, task="grade")
            where = f"the store's labels of campaign {campaign!r} ({_campaigns_of(store)})"
        else:
            where = "labels"
        self._reviews = _reviews_by_pair(labels, pairs, scale)
        _check_judged(self._reviews, pairs, where)
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


def _campaigns_of(store: Store) -> str:
    """The campaigns a store's grades are in, for a message: ``"campaigns there: 'a', 'b'"``."""
    found = store.labels(task="grade", columns=["campaign"])["campaign"].dropna().unique()
    if not len(found):
        return "the store holds no grades at all"
    return "campaigns there: " + ", ".join(repr(str(c)) for c in sorted(found)[:8])


def _check_judged(
    reviews: dict[tuple[str, str], list[dict[str, Any]]], pairs: pd.DataFrame, where: str
) -> None:
    """Refuse a review where no pair has a judgement; warn when some pairs have none."""
    unjudged = [
        (q, i)
        for q, i in zip(pairs["query_id"], pairs["item_id"], strict=True)
        if (q, i) not in reviews
    ]
    if len(unjudged) == len(pairs):
        raise InputError(
            f"none of the {len(pairs)} pairs to adjudicate has an annotator's judgement in {where}, "
            f"e.g. {unjudged[0]}: an adjudicator would see no grade to weigh; pass the campaign "
            "the annotators graded in (campaign=...), or their labels (labels=...)"
        )
    if unjudged:
        warnings.warn(
            f"{len(unjudged)} of the {len(pairs)} pairs to adjudicate have no annotator's "
            f"judgement in {where}, e.g. {unjudged[0]}: their tiles show no grade to weigh",
            stacklevel=3,
        )


def _reviews_by_pair(
    labels: pd.DataFrame, pairs: pd.DataFrame, scale: Scale
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """What each annotator said about each pair to adjudicate: (query, item) -> list of dicts."""
    if not isinstance(labels, pd.DataFrame):
        raise InputError(f"labels must be a DataFrame, got {type(labels).__name__}")
    require_columns(labels, "labels", ["query_id", "item_id", "annotator", "relevance"])
    frame = labels
    if "role" in frame.columns:
        frame = frame[frame["role"].fillna("annotator").astype(str) != ADJUDICATOR]
    if "task" in frame.columns:
        frame = frame[frame["task"].fillna("grade").astype(str) == "grade"]
    frame = frame[frame["item_id"].notna()]
    keys = frame["query_id"].astype(str) + "\x00" + frame["item_id"].astype(str)
    wanted = set(pairs["query_id"] + "\x00" + pairs["item_id"])
    frame = frame[keys.isin(wanted).to_numpy()]
    _check_label_values(frame, scale)
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}

    def text(row: pd.Series, column: str) -> str | None:
        value = row.get(column)
        return None if value is None or pd.isna(value) else str(value)

    for _, row in frame.sort_values("annotator", kind="stable").iterrows():
        relevance = row.get("relevance")
        entry = {
            "annotator": str(row["annotator"]),
            "relevance": None if relevance is None or pd.isna(relevance) else int(relevance),
            "flags": _flag_names(row.get("flags")),
            "note": text(row, "note"),
            "guideline_version": text(row, "guideline_version"),
        }
        shown = out.setdefault((str(row["query_id"]), str(row["item_id"])), [])
        if len(shown) < MAX_SHOWN:
            shown.append(entry)
    return out


def _check_label_values(frame: pd.DataFrame, scale: Scale) -> None:
    """Refuse judgements the tiles would misreport: no annotator, a grade that is not a level."""
    missing = frame["annotator"].isna()
    if missing.any():
        row = frame.index[missing.to_numpy()][0]
        raise InputError(
            f"labels.annotator is missing at row {row!r}: whose judgement it is is what an "
            "adjudicator weighs; fill in the annotator or drop the row"
        )
    relevance = frame["relevance"]
    numbers = pd.to_numeric(relevance, errors="coerce")
    given = relevance.notna().to_numpy()
    bad = given & ~(numbers.notna().to_numpy() & (numbers == numbers.round()).to_numpy())
    if not scale.is_continuous:
        bad |= given & ~numbers.isin(scale.values).to_numpy()
    if bad.any():
        row = frame.index[bad][0]
        value = relevance.loc[row]
        value = value.item() if hasattr(value, "item") else value  # 2.5, not np.float64(2.5)
        levels = (
            "a whole number"
            if scale.is_continuous
            else (f"one of the levels {', '.join(map(str, scale.values))} of scale {scale.name!r}")
        )
        raise InputError(
            f"labels.relevance at row {row!r} is {value!r} "
            f"(annotator {str(frame.loc[row, 'annotator'])!r}): a grade must be {levels}; "
            "pass the scale the annotators graded on (scale=...) or fix the labels"
        )


def _flag_names(value: Any) -> list[str]:
    """The flags of a judgement: the store's comma-separated text, or a list of names."""
    if isinstance(value, list | tuple | set):
        return [str(f) for f in value if f]
    if value is None or pd.isna(value):
        return []
    return [f for f in str(value).split(",") if f]
