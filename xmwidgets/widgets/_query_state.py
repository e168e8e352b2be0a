"""A query's state in memory, the same for every task: its candidates in shown order and their states.

A widget builds one :class:`QueryState` per query the annotator opens, from what it read from the
store (:meth:`QueryState.of`); the rules (:mod:`._rules`) keep it current from then on. ``pairs``
maps an item id to the task's own item state (:class:`ItemState`: e.g. a grade, a pick, a rank),
and the counts say when the query is done.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import numpy as np

from .._contract import BROKEN

__all__ = [
    "BROKEN",
    "QUERY",
    "Flagged",
    "ItemState",
    "QueryNote",
    "QueryState",
    "Stamped",
    "first_not_done",
]

# the key under which a query's own state (its flags and note) is kept in QueryState.pairs: no item
# id is empty, and keeping it there gives it undo, rollback and "touched" like any pair
QUERY = ""


class ItemState(Protocol):
    """The state of one (query, candidate) pair in a task (a frozen-ish dataclass with slots)."""

    @property
    def handled(self) -> bool:
        """Counts towards "query done"."""
        ...

    @property
    def judged(self) -> bool:
        """Has a row in the widget's labels frame."""
        ...


@dataclass(slots=True, kw_only=True)
class Stamped:
    """What an item state keeps of the event that set it (a base of the tasks' item states)."""

    shown_position: int | None = None  # the candidate's place in the order shown
    duration_ms: int | None = None
    guideline_version: str | None = None
    created_at: datetime | None = None


class Flagged:
    """The ``broken`` of an item state with ``flags`` (a mixin of the tasks' slotted dataclasses)."""

    __slots__ = ()
    flags: tuple[str, ...]

    @property
    def broken(self) -> bool:
        """Flagged broken-media."""
        return BROKEN in self.flags


@dataclass(slots=True)
class QueryNote:
    """A query's own flags and note (e.g. "ambiguous-query"): events with item_id null."""

    flags: tuple[str, ...] = ()
    note: str | None = None
    created_at: datetime | None = None

    @property
    def handled(self) -> bool:
        return False  # a flag on the query does not judge its candidates

    @property
    def judged(self) -> bool:
        return bool(self.flags) or bool(self.note)


@dataclass(slots=True)
class QueryState:
    """One query's candidates in shown order and their pairs' states."""

    query_id: str
    index: int  # position in the widget (0-based)
    shown: list[str]  # item ids in the order this annotator sees them
    position: dict[str, int]
    pairs: dict[str, Any] = field(default_factory=dict)  # item id -> the task's ItemState
    none_relevant: bool = False
    handled: int = 0  # candidates whose state counts towards "done"
    # handled candidates that make the query done; None: all of them (a pick needs one)
    needed: int | None = None
    _shown_json: str | None = None

    @property
    def total(self) -> int:
        return len(self.shown)

    @property
    def done(self) -> bool:
        need = len(self.shown) if self.needed is None else self.needed
        return self.none_relevant or self.handled >= need

    @property
    def shown_json(self) -> str:
        if self._shown_json is None:
            self._shown_json = json.dumps(self.shown)
        return self._shown_json

    @classmethod
    def of(
        cls,
        query_id: str,
        index: int,
        shown: list[str],
        pairs: dict[str, Any],
        *,
        none_relevant: bool = False,
        needed: int | None = None,
    ) -> QueryState:
        """A query's state as read from the store: its candidates' positions in ``shown``, its
        stored ``pairs`` and mark, and the count of those that are handled."""
        position = {item: k for k, item in enumerate(shown)}
        handled = sum(1 for i, p in pairs.items() if p.handled and i in position)
        return cls(query_id, index, shown, position, pairs, none_relevant, handled, needed)

    @property
    def own(self) -> QueryNote:
        """The query's own flags and note."""
        state = self.pairs.get(QUERY)
        return state if isinstance(state, QueryNote) else QueryNote()


def first_not_done(done: Sequence[bool] | np.ndarray) -> int:
    """The index of the first query not done (a widget opens there); 0 when all are done."""
    unfinished = np.flatnonzero(~np.asarray(done, dtype=bool))
    return int(unfinished[0]) if len(unfinished) else 0
