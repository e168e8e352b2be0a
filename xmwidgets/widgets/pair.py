"""PairwiseJudge: for each (query, a, b) pair, which of the two items matches the query better.

The pair task on the shared shell (:class:`~xmwidgets.widgets._base.TaskWidget`). The shell shows
one "query" slot per page; here each slot is one pair (pair ``k`` of the pairs frame is slot
``k``, with the id ``"pair-<k+1>"`` on its page): the query's content in the header, the two items
side by side under it, on sides randomised per pair and annotator. Its rules and browser actions
are in :mod:`._pair_rules`, its frames in :mod:`._pair_frames`, its slots in :mod:`._pair_slots`,
its front end is ``js/src/tasks/pair/``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import pandas as pd
import traitlets

from ..scale import TREC_SCALE, Scale
from ..store import Store
from ._base import TaskWidget
from ._checks import check_records, nothing_to_add
from ._input import Action
from ._live_labels import Row
from ._pair_frames import check_pairs
from ._pair_labels import PAIR_LABEL_COLUMNS, READ_COLUMNS, stored_states
from ._pair_rules import BROKEN, PairRules, PairState, PairUnit, parse_pair_action
from ._pair_slots import PairSlots
from ._query_state import QueryState, first_not_done
from ._state_lock import state_locked

__all__ = ["PairwiseJudge"]


class PairwiseJudge(TaskWidget):
    """A/B preferences: for each pair, is item a or item b the better match for the query?

    One pair at a time: the query above the two items side by side. The annotator presses ``1``
    (left better), ``2`` (right better), ``3`` (tie) or ``4`` (both bad), or clicks the buttons;
    the widget then goes on to the next pair. The side each item is shown on is randomised per
    pair and annotator (seeded) and recorded; the choice is stored for the pair as given (``a``,
    ``b``, ``tie``, ``both-bad``), as events of task ``"pair"`` with ``item_id = a``,
    ``other_id = b``, ``shown = [left_id, right_id]`` and ``shown_position = 0`` when ``a`` was on
    the left.

    Parameters
    ----------
    queries : DataFrame
        ``query_id`` plus content columns (text, image, audio, video; several = a bundle).
    items : DataFrame
        ``item_id`` plus content columns.
    pairs : DataFrame
        ``query_id, a, b`` (item ids), one row per comparison, optional ``source`` (shown only
        with ``show_sources``). A pair of an item with itself, a pair given twice (``b, a`` counts
        as ``a, b``) and ids not in ``queries``/``items`` are refused with the offending row.
    advance_on_choice : bool
        After a choice, go on to the next pair (default True).
    store, annotator, campaign, scale, query_roles, item_roles, shuffle, seed, show_sources, \
