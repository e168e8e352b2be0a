"""Preference pairs out of picks, pairwise choices and rankings (for reward models, contrastive
training and :func:`~xmwidgets.bradley_terry`).

One row per "``chosen`` was preferred over ``rejected`` for ``query_id`` by ``annotator``", with
the event it comes from. Only the *current* judgements count, with the semantics of
``store.labels()``: a retraction (``retracts`` set, an undo) and the event it retracts are both
dropped, then the newest event per label key (campaign, task, guideline_version, query_id,
item_id, other_id, annotator -- those of them the frame has) is the current value. So an undone
or cleared pick gives no preference, and a pair judged again counts once, with its last choice.

How each task gives pairs (``task`` column of the output):

- ``pick`` (BestMatchPicker, and the best pick of RelevanceGrid): the best (``rank`` 1) is
  preferred over every other item of its event's ``shown`` list; the second best (``rank`` 2) over
  every other shown item except the best. A pick with ``rank`` null is cleared. A pick event with no
  ``rank`` column or a null rank but ``best`` True (RelevanceGrid's "b") counts as rank 1. Per
  query and annotator only the newest current rank-1 pick and the newest current rank-2 pick (on
  another item) count, and none older than a current "none relevant" mark (item_id null,
  ``none_relevant`` True), which gives no pairs itself. A second best without a best gives no
  pairs (the unknown best may be any of the other shown items).
- ``pair`` (PairwiseJudge): ``choice`` "a" -> item_id over other_id, "b" -> other_id over item_id;
  "tie" and "both-bad" state no preference and give no pair (``ties=True`` lists them, see
  below); a null choice is cleared.
- ``rank`` (Ranker): per query and annotator, every item with a smaller rank is preferred over every
  item with a larger rank; equal ranks are a tie (no pair). ``source_event`` is the newer of the two
  items' rank events (the submission that set their order).

A ranking of N items gives N(N-1)/2 pairs and a pick among N shown items N-1: they are not
independent comparisons, so a Bradley-Terry fit on a mix of tasks weighs rankings and picks more
than single pairwise choices.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._frames import require_columns

__all__ = ["PREFERENCE_TASKS", "preferences"]

PREFERENCE_TASKS = ("pick", "pair", "rank")
_REQUIRED = ("event_id", "task", "query_id", "item_id", "annotator")
# columns each task needs besides _REQUIRED (pick reads ``rank`` or ``best``: see _pick_rank)
_TASK_COLUMNS = {"pick": ("shown",), "pair": ("other_id", "choice"), "rank": ("rank",)}
# the label key of the v3 store (BRIEF/_contract.LABEL_KEY); a frame may lack some of them
_KEY = ("campaign", "task", "guideline_version", "query_id", "item_id", "other_id", "annotator")
# carried over to the output when the input has them
_CONTEXT = ("campaign", "guideline_version", "role")
_CHOICES = ("a", "b", "tie", "both-bad")
_OUT = ("query_id", "chosen", "rejected", "annotator", "task", "source_event")


def preferences(events: pd.DataFrame, *, ties: bool = False) -> pd.DataFrame:
    """Preference pairs from the current pick, pair and rank judgements (module docstring).

    Parameters
    ----------
    events : DataFrame
        ``store.events()`` (retractions are applied here) or ``store.labels()``: at least
        ``event_id, task, query_id, item_id, annotator``, plus per task present: ``shown`` and
        ``rank`` (or ``best``) for pick, ``other_id, choice`` for pair, ``rank`` for rank. Rows
        of other tasks (grade...) are ignored.
    ties : bool
        Also list the judgements that state no preference -- pair choices "tie" and "both-bad",
        equal ranks -- as rows with ``outcome`` "tie" or "both-bad" (``chosen``/``rejected`` are
        then just the two items: item_id/other_id for a pair, id order for a ranking); the
        preferences get ``outcome`` "win". Off: no ``outcome`` column, preferences only.

    Returns
    -------
    DataFrame
        ``query_id, chosen, rejected, annotator, task, source_event`` (strings; source_event is
        the int64 event_id the pair comes from), plus ``campaign, guideline_version, role`` when
        the input has them (a null role reads as "annotator"), and ``outcome`` with
        ``ties=True``; ordered by source_event, the pairs of a pick in shown order.

    Raises
    ------
    ValueError
        A required column is missing (the message names it), a pick without a readable
        ``shown`` list, or a pair choice outside "a", "b", "tie", "both-bad".

    Examples
    --------
    >>> import xmwidgets as xm
    >>> pairs = xm.preferences(store.events())                          # doctest: +SKIP
    >>> scores = xm.bradley_terry(pairs)                                # doctest: +SKIP
    """
    frame = require_columns(events, _REQUIRED, "events (store.events() or store.labels())")
    current = _current(frame)
    context = [c for c in _CONTEXT if c in frame.columns]
    parts = []
    for task, derive in (("pick", _pick_pairs), ("pair", _pair_pairs), ("rank", _rank_pairs)):
        rows = current[_text(current["task"]) == task]
        if len(rows):
            require_columns(rows, _TASK_COLUMNS[task], f"events of task {task!r}")
            parts.append(derive(rows, context))
    columns = [*_OUT, *context, "outcome"]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    out = out.reindex(columns=columns)
    if not ties:
        out = out[out["outcome"] == "win"].drop(columns="outcome")
    out = out.sort_values("source_event", kind="stable").reset_index(drop=True)
    for col in out.columns:
        out[col] = out[col].astype("int64" if col == "source_event" else "string")
    if "role" in out.columns:
        out["role"] = out["role"].fillna("annotator")  # the contract: null is read as annotator
    return out


def _text(column: pd.Series) -> pd.Series:
    return column.astype("string")


def _current(frame: pd.DataFrame) -> pd.DataFrame:
    """The current judgement per label key of the preference tasks (labels() semantics)."""
    keep = _text(frame["task"]).isin(PREFERENCE_TASKS).fillna(False).to_numpy(dtype=bool)
    if "retracts" in frame.columns:
        retracts = pd.to_numeric(frame["retracts"], errors="coerce")
        retracted = retracts.dropna().astype("int64").to_numpy()
        event_ids = pd.to_numeric(frame["event_id"]).to_numpy()
        keep = keep & retracts.isna().to_numpy(dtype=bool) & ~np.isin(event_ids, retracted)
    rows = frame.loc[keep].copy()
    rows["event_id"] = pd.to_numeric(rows["event_id"]).astype("int64")
    key = [c for c in _KEY if c in rows.columns]
    # keys as strings: an all-null object column would otherwise group and join as float NaN
    for col in {*key, *(c for c in _CONTEXT if c in rows.columns)}:
        rows[col] = _text(rows[col])
    rows = rows.sort_values("event_id", kind="stable")
    # drop_duplicates takes <NA> equal to <NA>: the query-level key (item_id null) is one key
    return rows.drop_duplicates(key, keep="last")


def _group(rows: pd.DataFrame, context: Sequence[str]) -> list[str]:
    # guideline_version is part of the label key: picks under v1 and v2 are separate judgements
    return [*(c for c in context if c != "role"), "query_id", "annotator"]


def _pick_rank(rows: pd.DataFrame) -> pd.Series:
    """1, 2 or <NA> (cleared) per pick event; RelevanceGrid's best pick (best True) is rank 1."""
    if "rank" in rows.columns:
        rank = pd.to_numeric(rows["rank"]).astype("Int64")
    else:
        rank = pd.Series(pd.NA, index=rows.index, dtype="Int64")
    if "best" in rows.columns:
        best = rows["best"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        rank = rank.mask(rank.isna().to_numpy(dtype=bool) & best, 1)
    return rank


def _shown(value: Any, event_id: int) -> list[str]:
    try:
        items = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        items = None
    if not isinstance(items, list):
        raise ValueError(
            f"pick event {event_id} has shown={value!r}, not a JSON list of the item ids shown: "
            "without it the items the pick was preferred over are unknown; leave that event out "
            f"(events[events.event_id != {event_id}]) or fill its shown list"
        )
    # an id listed twice is one item
    return list(dict.fromkeys(str(i) for i in items))


def _pick_pairs(rows: pd.DataFrame, context: Sequence[str]) -> pd.DataFrame:
    group = _group(rows, context)
    rows = rows.assign(_rank=_pick_rank(rows))
    item_null = rows["item_id"].isna().to_numpy(dtype=bool)
    none = np.zeros(len(rows), dtype=bool)
    if "none_relevant" in rows.columns:
        none = rows["none_relevant"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    marks = rows.loc[item_null & none, [*group, "event_id"]].rename(columns={"event_id": "_mark"})
    picks = rows[~item_null & rows["_rank"].isin([1, 2]).fillna(False).to_numpy(dtype=bool)]
    if len(marks):
        # a current "none relevant" mark outdates the picks made before it
        marked = picks.merge(marks, on=group, how="left")
        newer = (marked["_mark"].isna() | (marked["_mark"] < marked["event_id"])).to_numpy(bool)
        picks = picks[newer]
    best = picks[picks["_rank"] == 1].drop_duplicates(group, keep="last")
    second = picks[picks["_rank"] == 2].merge(
        best[[*group, "item_id"]].rename(columns={"item_id": "_best"}), on=group
    )
    second = second[_text(second["item_id"]) != _text(second["_best"])]
    second = second.drop_duplicates(group, keep="last")
    out: list[dict[str, Any]] = []
    for picked, is_second in ((best, False), (second, True)):
        for row in picked.to_dict("records"):
            chosen = str(row["item_id"])
            skip = {chosen, str(row["_best"])} if is_second else {chosen}
            base = {c: row[c] for c in (*context, "query_id", "annotator")}
            base.update(chosen=chosen, task="pick", source_event=row["event_id"], outcome="win")
            for rejected in _shown(row["shown"], row["event_id"]):
                if rejected not in skip:
                    out.append({**base, "rejected": rejected})
    return pd.DataFrame(out)


def _pair_pairs(rows: pd.DataFrame, context: Sequence[str]) -> pd.DataFrame:
    choice = _text(rows["choice"])
    bad = choice.notna().to_numpy(dtype=bool) & ~choice.isin(_CHOICES).fillna(False).to_numpy(
        dtype=bool
    )
    if bad.any():
        row = rows[bad].iloc[0]
        raise ValueError(
            f"pair event {row['event_id']} has choice={row['choice']!r}: a pair choice is one of "
            f"{', '.join(map(repr, _CHOICES))} (null = cleared)"
        )
    rows = rows[choice.notna().to_numpy(dtype=bool)]
    choice = _text(rows["choice"])
    incomplete = rows["item_id"].isna() | rows["other_id"].isna()
    if incomplete.any():
        row = rows[incomplete.to_numpy(dtype=bool)].iloc[0]
        raise ValueError(
            f"pair event {row['event_id']} has item_id={row['item_id']!r}, "
            f"other_id={row['other_id']!r}: a pair choice needs both items (a and b)"
        )
    b_won = (choice == "b").to_numpy(dtype=bool)
    a = _text(rows["item_id"]).to_numpy(dtype=object)
    b = _text(rows["other_id"]).to_numpy(dtype=object)
    out = rows[[*context, "query_id", "annotator"]].copy()
    out["chosen"] = np.where(b_won, b, a)
    out["rejected"] = np.where(b_won, a, b)
    out["task"] = "pair"
    out["source_event"] = rows["event_id"].to_numpy()
    out["outcome"] = choice.where(choice.isin(["tie", "both-bad"]), "win").to_numpy()
    return out


def _rank_pairs(rows: pd.DataFrame, context: Sequence[str]) -> pd.DataFrame:
    group = _group(rows, context)
    rows = rows[
        rows["rank"].notna().to_numpy(dtype=bool) & rows["item_id"].notna().to_numpy(dtype=bool)
    ]
    ranked = rows[[*group, *(["role"] if "role" in context else []), "item_id", "rank", "event_id"]]
    ranked = ranked.assign(item_id=_text(ranked["item_id"]), rank=pd.to_numeric(ranked["rank"]))
    right = ranked[[*group, "item_id", "rank", "event_id"]]
    both = ranked.merge(right, on=group, suffixes=("", "_other"))
    win = (both["rank"] < both["rank_other"]).to_numpy(dtype=bool)
    tie = (both["rank"] == both["rank_other"]).to_numpy(dtype=bool) & (
        both["item_id"] < both["item_id_other"]
    ).to_numpy(dtype=bool)
    both = both[win | tie]
    out = both[[*context, "query_id", "annotator"]].copy()
    out["chosen"] = both["item_id"].to_numpy()
    out["rejected"] = both["item_id_other"].to_numpy()
    out["task"] = "rank"
    out["source_event"] = np.maximum(both["event_id"], both["event_id_other"]).to_numpy()
    out["outcome"] = np.where((win[win | tie]), "win", "tie")
    # within a submission, best-ranked first
    order = np.lexsort((both["rank_other"].to_numpy(), both["rank"].to_numpy()))
    return out.iloc[order]
