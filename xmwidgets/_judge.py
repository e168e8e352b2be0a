"""The rules of the labelling loop, applied in the kernel so that the store never holds a contradiction.

Each judge action from the browser becomes zero or more events plus a notice for the annotator. The
state of every touched query is held in memory (:class:`QueryState`) and updated from the events
the kernel itself writes; the store stays the source of truth (the grid reads it when it opens and
on ``refresh()``). "Relevant" means a level above the scale's lowest (continuous: above its minimum).

- R1 a relevant grade on a query marked "none relevant" clears the mark;
- R2 grading the best candidate at the lowest level clears its best pick;
- R3 ``best`` on an ungraded, lowest-graded or broken-media candidate is refused;
- R4 "none relevant" on a query with relevant grades is refused; otherwise it grades every ungraded,
  unflagged candidate at the lowest level; un-marking clears the mark only;
- R5 flagging broken-media removes the grade (relevance null) and the best pick, and counts as
  handled; grading a flagged candidate clears the flag.

A query is done when each candidate is graded or flagged broken-media, or it is marked none relevant.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from ._browser_input import Action
from .scale import Scale

__all__ = ["BROKEN", "Applied", "Judge", "Pair", "QueryState", "Refused"]

BROKEN = "broken-media"


class Refused(ValueError):
    """An action the rules refuse; the text is the notice for the annotator."""


@dataclass(slots=True)
class Pair:
    """The stored state of one (query, candidate) pair for this annotator."""

    relevance: int | None = None
    magnitude: float | None = None
    flags: tuple[str, ...] = ()
    best: bool = False
    shown_position: int | None = None
    duration_ms: int | None = None
    guideline_version: str | None = None
    graded_at: datetime | None = None  # created_at of its current grade event
    picked_at: datetime | None = None  # created_at of its current best pick

    @property
    def value(self) -> int | float | None:
        return self.magnitude if self.relevance is None else self.relevance

    @property
    def broken(self) -> bool:
        return BROKEN in self.flags

    @property
    def handled(self) -> bool:
        """Counts towards "query done": graded, or flagged broken-media."""
        return self.value is not None or self.broken

    @property
    def judged(self) -> bool:
        """Has a row in ``grid.labels``."""
        return self.value is not None or bool(self.flags) or self.best

    @property
    def created_at(self) -> datetime | None:
        stamps = [t for t in (self.graded_at, self.picked_at) if t is not None]
        return max(stamps) if stamps else None


@dataclass(slots=True)
class QueryState:
    """One query's candidates in shown order and their pairs' states."""

    query_id: str
    index: int  # position in the grid (0-based)
    shown: list[str]  # item ids in the order this annotator sees them
    position: dict[str, int]
    pairs: dict[str, Pair] = field(default_factory=dict)
    none_relevant: bool = False
    handled: int = 0  # candidates graded or flagged broken-media
    _shown_json: str | None = None

    @property
    def total(self) -> int:
        return len(self.shown)

    @property
    def done(self) -> bool:
        return self.none_relevant or self.handled >= len(self.shown)

    @property
    def shown_json(self) -> str:
        if self._shown_json is None:
            self._shown_json = json.dumps(self.shown)
        return self._shown_json

    def best_item(self) -> str | None:
        return next((i for i, p in self.pairs.items() if p.best), None)

    def count_handled(self) -> int:
        return sum(1 for i, p in self.pairs.items() if p.handled and i in self.position)


@dataclass(slots=True)
class Applied:
    """An accepted action: its events, what it changed (to undo or roll back) and its notice."""

    action: Action
    query_id: str | None
    description: str
    notice: str = ""
    events: list[dict[str, Any]] = field(default_factory=list)
    # states before this action of every pair it changed (None: the pair had no state)
    before: dict[tuple[str, str], Pair | None] = field(default_factory=dict)
    none_before: dict[str, bool] = field(default_factory=dict)
    event_ids: list[int] | None = None  # set once the events are in the store
    undid: Applied | None = None  # for an undo: the action it undid
    undone: dict[str, Any] | None = None


class Judge:
    """Applies actions to the in-memory query states and turns them into store events.

    Parameters
    ----------
    scale, campaign, annotator
        Recorded on every event.
    load_query
        ``query_id -> QueryState`` for a query not seen yet in this session (from what the grid
        read from the store); raises KeyError for an unknown query.
    n_queries, judged, queries_done
        Counts of the whole grid as read from the store, kept current from then on.
    """

    def __init__(
        self,
        scale: Scale,
        campaign: str,
        annotator: str,
        load_query: Callable[[str], QueryState],
        *,
        n_queries: int,
        total: int,
        judged: int,
        queries_done: int,
    ) -> None:
        self.scale = scale
        self.campaign = campaign
        self.annotator = annotator
        self._load_query = load_query
        self.queries: dict[str, QueryState] = {}
        self.n_queries = n_queries
        self.total = total
        self.judged = judged
        self.queries_done = queries_done
        self.undo_stack: list[Applied] = []
        # actions of this session from before a refresh(): undone by re-reading the store
        self.stale_undo: list[Applied] = []
        # pairs whose state changed since the caller last took them, in the order first changed
        # (dicts as ordered sets: new rows of grid.labels keep the order of judgement)
        self.touched: dict[str, dict[str, None]] = {}
        if scale.is_continuous:
            assert scale.minimum is not None
            self.lowest: int | float = scale.minimum
        else:
            self.lowest = scale.values[0]
        self._applying: Applied | None = None

    # ------------------------------------------------------------------ state
    def query(self, query_id: str) -> QueryState:
        state = self.queries.get(query_id)
        if state is None:
            try:
                state = self.queries[query_id] = self._load_query(query_id)
            except KeyError:
                raise Refused(
                    f"unknown query_id {query_id!r}: it has no candidates in this grid"
                ) from None
        return state

    def progress(self) -> dict[str, int]:
        return {
            "judged": self.judged,
            "total": self.total,
            "queries_done": self.queries_done,
            "n_queries": self.n_queries,
        }

    def take_touched(self) -> dict[str, dict[str, None]]:
        touched, self.touched = self.touched, {}
        return touched

    def _set(self, q: QueryState, item_id: str, pair: Pair | None) -> None:
        """Change one pair's state, keeping the counts current and the old state for undo."""
        applied = self._applying
        old = q.pairs.get(item_id)
        if applied is not None:
            applied.before.setdefault((q.query_id, item_id), None if old is None else replace(old))
        was_done = q.done
        if item_id in q.position:
            delta = int(pair is not None and pair.handled) - int(old is not None and old.handled)
            q.handled += delta
            self.judged += delta
        if pair is None:
            q.pairs.pop(item_id, None)
        else:
            q.pairs[item_id] = pair
        self.queries_done += int(q.done) - int(was_done)
        self.touched.setdefault(q.query_id, {})[item_id] = None

    def _set_none(self, q: QueryState, value: bool) -> None:
        applied = self._applying
        if applied is not None:
            applied.none_before.setdefault(q.query_id, q.none_relevant)
        was_done = q.done
        q.none_relevant = value
        self.queries_done += int(q.done) - int(was_done)
        # every row of the query shows the mark
        self.touched.setdefault(q.query_id, {}).update(dict.fromkeys(q.pairs))

    def reset(self, q: QueryState, pairs: dict[str, Pair], none_relevant: bool) -> None:
        """Replace one query's state by what the store says (counts and rows follow)."""
        for item_id in [*q.pairs, *(i for i in pairs if i not in q.pairs)]:
            self._set(q, item_id, pairs.get(item_id))
        self._set_none(q, none_relevant)

    def _restore(self, applied: Applied) -> None:
        """Put back the states from before ``applied`` (undo, or a write that failed)."""
        for (query_id, item_id), pair in applied.before.items():
            self._set(self.queries[query_id], item_id, None if pair is None else replace(pair))
        for query_id, value in applied.none_before.items():
            self._set_none(self.queries[query_id], value)

    # ------------------------------------------------------------------ words
    def level_name(self, value: float | int | None) -> str:
        if value is None:
            return "no grade"
        if self.scale.is_continuous:
            return f"{value:g}"
        return f"'{self.scale.level(int(value)).name}'"

    def _relevant(self, pair: Pair | None) -> bool:
        return pair is not None and pair.value is not None and pair.value > self.lowest

    @staticmethod
    def _candidate(q: QueryState, item_id: str) -> str:
        return f"candidate {q.position[item_id] + 1}"

    # ------------------------------------------------------------------ events
    def _event(
        self, task: str, q: QueryState, item_id: str | None, now: datetime, duration: int | None
    ) -> dict[str, Any]:
        return {
            "campaign": self.campaign,
            "task": task,
            "query_id": q.query_id,
            "item_id": item_id,
            "annotator": self.annotator,
            "guideline_version": self.scale.version,
            "shown_position": None if item_id is None else q.position[item_id],
            "duration_ms": duration,
            "created_at": now,
        }

    def _grade(
        self,
        q: QueryState,
        item_id: str,
        value: float | int | None,
        flags: tuple[str, ...],
        now: datetime,
        duration: int | None,
    ) -> dict[str, Any]:
        old = q.pairs.get(item_id) or Pair()
        continuous = self.scale.is_continuous
        pair = replace(
            old,
            relevance=None if continuous or value is None else int(value),
            magnitude=float(value) if continuous and value is not None else None,
            flags=flags,
            shown_position=q.position[item_id],
            duration_ms=duration,
            guideline_version=self.scale.version,
            graded_at=now,
        )
        self._set(q, item_id, pair if pair.judged else None)
        event = self._event("grade", q, item_id, now, duration)
        event["magnitude" if continuous else "relevance"] = value
        event["flags"] = ",".join(flags) or None
        return event

    def _best(
        self, q: QueryState, item_id: str, best: bool, now: datetime, duration: int | None
    ) -> dict[str, Any]:
        old = q.pairs.get(item_id) or Pair()
        pair = replace(old, best=best, picked_at=now if best else None)
        self._set(q, item_id, pair if pair.judged else None)
        event = self._event("pick", q, item_id, now, duration)
        event.update(best=best, shown=q.shown_json)
        return event

    def _mark(
        self, q: QueryState, value: bool, now: datetime, duration: int | None
    ) -> dict[str, Any]:
        self._set_none(q, value)
        event = self._event("pick", q, None, now, duration)
        event.update(none_relevant=value, shown=q.shown_json)
        return event

    # ------------------------------------------------------------------ actions
    def apply(self, action: Action, now: datetime) -> Applied:
        """Apply one action (not undo) to the states; returns its events and notice.

        Raises
        ------
        Refused
            The action breaks a rule or names an unknown query or candidate; nothing changed.
        """
        assert action.query_id is not None
        q = self.query(action.query_id)
        item_id = action.item_id
        if item_id is not None and item_id not in q.position:
            raise Refused(
                f"item_id {item_id!r} is not a candidate of query {q.query_id!r} (query {q.index + 1})"
            )
        applied = Applied(action, q.query_id, "")
        was_done, was_all = q.done, self.queries_done == self.n_queries
        self._applying = applied
        try:
            notices = getattr(self, f"_{action.op}_action")(q, action, applied, now)
        except BaseException:
            self._applying = None
            self._restore(applied)
            raise
        self._applying = None
        if applied.events:
            self.undo_stack.append(applied)
            if q.done and not was_done:
                notices.append(f"query {q.index + 1} done ({q.handled}/{q.total})")
                left = self.n_queries - self.queries_done
                if not left and not was_all:
                    notices.append(
                        f"all {self.n_queries} queries done" if self.n_queries > 1 else "all done"
                    )
                elif q.index == self.n_queries - 1:  # n goes nowhere from the last query
                    notices.append(
                        f"{left} quer{'y' if left == 1 else 'ies'} left · g to go to one"
                    )
                else:
                    notices.append("n for next")
        applied.notice = " · ".join(n for n in notices if n)
        return applied

    def _grade_action(
        self, q: QueryState, action: Action, applied: Applied, now: datetime
    ) -> list[str]:
        assert action.item_id is not None
        item_id, value = action.item_id, action.value
        old = q.pairs.get(item_id) or Pair()
        where, level = self._candidate(q, item_id), self.level_name(value)
        applied.description = f"grade {level} on {where} of query {q.index + 1}"
        notices = []
        relevant = value is not None and value > self.lowest
        if old.broken:
            notices.append(f"broken-media flag cleared on {where}")
        flags = tuple(f for f in old.flags if f != BROKEN)
        applied.events.append(self._grade(q, item_id, value, flags, now, action.duration_ms))
        if relevant and q.none_relevant:  # R1
            applied.events.append(self._mark(q, False, now, None))
            notices.append(f"'none relevant' cleared: {where} is graded {level}")
        if not relevant and old.best:  # R2
            applied.events.append(self._best(q, item_id, False, now, None))
            notices.append(f"best pick cleared: {where} is graded {level}")
        return notices

    def _best_action(
        self, q: QueryState, action: Action, applied: Applied, now: datetime
    ) -> list[str]:
        assert action.item_id is not None
        item_id = action.item_id
        pair = q.pairs.get(item_id)
        where = self._candidate(q, item_id)
        if not action.on:
            applied.description = f"best pick removed from {where} of query {q.index + 1}"
            if pair is not None and pair.best:
                applied.events.append(self._best(q, item_id, False, now, action.duration_ms))
            return []
        applied.description = f"best pick on {where} of query {q.index + 1}"
        if pair is not None and pair.broken:  # R3
            raise Refused(f"best refused: {where} is flagged broken-media; grade it relevant first")
        if pair is None or pair.value is None:
            raise Refused(f"best refused: {where} has no grade yet; grade it relevant first")
        if not self._relevant(pair):
            raise Refused(
                f"best refused: {where} is graded {self.level_name(pair.value)}; "
                "grade it relevant first"
            )
        if pair.best:
            return []
        notices = []
        current = q.best_item()
        if current is not None:
            applied.events.append(self._best(q, current, False, now, None))
            notices.append(f"best pick moved from {self._candidate(q, current)} to {where}")
        applied.events.append(self._best(q, item_id, True, now, action.duration_ms))
        if q.none_relevant:  # only an inconsistent older store gets here
            applied.events.append(self._mark(q, False, now, None))
            notices.append("'none relevant' cleared")
        return notices

    def _none_action(
        self, q: QueryState, action: Action, applied: Applied, now: datetime
    ) -> list[str]:
        name = f"query {q.index + 1}"
        if not action.on:
            applied.description = f"'none relevant' cleared on {name}"
            if q.none_relevant:
                applied.events.append(self._mark(q, False, now, action.duration_ms))
                return [f"'none relevant' cleared on {name}"]
            return []
        relevant = sorted(
            q.position[i] + 1 for i, p in q.pairs.items() if i in q.position and self._relevant(p)
        )
        if relevant:  # R4
            n = len(relevant)
            listed = ", ".join(str(p) for p in relevant[:10]) + (", ..." if n > 10 else "")
            raise Refused(
                f"'none relevant' refused: {n} candidate{'s' if n > 1 else ''} graded relevant "
                f"(candidate{'s' if n > 1 else ''} {listed}); grade "
                f"{'them' if n > 1 else 'it'} {'at ' if self.scale.is_continuous else ''}"
                f"{self.level_name(self.lowest)} first"
            )
        ungraded = [
            i
            for i in q.shown
            if (p := q.pairs.get(i)) is None or (p.value is None and not p.broken)
        ]
        if q.none_relevant and not ungraded:
            applied.description = f"'none relevant' on {name}"
            return []
        if not q.none_relevant:
            applied.events.append(self._mark(q, True, now, action.duration_ms))
        current = q.best_item()
        if current is not None:  # only an inconsistent older store gets here
            applied.events.append(self._best(q, current, False, now, None))
        lowest = self.level_name(self.lowest)
        for item_id in ungraded:
            old = q.pairs.get(item_id) or Pair()
            applied.events.append(self._grade(q, item_id, self.lowest, old.flags, now, None))
        n = len(ungraded)
        grades = f"grade{'s' if n != 1 else ''}"
        applied.description = f"'none relevant' on {name}" + (
            ""
            if not n
            else f" and its {n} {grades} of {lowest}"
            if self.scale.is_continuous
            else f" and its {n} {lowest} {grades}"
        )
        if not n:
            return [f"{name} marked none relevant"]
        return [f"none relevant: {n} ungraded candidate{'s' if n != 1 else ''} marked {lowest}"]

    def _flag_action(
        self, q: QueryState, action: Action, applied: Applied, now: datetime
    ) -> list[str]:
        assert action.item_id is not None and action.flag is not None
        item_id, flag = action.item_id, action.flag
        old = q.pairs.get(item_id) or Pair()
        where = self._candidate(q, item_id)
        applied.description = (
            f"flag '{flag}' on {where} of query {q.index + 1}"
            if action.on
            else f"flag '{flag}' removed from {where} of query {q.index + 1}"
        )
        if (flag in old.flags) == action.on:
            return []
        flags = (*old.flags, flag) if action.on else tuple(f for f in old.flags if f != flag)
        if flag != BROKEN:
            applied.events.append(
                self._grade(q, item_id, old.value, flags, now, action.duration_ms)
            )
            return []
        applied.events.append(self._grade(q, item_id, None, flags, now, action.duration_ms))
        if not action.on:
            return [f"broken-media flag cleared on {where}; grade it now"]
        notices = [f"{where} flagged broken-media: left out of the relevance judgements"]
        if old.value is not None:
            notices.append(f"its grade {self.level_name(old.value)} removed")
        if old.best:  # R5
            applied.events.append(self._best(q, item_id, False, now, None))
            notices.append("best pick cleared")
        return notices

    # ------------------------------------------------------------------ undo and rollback
    def undo(self, action: Action) -> Applied:
        """Undo the last accepted action of this session; its events must be in the store.

        Returns the undo's Applied with the retraction events. Raises Refused when there is
        nothing to undo.
        """
        if not self.undo_stack:
            raise Refused("nothing to undo in this session")
        last = self.undo_stack[-1]
        assert last.event_ids is not None, "write the pending events before undoing them"
        self.undo_stack.pop()
        applied = Applied(action, last.query_id, f"undo of {last.description}", undid=last)
        self._applying = applied
        self._restore(last)
        self._applying = None
        applied.events = [{"retracts": event_id} for event_id in last.event_ids]
        applied.notice = f"undid: {last.description}"
        assert last.query_id is not None
        q = self.queries[last.query_id]
        applied.undone = {"query_id": q.query_id, "index": q.index, "item_id": last.action.item_id}
        return applied

    def rollback(self, applied: Applied) -> None:
        """Forget ``applied`` (its events were not written): restore the states before it."""
        self._restore(applied)
        if applied.undid is not None:
            self.undo_stack.append(applied.undid)
        elif self.undo_stack and self.undo_stack[-1] is applied:
            self.undo_stack.pop()

    def query_ack(self, query_id: str, item_ids: Iterable[str]) -> dict[str, Any]:
        """The ``QueryAck`` of one query: its counts and the states of ``item_ids``."""
        q = self.queries[query_id]
        states = []
        for item_id in sorted(item_ids, key=lambda i: q.position.get(i, len(q.shown))):
            if item_id not in q.position:
                continue
            pair = q.pairs.get(item_id) or Pair()
            states.append(
                {
                    "item_id": item_id,
                    "relevance": _number(pair.value),
                    "best": pair.best,
                    "flags": list(pair.flags),
                }
            )
        return {
            "index": q.index,
            "states": states,
            "none_relevant": q.none_relevant,
            "done": q.done,
            "judged": q.handled,
            "total": q.total,
        }


def _number(value: float | int | None) -> float | int | None:
    if value is None:
        return None
    number = float(value)
    return int(number) if number.is_integer() else number
