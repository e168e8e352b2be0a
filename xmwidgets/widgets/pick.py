"""BestMatchPicker: one query above its N candidates; the annotator picks the best with one key.

The pick task on the shared shell (:class:`~xmwidgets.widgets._base.TaskWidget`): its rules and
its browser actions are in :mod:`._pick_rules`, its front end is ``js/src/tasks/pick/``. Its events
are ``pick`` events (DESIGN.md §3), the same kind as RelevanceGrid's best picks: ``item_id`` = the
candidate, ``rank`` 1 (best, with ``best`` True) or 2, ``shown`` = every candidate in shown order.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pandas as pd
import traitlets

from ._base import TaskWidget
from ._input import Action
from ._live_labels import Row, empty_frame
from ._pick_rules import MARK, Pick, PickRules, parse_pick_action
from ._query_state import QueryState, first_not_done
from ._state_lock import state_locked

__all__ = ["BestMatchPicker"]

PICK_LABEL_COLUMNS: dict[str, str] = {
    "query_id": "string",
    "best": "string",
    "second": "string",
    "none_relevant": "boolean",
    "n_shown": "Int32",
    "shown": "string",
    "flags": "string",
    "annotator": "string",
    "campaign": "string",
    "guideline_version": "string",
    "duration_ms": "Int64",
    "created_at": "datetime64[ns, UTC]",
}
# the store's labels columns a picker reads when it opens (Store.labels(columns=...))
_PICK_READ_COLUMNS = (
    "query_id",
    "item_id",
    "rank",
    "best",
    "none_relevant",
    "flags",
    "guideline_version",
    "shown_position",
    "duration_ms",
    "created_at",
)
# the live frame's key of a query's row (the frame is keyed by pairs; the picker has one row a query)
_ROW = ""

_Stored = tuple[dict[str, Pick], bool]


class BestMatchPicker(TaskWidget):
    """Best-of-N picks: for each query, the best candidate (and optionally a second best).

    Each candidate tile shows its key (1–9, 0 for the 10th, then letters); that key picks it as
    the best, Shift+digit as the second best; ``b`` / ``v`` pick the focused tile as best / second
    (any tile, also beyond the keys), ``x`` marks the query "none relevant", ``m`` flags the focused tile's media
    as broken, ``z`` undoes. Blind and shuffled by default, as RelevanceGrid.

    Rules (kernel; the store never holds a contradiction): a new best replaces the old one, best
    on the second best swaps the two, the best cannot also be the second, a broken-media candidate
    cannot be picked (flagging a picked one clears its pick), "none relevant" is refused while a
    candidate is picked and a pick clears the mark. A query is done when it has a best pick or is
    marked none relevant; ``progress["judged"]`` / ``["total"]`` count queries here, not candidates.

    Parameters
    ----------
    queries, items, candidates, store, annotator, campaign, scale, query_roles, item_roles, \
