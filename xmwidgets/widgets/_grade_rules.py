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

from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property
from typing import Any

from ._input import Action
from ._query_state import BROKEN, Flagged, QueryState
from ._rules import Applied, Refused, ScaleRules

__all__ = ["BROKEN", "GradeRules", "Pair"]


@dataclass(slots=True)
class Pair(Flagged):
    """The stored state of one (query, candidate) pair for this annotator."""

    relevance: int | None = None
    magnitude: float | None = None
    flags: tuple[str, ...] = ()
    best: bool = False
    note: str | None = None
    shown_position: int | None = None
    duration_ms: int | None = None
    guideline_version: str | None = None
    graded_at: datetime | None = None  # created_at of its current grade event
    picked_at: datetime | None = None  # created_at of its current best pick

    @property
    def value(self) -> int | float | None:
        return self.magnitude if self.relevance is None else self.relevance

    @property
    def handled(self) -> bool:
        """Counts towards "query done": graded, or flagged broken-media."""
        return self.value is not None or self.broken

    @property
    def judged(self) -> bool:
        """Has a row in ``grid.labels``."""
        return self.value is not None or bool(self.flags) or self.best or bool(self.note)

    @property
    def created_at(self) -> datetime | None:
        stamps = [t for t in (self.graded_at, self.picked_at) if t is not None]
        return max(stamps) if stamps else None


class GradeRules(ScaleRules):
    """The rules of the grading task (R1–R5 above) on top of the shared bookkeeping of Rules.

    Flags and notes: a ``flag`` or ``note`` action names a candidate (the grade event carries the
    pair's relevance, flags and note together) or, with no item id, the query itself.

    Parameters
    ----------
    scale, campaign, annotator, load_query, n_queries, total, judged, queries_done
        As for :class:`~xmwidgets.widgets._rules.ScaleRules` (``scale``: the relevance scale).
    """

    TASK = "grade"

    @cached_property
    def lowest(self) -> int | float:
        """The scale's lowest level (continuous: its minimum): "not relevant"."""
        if self.scale.is_continuous:
            assert self.scale.minimum is not None
            return self.scale.minimum
        return self.scale.values[0]

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
    def best_item(q: QueryState) -> str | None:
        return next((i for i, p in q.pairs.items() if p.best), None)

    # ------------------------------------------------------------------ events
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
        event["note"] = pair.note
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

    # ------------------------------------------------------------------ actions
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
        current = self.best_item(q)
        if current is not None:
            applied.events.append(self._best(q, current, False, now, None))
            notices.append(f"best pick moved from {self._candidate(q, current)} to {where}")
        applied.events.append(self._best(q, item_id, True, now, action.duration_ms))
        notices += self._clear_mark(q, applied, now)  # only an older store has a mark here
        return notices

    def _none_action(
        self, q: QueryState, action: Action, applied: Applied, now: datetime
    ) -> list[str]:
        if not action.on:
            return self._unmark(q, action, applied, now)
        name = f"query {q.index + 1}"
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
        current = self.best_item(q)
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
        assert action.flag is not None
        if action.item_id is None:
            return self._query_flag(q, action, applied, now)
        item_id, flag = action.item_id, action.flag
        old = q.pairs.get(item_id) or Pair()
        where = self._candidate(q, item_id)
        flags = self._toggle_flag(old.flags, action, applied, f"{where} of query {q.index + 1}")
        if flags is None:
            return []
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

    def _note_action(
        self, q: QueryState, action: Action, applied: Applied, now: datetime
    ) -> list[str]:
        if action.item_id is None:
            return self._query_set_note(q, action, applied, now)
        item_id, note = action.item_id, action.note or None
        old = q.pairs.get(item_id) or Pair()
        where = self._candidate(q, item_id)
        applied.description = (
            f"note on {where} of query {q.index + 1}"
            if note
            else f"note removed from {where} of query {q.index + 1}"
        )
        if old.note == note:
            return []
        pair = replace(old, note=note)
        self._set(q, item_id, pair if pair.judged else None)
        applied.events.append(
            self._grade(q, item_id, old.value, old.flags, now, action.duration_ms)
        )
        return [f"note saved on {where}" if note else f"note removed from {where}"]

    # ------------------------------------------------------------------ acks
    def item_ack(self, item_id: str, state: Pair | None) -> dict[str, Any]:
        pair = state or Pair()
        return {
            "item_id": item_id,
            "relevance": _number(pair.value),
            "best": pair.best,
            "flags": list(pair.flags),
            "note": pair.note,
        }


def _number(value: float | int | None) -> float | int | None:
    if value is None:
        return None
    number = float(value)
    return int(number) if number.is_integer() else number
