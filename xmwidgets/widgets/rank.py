"""Ranker: order a query's candidates by keys and by drag, ties allowed, saved as one ranking.

The ranking task on the shared shell (:class:`~xmwidgets.widgets._base.TaskWidget`): its rules and
browser actions are in :mod:`._rank_rules`, its front end is ``js/src/tasks/rank/``. A ranking is
written as one ``rank`` event per candidate (``rank`` 1-based, ties share a rank, ``shown`` = the
initial order shown) in one transaction.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..scale import Scale
from ._base import TaskWidget
from ._input import Action
from ._live_labels import Row, empty_frame
from ._query_state import QueryState, first_not_done
from ._rank_rules import Ranked, RankRules, parse_rank_action

__all__ = ["RANK_LABEL_COLUMNS", "Ranker"]

RANK_LABEL_COLUMNS: dict[str, str] = {
    "query_id": "string",
    "item_id": "string",
    "rank": "Int32",
    "n_ranked": "Int32",
    "tied": "boolean",
    "flags": "string",
    "annotator": "string",
    "campaign": "string",
    "guideline_version": "string",
    "shown_position": "Int32",
    "duration_ms": "Int64",
    "created_at": "datetime64[ns, UTC]",
}
# the store's labels columns read when the widget opens
_RANK_READ_COLUMNS = (
    "query_id",
    "item_id",
    "rank",
    "flags",
    "annotator",
    "campaign",
    "guideline_version",
    "shown_position",
    "duration_ms",
    "created_at",
)


class Ranker(TaskWidget):
    """Rankings of each query's candidates, made by keys or drag and written to a store as events.

    The candidates are shown as tiles in ranking order, each with its rank large on it. They start
    in the shown order (shuffled per annotator and query, seeded; recorded as ``shown`` on every
    event) or, for a query ranked before, in its stored ranking. The annotator reorders them with
    Shift+arrows (or Shift+h/j/k/l), ``t`` or Home (to the top), End (to the end) and by dragging a tile;
    ``=`` ties the focused candidate with the one before it (they share a rank); ``m`` flags the
    focused candidate's media broken (it leaves the ranking and counts as handled; ``m`` again
    clears the flag). The order being
    edited is a draft in the browser: ``s`` saves it, and leaving the query (``n``, ``p``, ``g``)
    after changing the order saves it too. A saved ranking lists every candidate once; the query
    is then done. ``z`` takes back the last unsaved move, else undoes the last saved ranking (the
    previous one, or none, is back in the store and on screen); keys typed before the kernel has
    answered that undo wait for it, so that ``z s`` saves the ranking the undo brought back.

    Parameters
    ----------
    queries, items, candidates, store, annotator, campaign, query_roles, item_roles, shuffle, seed,
    show_sources, max_px
        As for :class:`~xmwidgets.RelevanceGrid`. ``shuffle`` decides the initial order.
    scale : Scale
        Only its ``version`` is used here: it is stored as ``guideline_version``, and only the
        rankings made under it count as already ranked.

    Examples
    --------
    >>> import xmwidgets as xm
    >>> demo = xm.datasets.demo()                                          # doctest: +SKIP
    >>> ranker = xm.Ranker(demo.queries, demo.items, demo.candidates,
    ...                    store="rankings.sqlite", annotator="ana")      # doctest: +SKIP
    >>> ranker.labels                                                     # doctest: +SKIP
    """

    _TASK = "rank"
    _LABEL_COLUMNS = RANK_LABEL_COLUMNS
    _READ_COLUMNS = _RANK_READ_COLUMNS
    _LABELS_DOC = """This annotator's current rankings: one row per ranked ``(query_id, item_id)``
        (or flagged broken-media).

        Rows are those of the rankings stored when the widget opened, then of each query ranked
        here, in the order of its first ranking, best first; a query ranked again keeps its rows
        where they are, with the new ranks (as read from the store, a query's candidates
        flagged broken-media come after its ranked ones). Indexed 0..n-1 without gaps (an undone ranking's rows
        are gone, or show the ranking it replaced). Only rankings under the scale's ``version``.
        Columns:

        - ``query_id``, ``item_id`` (string): the pair.
        - ``rank`` (Int32): 1 = best. Tied candidates share a rank and the next rank skips the
          places they take (competition ranking: 1, 2, 2, 4), so ``rank`` is always 1 + the number
          of candidates ranked above. ``<NA>`` for a candidate flagged broken-media.
        - ``n_ranked`` (Int32): how many candidates the query's ranking has (the query's
          candidates when it was ranked, less those flagged broken-media); ``<NA>`` on a
          flagged one.
        - ``tied`` (boolean): another candidate of the same ranking has the same rank.
        - ``flags`` (string): ``broken-media`` when the candidate's media were flagged broken
          (``m``): it is out of the ranking and counts as handled; ``<NA>`` otherwise (as the
          grid's ``flags``).
        - ``annotator``, ``campaign``, ``guideline_version`` (string): who, which round, which
          version of the rubric (the scale's ``version``).
        - ``shown_position`` (Int32): 0-based position of the candidate in the initial order the
          kernel showed (the ``shown`` list of the event), not its rank.
        - ``duration_ms`` (Int64): active time spent on the query's ranking until it was saved;
          the same on every row of one ranking (do not sum it over rows: take it once per query).
        - ``created_at`` (datetime64[ns, UTC]): when the ranking was saved.
        """

    _rules: RankRules

    def _read_labels(
        self, campaign: str, annotator: str, scale: Scale, query_ids: list[str] | None = None
    ) -> pd.DataFrame:
        rows = super()._read_labels(campaign, annotator, scale, query_ids)
        return _rank_rows(rows, scale.version)

    def _parse_action(self, raw: Any, position: int) -> Action:
        return parse_rank_action(raw, position)

    def _page_states(self, q: QueryState) -> dict[str, dict[str, Any]]:
        # every candidate carries its rank, null when it has none (the view sorts by it)
        states: dict[str, dict[str, Any]] = {
            i: {"rank": None, "tied": False, "flags": []} for i in q.shown
        }
        states.update(
            {
                i: {"rank": r.rank, "tied": r.tied, "flags": list(r.flags)}
                for i, r in q.pairs.items()
            }
        )
        return states

    # ----------------------------------------------------------------- state from the store
    def _open(self, rows: pd.DataFrame) -> int:
        """Load the stored rankings into the live frame and count the queries ranked."""
        base = _label_frame(rows)
        self._live.load(base)
        query_ids = base["query_id"].to_numpy(dtype=object)
        item_ids = base["item_id"].to_numpy(dtype=object)
        self._slots: dict[str, np.ndarray] = {
            str(q): np.asarray(s, dtype=np.int64)
            for q, s in pd.Series(np.arange(len(base))).groupby(query_ids).groups.items()
        }
        n = len(self._query_ids)
        judged = 0
        done = np.zeros(n, dtype=bool)
        for query_id, slots in self._slots.items():
            index = self._index_of.get(query_id)
            if index is None:
                continue
            shown = set(self._candidates["item_id"].array[self._positions[query_id]])
            ranked = len(shown.intersection(str(i) for i in item_ids[slots]))
            judged += ranked
            done[index] = ranked >= len(shown)
        self._rules = RankRules(
            self._scale,
            self._campaign,
            self.annotator,
            self._load_query,
            n_queries=n,
            total=len(self._candidates),
            judged=judged,
            queries_done=int(done.sum()),
        )
        return first_not_done(done)

    def _load_query(self, query_id: str) -> QueryState:
        """The state of one query as loaded from the store (its first use in this session)."""
        slots = self._slots.get(query_id)
        pairs: dict[str, Ranked] = {}
        if slots is not None and len(slots) and query_id in self._index_of:
            pairs = _pairs(self._live.column, slots)
            self._live.register(
                {(query_id, item): int(s) for item, s in zip(pairs, slots, strict=True)}
            )
        return self._query_state(query_id, pairs)  # KeyError: unknown query

    def _reload_query(self, query_id: str) -> None:
        """Read one query's ranking from the store again (undo of an action from before refresh())."""
        base = _label_frame(self._read_query(query_id))
        pairs = _pairs(lambda c: base[c].array, np.arange(len(base))) if len(base) else {}
        self._rules.reset(self._rules.query(query_id), pairs, False)

    def _label_row(self, q: QueryState, item_id: str, state: Ranked | None) -> Row | None:
        if state is None:
            return None
        return (
            q.query_id,
            item_id,
            state.rank,
            state.n_ranked,
            state.tied,
            ",".join(state.flags) or None,
            self.annotator,
            self._campaign,
            state.guideline_version,
            state.shown_position,
            state.duration_ms,
            state.created_at,
        )


def _rank_rows(rows: pd.DataFrame, version: str) -> pd.DataFrame:
    """The stored rank rows under ``version`` that hold a rank or a flag (neither: a cleared one)."""
    if rows.empty:
        return rows
    keep = (rows["guideline_version"] == version).fillna(False).to_numpy(dtype=bool)
    keep &= rows["rank"].notna().to_numpy() | rows["flags"].notna().to_numpy()
    return rows[keep]


def _label_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """The labels frame of stored rank rows: best first per query, with n_ranked and tied."""
    if rows.empty:
        return empty_frame(RANK_LABEL_COLUMNS)
    ranked = rows["rank"].notna()
    # flagged (unranked) candidates after the ranked ones
    rank = pd.to_numeric(rows["rank"]).fillna(np.iinfo(np.int32).max).astype("int64")
    rows = rows.assign(_q=rows["query_id"].astype(str), _r=rank, _ranked=ranked)
    # queries in the order they were first ranked, best first within each
    first = rows.groupby("_q", sort=False).ngroup()
    rows = rows.assign(_first=first.to_numpy()).sort_values(["_first", "_r"], kind="stable")
    ranked = rows["_ranked"]
    n_ranked = ranked.groupby(rows["_q"]).transform("sum").where(ranked)
    tied = rows.duplicated(["_q", "_r"], keep=False) & ranked
    frame = pd.DataFrame(
        {
            "query_id": rows["query_id"].array,
            "item_id": rows["item_id"].array,
            "rank": rows["rank"].array,
            "n_ranked": n_ranked.array,
            "tied": tied.to_numpy(),
            "flags": rows["flags"].array,
            "annotator": rows["annotator"].array,
            "campaign": rows["campaign"].array,
            "guideline_version": rows["guideline_version"].array,
            "shown_position": rows["shown_position"].array,
            "duration_ms": rows["duration_ms"].array,
            "created_at": rows["created_at"].array,
        }
    )
    return frame.astype(RANK_LABEL_COLUMNS).reset_index(drop=True)


def _pairs(column: Any, slots: np.ndarray) -> dict[str, Ranked]:
    """The Ranked states of the label rows at ``slots``; ``column(name)`` gives a column's array."""
    names = ("item_id", "rank", "n_ranked", "tied", "flags", "guideline_version")
    values = {c: column(c)[slots].to_numpy(dtype=object, na_value=None) for c in names}
    more = {
        c: column(c)[slots].to_numpy(dtype=object, na_value=None)
        for c in ("shown_position", "duration_ms")
    }
    stamps = [None if pd.isna(t) else t for t in column("created_at")[slots]]
    return {
        str(values["item_id"][k]): Ranked(
            rank=_int(values["rank"][k]),
            n_ranked=_int(values["n_ranked"][k]),
            tied=bool(values["tied"][k]),
            flags=tuple(str(values["flags"][k]).split(",")) if values["flags"][k] else (),
            shown_position=_int(more["shown_position"][k]),
            duration_ms=_int(more["duration_ms"][k]),
            guideline_version=values["guideline_version"][k],
            created_at=stamps[k],
        )
        for k in range(len(slots))
    }


def _int(value: Any) -> int | None:
    return None if value is None else int(value)
