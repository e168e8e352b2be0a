"""RelevanceGrid: one query above its N candidates, graded on a named scale at keyboard speed.

The grading task on the shared shell (:class:`~xmwidgets.widgets._base.TaskWidget`): its rules are
in :mod:`._grade_rules`, its labels frame in :mod:`._grade_labels`, its browser actions are checked
by :func:`._input.parse_action`, and its front end is ``js/src/tasks/grade/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import traitlets

from ..scale import Scale
from ._base import TaskWidget
from ._checks import positions_in
from ._grade_labels import (
    FOLD_COLUMNS,
    LABEL_FRAME_COLUMNS,
    fold_query_notes,
    fold_store_labels,
)
from ._grade_rules import BROKEN, GradeRules, Pair
from ._input import Action, parse_action
from ._live_labels import Row
from ._query_state import QUERY, QueryNote, QueryState, first_not_done
from ._state_lock import state_locked

__all__ = ["RelevanceGrid"]


@dataclass(frozen=True)
class _Opening:
    """The stored labels as a grid opens over them (``RelevanceGrid._read_for_open``)."""

    rows: pd.DataFrame  # as the store gives them
    base: pd.DataFrame  # folded: one row per judged pair (the live labels frame)
    none_relevant: set[str]  # queries marked "none relevant"
    query_rows: np.ndarray  # row of each base row's query in the queries frame (-1: absent)
    item_rows: np.ndarray  # the same for its item in the items frame


class RelevanceGrid(TaskWidget):
    """Graded relevance judgements of each query's candidates, written to a store as events.

    Parameters
    ----------
    queries : DataFrame
        ``query_id`` plus content columns (text, image, audio, video; several = a bundle).
    items : DataFrame
        The corpus: ``item_id`` plus content columns.
    candidates : DataFrame
        The pool: ``query_id, item_id`` plus optional ``source, score, rank``.
    store : str, path or Store
        Where judgements go: a SQLite file (created if missing), ``":memory:"``, or an open store.
    annotator : str, optional
        Who judges; defaults to ``$JUPYTERHUB_USER`` or the login name.
    campaign : str
        Campaign name, so that one store can hold several labelling rounds.
    scale : Scale
        The relevance scale; default TREC 0–3. Its ``version`` is stored as ``guideline_version``.
    query_roles, item_roles : dict, optional
        Column -> modality (``text``, ``image``, ``audio``, ``video``; ``None`` to hide a column).
        Inferred from dtypes and file extensions when not given.
    shuffle : bool
        Show candidates in an order shuffled per annotator and query (seeded, recorded as
        ``shown_position``) so that order bias can be measured. ``False`` keeps the given order.
    seed : int
        Seed of that shuffle.
    show_sources : bool
        Blind by default: source, rank and score are shown only when this is true.
    max_px : int
        Longest side, in pixels, that images and posters are downscaled to before they are sent.
    concepts : dict or DataFrame, optional
        The guideline's concepts (``{concept: definition}``, or a frame ``concept, definition``
        [, ``terms``], as for :func:`xmwidgets.consistency`): a query that mentions one (by its
        terms, or in a ``concepts`` column of ``queries``) shows its definition above the query.

    Examples
    --------
    >>> import xmwidgets as xm
    >>> demo = xm.datasets.demo()                                          # doctest: +SKIP
    >>> grid = xm.RelevanceGrid(demo.queries, demo.items, demo.candidates,
    ...                         store="demo-labels.sqlite", annotator="ana")  # doctest: +SKIP
    >>> grid.labels                                                        # doctest: +SKIP
    """

    _TASK = "grade"
    _LABEL_COLUMNS = LABEL_FRAME_COLUMNS
    _LABELS_DOC = """This annotator's current judgements: one row per judged ``(query_id, item_id)``.

        A pair is judged when it has a grade, a flag or the best pick. Rows are in the order of
        the pairs' latest stored judgements when the widget opened (or was refreshed), then the
        pairs first judged here; a pair judged again keeps its row. Indexed 0..n-1 without gaps
        (an undone judgement's row is gone). Columns:

        - ``query_id``, ``item_id`` (string): the pair.
        - ``relevance`` (Int8): the level on a discrete scale; ``<NA>`` when there is no grade,
          e.g. a candidate flagged ``broken-media`` or one only marked best in an older store.
        - ``magnitude`` (Float64): the value on a continuous scale, else ``<NA>``.
        - ``best`` (boolean): True for the query's best pick, False otherwise (never ``<NA>``).
        - ``none_relevant`` (boolean): the query is marked "none relevant" (its ungraded
          candidates were graded at the lowest level when it was marked).
        - ``flags`` (string): the scale's flags set on the pair, comma-separated; ``<NA>`` when none.
        - ``note`` (string): the annotator's free-text note on the pair; ``<NA>`` when none.
          (The query's own flags and note are in :attr:`query_flags`.)
        - ``annotator``, ``campaign``, ``guideline_version`` (string): who, which round, which
          version of the scale's rubric.
        - ``shown_position`` (Int32): 0-based position of the candidate as the kernel showed it.
        - ``duration_ms`` (Int64): active time the annotator spent before the judgement; ``<NA>``
          for judgements made as a side effect (e.g. "none relevant" grading the rest).
        - ``created_at`` (datetime64[ns, UTC]): when the pair's grade or best pick was last set.
        """

    advance_on_grade = traitlets.Bool(True).tag(sync=True, option=True)
    """bool: after a grade key, move the focus to the next unjudged candidate. Default True."""

    _rules: GradeRules

    @property
    @state_locked
    def none_relevant(self) -> set[str]:
        """Query ids this annotator marked "none relevant"."""
        loaded = self._rules.queries
        marked = {q for q in self._none_at_load if q not in loaded}
        return marked | {q for q, s in loaded.items() if s.none_relevant}

    # which of the annotator's stored judgements are this widget's: an annotator's own (Review
    # reads the adjudicator's)
    _READ_ROLE = "annotator"

    def _read_labels(
        self, campaign: str, annotator: str, scale: Scale, query_ids: list[str] | None = None
    ) -> pd.DataFrame:
        # grades and best picks (tasks grade and pick), those stored without a version too
        rows = self._store.labels(
            campaign=campaign,
            annotator=annotator,
            columns=FOLD_COLUMNS,
            role=self._READ_ROLE,
            query_ids=query_ids,
        )
        return this_version(rows, scale.version)

    def _parse_action(self, raw: Any, position: int) -> Action:
        return parse_action(raw, position, self._scale)

    def _page_states(self, q: QueryState) -> dict[str, dict[str, Any]]:
        return {
            item_id: {"relevance": p.value, "best": p.best, "flags": list(p.flags), "note": p.note}
            for item_id, p in q.pairs.items()
            if item_id != QUERY
        }

    def _page_extra(self, q: QueryState) -> dict[str, Any]:
        own = q.own
        return {"query_flags": list(own.flags), "query_note": own.note}

    @property
    @state_locked
    def query_flags(self) -> pd.DataFrame:
        """The queries' own flags and notes (``ambiguous-query``, a note on the query...).

        One row per query this annotator flagged or wrote a note on: ``query_id``, ``flags``
        (comma-separated), ``note``, ``annotator``, ``campaign``, ``created_at``. Candidate
        flags and notes are in :attr:`labels` (columns ``flags`` and ``note``).
        """
        notes = {
            q: (own.flags, own.note, own.created_at)
            for q, own in self._notes_at_load.items()
            if q not in self._rules.queries
        }
        for query_id, q in self._rules.queries.items():
            own = q.own
            if own.judged:
                notes[query_id] = (own.flags, own.note, own.created_at)
        frame = pd.DataFrame(
            {
                "query_id": pd.array(list(notes), dtype="string"),
                "flags": pd.array([",".join(f) or None for f, _, _ in notes.values()], "string"),
                "note": pd.array([n for _, n, _ in notes.values()], dtype="string"),
                "annotator": pd.array([self.annotator] * len(notes), dtype="string"),
                "campaign": pd.array([self._campaign] * len(notes), dtype="string"),
                "created_at": pd.to_datetime([t for _, _, t in notes.values()], utc=True),
            }
        )
        return frame

    # ----------------------------------------------------------------- state from the store
    def _read_for_open(
        self, campaign: str, annotator: str, scale: Scale, query_ids: Any, item_ids: Any
    ) -> _Opening:
        # folding and matching a million labels to the rows of queries and items (~0.3 s) runs
        # beside the pool's checks too
        rows = self._read_labels(campaign, annotator, scale)
        base, none_relevant = fold_store_labels(rows)
        return _Opening(
            rows,
            base,
            none_relevant,
            positions_in(base["query_id"], query_ids),
            positions_in(base["item_id"], item_ids),
        )

    def _open(self, rows: _Opening) -> int:
        """Read this annotator's labels, fold them into the live frame and count what is done.

        Everything is vectorised over the stored labels; the per-query state the rules need is
        built only for the queries the annotator opens (``_load_query``). Returns the index of the
        first query that is not done.
        """
        opening = rows
        rows, base, none_relevant = opening.rows, opening.base, opening.none_relevant
        query_rows, item_rows = opening.query_rows, opening.item_rows
        self._live.load(base)
        self._none_at_load = none_relevant
        self._notes_at_load = {
            q: QueryNote(flags, note, created)
            for q, (flags, note, created) in fold_query_notes(rows).items()
        }
        n = len(self._query_ids)
        grid_index = np.full(len(self._query_index) + 1, -1, dtype=np.int64)
        grid_index[self._query_index.get_indexer(self._query_ids)] = np.arange(n)
        # slot -> grid index of its query (-1: a query this grid does not show)
        self._slot_query = grid_index[query_rows]
        self._slot_order: np.ndarray | None = None
        codes = query_rows * max(len(self._item_index), 1) + item_rows
        candidate = (
            (query_rows >= 0)
            & (item_rows >= 0)
            & pd.Series(codes).isin(self._pair_codes).to_numpy()
        )
        flagged = np.flatnonzero(base["flags"].notna().to_numpy())
        broken = np.zeros(len(base), dtype=bool)
        if len(flagged):
            flags = base["flags"].iloc[flagged].to_numpy(dtype=object)
            broken[flagged] = [BROKEN in str(f).split(",") for f in flags]
        graded = (base["relevance"].notna() | base["magnitude"].notna()).to_numpy()
        handled = candidate & (graded | broken) & (self._slot_query >= 0)
        counts = np.bincount(self._slot_query[handled], minlength=n)
        totals = np.array([len(self._positions[q]) for q in self._query_ids], dtype=np.int64)
        marked = np.array([q in none_relevant for q in self._query_ids], dtype=bool)
        done = (counts >= totals) | marked
        self._rules = self._new_rules(
            n_queries=n,
            total=len(self._candidates),
            judged=int(counts.sum()),
            queries_done=int(done.sum()),
        )
        return first_not_done(done)

    def _new_rules(self, **counts: Any) -> GradeRules:
        """The rules of this grid, with the counts read from the store."""
        return GradeRules(self._scale, self._campaign, self.annotator, self._load_query, **counts)

    def _slots_of(self, index: int) -> np.ndarray:
        if self._slot_order is None:
            self._slot_order = np.argsort(self._slot_query, kind="stable")
            self._slot_bounds = np.searchsorted(
                self._slot_query[self._slot_order], np.arange(len(self._query_ids) + 1)
            )
        return self._slot_order[self._slot_bounds[index] : self._slot_bounds[index + 1]]

    def _load_query(self, query_id: str) -> QueryState:
        """The state of one query as loaded from the store (its first use in this session)."""
        slots = self._slots_of(self._index_of[query_id])  # KeyError: unknown query
        pairs: dict[str, Any] = {}
        own = self._notes_at_load.get(query_id)
        if own is not None:
            pairs[QUERY] = own
        if len(slots):
            stored = _pairs(self._live.column, slots)
            pairs.update(stored)
            self._live.register(
                {
                    (query_id, item_id): int(slot)
                    for item_id, slot in zip(stored, slots, strict=True)
                }
            )
        return self._query_state(query_id, pairs, query_id in self._none_at_load)

    def _reload_query(self, query_id: str) -> None:
        """Read one query's state from the store again (undo of an action from before refresh())."""
        rows = self._read_query(query_id)
        base, none_relevant = fold_store_labels(rows)
        pairs: dict[str, Any] = (
            _pairs(lambda c: base[c].array, np.arange(len(base))) if len(base) else {}
        )
        own = fold_query_notes(rows).get(query_id)
        if own is not None:
            pairs[QUERY] = QueryNote(*own)
        self._rules.reset(self._rules.query(query_id), pairs, query_id in none_relevant)

    def _label_row(self, q: QueryState, item_id: str, pair: Pair | None) -> Row | None:
        if item_id == QUERY or pair is None or not pair.judged:
            return None  # the query's own flags and note are in query_flags
        return (
            q.query_id,
            item_id,
            pair.relevance,
            pair.magnitude,
            pair.best,
            q.none_relevant,
            ",".join(pair.flags) or None,
            pair.note,
            self.annotator,
            self._campaign,
            pair.guideline_version,
            pair.shown_position,
            pair.duration_ms,
            pair.created_at,
        )


_PAIR_COLUMNS = (
    "item_id",
    "relevance",
    "magnitude",
    "best",
    "flags",
    "note",
    "guideline_version",
    "shown_position",
    "duration_ms",
)


def _pairs(column: Any, slots: np.ndarray) -> dict[str, Pair]:
    """Pairs from the label rows at ``slots``; ``column(name)`` gives a column's array."""
    values = {c: column(c)[slots].to_numpy(dtype=object, na_value=None) for c in _PAIR_COLUMNS}
    stamps = [None if pd.isna(t) else t for t in column("created_at")[slots]]
    pairs = {}
    for k in range(len(slots)):
        best = bool(values["best"][k])
        flags = values["flags"][k]
        magnitude = values["magnitude"][k]
        pairs[str(values["item_id"][k])] = Pair(
            relevance=_int_or_none(values["relevance"][k]),
            magnitude=None if magnitude is None else float(magnitude),
            flags=tuple(flags.split(",")) if flags else (),
            best=best,
            note=values["note"][k],
            shown_position=_int_or_none(values["shown_position"][k]),
            duration_ms=_int_or_none(values["duration_ms"][k]),
            guideline_version=values["guideline_version"][k],
            graded_at=stamps[k],
            picked_at=stamps[k] if best else None,
        )
    return pairs


def this_version(rows: pd.DataFrame, version: str | None) -> pd.DataFrame:
    """The rows judged under ``version``, and those stored without one (imported qrels).

    A new rubric version does not inherit the grades of the old one: under "v2" a pair graded
    only under "v1" is not judged yet. Where a pair has both an unversioned row and one of
    ``version``, the versioned one counts.
    """
    if rows.empty or version is None:
        return rows
    versions = rows["guideline_version"]
    unversioned = versions.isna().to_numpy()
    mine = (versions == version).fillna(False).to_numpy(dtype=bool)
    if mine.all() or unversioned.all():
        return rows
    keep = rows[mine | unversioned]
    if not (unversioned.any() and mine.any()):
        return keep
    key = ["task", "query_id", "item_id"]
    # versioned rows last, so that drop_duplicates(keep="last") prefers them
    order = np.argsort(keep["guideline_version"].notna().to_numpy(), kind="stable")
    return keep.iloc[order].drop_duplicates(key, keep="last").sort_index()


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)
