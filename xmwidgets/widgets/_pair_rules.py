"""The rules of the pair task (PairwiseJudge) and the check of its browser actions.

One page per pair: the widget's "query" slots are the pairs (a :class:`~._rules.QueryState` per
pair, its ``shown`` = ``[left_id, right_id]``), and the pair's state is kept under item ``a``.
The browser sends the side the annotator chose (``left``, ``right``, ``tie``, ``both-bad``); the
kernel, which knows what it showed, stores the choice as ``a``/``b``/``tie``/``both-bad`` of the
pair as given in the pairs frame.

- A choice replaces the pair's previous choice; choosing on a pair flagged broken-media clears the
  flag (the media played after all).
- Flag ``broken-media`` removes the choice (the pair is out of the preferences) and counts as
  handled; removing the flag leaves the pair unjudged.
- A pair is done when it has a choice or is flagged broken-media.

Every event carries the pair's whole state (choice and flags), since the store keeps one current
event per (query_id, a, b): ``task = "pair"``, ``item_id = a``, ``other_id = b``, ``shown =
[left_id, right_id]``, ``shown_position = 0`` when ``a`` was on the left.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from ._input import (
    Action,
    BrowserInputError,
    _boolean,
    _field,
    action_head,
    shown_value,
)
from ._pair_frames import SIDES
from ._rules import Applied, QueryState, Rules

__all__ = ["BROKEN", "PAIR_OPS", "PairRules", "PairState", "parse_pair_action"]

BROKEN = "broken-media"
PAIR_OPS = ("choice", "flag", "undo")

_SIDE_WORDS = {
    "left": "left better",
    "right": "right better",
    "tie": "tie",
    "both-bad": "both bad",
}


@dataclass(slots=True)
class PairState:
    """The stored state of one pair for this annotator."""

    choice: str | None = None  # "a", "b", "tie", "both-bad"
    flags: tuple[str, ...] = ()
    a_left: bool = True  # item a was shown on the left
    duration_ms: int | None = None
    guideline_version: str | None = None
    created_at: datetime | None = None

    @property
    def broken(self) -> bool:
        return BROKEN in self.flags

    @property
    def handled(self) -> bool:
        """Counts towards "pair done": a choice, or flagged broken-media."""
        return self.choice is not None or self.broken

    @property
    def judged(self) -> bool:
        """Has a row in ``judge.labels``."""
        return self.choice is not None or bool(self.flags)

    @property
    def side(self) -> str | None:
        """The choice as the annotator saw it (``left``/``right``/``tie``/``both-bad``)."""
        return side_of(self.choice, self.a_left)


def side_of(choice: str | None, a_left: bool) -> str | None:
    """The on-screen side of a stored choice."""
    if choice == "a":
        return "left" if a_left else "right"
    if choice == "b":
        return "right" if a_left else "left"
    return choice


def choice_of(side: str | None, a_left: bool) -> str | None:
    """The stored choice (of the pair as given) of the side the annotator chose."""
    if side == "left":
        return "a" if a_left else "b"
    if side == "right":
        return "b" if a_left else "a"
    return side


@dataclass(frozen=True, slots=True)
class PairUnit:
    """One pair as the widget knows it: its query and its two items in the given order."""

    query_id: str
    a: str
    b: str


def parse_pair_action(raw: Any, position: int, flags: tuple[str, ...]) -> Action:
    """Check one action of the pair task; ``position`` is its place in the batch.

    ``{op: "choice", request_id, query_id, side, duration_ms}`` (``side``: ``left``, ``right``,
    ``tie``, ``both-bad`` or null to clear; ``query_id`` is the pair's id on its page),
    ``{op: "flag", request_id, query_id, flag, on, duration_ms}``, ``{op: "undo", request_id}``.
    The side is kept in :attr:`Action.choice`; the rules turn it into the stored choice.
    """
    head = action_head(raw, position, PAIR_OPS, "pair")
    op, request_id, where = head.op, head.request_id, head.where
    if op == "undo":
        return Action("undo", request_id)
    query_id, duration = head.query_id, head.duration_ms
    if op == "choice":
        side = _field(raw, "side", where)
        if side is not None and side not in SIDES:
            raise BrowserInputError(
                f"{where}: side {shown_value(side)} refused: it must be one of "
                f"{', '.join(SIDES)} or null (clear)",
                request_id,
            )
        return Action("choice", request_id, query_id, choice=side, duration_ms=duration)
    flag = _field(raw, "flag", where)
    if not isinstance(flag, str) or flag not in flags:
        raise BrowserInputError(
            f"flag {shown_value(flag)} refused: the flags of this task are {', '.join(flags)}",
            request_id,
            malformed=False,
        )
    return Action(
        "flag",
        request_id,
        query_id,
        on=_boolean(raw, "on", where),
        flag=flag,
        duration_ms=duration,
    )


class PairRules(Rules):
    """The rules of the pair task (module docstring) on the shared bookkeeping of Rules.

    Parameters
    ----------
    units
        Pair id (the widget's query slot) -> the pair.
    advance
        Whether the view goes on to the next pair after a choice (then "pair 7 done" is not
        said: the next pair is already on screen).
    campaign, annotator, version, load_query, n_queries, total, judged, queries_done
        As for :class:`~xmwidgets.widgets._rules.Rules`.
    """

    def __init__(
        self,
        units: Mapping[str, PairUnit],
        campaign: str,
        annotator: str,
        version: str | None,
        load_query: Callable[[str], QueryState],
        *,
        advance: Callable[[], bool],
        **counts: int,
    ) -> None:
        super().__init__(
            campaign,
            annotator,
            version,
            load_query,
            **counts,
        )
        self.units = units
        self._advance = advance

    # ------------------------------------------------------------------ events
    def _pair_event(
        self, q: QueryState, state: PairState, now: datetime, duration: int | None
    ) -> dict[str, Any]:
        unit = self.units[q.query_id]
        return {
            "campaign": self.campaign,
            "task": "pair",
            "query_id": unit.query_id,
            "item_id": unit.a,
            "other_id": unit.b,
            "annotator": self.annotator,
            "guideline_version": self.version,
            "choice": state.choice,
            "flags": ",".join(state.flags) or None,
            "shown_position": 0 if state.a_left else 1,
            "shown": json.dumps(q.shown),
            "duration_ms": duration,
            "created_at": now,
        }

    def _write_state(
        self, q: QueryState, state: PairState, now: datetime, duration: int | None
    ) -> dict[str, Any]:
        unit = self.units[q.query_id]
        state = replace(
            state,
            a_left=q.shown[0] == unit.a,
            duration_ms=duration,
            guideline_version=self.version,
            created_at=now,
        )
        self._set(q, unit.a, state if state.judged else None)
        return self._pair_event(q, state, now, duration)

    def state(self, q: QueryState) -> PairState:
        unit = self.units[q.query_id]
        return q.pairs.get(unit.a) or PairState(a_left=q.shown[0] == unit.a)

    # ------------------------------------------------------------------ actions
    def _choice_action(
        self, q: QueryState, action: Action, applied: Applied, now: datetime
    ) -> list[str]:
        old = self.state(q)
        side = action.choice
        where = f"pair {q.index + 1}"
        if side is None:
            applied.description = f"choice cleared on {where}"
            if old.choice is None:
                return []
            applied.events.append(
                self._write_state(q, replace(old, choice=None), now, action.duration_ms)
            )
            return [f"choice cleared on {where}"]
        choice = choice_of(side, old.a_left)
        applied.description = f"'{_SIDE_WORDS[side]}' on {where}"
        if old.choice == choice and not old.broken:
            return []
        notices = []
        flags = old.flags
        if old.broken:
            flags = tuple(f for f in flags if f != BROKEN)
            notices.append(f"broken-media flag cleared on {where}")
        applied.events.append(
            self._write_state(q, replace(old, choice=choice, flags=flags), now, action.duration_ms)
        )
        return notices

    def _flag_action(
        self, q: QueryState, action: Action, applied: Applied, now: datetime
    ) -> list[str]:
        assert action.flag is not None
        old = self.state(q)
        flag, where = action.flag, f"pair {q.index + 1}"
        toggled = self._toggle_flag(old.flags, action, applied, where)
        if toggled is None:
            return []
        flags = toggled
        if flag != BROKEN:
            applied.events.append(
                self._write_state(q, replace(old, flags=flags), now, action.duration_ms)
            )
            return []
        if not action.on:
            applied.events.append(
                self._write_state(q, replace(old, flags=flags), now, action.duration_ms)
            )
            return [f"broken-media flag cleared on {where}; choose now"]
        applied.events.append(
            self._write_state(q, replace(old, choice=None, flags=flags), now, action.duration_ms)
        )
        notices = [f"{where} flagged broken-media: left out of the preferences"]
        if old.choice is not None:
            notices.append(f"its choice '{_SIDE_WORDS[old.side or '']}' removed")
        return notices

    def _done_notice(self, q: QueryState, was_all: bool) -> str:
        left = self.n_queries - self.queries_done
        if not left and not was_all:
            return f"all {self.n_queries} pairs done" if self.n_queries > 1 else "all done"
        if q.index == self.n_queries - 1:  # n goes nowhere from the last pair
            return (
                f"pair {q.index + 1} done · {left} pair{'' if left == 1 else 's'} left · "
                "g to go to one"
            )
        return "" if self._advance() else f"pair {q.index + 1} done · n for next"

    # ------------------------------------------------------------------ acks
    def item_ack(self, item_id: str, state: PairState | None) -> dict[str, Any]:
        pair = state or PairState()
        return {
            "item_id": item_id,
            "relevance": None,
            "best": False,
            "flags": list(pair.flags),
            "side": pair.side if state is not None else None,
        }
