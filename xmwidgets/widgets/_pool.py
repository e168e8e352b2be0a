"""The candidates a task widget shows: per query, in the batches they came in, in shown order.

Each query's candidates keep the batches they came in (the constructor's, then each
:meth:`~CandidatePool.add_candidates` call); each batch is shuffled on its own per annotator and
query (seeded), after the earlier ones, so that adding candidates never moves those on screen.
Each (query, item) pair is also one integer code, to match stored labels against the pool.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from ._checks import check_candidates, group_positions, nothing_to_add
from ._query_state import QueryState
from ._state_lock import state_locked

if TYPE_CHECKING:
    from ._rules import Rules

__all__ = ["CandidatePool"]


class CandidatePool:
    """The pool part of :class:`~xmwidgets.widgets._base.TaskWidget` (a mixin)."""

    # handled candidates that make a query done (QueryState.needed; None: every candidate)
    _NEEDED: ClassVar[int | None] = None

    if TYPE_CHECKING:  # provided by TaskWidget
        _rules: Rules
        _shuffle: bool
        _seed: int
        annotator: str

        def send(self, content: dict[str, Any], buffers: Any = None) -> None: ...
        def _reload(self) -> None: ...
        def _sync_queries(self) -> None: ...
        def hold_sync(self) -> Any: ...

    def _take_pool(
        self,
        queries: pd.DataFrame,
        items: pd.DataFrame,
        candidates: pd.DataFrame,
        query_positions: np.ndarray,
        item_positions: np.ndarray,
    ) -> None:
        """Hold the checked frames; ``*_positions``: each candidate's rows in queries and items."""
        self._candidates = candidates
        self._records = (queries, items)  # checked, for add_candidates
        self._positions = group_positions(query_positions, list(queries["query_id"]))
        # each query's candidates in the batches they came in (the constructor's, then each
        # add_candidates call): every batch is shuffled on its own, after the earlier ones, so
        # that adding candidates never moves those already on screen
        self._batches: dict[str, list[np.ndarray]] = {q: [p] for q, p in self._positions.items()}
        # queries in the order of the queries frame, those without candidates left out
        self._query_ids: list[str] = list(self._positions)
        self._index_of = {query_id: k for k, query_id in enumerate(self._query_ids)}
        self._query_index = pd.Index(queries["query_id"])
        self._item_index = pd.Index(items["item_id"])
        # each candidate pair as one integer (query row * n items + item row): resuming matches a
        # million stored labels against a million candidates with one hash lookup each
        self._pair_codes = query_positions * max(len(items), 1) + item_positions

    @property
    def query_ids(self) -> list[str]:
        """Query ids in the order the widget shows them."""
        return list(self._query_ids)

    def shown_candidates(self, query_id: str) -> pd.DataFrame:
        """The candidate rows of ``query_id`` in the order this annotator sees them."""
        rows = self._candidates.iloc[self._positions[query_id]]
        shown = self._rules.query(query_id).shown
        return rows.set_index("item_id", drop=False).loc[shown].reset_index(drop=True)

    def _shown_order(self, query_id: str) -> list[str]:
        shown: list[str] = []
        for positions in self._batches[query_id]:
            item_ids = [str(v) for v in self._candidates["item_id"].array[positions]]
            if self._shuffle:
                from ..pools import shown_order

                item_ids = shown_order(item_ids, self.annotator, query_id, seed=self._seed)
            shown.extend(item_ids)
        return shown

    @state_locked
    def add_candidates(self, candidates: pd.DataFrame) -> int:
        """Add pairs to judge while the widget runs (e.g. the next batch of ``xm.discover``).

        Pairs already in the widget are skipped; new ones join their query after the candidates it
        already shows (those keep their places), and queries new to the widget come after the
        last one. The view updates the pages it holds; judgements stay as they are. Returns the
        number of pairs added.

        Parameters
        ----------
        candidates : DataFrame
            ``query_id, item_id`` plus optional ``source, score, rank``, as for the constructor;
            every id must be in the widget's queries and items; an empty one adds nothing.
        """
        if nothing_to_add(candidates, "candidates", ["query_id", "item_id"]):
            return 0
        queries, items = self._records
        new, query_positions, item_positions = check_candidates(candidates, queries, items)
        codes = query_positions * max(len(items), 1) + item_positions
        fresh = ~np.isin(codes, self._pair_codes)
        if not fresh.any():
            return 0
        new = new[fresh].reset_index(drop=True)
        start = len(self._candidates)
        self._candidates = pd.concat([self._candidates, new], ignore_index=True)
        self._pair_codes = np.concatenate([self._pair_codes, codes[fresh]])
        changed: list[int] = []
        for query_id, positions in group_positions(
            query_positions[fresh], list(queries["query_id"])
        ).items():
            positions = positions + start
            if query_id in self._batches:
                self._batches[query_id].append(positions)
                self._positions[query_id] = np.concatenate([self._positions[query_id], positions])
                changed.append(self._index_of[query_id])
            else:  # a query new to the widget: at the end, so no index on screen moves
                self._batches[query_id] = [positions]
                self._positions[query_id] = positions
                self._index_of[query_id] = len(self._query_ids)
                self._query_ids.append(query_id)
        self._reload()  # counts, done queries and the rules' states, over the new pool
        with self.hold_sync():
            self._sync_queries()
        if changed:
            self.send({"type": "invalidate", "indices": sorted(changed)})
        return int(fresh.sum())

    def _query_state(
        self, query_id: str, pairs: dict[str, Any], none_relevant: bool = False
    ) -> QueryState:
        """The state of ``query_id`` (KeyError: not one of this widget's) over its stored ``pairs``."""
        index = self._index_of[query_id]
        shown = self._shown_order(query_id)
        return QueryState.of(
            query_id, index, shown, pairs, none_relevant=none_relevant, needed=self._NEEDED
        )
