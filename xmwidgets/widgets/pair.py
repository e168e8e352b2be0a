"""PairwiseJudge: for each (query, a, b) pair, which of the two items matches the query better.

The pair task on the shared shell (:class:`~xmwidgets.widgets._base.TaskWidget`). The shell shows
one "query" slot per page; here each slot is one pair (pair ``k`` of the pairs frame is slot
``k``, with the id ``"pair-<k+1>"`` on its page): the query's content in the header, the two items
side by side under it, on sides randomised per pair and annotator. Its rules and browser actions
are in :mod:`._pair_rules`, its frames in :mod:`._pair_frames`, its front end is
``js/src/tasks/pair/``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar

import pandas as pd
import traitlets

from ..media import infer_roles
from ..scale import TREC_SCALE, Scale
from ._base import QUERY_IDS_SYNCED, TaskWidget
from ._checks import check_records, concepts_by_query
from ._input import Action
from ._live_labels import Row
from ._pages import PageBuilder
from ._pair_frames import check_pairs
from ._pair_labels import PAIR_LABEL_COLUMNS, READ_COLUMNS, stored_states
from ._pair_rules import BROKEN, PairRules, PairState, PairUnit, parse_pair_action
from ._rules import QueryState

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
    store : str, path or Store
        Where judgements go: a SQLite file (created if missing), ``":memory:"``, or an open store.
    annotator : str, optional
        Who judges; defaults to ``$JUPYTERHUB_USER`` or the login name.
    campaign : str
        Campaign name, so that one store can hold several labelling rounds.
    scale : Scale
        The guideline: its ``version`` is stored as ``guideline_version`` (only judgements under
        this version count as already judged), its flags are the flags a pair may carry (``m``
        sets ``broken-media`` on the focused item, which every pair task accepts).
    query_roles, item_roles : dict, optional
        Column -> modality (``text``, ``image``, ``audio``, ``video``; ``None`` hides a column).
    shuffle : bool
        Randomise the sides per pair and annotator (default). ``False`` shows ``a`` on the left.
    seed : int
        Seed of the sides: :func:`xmwidgets.shown_order` of ``[a, b]`` keyed by the pair.
    show_sources : bool
        Blind by default: the pairs' ``source`` is shown only when this is true.
    max_px : int
        Longest side, in pixels, that images and posters are downscaled to before they are sent.
    advance_on_choice : bool
        After a choice, go on to the next pair (default True).
    concepts : dict or DataFrame, optional
        The guideline's concepts (name -> definition, or ``concept, definition`` columns): those a
        pair's query mentions are shown with their definitions above it, as in RelevanceGrid.

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

    _TASK: ClassVar[str] = "pair"
    _LABEL_COLUMNS: ClassVar[dict[str, str]] = PAIR_LABEL_COLUMNS

    advance_on_choice = traitlets.Bool(True).tag(sync=True)
    """bool: after a choice, show the next pair. Default True."""

    _rules: PairRules

    def __init__(
        self,
        queries: pd.DataFrame,
        items: pd.DataFrame,
        pairs: pd.DataFrame,
        *,
        store: Any = "labels.sqlite",
        annotator: str | None = None,
        campaign: str = "default",
        scale: Scale = TREC_SCALE,
        query_roles: dict[str, str | None] | None = None,
        item_roles: dict[str, str | None] | None = None,
        shuffle: bool = True,
        seed: int = 0,
        show_sources: bool = False,
        max_px: int = 320,
        advance_on_choice: bool = True,
        concepts: Mapping[str, str] | pd.DataFrame | None = None,
        **kwargs: Any,
    ) -> None:
        queries = check_records(queries, "queries", "query_id")
        items = check_records(items, "items", "item_id")
        pairs = check_pairs(pairs, queries, items)
        if not isinstance(advance_on_choice, bool):
            raise TypeError(f"advance_on_choice must be True or False, got {advance_on_choice!r}")
        self._pairs = pairs.iloc[:0]
        self._unit_ids: list[str] = []
        self._units: dict[str, PairUnit] = {}
        self._unit_of: dict[tuple[str, str, str], str] = {}
        # the scale's flags, and broken-media (m) in every case
        scale_flags = scale.flags if isinstance(scale, Scale) else ()
        self._flags = tuple(dict.fromkeys((*scale_flags, BROKEN)))
        # the base shows one "query" per page: here each is a pair, whose two items are its
        # candidates; the query's content comes from the real queries frame (_PairPages)
        units, candidates = self._take_pairs(pairs)
        query_roles_ = infer_roles(queries, "query_id", query_roles)
        super().__init__(
            units,
            items,
            candidates,
            store=store,
            annotator=annotator,
            campaign=campaign,
            scale=scale,
            query_roles={"pair": "text"},  # the page builder below replaces this one
            item_roles=item_roles,
            shuffle=shuffle,
            seed=seed,
            show_sources=show_sources,
            max_px=max_px,
            advance_on_choice=advance_on_choice,
            **kwargs,
        )
        self._real_queries = queries
        # the guideline's concepts each pair's query mentions, above the query (as in grading)
        self._concepts_of_query = concepts_by_query(queries, concepts)
        self._concepts = self._unit_concepts(self._unit_ids)
        # the page's query is the pair's query (its media cached per query, not per pair)
        self._pages.close()
        self._pages = _PairPages(
            self._units,
            queries,
            items,
            query_roles_,
            infer_roles(items, "item_id", item_roles),
            max_px=int(max_px),
        )
        # the guideline's version and flags; its levels are the grading task's keys (0-3 would
        # read as grades in the header's legend and the help), so the view gets none
        self.scale = {**scale.to_dict(), "levels": []}
        self._set_goto()

    def _take_pairs(self, pairs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Give checked new ``pairs`` their ids (after the existing ones); their units and candidates.

        Returns the frames the base takes as queries and candidates: one unit (``pair-<k>``) per
        pair, whose two candidates are a and b.
        """
        start = len(self._unit_ids)
        unit_ids = [f"pair-{start + k + 1}" for k in range(len(pairs))]
        # lists first: iterating Arrow-backed strings one by one costs ~10 us each
        query_ids, a_ids, b_ids = (pairs[c].tolist() for c in ("query_id", "a", "b"))
        for unit, q, a, b in zip(unit_ids, query_ids, a_ids, b_ids, strict=True):
            self._units[unit] = PairUnit(q, a, b)
            self._unit_of[(q, a, b)] = unit
        self._unit_ids.extend(unit_ids)
        self._pairs = pd.concat([self._pairs, pairs], ignore_index=True) if start else pairs.copy()
        units = pd.DataFrame({"query_id": unit_ids, "pair": unit_ids})
        candidates = pd.DataFrame(
            {
                "query_id": [u for u in unit_ids for _ in (0, 1)],
                "item_id": [i for a, b in zip(a_ids, b_ids, strict=True) for i in (a, b)],
            }
        )
        if "source" in pairs.columns:
            candidates["source"] = [s for s in pairs["source"].tolist() for _ in (0, 1)]
        return units, candidates

    def _unit_concepts(self, unit_ids: list[str]) -> dict[str, list[dict[str, str]]]:
        by_query = self._concepts_of_query
        return {
            unit: by_query[self._units[unit].query_id]
            for unit in unit_ids
            if self._units[unit].query_id in by_query
        }

    def _set_goto(self) -> None:
        """`g` takes a query id: it leads to that query's first pair (the other slots are "")."""
        if len(self._unit_ids) > QUERY_IDS_SYNCED:
            self.goto_query_ids = []
            return
        goto = [""] * len(self._unit_ids)
        seen: set[str] = set()
        for k, unit in enumerate(self._unit_ids):
            q = self._units[unit].query_id
            if q not in seen:
                seen.add(q)
                goto[k] = q
        self.goto_query_ids = goto

    def add_pairs(self, pairs: pd.DataFrame) -> int:
        """Add pairs to judge while the widget runs; they come after the pairs it has.

        Pairs already in the widget (also as ``b, a``) are skipped; the others are checked as in
        the constructor and numbered on from the last pair, so no pair on screen moves. Returns
        the number of pairs added.

        Parameters
        ----------
        pairs : DataFrame
            ``query_id, a, b`` (optional ``source``); every id must be in the widget's queries
            and items.
        """
        queries = self._real_queries
        _, items = self._records
        new = check_pairs(pairs, queries, items)
        known = {(u.query_id, *sorted((u.a, u.b))) for u in self._units.values()}
        fresh = [
            (q, *sorted((a, b))) not in known
            for q, a, b in zip(
                new["query_id"].tolist(), new["a"].tolist(), new["b"].tolist(), strict=True
            )
        ]
        new = new[fresh].reset_index(drop=True)
        if not len(new):
            return 0
        units, candidates = self._take_pairs(new)
        added = list(units["query_id"])
        old_units, _ = self._records
        self._records = (pd.concat([old_units, units], ignore_index=True), items)
        super().add_candidates(candidates)
        self._concepts.update(self._unit_concepts(added))
        self._set_goto()
        return len(new)

    def add_candidates(self, candidates: pd.DataFrame) -> int:
        """Not for pairs: use :meth:`add_pairs` (``query_id, a, b``)."""
        raise TypeError(
            "a PairwiseJudge judges pairs, not candidates: add them with "
            "judge.add_pairs(pairs) (columns query_id, a, b)"
        )

    # ----------------------------------------------------------------- public API
    @property
    def labels(self) -> pd.DataFrame:
        """This annotator's current judgements: one row per judged pair.

        The same DataFrame object for the widget's life, brought up to date whenever it can be
        looked at (when this property is read, and before each notebook cell runs). A pair is
        judged when it has a choice or a flag. Rows are in the order the pairs were first judged
        (as stored when the widget opened, then as judged here), indexed 0..n-1 without gaps (an
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
        return super().labels

    @property
    def query_ids(self) -> list[str]:
        """The query of each pair, in the order the widget shows the pairs (a query repeats)."""
        return [self._units[unit].query_id for unit in self._unit_ids]

    @property
    def pair_ids(self) -> list[str]:
        """The id of each pair on its page (``"pair-1"``, ...), in the order of the pairs frame."""
        return list(self._unit_ids)

    def shown_pairs(self) -> pd.DataFrame:
        """The pairs frame with the ``left`` and ``right`` item of each pair as this annotator sees them."""
        lefts, rights = [], []
        for unit in self._unit_ids:
            left, right = self._shown_order(unit)
            lefts.append(left)
            rights.append(right)
        out = self._pairs.copy()
        out["left"] = pd.array(lefts, dtype="string")
        out["right"] = pd.array(rights, dtype="string")
        return out

    def __repr__(self) -> str:
        rules = getattr(self, "_rules", None)
        if rules is None:
            return f"{type(self).__name__}(<not initialised>)"
        p = rules.progress()
        return (
            f"{type(self).__name__}(annotator={self.annotator!r}, pairs={p['n_queries']}, "
            f"judged={p['judged']}/{p['total']}, store={self._store.path!r})"
        )

    # ----------------------------------------------------------------- hooks of TaskWidget
    def _shown_order(self, query_id: str) -> list[str]:
        unit = self._units[query_id]
        if not self._shuffle:
            return [unit.a, unit.b]
        from ..pools import shown_order

        # keyed by the pair (not its position in the frame): the same pair gets the same sides
        key = json.dumps([unit.query_id, unit.a, unit.b])
        return shown_order([unit.a, unit.b], self.annotator, key, seed=self._seed)

    def _read_labels(self, campaign: str, annotator: str, scale: Scale) -> pd.DataFrame:
        return self._store.labels(
            campaign=campaign,
            annotator=annotator,
            task="pair",
            guideline_version=scale.version,
            role="annotator",
            columns=READ_COLUMNS,
        )

    def _parse_action(self, raw: Any, position: int) -> Action:
        return parse_pair_action(raw, position, self._flags)

    def _page_states(self, q: QueryState) -> dict[str, dict[str, Any]]:
        return {}  # the pair's state is the page's (_page_extra), not one of its items

    def _page_extra(self, q: QueryState) -> dict[str, Any]:
        unit = self._units[q.query_id]
        state = q.pairs.get(unit.a)
        return {
            "pair": {
                "query_id": unit.query_id,
                "side": None if state is None else state.side,
                "flags": [] if state is None else list(state.all_flags),
                "broken": [] if state is None else list(state.broken_items),
            }
        }

    def _open(self, rows: pd.DataFrame | None) -> int:
        """Read this annotator's pair labels (this guideline version), keep those of these pairs."""
        if rows is None:
            rows = self._read_labels(self._campaign, self.annotator, self._scale)
        self._loaded = stored_states(rows, self._unit_of)
        kept = list(self._loaded.items())
        rows_ = [self._row(self._units[unit], unit, state) for unit, state in kept]
        base = pd.DataFrame(rows_, columns=list(PAIR_LABEL_COLUMNS)).astype(PAIR_LABEL_COLUMNS)
        self._live.load(base.reset_index(drop=True))
        self._live.register({(unit, self._units[unit].a): k for k, (unit, _) in enumerate(kept)})
        done = sum(1 for s in self._loaded.values() if s.handled)
        self._rules = PairRules(
            self._units,
            self._campaign,
            self.annotator,
            self._scale.version,
            self._load_query,
            advance=lambda: bool(getattr(self, "advance_on_choice", True)),
            n_queries=len(self._unit_ids),
            total=len(self._unit_ids),
            judged=done,
            queries_done=done,
        )
        return next(
            (
                k
                for k, u in enumerate(self._unit_ids)
                if not self._loaded.get(u, PairState()).handled
            ),
            0,
        )

    def _load_query(self, query_id: str) -> QueryState:
        index = self._index_of[query_id]  # KeyError: unknown pair
        shown = self._shown_order(query_id)
        q = QueryState(query_id, index, shown, {item: k for k, item in enumerate(shown)}, needed=1)
        state = self._loaded.get(query_id)
        if state is not None:
            # the stored choice is of a or b: its side is where a is shown now (the labels'
            # `left` keeps where it was shown when judged, until the pair is judged again)
            a = self._units[query_id].a
            q.pairs[a] = replace(state, a_left=shown[0] == a)
        q.handled = q.count_handled()
        return q

    def _pages_of(self, query_ids: list[str]) -> list[str]:
        changed = set(query_ids)  # the store's query ids; a page is a pair of one of them
        return [unit for unit in self._unit_ids if self._units[unit].query_id in changed]

    def _reload_query(self, query_id: str) -> None:
        unit = self._units[query_id]
        rows = self._store.labels(
            campaign=self._campaign,
            annotator=self.annotator,
            task="pair",
            guideline_version=self._scale.version,
            role="annotator",
            query_ids=[unit.query_id],
            columns=READ_COLUMNS,
        )
        state = stored_states(rows, self._unit_of).get(query_id)
        q = self._rules.query(query_id)
        # the side of the stored choice is where a is shown now (as when the pair is loaded)
        pairs = {} if state is None else {unit.a: replace(state, a_left=q.shown[0] == unit.a)}
        self._rules.reset(q, pairs, False)

    def _label_row(self, q: QueryState, item_id: str, state: PairState | None) -> Row | None:
        if state is None or not state.judged:
            return None
        return self._row(self._units[q.query_id], q.query_id, state)

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


class _PairPages(PageBuilder):
    """Pages of pairs: the header shows the pair's query; the page keeps the pair's id."""

    def __init__(self, units: dict[str, PairUnit], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._units = units

    def build(
        self,
        index: int,
        query_id: str,
        candidates: pd.DataFrame,
        states: dict[str, dict[str, Any]],
        none_relevant: bool,
        show_sources: bool,
        extra: dict[str, Any] | None = None,
    ) -> tuple[dict[str, Any], list[bytes]]:
        """The page of pair ``query_id`` (its id on the page), with its query's content."""
        page, buffers = super().build(
            index,
            self._units[query_id].query_id,
            candidates,
            states,
            none_relevant,
            show_sources,
            extra,
        )
        page["query_id"] = query_id
        return page, buffers