max_px, concepts
        As for :class:`~xmwidgets.RelevanceGrid`, with these meanings for pairs:

        - ``scale``: the guideline; its ``version`` is stored as ``guideline_version`` (only
          judgements under this version count as already judged), its flags are the flags a pair
          may carry (``m`` sets ``broken-media`` on the focused item, which every pair task
          accepts);
        - ``query_roles``: the columns of ``queries`` shown above each pair;
        - ``shuffle``: randomise the sides per pair and annotator (default); ``False`` shows ``a``
          on the left. ``seed``: seed of the sides, :func:`xmwidgets.shown_order` of ``[a, b]``
          keyed by the pair;
        - ``show_sources``: blind by default, the pairs' ``source`` is shown only when it is true;
        - ``concepts``: those a pair's query mentions are shown with their definitions above it.

    Examples
    --------
    >>> import xmwidgets as xm
    >>> demo = xm.datasets.demo()                                               # doctest: +SKIP
    >>> pairs = demo.candidates.groupby("query_id").head(2)                     # doctest: +SKIP
    >>> pairs = pairs.groupby("query_id")["item_id"].agg(list).apply(pd.Series) # doctest: +SKIP
    >>> judge = xm.PairwiseJudge(demo.queries, demo.items, pairs.set_axis(["a", "b"], axis=1)
    ...                          .reset_index(), store="pairs.sqlite")          # doctest: +SKIP
    >>> judge.labels                                                            # doctest: +SKIP
    """

    _TASK = "pair"
    _LABEL_COLUMNS = PAIR_LABEL_COLUMNS
    _LABELS_DOC = """This annotator's current judgements: one row per judged pair.

        A pair is judged when it has a choice or a flag. Rows are in the order of the
        pairs' latest stored judgements when the widget opened (or was refreshed), then the pairs
        first judged here; a pair judged again keeps its row. Indexed 0..n-1 without gaps (an
        undone judgement's row is gone). Columns:

        - ``query_id``, ``a``, ``b`` (string): the pair, as given in the pairs frame.
        - ``choice`` (string): ``"a"`` (a is the better match), ``"b"``, ``"tie"`` or
          ``"both-bad"`` (neither matches); ``<NA>`` for a pair that only carries a flag (e.g.
          ``broken-media``, which removes the choice).
        - ``left`` (string): the item shown on the left (``a`` or ``b``), to measure side bias.
        - ``flags`` (string): the pair's flags, comma-separated; ``<NA>`` when none.
          ``broken-media`` is among them when an item of the pair is flagged broken.
        - ``broken`` (string): the item(s) of the pair whose media are flagged broken (``m`` on
          the focused side), comma-separated in ``a, b`` order; ``<NA>`` when none.
        - ``annotator``, ``campaign``, ``guideline_version`` (string): who, which round, which
          version of the guideline.
        - ``duration_ms`` (Int64): active time the annotator spent on the pair before the
          judgement.
        - ``created_at`` (datetime64[ns, UTC]): when the pair's current judgement was made.
        """
    _NEEDED = 1  # a choice, or the broken-media flag
    _UNITS = "pairs"
    _READ_COLUMNS = READ_COLUMNS
    _READ_ROLE = "annotator"

    advance_on_choice = traitlets.Bool(True).tag(sync=True, option=True)
    """bool: after a choice, show the next pair. Default True."""

    _rules: PairRules

    def __init__(
        self,
        queries: pd.DataFrame,
        items: pd.DataFrame,
        pairs: pd.DataFrame,
        *,
        advance_on_choice: bool = True,
        store: str | os.PathLike[str] | Store = "labels.sqlite",
        annotator: str | None = None,
        campaign: str = "default",
        scale: Scale = TREC_SCALE,
        query_roles: dict[str, str | None] | None = None,
        item_roles: dict[str, str | None] | None = None,
        shuffle: bool = True,
        seed: int = 0,
        show_sources: bool = False,
        max_px: int = 320,
        concepts: Mapping[str, str] | pd.DataFrame | None = None,
        **kwargs: Any,
    ) -> None:
        queries = check_records(queries, "queries", "query_id")
        items = check_records(items, "items", "item_id")
        pairs = check_pairs(pairs, queries, items)
        if not isinstance(advance_on_choice, bool):
            raise TypeError(f"advance_on_choice must be True or False, got {advance_on_choice!r}")
        self._real_queries = queries
        # the base shows one "query" per page: here each is a pair, whose two items are its
        # candidates; its page shows the pair's query (_query_records, _query_of)
        self._slots = PairSlots()
        slots, candidates = self._slots.take(pairs)
        # the options spelled out above (for help() and editors), passed on as they are
        super().__init__(
            slots,
            items,
            candidates,
            advance_on_choice=advance_on_choice,
            store=store,
            annotator=annotator,
            campaign=campaign,
            scale=scale,
            query_roles=query_roles,
            item_roles=item_roles,
            shuffle=shuffle,
            seed=seed,
            show_sources=show_sources,
            max_px=max_px,
            concepts=concepts,
            **kwargs,
        )
        # the scale's flags, and broken-media (m) in every case
        self._flags = tuple(dict.fromkeys((*self._scale.flags, BROKEN)))
        # the guideline's version and flags; its levels are the grading task's keys (0-3 would
        # read as grades in the header's legend and the help), so the view gets none
        self.scale = {**self._scale.to_dict(), "levels": []}

    def _query_records(self, queries: pd.DataFrame) -> pd.DataFrame:
        return self._real_queries

    def _query_of(self, query_id: str) -> str:
        return self._slots.units[query_id].query_id

    def _goto_ids(self) -> list[str]:
        return self._slots.goto_ids()

    @state_locked
    def add_pairs(self, pairs: pd.DataFrame) -> int:
        """Add pairs to judge while the widget runs; they come after the pairs it has.

        Pairs already in the widget (also as ``b, a``) are skipped; the others are checked as in
        the constructor and numbered on from the last pair, so no pair on screen moves. Returns
        the number of pairs added.

        Parameters
        ----------
        pairs : DataFrame
            ``query_id, a, b`` (optional ``source``); every id must be in the widget's queries
            and items; an empty one adds nothing.
        """
        if nothing_to_add(pairs, "pairs", ["query_id", "a", "b"]):
            return 0
        old_slots, items = self._records
        new = self._slots.unknown(check_pairs(pairs, self._real_queries, items))
        if not len(new):
            return 0
        slots, candidates = self._slots.take(new)
        self._records = (pd.concat([old_slots, slots], ignore_index=True), items)
        super().add_candidates(candidates)
        return len(new)

    def add_candidates(self, candidates: pd.DataFrame) -> int:
        """Not for pairs: use :meth:`add_pairs` (``query_id, a, b``)."""
        raise TypeError(
            "a PairwiseJudge judges pairs, not candidates: add them with "
            "judge.add_pairs(pairs) (columns query_id, a, b)"
        )

    # ----------------------------------------------------------------- public API
    @property
    def query_ids(self) -> list[str]:
        """The query of each pair, in the order the widget shows the pairs (a query repeats)."""
        return self._slots.query_ids()

    @property
    def pair_ids(self) -> list[str]:
        """The id of each pair on its page (``"pair-1"``, ...), in the order of the pairs frame."""
        return list(self._slots.ids)

    def shown_pairs(self) -> pd.DataFrame:
        """The pairs frame with the ``left`` and ``right`` item of each pair as this annotator sees them."""
        lefts, rights = [], []
        for slot in self._slots.ids:
            left, right = self._shown_order(slot)
            lefts.append(left)
            rights.append(right)
        assert self._slots.frame is not None
        out = self._slots.frame.copy()
        out["left"] = pd.array(lefts, dtype="string")
        out["right"] = pd.array(rights, dtype="string")
        return out

    # ----------------------------------------------------------------- hooks of TaskWidget
    def _shown_order(self, query_id: str) -> list[str]:
        unit = self._slots.units[query_id]
        if not self._shuffle:
            return [unit.a, unit.b]
        from ..pools import shown_order

        # keyed by the pair (not its position in the frame): the same pair gets the same sides
        key = json.dumps([unit.query_id, unit.a, unit.b])
        return shown_order([unit.a, unit.b], self.annotator, key, seed=self._seed)

    def _parse_action(self, raw: Any, position: int) -> Action:
        return parse_pair_action(raw, position, self._flags)

    def _page_states(self, q: QueryState) -> dict[str, dict[str, Any]]:
        return {}  # the pair's state is the page's (_page_extra), not one of its items

    def _page_extra(self, q: QueryState) -> dict[str, Any]:
        unit = self._slots.units[q.query_id]
        state = q.pairs.get(unit.a)
        return {
            "pair": {
                "query_id": unit.query_id,
                "side": None if state is None else state.side,
                "flags": [] if state is None else list(state.all_flags),
                "broken": [] if state is None else list(state.broken_items),
            }
        }

    def _open(self, rows: pd.DataFrame) -> int:
        """Read this annotator's pair labels (this guideline version), keep those of these pairs."""
        self._loaded = stored_states(rows, self._slots.of)
        kept = list(self._loaded.items())
        rows_ = [self._row(self._slots.units[unit], unit, state) for unit, state in kept]
        base = pd.DataFrame(rows_, columns=list(PAIR_LABEL_COLUMNS)).astype(PAIR_LABEL_COLUMNS)
        self._live.load(base.reset_index(drop=True))
        self._live.register(
            {(unit, self._slots.units[unit].a): k for k, (unit, _) in enumerate(kept)}
        )
        done = [self._loaded.get(slot, PairState()).handled for slot in self._slots.ids]
        self._rules = PairRules(
            self._slots.units,
            self._campaign,
            self.annotator,
            self._scale.version,
            self._load_query,
            advance=lambda: bool(getattr(self, "advance_on_choice", True)),
            n_queries=len(self._slots.ids),
            total=len(self._slots.ids),
            judged=sum(done),
            queries_done=sum(done),
        )
        return first_not_done(done)

    def _load_query(self, query_id: str) -> QueryState:
        return self._query_state(query_id, self._stored_pairs(query_id, self._loaded.get(query_id)))

    def _stored_pairs(self, query_id: str, state: PairState | None) -> dict[str, PairState]:
        """The pairs of slot ``query_id`` (KeyError: unknown pair) with its stored ``state``.

        The stored choice is of a or b: its side is where a is shown now (the labels' `left`
        keeps where it was shown when judged, until the pair is judged again)."""
        a = self._slots.units[query_id].a
        if state is None:
            return {}
        return {a: replace(state, a_left=self._shown_order(query_id)[0] == a)}

    def _pages_of(self, query_ids: list[str]) -> list[str]:
        changed = set(query_ids)  # the store's query ids; a page is a pair of one of them
        return [slot for slot in self._slots.ids if self._slots.units[slot].query_id in changed]

    def _reload_query(self, query_id: str) -> None:
        state = stored_states(self._read_query(query_id), self._slots.of).get(query_id)
        pairs = self._stored_pairs(query_id, state)
        self._rules.reset(self._rules.query(query_id), pairs, False)

    def _label_row(self, q: QueryState, item_id: str, state: PairState | None) -> Row | None:
        if state is None or not state.judged:
            return None
        return self._row(self._slots.units[q.query_id], q.query_id, state)

    def _row(self, unit: PairUnit, unit_id: str, state: PairState) -> Row:
        return (
            unit.query_id,
            unit.a,
            unit.b,
            state.choice,
            unit.a if state.a_left else unit.b,
            ",".join(state.all_flags) or None,
            ",".join(state.broken_items) or None,
            self.annotator,
            self._campaign,
            state.guideline_version,
            state.duration_ms,
            state.created_at,
        )
