"""The pair judge's slots: each pair to judge is one "query" slot of the shell, ``pair-<k>``.

The shell shows one query per page above its candidates; the pair judge gives it one slot per pair
(numbered in the order of the pairs frame, pairs added later after the others), whose two
candidates are the pair's items ``a`` and ``b`` and whose page shows the pair's query.
"""

from __future__ import annotations

import pandas as pd

from ._pair_rules import PairUnit

__all__ = ["PairSlots"]


class PairSlots:
    """The pairs a judge holds, by slot id (``pair-1``, ...), and the frames the shell takes."""

    def __init__(self) -> None:
        self.ids: list[str] = []  # in the order shown
        self.units: dict[str, PairUnit] = {}
        self.of: dict[tuple[str, str, str], str] = {}  # (query_id, a, b) -> slot id
        self.frame: pd.DataFrame | None = None  # the pairs as given (checked), in slot order

    def unknown(self, pairs: pd.DataFrame) -> pd.DataFrame:
        """The checked ``pairs`` not held yet (a pair ``b, a`` is the pair ``a, b``)."""
        known = {(u.query_id, *sorted((u.a, u.b))) for u in self.units.values()}
        fresh = [
            (q, *sorted((a, b))) not in known
            for q, a, b in zip(
                pairs["query_id"].tolist(), pairs["a"].tolist(), pairs["b"].tolist(), strict=True
            )
        ]
        return pairs[fresh].reset_index(drop=True)

    def take(self, pairs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Give checked new ``pairs`` their slots (after the existing ones).

        Returns the frames the shell takes as queries and candidates: one row per slot, and
        the slot's two candidates a and b (with the pair's ``source``, if any).
        """
        start = len(self.ids)
        ids = [f"pair-{start + k + 1}" for k in range(len(pairs))]
        # lists first: iterating Arrow-backed strings one by one costs ~10 us each
        query_ids, a_ids, b_ids = (pairs[c].tolist() for c in ("query_id", "a", "b"))
        for slot, q, a, b in zip(ids, query_ids, a_ids, b_ids, strict=True):
            self.units[slot] = PairUnit(q, a, b)
            self.of[(q, a, b)] = slot
        self.ids.extend(ids)
        self.frame = (
            pairs.copy()
            if self.frame is None
            else pd.concat([self.frame, pairs], ignore_index=True)
        )
        # a content column, as the shell asks of a queries frame (the pages show the pair's query)
        slots = pd.DataFrame({"query_id": ids, "pair": ids})
        candidates = pd.DataFrame(
            {
                "query_id": [u for u in ids for _ in (0, 1)],
                "item_id": [i for a, b in zip(a_ids, b_ids, strict=True) for i in (a, b)],
            }
        )
        if "source" in pairs.columns:
            candidates["source"] = [s for s in pairs["source"].tolist() for _ in (0, 1)]
        return slots, candidates

    def query_ids(self) -> list[str]:
        """The query of each slot, in slot order (a query repeats)."""
        return [self.units[slot].query_id for slot in self.ids]

    def goto_ids(self) -> list[str]:
        """What `g` finds each slot by: a query id leads to that query's first pair (others "")."""
        goto = [""] * len(self.ids)
        seen: set[str] = set()
        for k, query_id in enumerate(self.query_ids()):
            if query_id not in seen:
                seen.add(query_id)
                goto[k] = query_id
        return goto