shuffle, seed, show_sources, max_px
        As for :class:`~xmwidgets.RelevanceGrid`. The scale's levels are not used (nothing is
        graded): its ``version`` is recorded as ``guideline_version`` and its ``flags`` are the
        flags allowed (``broken-media`` for ``m``). Candidates per query: 1 to 200 are practical.
    advance_on_pick : bool
        Go on to the next query as soon as a best pick is made (default True).

    Examples
    --------
    >>> import xmwidgets as xm
    >>> demo = xm.datasets.demo()                                             # doctest: +SKIP
    >>> picker = xm.BestMatchPicker(demo.queries, demo.items, demo.candidates,
    ...                             store="demo-picks.sqlite", annotator="ana")  # doctest: +SKIP
    >>> picker.labels                                                         # doctest: +SKIP
    """

    _TASK = "pick"
    _LABEL_COLUMNS = PICK_LABEL_COLUMNS
    _LABELS_DOC = """This annotator's picks: one row per query with a pick or a "none relevant" mark.

        Rows are in the order their queries were first picked (as stored when the widget opened,
        then as picked here), indexed 0..n-1 without gaps (a query whose last pick is undone loses
        its row). Only picks made under this scale's ``version`` are read from the store. Columns:

        - ``query_id`` (string): the query.
        - ``best`` (string): the item id picked as the best match; ``<NA>`` when only a second
          best is picked or the query is marked none relevant.
        - ``second`` (string): the item id picked as second best, else ``<NA>``.
        - ``none_relevant`` (boolean): the query is marked "none relevant" (then it has no pick).
        - ``n_shown`` (Int32): how many candidates the query showed.
        - ``shown`` (string): the candidates' item ids in the order this annotator saw them, as a
          JSON list (as in the events), so that "chosen over" pairs can be derived.
        - ``flags`` (string): the flags set on the query's candidates, as a JSON object item id ->
          list of flags (e.g. ``{"d7": ["broken-media"]}``); ``<NA>`` when none.
        - ``annotator``, ``campaign``, ``guideline_version`` (string): who, which round, which
          version of the scale (that of the best pick, else of the mark or the second best).
        - ``duration_ms`` (Int64): active time spent before the best pick (else before the mark or
          the second best); ``<NA>`` when the pick was a side effect (e.g. a swap).
        - ``created_at`` (datetime64[ns, UTC]): when the query's picks or mark last changed.
        """

    _NEEDED = 1  # a best pick
    _READ_COLUMNS = _PICK_READ_COLUMNS

    advance_on_pick = traitlets.Bool(True).tag(sync=True, option=True)
    """bool: after a best pick, show the next query at once (the notice says so). Default True."""

    _rules: PickRules

    @property
    @state_locked
    def none_relevant(self) -> set[str]:
        """Query ids this annotator marked "none relevant"."""
        loaded = self._rules.queries
        marked = {q for q, (_, none) in self._stored.items() if none and q not in loaded}
        return marked | {q for q, s in loaded.items() if s.none_relevant}

    # ----------------------------------------------------------------- the hooks of TaskWidget
    def _parse_action(self, raw: Any, position: int) -> Action:
        return parse_pick_action(raw, position, self._scale)

    def _page_states(self, q: QueryState) -> dict[str, dict[str, Any]]:
        return {
            item_id: {
                "relevance": None,
                "best": p.rank == 1,
                "rank": p.rank,
                "flags": list(p.flags),
            }
            for item_id, p in q.pairs.items()
            if item_id in q.position
        }

    def _open(self, rows: pd.DataFrame) -> int:
        """Fold the stored pick labels into per-query states and the live frame."""
        self._stored, order = self._fold(rows)
        self._rules = PickRules(
            self._scale,
            self._campaign,
            self.annotator,
            self._load_query,
            advance=lambda: bool(self.advance_on_pick),
            n_queries=len(self._query_ids),
            total=len(self._candidates),
            judged=0,
            queries_done=0,
        )
        done = [False] * len(self._query_ids)
        judged = 0
        for query_id, (pairs, none) in self._stored.items():
            best = any(p.rank == 1 for i, p in pairs.items() if i != MARK)
            judged += best
            done[self._index_of[query_id]] = best or none
        self._rules.judged = judged
        self._rules.queries_done = sum(done)
        rows_out = []
        for query_id in order:
            q = self._rules.query(query_id)
            row = self._query_row(q)
            if row is not None:
                rows_out.append(row)
        base = pd.DataFrame.from_records(rows_out, columns=list(PICK_LABEL_COLUMNS))
        base = base.astype(PICK_LABEL_COLUMNS) if len(base) else empty_frame(PICK_LABEL_COLUMNS)
        self._live.load(base)
        self._live.register(
            {(query_id, _ROW): k for k, query_id in enumerate(r[0] for r in rows_out)}
        )
        return first_not_done(done)

    def _fold(self, rows: pd.DataFrame) -> tuple[dict[str, _Stored], list[str]]:
        """Per query: the candidates' pick states and the mark, from the store's labels rows.

        Rows of queries or items this widget does not show are left out. A best pick stored by
        RelevanceGrid (``best`` True, no ``rank``) reads as rank 1. Returns the states and the
        query ids in the order of their first stored pick.
        """
        stored: dict[str, _Stored] = {}
        if rows.empty:
            return stored, []
        values = {c: rows[c].to_numpy(dtype=object, na_value=None) for c in _PICK_READ_COLUMNS}
        stamps = [None if pd.isna(t) else t for t in rows["created_at"]]
        for k in range(len(rows)):
            query_id = str(values["query_id"][k])
            if query_id not in self._index_of:
                continue
            pairs, none = stored.get(query_id, ({}, False))
            item_id = values["item_id"][k]
            duration = values["duration_ms"][k]
            pick = Pick(
                duration_ms=None if duration is None else int(duration),
                guideline_version=values["guideline_version"][k],
                created_at=stamps[k],
            )
            if item_id is None:
                none = bool(values["none_relevant"][k])
                if none:
                    pairs[MARK] = pick
                else:
                    pairs.pop(MARK, None)
            else:
                item_id = str(item_id)
                rank = values["rank"][k]
                rank = int(rank) if rank is not None else (1 if values["best"][k] else None)
                if rank is not None:  # one best and one second a query: the newest wins
                    for other in pairs.values():
                        if other.rank == rank:
                            other.rank = None
                flags = values["flags"][k]
                position = values["shown_position"][k]
                pick.rank = rank
                pick.flags = tuple(flags.split(",")) if flags else ()
                pick.shown_position = None if position is None else int(position)
                pairs[item_id] = pick
            stored[query_id] = (pairs, none)
        for query_id, (pairs, _) in stored.items():
            known = set(self._candidate_ids(query_id))
            for item_id in [
                i for i, p in pairs.items() if i != MARK and (i not in known or not p.judged)
            ]:
                del pairs[item_id]
        return stored, list(stored)

    def _candidate_ids(self, query_id: str) -> list[str]:
        return [str(v) for v in self._candidates["item_id"].array[self._positions[query_id]]]

    def _load_query(self, query_id: str) -> QueryState:
        pairs, none = self._stored.get(query_id, ({}, False))
        return self._query_state(query_id, {i: replace(p) for i, p in pairs.items()}, none)

    def _reload_query(self, query_id: str) -> None:
        stored, _ = self._fold(self._read_query(query_id))
        pairs, none = stored.get(query_id, ({}, False))
        self._stored[query_id] = (pairs, none)
        self._rules.reset(self._rules.query(query_id), dict(pairs), none)

    def _put_labels(self, q: QueryState, item_ids: Any) -> None:
        self._live.put((q.query_id, _ROW), self._query_row(q))

    def _label_row(self, q: QueryState, item_id: str, state: Any | None) -> Row | None:
        return self._query_row(q)

    def _query_row(self, q: QueryState) -> Row | None:
        """The labels row of one query (None: it has no pick and no mark)."""
        best, second = PickRules.ranked(q, 1), PickRules.ranked(q, 2)
        mark = q.pairs.get(MARK) if q.none_relevant else None
        if best is None and second is None and mark is None and not q.none_relevant:
            return None
        main = q.pairs[best] if best is not None else mark or (second and q.pairs[second])
        stamps = [p.created_at for p in q.pairs.values() if p.created_at is not None]
        flagged = {i: list(p.flags) for i in q.shown if (p := q.pairs.get(i)) and p.flags}
        return (
            q.query_id,
            best,
            second,
            q.none_relevant,
            q.total,
            q.shown_json,
            json.dumps(flagged) if flagged else None,
            self.annotator,
            self._campaign,
            main.guideline_version if main else self._scale.version,
            main.duration_ms if main else None,
            max(stamps) if stamps else None,
        )
