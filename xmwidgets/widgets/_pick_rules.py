"""The rules of the pick task (BestMatchPicker), applied in the kernel so the store never contradicts itself.

A query shows N candidates; the annotator picks the best one (rank 1), optionally a second best
(rank 2), or marks the query "none relevant", and may flag a candidate broken-media. Every event is
a ``pick`` event that carries the whole state of its candidate (``rank``, ``best`` = rank 1,
``flags``) and the shown order (``shown``), so the store's labels view (newest event per candidate)
is the state. The rules:

- P1 a new best replaces the old one (the old best's pick is cleared); picking the second best as
  best swaps the two (the old best becomes second);
- P2 the second best cannot be the best candidate (refused); a new second best replaces the old;
  a second best may be picked before the best;
- P3 a candidate flagged broken-media cannot be picked (refused); flagging a picked candidate
  clears its pick;
- P4 "none relevant" is refused while a candidate is picked (the notice names them); a pick on a
  query marked "none relevant" clears the mark;
- picking the current best again (rank 1 on it) changes nothing; the browser clears a pick with
  ``rank: null``.

A query is done when it has a best pick or is marked none relevant (``QueryState.needed = 1``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from ..scale import Scale
from ._input import (
    Action,
    BrowserInputError,
    _boolean,
    _field,
    _identifier,
    action_head,
    candidate_flag_action,
    shown_value,
)
from ._query_state import BROKEN, Flagged, QueryState, Stamped
from ._rules import Applied, Refused, ScaleRules

__all__ = ["BROKEN", "MARK", "PICK_OPS", "Pick", "PickRules", "parse_pick_action"]

PICK_OPS = ("pick", "none", "flag", "undo")
# the pseudo-candidate that holds the "none relevant" mark's own data (when, how long, version): kept
# in QueryState.pairs under an id no candidate has, so undo and rollback restore it with the rest
MARK = ""


@dataclass(slots=True)
class Pick(Stamped, Flagged):
    """The stored pick state of one candidate (or of the query's mark, under :data:`MARK`)."""

    rank: int | None = None  # 1 = best, 2 = second best
    flags: tuple[str, ...] = ()

    @property
    def handled(self) -> bool:
        """Counts towards "query done": the best pick (one is needed)."""
        return self.rank == 1

    @property
    def judged(self) -> bool:
        return self.rank is not None or bool(self.flags)


def parse_pick_action(raw: Any, position: int, scale: Scale) -> Action:
    """Check one action of the pick task; ``position`` is its place in the batch.

    Ops: ``pick`` (``item_id``, ``rank`` 1, 2 or null to clear), ``none`` (``none_relevant``),
    ``flag`` (``item_id``, ``flag`` one of the scale's candidate flags, ``on``) and ``undo``.
    """
    head = action_head(raw, position, PICK_OPS, "pick")
    op, request_id, where = head.op, head.request_id, head.where
    if op == "undo":
        return Action("undo", request_id)
    query_id, duration = head.query_id, head.duration_ms
    if op == "none":
        on = _boolean(raw, "none_relevant", where)
        return Action("none", request_id, query_id, on=on, duration_ms=duration)
    if op == "flag":
        allowed = scale.flags_for("candidate")
        return candidate_flag_action(raw, head, allowed, "this scale's candidate flags are")
    item_id = _identifier(raw, "item_id", where)
    rank = _field(raw, "rank", where)  # op "pick"
    # 1.0 is not 1: the grid refuses relevance 2.0 the same way (a front end sends integers)
    if rank is not None and (
        isinstance(rank, bool) or not isinstance(rank, int) or rank not in (1, 2)
    ):
        raise BrowserInputError(
            f"{where}: field 'rank' is {shown_value(rank)}: it must be 1 (best), 2 (second "
            "best) or null (clear the pick)",
            request_id,
        )
    return Action("pick", request_id, query_id, item_id, rank=rank, duration_ms=duration)


_RANK_NAMES = {1: "best", 2: "second best"}


class PickRules(ScaleRules):
    """The rules of the pick task (P1–P4 above) on the shared bookkeeping of Rules.

    Parameters
    ----------
    scale, campaign, annotator, load_query, n_queries, total, judged, queries_done, advance
        As for :class:`~xmwidgets.widgets._rules.ScaleRules`; ``advance`` is the picker's
        ``advance_on_pick``: the "query done" cue then says where it went instead of "n for next".
    """

    _JUDGE_TEXT = "judge the text: pick it or leave it"

    def progress(self) -> dict[str, int]:
        """``judged``/``total`` count queries here (one pick per query), not candidates."""
        return {
            "judged": self.queries_done,
            "total": self.n_queries,
            "queries_done": self.queries_done,
            "n_queries": self.n_queries,
        }

    @staticmethod
    def ranked(q: QueryState, rank: int) -> str | None:
        """The candidate of ``q`` picked at ``rank``, or None."""
        return next((i for i, p in q.pairs.items() if p.rank == rank and i in q.position), None)

    # ------------------------------------------------------------------ events
    def _put(
        self,
        q: QueryState,
        item_id: str,
        now: datetime,
        duration: int | None,
        *,
        rank: int | None,
        flags: tuple[str, ...] | None = None,
    ) -> dict[str, Any]:
        """Set one candidate's rank (and flags) and return its event (the whole new state)."""
        old = q.pairs.get(item_id) or Pick()
        pick = replace(
            old,
            rank=rank,
            flags=old.flags if flags is None else flags,
            shown_position=q.position[item_id],
            duration_ms=duration,
            guideline_version=self.version,
            created_at=now,
        )
        self._set(q, item_id, pick if pick.judged else None)
        event = self._event("pick", q, item_id, now, duration)
        event.update(
            rank=rank, best=rank == 1, flags=",".join(pick.flags) or None, shown=q.shown_json
        )
        return event

    def _mark(
        self, q: QueryState, value: bool, now: datetime, duration: int | None
    ) -> dict[str, Any]:
        event = super()._mark(q, value, now, duration)
        mark = Pick(duration_ms=duration, guideline_version=self.version, created_at=now)
        self._set(q, MARK, mark if value else None)
        return event

    # ------------------------------------------------------------------ actions
    def _pick_action(
        self, q: QueryState, action: Action, applied: Applied, now: datetime
    ) -> list[str]:
        assert action.item_id is not None
        item_id, rank, duration = action.item_id, action.rank, action.duration_ms
        old = q.pairs.get(item_id) or Pick()
        where = self._candidate(q, item_id)
        name = f"query {q.index + 1}"
        if rank is None:
            applied.description = f"pick cleared on {where} of {name}"
            if old.rank is None:
                return []
            applied.description = f"{_RANK_NAMES[old.rank]} pick cleared on {where} of {name}"
            applied.events.append(self._put(q, item_id, now, duration, rank=None))
            return [f"{_RANK_NAMES[old.rank]} pick cleared on {where}"]
        applied.description = f"{_RANK_NAMES[rank]} pick on {where} of {name}"
        if old.broken:  # P3
            raise Refused(
                f"{_RANK_NAMES[rank]} refused: {where} is flagged broken-media; press m on it to "
                "clear the flag first"
            )
        if old.rank == rank:
            return []
        notices: list[str] = []
        if rank == 2:
            if old.rank == 1:  # P2
                raise Refused(
                    f"second best refused: {where} is the best pick; choose another candidate "
                    "as second best"
                )
            current = self.ranked(q, 2)
            if current is not None:
                applied.events.append(self._put(q, current, now, None, rank=None))
                notices.append(f"second best moved from {self._candidate(q, current)} to {where}")
        else:
            current = self.ranked(q, 1)
            if current is not None:  # P1
                if old.rank == 2:
                    applied.events.append(self._put(q, current, now, None, rank=2))
                    notices.append(
                        f"swapped: {where} is best, {self._candidate(q, current)} second"
                    )
                else:
                    applied.events.append(self._put(q, current, now, None, rank=None))
                    notices.append(f"best moved from {self._candidate(q, current)} to {where}")
        applied.events.append(self._put(q, item_id, now, duration, rank=rank))
        notices += self._clear_mark(q, applied, now)  # P4
        return notices

    def _none_action(
        self, q: QueryState, action: Action, applied: Applied, now: datetime
    ) -> list[str]:
        if not action.on:
            return self._unmark(q, action, applied, now)
        applied.description = f"'none relevant' on query {q.index + 1}"
        picked = [
            f"{self._candidate(q, i)} ({_RANK_NAMES[rank]})"
            for rank in (1, 2)
            if (i := self.ranked(q, rank)) is not None
        ]
        if picked:  # P4
            them = "it" if len(picked) == 1 else "them"
            raise Refused(
                f"'none relevant' refused: {' and '.join(picked)} picked; clear {them} first "
                "(press the key of a picked candidate again) or undo with z"
            )
        if q.none_relevant:
            return []
        applied.events.append(self._mark(q, True, now, action.duration_ms))
        return []

    def _flag_action(
        self, q: QueryState, action: Action, applied: Applied, now: datetime
    ) -> list[str]:
        assert action.item_id is not None and action.flag is not None
        item_id, flag = action.item_id, action.flag
        old = q.pairs.get(item_id) or Pick()
        where = self._candidate(q, item_id)
        flags = self._toggle_flag(old.flags, action, applied, f"{where} of query {q.index + 1}")
        if flags is None:
            return []
        clears = flag == BROKEN and action.on and old.rank is not None  # P3
        rank = None if clears else old.rank
        applied.events.append(
            self._put(q, item_id, now, action.duration_ms, rank=rank, flags=flags)
        )
        if flag != BROKEN:
            return []
        if not action.on:
            return [f"broken-media flag cleared on {where}; it can be picked again"]
        notices = [f"{where} flagged broken-media: it cannot be picked"]
        if clears:
            assert old.rank is not None
            notices.append(f"its {_RANK_NAMES[old.rank]} pick cleared")
        return notices

    # ------------------------------------------------------------------ cues and acks
    def _done_notice(self, q: QueryState, was_all: bool) -> str:
        if not self._advance() or q.index == self.n_queries - 1:
            return super()._done_notice(q, was_all)
        left = self.n_queries - self.queries_done
        if not left and not was_all:
            return f"query {q.index + 1} done · all {self.n_queries} queries done"
        return f"query {q.index + 1} done · on to query {q.index + 2} (p to go back)"

    def item_ack(self, item_id: str, state: Pick | None) -> dict[str, Any]:
        pick = state or Pick()
        return {
            "item_id": item_id,
            "relevance": None,
            "best": pick.rank == 1,
            "rank": pick.rank,
            "flags": list(pick.flags),
        }
