"""The rules of the pair task (PairwiseJudge) and the check of its browser actions.

One page per pair: the widget's "query" slots are the pairs (a :class:`~._rules.QueryState` per
pair, its ``shown`` = ``[left_id, right_id]``), and the pair's state is kept under item ``a``.
The browser sends the side the annotator chose (``left``, ``right``, ``tie``, ``both-bad``); the
kernel, which knows what it showed, stores the choice as ``a``/``b``/``tie``/``both-bad`` of the
pair as given in the pairs frame.

- A choice replaces the pair's previous choice; choosing on a pair with a side flagged
  broken-media clears the flag (the media played after all).
- Flag ``broken-media`` is set on one item of the pair (the one whose media fail; both when no
  item is named): it removes the choice (the pair is out of the preferences) and counts as
  handled; removing it from every item leaves the pair unjudged.
- A pair is done when it has a choice or an item flagged broken-media.

The pair's judgement is one event per (query_id, a, b), carrying its whole state (choice and
flags): ``task = "pair"``, ``item_id = a``, ``other_id = b``, ``shown = [left_id, right_id]``,
``shown_position = 0`` when ``a`` was on the left. As in the grading task, the broken-media flag
sits on an event whose ``item_id`` is the broken item: on the pair's event when ``a`` is broken,
and on an event keyed the other way round (``item_id = b``, ``other_id = a``, no choice,
``shown_position = 0`` when ``b`` was on the left) when ``b`` is; that event is written only when
``b``'s flag changes. A store of an older version, whose flag on the pair's event meant "the pair",
reads as ``a`` broken (the pair still counts as handled and out of the preferences).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from .._contract import BROKEN
from ._input import (
    Action,
    BrowserInputError,
    _boolean,
    _field,
    _optional_identifier,
    action_head,
    shown_value,
)
from ._pair_frames import SIDES
from ._rules import Applied, QueryState, Rules

__all__ = ["BROKEN", "PAIR_OPS", "PairRules", "PairState", "parse_pair_action"]

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
    # the pair's flags but broken-media (that is per item: broken_items)
    flags: tuple[str, ...] = ()
    broken_items: tuple[str, ...] = ()  # the items of the pair (a, b) flagged broken-media
    a_left: bool = True  # item a was shown on the left
    duration_ms: int | None = None
    guideline_version: str | None = None
    created_at: datetime | None = None

    @property
    def broken(self) -> bool:
        return bool(self.broken_items)

    @property
    def all_flags(self) -> tuple[str, ...]:
        """The pair's flags with broken-media when an item of it is broken (``labels.flags``)."""
        return (*self.flags, BROKEN) if self.broken_items else self.flags

    @property
    def handled(self) -> bool:
        """Counts towards "pair done": a choice, or an item flagged broken-media."""
        return self.choice is not None or self.broken

    @property
    def judged(self) -> bool:
        """Has a row in ``judge.labels``."""
        return self.choice is not None or bool(self.flags) or self.broken

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
    ``{op: "flag", request_id, query_id, flag, on, item_id, duration_ms}`` (``item_id``: for
    broken-media, the item whose media fail; absent or null: both), ``{op: "undo", request_id}``.
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
    item_id = _optional_identifier(raw, "item_id", where) if flag == BROKEN else None
    return Action(
        "flag",
        request_id,
        query_id,
        item_id,
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
        self,
        q: QueryState,
        item_id: str,
        other_id: str,
        choice: str | None,
        flags: tuple[str, ...],
        now: datetime,
        duration: int | None,
    ) -> dict[str, Any]:
        return {
            "campaign": self.campaign,
            "task": "pair",
            "query_id": self.units[q.query_id].query_id,
            "item_id": item_id,
            "other_id": other_id,
            "annotator": self.annotator,
            "guideline_version": self.version,
            "choice": choice,
            "flags": ",".join(flags) or None,
            "shown_position": q.position[item_id],
            "shown": json.dumps(q.shown),
            "duration_ms": duration,
            "created_at": now,
        }

    def _write_state(
        self, q: QueryState, state: PairState, now: datetime, duration: int | None
    ) -> list[dict[str, Any]]:
        """Set the pair's state; its events: the pair's own, and b's flag when that changed."""
        unit = self.units[q.query_id]
        old = self.state(q)
        state = replace(
            state,
            a_left=q.shown[0] == unit.a,
            duration_ms=duration,
            guideline_version=self.version,
            created_at=now,
        )
        self._set(q, unit.a, state if state.judged else None)
        a_flags = (*state.flags, BROKEN) if unit.a in state.broken_items else state.flags
        events = []
        if (old.choice, old.flags, unit.a in old.broken_items) != (
            state.choice,
            state.flags,
            unit.a in state.broken_items,
        ):
            events.append(self._pair_event(q, unit.a, unit.b, state.choice, a_flags, now, duration))
        if (unit.b in old.broken_items) != (unit.b in state.broken_items):
            b_flags = (BROKEN,) if unit.b in state.broken_items else ()
            events.append(self._pair_event(q, unit.b, unit.a, None, b_flags, now, duration))
        return events

    def state(self, q: QueryState) -> PairState:
        unit = self.units[q.query_id]
        return q.pairs.get(unit.a) or PairState(a_left=q.shown[0] == unit.a)

    def _candidate_of(self, q: QueryState) -> str:
        return f"an item of pair {q.index + 1}"

    def _side_word(self, q: QueryState, item_id: str) -> str:
        return f"{'left' if q.shown[0] == item_id else 'right'} item"

    _JUDGE_TEXT = "choose on the text"

    def _broken_targets(self, q: QueryState, action: Action) -> list[str]:
        # broken-media is the flag of an item: both when the browser names none
        return list(q.shown) if action.item_id is None else [action.item_id]

    def _where(self, q: QueryState, item_id: str, action: Action) -> str:
        return f"the {self._side_word(q, item_id)} of pair {q.index + 1}"

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
            applied.events += self._write_state(
                q, replace(old, choice=None), now, action.duration_ms
            )
            return [f"choice cleared on {where}"]
        choice = choice_of(side, old.a_left)
        applied.description = f"'{_SIDE_WORDS[side]}' on {where}"
        if old.choice == choice and not old.broken:
            return []
        notices = []
        if old.broken:
            notices.append(f"broken-media flag cleared on {where}")
        applied.events += self._write_state(
            q, replace(old, choice=choice, broken_items=()), now, action.duration_ms
        )
        return notices

    def _flag_action(
        self, q: QueryState, action: Action, applied: Applied, now: datetime
    ) -> list[str]:
        assert action.flag is not None
        old = self.state(q)
        flag, where = action.flag, f"pair {q.index + 1}"
        if flag != BROKEN:
            flags = self._toggle_flag(old.flags, action, applied, where)
            if flags is not None:
                applied.events += self._write_state(
                    q, replace(old, flags=flags), now, action.duration_ms
                )
            return []
        # broken-media is the flag of an item (both when the browser names none)
        items = q.shown if action.item_id is None else [action.item_id]
        what = "both items" if len(items) > 1 else self._side_word(q, items[0])
        the = what if len(items) > 1 else f"the {what}"
        on = action.on
        applied.description = (
            f"broken-media on {the} of {where}"
            if on
            else f"broken-media removed from {the} of {where}"
        )
        if all((i in old.broken_items) == on for i in items):
            return []
        unit = self.units[q.query_id]
        broken = set(old.broken_items) | set(items) if on else set(old.broken_items) - set(items)
        broken_items = tuple(i for i in (unit.a, unit.b) if i in broken)
        if not on:
            applied.events += self._write_state(
                q, replace(old, broken_items=broken_items), now, action.duration_ms
            )
            if broken_items:
                return [f"broken-media flag removed from the {what} of {where}"]
            return [f"broken-media flag cleared on {where}; choose now"]
        applied.events += self._write_state(
            q, replace(old, choice=None, broken_items=broken_items), now, action.duration_ms
        )
        notices = [f"{where}: {what} flagged broken-media, the pair left out of the preferences"]
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
            "flags": list(pair.all_flags),
            "side": pair.side if state is not None else None,
            "broken": list(pair.broken_items),
        }
