"""What every task's rules share: per-query state kept current, undo, rollback, counts and acks.

A task's rules (:class:`Rules` subclass, one module per task) turn each checked action from the
browser into zero or more store events plus a notice for the annotator, by methods named
``_<op>_action``. The state of every touched query is held in memory (:class:`QueryState` of
:mod:`._query_state`, whose ``pairs`` map an item id to the task's own item state) and updated
from the events the kernel itself writes; the store stays the source of truth (a widget reads it
when it opens and on ``refresh()``). This module keeps the bookkeeping that is the same for every
task: the undo stack (undo retracts the events of the last accepted action), rollback of a batch
the store refused, the counts behind ``progress``, the "none relevant" mark, the "query done" cues
and the pairs touched since the last ack.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from ..scale import Scale
from ._input import Action, safe_text
from ._query_state import BROKEN, QUERY, QueryNote, QueryState

# QueryState too: a task's rules take it from here, with the rest of what they build on
__all__ = ["Applied", "QueryState", "Refused", "Rules", "ScaleRules"]


class Refused(ValueError):
    """An action the rules refuse; the text is the notice for the annotator."""


@dataclass(slots=True)
class Applied:
    """An accepted action: its events, what it changed (to undo or roll back) and its notice."""

    action: Action
    query_id: str | None
    description: str
    notice: str = ""
    events: list[dict[str, Any]] = field(default_factory=list)
    # states before this action of every pair it changed (None: the pair had no state)
    before: dict[tuple[str, str], Any] = field(default_factory=dict)
    none_before: dict[str, bool] = field(default_factory=dict)
    event_ids: list[int] | None = None  # set once the events are in the store
    undid: Applied | None = None  # for an undo: the action it undid
    undone: dict[str, Any] | None = None


class Rules:
    """Applies actions to the in-memory query states and turns them into store events.

    Subclasses add one ``_<op>_action(q, action, applied, now) -> list[str]`` per op of their task
    (the returned strings are notices) and :meth:`item_ack` (an item's state as the view adopts it).

    Parameters
    ----------
    campaign, annotator, version
        Recorded on every event (``version`` as ``guideline_version``).
    load_query
        ``query_id -> QueryState`` for a query not seen yet in this session (from what the widget
        read from the store); raises KeyError for an unknown query.
    n_queries, total, judged, queries_done
        Counts of the whole widget as read from the store, kept current from then on.
    """

    TASK = ""  # the events' task

    def __init__(
        self,
        campaign: str,
        annotator: str,
        version: str | None,
        load_query: Callable[[str], QueryState],
        *,
        n_queries: int,
        total: int,
        judged: int,
        queries_done: int,
    ) -> None:
        self.campaign = campaign
        self.annotator = annotator
        self.version = version
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
        # (dicts as ordered sets: new rows of the labels frame keep the order of judgement)
        self.touched: dict[str, dict[str, None]] = {}
        self._applying: Applied | None = None
        # recorded on every event when set: "adjudicator" for Review (None: an annotator's own)
        self.role: str | None = None
        # item id -> whether its tile is text only (broken-media is refused there); the widget
        # sets it from its pages (PageBuilder.text_only)
        self.text_only: Callable[[str], bool] = _has_no_text_only

    # ------------------------------------------------------------------ state
    def query(self, query_id: str) -> QueryState:
        state = self.queries.get(query_id)
        if state is None:
            try:
                state = self.queries[query_id] = self._load_query(query_id)
            except KeyError:
                raise Refused(
                    f"unknown query_id {query_id!r}: it has no candidates in this widget"
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

    def _set(self, q: QueryState, item_id: str, state: Any | None) -> None:
        """Change one pair's state, keeping the counts current and the old state for undo."""
        applied = self._applying
        old = q.pairs.get(item_id)
        if applied is not None:
            applied.before.setdefault((q.query_id, item_id), None if old is None else replace(old))
        was_done = q.done
        if item_id in q.position:
            delta = int(state is not None and state.handled) - int(old is not None and old.handled)
            q.handled += delta
            self.judged += delta
        if state is None:
            q.pairs.pop(item_id, None)
        else:
            q.pairs[item_id] = state
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

    def reset(self, q: QueryState, pairs: dict[str, Any], none_relevant: bool) -> None:
        """Replace one query's state by what the store says (counts and rows follow)."""
        for item_id in [*q.pairs, *(i for i in pairs if i not in q.pairs)]:
            self._set(q, item_id, pairs.get(item_id))
        self._set_none(q, none_relevant)

    def _restore(self, applied: Applied) -> None:
        """Put back the states from before ``applied`` (undo, or a write that failed)."""
        for (query_id, item_id), state in applied.before.items():
            self._set(self.queries[query_id], item_id, None if state is None else replace(state))
        for query_id, value in applied.none_before.items():
            self._set_none(self.queries[query_id], value)

    # ------------------------------------------------------------------ events
    @staticmethod
    def _candidate(q: QueryState, item_id: str) -> str:
        return f"candidate {q.position[item_id] + 1}"

    def _candidate_of(self, q: QueryState) -> str:
        """What an item of ``q`` must be, for a refusal: "a candidate of query 'q1' (query 1)"."""
        return f"a candidate of query {q.query_id!r} (query {q.index + 1})"

    def _event(
        self, task: str, q: QueryState, item_id: str | None, now: datetime, duration: int | None
    ) -> dict[str, Any]:
        event = {
            "campaign": self.campaign,
            "task": task,
            "query_id": q.query_id,
            "item_id": item_id,
            "annotator": self.annotator,
            "guideline_version": self.version,
            "shown_position": None if item_id is None else q.position[item_id],
            "duration_ms": duration,
            "created_at": now,
        }
        if self.role is not None:
            event["role"] = self.role
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
            shown = repr(item_id) if len(item_id) <= 80 else repr(item_id[:77]) + "..."
            raise Refused(f"item_id {safe_text(shown)} is not {self._candidate_of(q)}")
        handler = getattr(self, f"_{action.op}_action", None)
        if handler is None:
            raise Refused(f"this task has no {action.op!r} action")
        if action.op == "flag" and action.flag == BROKEN and action.on:
            self._refuse_text_only(q, action)
        applied = Applied(action, q.query_id, "")
        was_done, was_all = q.done, self.queries_done == self.n_queries
        self._applying = applied
        try:
            notices = handler(q, action, applied, now)
        except BaseException:
            self._applying = None
            self._restore(applied)
            raise
        self._applying = None
        if applied.events:
            self.undo_stack.append(applied)
            if q.done and not was_done:
                notices.append(self._done_notice(q, was_all))
        applied.notice = " · ".join(n for n in notices if n)
        return applied

    # how a refusal of broken-media on a text says what to do instead
    _JUDGE_TEXT = "grade the text"

    def _broken_targets(self, q: QueryState, action: Action) -> list[str]:
        """The items a broken-media ``flag`` action sets the flag on (the task's own reading
        of an action without an item id: none here, that is a flag on the query)."""
        return [] if action.item_id is None else [action.item_id]

    def _where(self, q: QueryState, item_id: str, action: Action) -> str:
        """How a notice names the item ``item_id`` of ``q`` ("candidate 3")."""
        return self._candidate(q, item_id)

    def _refuse_text_only(self, q: QueryState, action: Action) -> None:
        """Refuse broken-media on a text-only item, as the front end does (``m`` on a text).

        Broken media is for an image, audio or video that does not load; a text is always there
        to be judged, and flagging it would take it out of the judgements. The browser is not
        trusted with this rule: a tampered or older front end may send the flag anyway.
        Clearing the flag stays allowed (``on`` false never gets here).
        """
        texts = [i for i in self._broken_targets(q, action) if self.text_only(i)]
        if not texts:
            return
        named = " and ".join(self._where(q, i, action) for i in texts)
        raise Refused(
            f"broken-media refused: {named} {'are' if len(texts) > 1 else 'is'} text only: "
            f"broken media is for an image, audio or video that does not load; "
            f"{self._JUDGE_TEXT}"
        )

    def _done_notice(self, q: QueryState, was_all: bool) -> str:
        """The cue when ``q`` became done: its count and where to go next."""
        done = f"query {q.index + 1} done" + (
            f" ({q.handled}/{q.total})" if q.needed is None else ""
        )
        left = self.n_queries - self.queries_done
        if not left and not was_all:
            return f"{done} · " + (
                f"all {self.n_queries} queries done" if self.n_queries > 1 else "all done"
            )
        if q.index == self.n_queries - 1:  # n goes nowhere from the last query
            return f"{done} · {left} quer{'y' if left == 1 else 'ies'} left · g to go to one"
        return f"{done} · n for next"

    # ------------------------------------------------------------------ "none relevant"
    def _mark(
        self, q: QueryState, value: bool, now: datetime, duration: int | None
    ) -> dict[str, Any]:
        """Mark ``q`` "none relevant" (or not): its state and its ``pick`` event (item_id null)."""
        self._set_none(q, value)
        event = self._event("pick", q, None, now, duration)
        event.update(none_relevant=value, shown=q.shown_json)
        return event

    def _unmark(self, q: QueryState, action: Action, applied: Applied, now: datetime) -> list[str]:
        """A ``none`` action that clears the mark (``on`` false): nothing else changes."""
        applied.description = f"'none relevant' cleared on query {q.index + 1}"
        if not q.none_relevant:
            return []
        applied.events.append(self._mark(q, False, now, action.duration_ms))
        return [applied.description]

    def _clear_mark(self, q: QueryState, applied: Applied, now: datetime) -> list[str]:
        """Clear the mark of ``q`` as a side effect of ``applied`` (e.g. a pick), if it has one."""
        if not q.none_relevant:
            return []
        applied.events.append(self._mark(q, False, now, None))
        return ["'none relevant' cleared"]

    # ------------------------------------------------------------------ the query's own flags and note
    def _query_note(
        self, q: QueryState, own: QueryNote, now: datetime, duration: int | None
    ) -> dict[str, Any]:
        """Set the query's own state; its event (task's, item_id null) carries flags and note."""
        self._set(q, QUERY, QueryNote(own.flags, own.note, now) if own.judged else None)
        event = self._event(self.TASK, q, None, now, duration)
        event.update(flags=",".join(own.flags) or None, note=own.note)
        return event

    @staticmethod
    def _toggle_flag(
        flags: tuple[str, ...], action: Action, applied: Applied, where: str
    ) -> tuple[str, ...] | None:
        """The flags after a ``flag`` action on ``where`` (its description is set), or None when
        the action changes nothing (the flag is already set, or already absent)."""
        flag = action.flag
        assert flag is not None
        applied.description = (
            f"flag '{flag}' on {where}" if action.on else f"flag '{flag}' removed from {where}"
        )
        if (flag in flags) == action.on:
            return None
        return (*flags, flag) if action.on else tuple(f for f in flags if f != flag)

    def _query_flag(
        self, q: QueryState, action: Action, applied: Applied, now: datetime
    ) -> list[str]:
        """Flag (or unflag) the query itself: ``flag`` action with no item id."""
        own, flag = q.own, action.flag
        name = f"query {q.index + 1}"
        flags = self._toggle_flag(own.flags, action, applied, name)
        if flags is None:
            return []
        applied.events.append(
            self._query_note(q, replace(own, flags=flags), now, action.duration_ms)
        )
        return [f"{name} flagged '{flag}'" if action.on else f"flag '{flag}' removed from {name}"]

    def _query_set_note(
        self, q: QueryState, action: Action, applied: Applied, now: datetime
    ) -> list[str]:
        """The query's own note: ``note`` action with no item id ("" clears it)."""
        own, note = q.own, action.note or None
        name = f"query {q.index + 1}"
        applied.description = f"note on {name}" if note else f"note removed from {name}"
        if own.note == note:
            return []
        applied.events.append(self._query_note(q, replace(own, note=note), now, action.duration_ms))
        return [f"note saved on {name}" if note else f"note removed from {name}"]

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

    # ------------------------------------------------------------------ acks
    def item_ack(self, item_id: str, state: Any | None) -> dict[str, Any]:
        """One candidate's state as the view adopts it (``QueryAck.states[i]``)."""
        raise NotImplementedError

    def query_ack(self, query_id: str, item_ids: Iterable[str]) -> dict[str, Any]:
        """The ``QueryAck`` of one query: its counts and the states of ``item_ids``."""
        q = self.queries[query_id]
        states = [
            self.item_ack(item_id, q.pairs.get(item_id))
            for item_id in sorted(item_ids, key=lambda i: q.position.get(i, len(q.shown)))
            if item_id in q.position
        ]
        own = q.own
        return {
            "index": q.index,
            "states": states,
            "none_relevant": q.none_relevant,
            "query_flags": list(own.flags),
            "query_note": own.note,
            "done": q.done,
            "judged": q.handled,
            "total": q.total,
        }


class ScaleRules(Rules):
    """Rules of a task whose guideline is a :class:`~xmwidgets.scale.Scale` (grading, picking,
    ranking): its ``version`` is recorded as ``guideline_version``.

    Parameters
    ----------
    scale
        The task's scale (kept as :attr:`scale`).
    campaign, annotator, load_query, n_queries, total, judged, queries_done
        As for :class:`Rules`.
    advance
        Whether the view goes on to the next query after the action that makes one done (the
        "query done" cue may then say where it went); default: it does not.
    """

    def __init__(
        self,
        scale: Scale,
        campaign: str,
        annotator: str,
        load_query: Callable[[str], QueryState],
        *,
        advance: Callable[[], bool] | None = None,
        **counts: int,
    ) -> None:
        super().__init__(campaign, annotator, scale.version, load_query, **counts)
        self.scale = scale
        self._advance = advance or _stays


def _stays() -> bool:
    return False


def _has_no_text_only(item_id: str) -> bool:
    return False
