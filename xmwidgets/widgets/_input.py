"""Validation of what the browser sends: custom messages, judge actions and state updates.

The browser is not trusted. Every value is checked for its type and range here, before any rule or
store sees it, and a refusal names the field and the value as the browser sent it (``Infinity``,
``"3"``, ``true``), so that a front-end bug or a tampered message is found at once. Nothing in this
module raises anything but :class:`BrowserInputError`.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .._contract import MAX_NOTE
from ..scale import Scale

__all__ = [
    "ACTION_OPS",
    "Action",
    "ActionHead",
    "BrowserInputError",
    "action_head",
    "candidate_flag_action",
    "json_safe",
    "parse_action",
    "parse_message",
    "safe_text",
    "shown_value",
]

_log = logging.getLogger(__name__)

ACTION_OPS = ("grade", "best", "none", "flag", "note", "undo")
MESSAGE_TYPES = ("ready", "page", "judge")
# a batch is what queued while one judge message was in flight; thousands means a broken front end
MAX_ACTIONS = 10_000
# longest query or item id accepted from the browser (ids are checked against the grid anyway)
_MAX_ID = 10_000
# durations above this (about 285 years) are not durations
_MAX_DURATION_MS = 2**53


class BrowserInputError(ValueError):
    """A message or action from the browser that the kernel refuses; the text says why.

    ``malformed`` is true when no correct front end could have sent it (a missing field, a wrong
    type, an unknown op), as opposed to a value the scale does not take.
    """

    def __init__(self, message: str, request_id: int | None = None, *, malformed: bool = True):
        super().__init__(message)
        self.request_id = request_id
        self.malformed = malformed


def safe_text(text: str) -> str:
    """``text`` with lone surrogates replaced by U+FFFD, so that it can be sent as UTF-8 JSON.

    Python strings may hold lone surrogates (from a JSON ``"\\ud800"`` escape or a badly decoded
    file); Jupyter's message packer cannot encode them and the whole message would be lost.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def json_safe(value: Any) -> Any:
    """``value`` (JSON-ready dicts, lists, scalars) with every string made :func:`safe_text`."""
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, dict):
        return {json_safe(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def shown_value(value: Any) -> str:
    """``value`` as the browser's JSON spelled it (``"3"``, ``true``, ``Infinity``, ``null``)."""
    try:
        text = json.dumps(value, allow_nan=True, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return safe_text(text if len(text) <= 80 else text[:77] + "...")


def _request_id(content: Mapping[str, Any]) -> int | None:
    value = content.get("request_id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True, slots=True)
class Message:
    """A checked browser -> kernel message."""

    type: str
    request_id: int | None
    index: int | None = None
    actions: tuple[Any, ...] = ()


def parse_message(content: Any, n_queries: int) -> Message:
    """Check the envelope of a custom message (its type, request id, page index, action list)."""
    if not isinstance(content, Mapping):
        raise BrowserInputError(
            f"a message from the browser must be a JSON object with a 'type', got "
            f"{type(content).__name__} {shown_value(content)}"
        )
    request_id = _request_id(content)
    if "request_id" in content and content["request_id"] is not None and request_id is None:
        raise BrowserInputError(
            f"field 'request_id' is {shown_value(content['request_id'])}: it must be an integer"
        )
    kind = content.get("type")
    if kind not in MESSAGE_TYPES:
        raise BrowserInputError(
            f"unknown message type {shown_value(kind)} from the browser: the kernel understands "
            f"{', '.join(MESSAGE_TYPES)}",
            request_id,
        )
    if kind == "page":
        if "index" not in content:
            raise BrowserInputError("page message: missing field 'index'", request_id)
        index = content["index"]
        if isinstance(index, bool) or not isinstance(index, int):
            raise BrowserInputError(
                f"page message: field 'index' is {shown_value(index)}: it must be an integer "
                f"query position 0..{n_queries - 1}",
                request_id,
            )
        if not 0 <= index < n_queries:
            raise BrowserInputError(
                f"page message: query index {index} is out of range 0..{n_queries - 1}", request_id
            )
        return Message("page", request_id, index=index)
    if kind == "judge":
        actions = content.get("actions")
        if not isinstance(actions, list) or not actions:
            raise BrowserInputError(
                f"judge message: field 'actions' is {shown_value(actions)}: it must be a non-empty "
                "list of actions",
                request_id,
            )
        if len(actions) > MAX_ACTIONS:
            raise BrowserInputError(
                f"judge message holds {len(actions)} actions; at most {MAX_ACTIONS} are accepted "
                "in one message",
                request_id,
            )
        return Message("judge", request_id, actions=tuple(actions))
    return Message("ready", request_id)


@dataclass(frozen=True, slots=True)
class Action:
    """A checked judge action. Which fields are set depends on ``op``."""

    op: str
    request_id: int | None
    query_id: str | None = None
    item_id: str | None = None
    value: float | int | None = None  # grade: the level (discrete) or magnitude (continuous)
    on: bool = True  # best / none / flag: set (True) or clear (False)
    flag: str | None = None
    duration_ms: int | None = None
    # fields of the other tasks' ops (each task's module parses its own ops with the helpers here)
    rank: int | None = None  # pick: 1 = best, 2 = second best; None = clear
    choice: str | None = None  # pair: "a", "b", "tie", "both-bad"; None = clear
    note: str | None = None  # note: the free text; "" clears it
    ranking: tuple[tuple[str, int], ...] = ()  # rank: (item_id, rank) for every candidate
    place: int | None = None  # rank's flag: the tile's place on screen (1-based), for notices


def _field(raw: Mapping[str, Any], name: str, where: str) -> Any:
    if name not in raw:
        raise BrowserInputError(f"{where}: missing field {name!r}", _request_id(raw))
    return raw[name]


def _identifier(raw: Mapping[str, Any], name: str, where: str) -> str:
    value = _field(raw, name, where)
    if not isinstance(value, str) or not value or len(value) > _MAX_ID:
        raise BrowserInputError(
            f"{where}: field {name!r} is {shown_value(value)}: it must be a non-empty string id",
            _request_id(raw),
        )
    return value


def _optional_identifier(raw: Mapping[str, Any], name: str, where: str) -> str | None:
    """An id that may be null or absent (a flag or note on the query itself)."""
    if raw.get(name) is None:
        return None
    return _identifier(raw, name, where)


def _note(raw: Mapping[str, Any], where: str) -> str:
    value = _field(raw, "note", where)
    if not isinstance(value, str):
        raise BrowserInputError(
            f"{where}: field 'note' is {shown_value(value)}: it must be a string "
            '("" removes the note)',
            _request_id(raw),
        )
    if len(value) > MAX_NOTE:  # typed, not malformed: the annotator gets the notice
        raise BrowserInputError(
            f"note refused: it has {len(value)} characters, at most {MAX_NOTE} are kept; "
            "shorten it",
            _request_id(raw),
            malformed=False,
        )
    return safe_text(value.strip())


def _boolean(raw: Mapping[str, Any], name: str, where: str) -> bool:
    value = _field(raw, name, where)
    if not isinstance(value, bool):
        raise BrowserInputError(
            f"{where}: field {name!r} is {shown_value(value)}: it must be true or false",
            _request_id(raw),
        )
    return value


def relevance_value(value: Any, scale: Scale) -> int | float:
    """The grade ``value`` if this scale allows it, else a BrowserInputError naming it.

    A discrete scale takes only its level values (integers: not ``2.7``, ``"3"`` or ``true``);
    a continuous one takes a finite number within its range.
    """
    if scale.is_continuous:
        assert scale.minimum is not None and scale.maximum is not None
        ok = (
            not isinstance(value, bool)
            and isinstance(value, int | float)
            and math.isfinite(value)
            and scale.minimum <= value <= scale.maximum
        )
        if not ok:
            raise BrowserInputError(
                f"relevance {shown_value(value)} refused: this scale takes a number from "
                f"{scale.minimum:g} to {scale.maximum:g}",
                malformed=False,
            )
        if not scale.on_step(value):
            assert scale.step is not None
            below, above = scale.steps_around(value)
            raise BrowserInputError(
                f"relevance {shown_value(value)} refused: this scale takes a number from "
                f"{scale.minimum:g} to {scale.maximum:g} in steps of {scale.step:g} "
                f"(e.g. {below:g} or {above:g})",
                malformed=False,
            )
        return float(value)
    if isinstance(value, bool) or not isinstance(value, int) or value not in scale.values:
        raise BrowserInputError(
            f"relevance {shown_value(value)} refused: this scale takes the level values "
            f"{', '.join(str(v) for v in scale.values)}",
            malformed=False,
        )
    return value


def _duration(raw: Mapping[str, Any], where: str) -> int | None:
    """The active time of a judgement. A bad one is dropped (logged), never the judgement itself."""
    value = raw.get("duration_ms")
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not 0 <= value <= _MAX_DURATION_MS
    ):
        _log.warning(
            "xmwidgets: %s: duration_ms %s is not a duration; stored as missing",
            where,
            shown_value(value),
        )
        return None
    return round(value)


@dataclass(frozen=True, slots=True)
class ActionHead:
    """What every task's action has: its op and request id; but for undo, a query and a duration."""

    op: str
    request_id: int | None
    where: str  # "<op> action", for messages
    query_id: str | None = None  # None for undo
    duration_ms: int | None = None


def action_head(raw: Any, position: int, ops: tuple[str, ...], task: str = "") -> ActionHead:
    """Check the part of an action every task shares; ``task`` names the task's ops in a refusal.

    Raises BrowserInputError for an action that is not an object, an unknown op, or (ops other than
    undo) a missing or empty ``query_id``. A bad ``duration_ms`` is dropped, never the action.
    """
    if not isinstance(raw, Mapping):
        raise BrowserInputError(
            f"action {position} is {shown_value(raw)}: each action must be a JSON object with an 'op'"
        )
    request_id = _request_id(raw)
    op = raw.get("op")
    if op not in ops:
        whose = f"the {task} task's ops are" if task else "the ops are"
        raise BrowserInputError(
            f"action {position}: unknown op {shown_value(op)}; {whose} {', '.join(ops)}",
            request_id,
        )
    where = f"{op} action"
    if op == "undo":
        return ActionHead(op, request_id, where)
    return ActionHead(
        op, request_id, where, _identifier(raw, "query_id", where), _duration(raw, where)
    )


def candidate_flag_action(
    raw: Mapping[str, Any], head: ActionHead, allowed: tuple[str, ...], whose: str
) -> Action:
    """A ``flag`` action on a candidate (``item_id``, ``flag`` one of ``allowed``, ``on``).

    ``whose`` names the allowed flags in a refusal ("this scale's candidate flags are").
    """
    where, request_id = head.where, head.request_id
    item_id = _identifier(raw, "item_id", where)
    flag = _field(raw, "flag", where)
    if not isinstance(flag, str) or flag not in allowed:
        raise BrowserInputError(
            f"flag {shown_value(flag)} refused: {whose} {', '.join(allowed) or '(none)'}",
            request_id,
            malformed=False,
        )
    on = _boolean(raw, "on", where)
    return Action(
        "flag", request_id, head.query_id, item_id, on=on, flag=flag, duration_ms=head.duration_ms
    )


def parse_action(raw: Any, position: int, scale: Scale) -> Action:
    """Check one action of the grading task; ``position`` is its place in the batch."""
    head = action_head(raw, position, ACTION_OPS)
    op, request_id, where = head.op, head.request_id, head.where
    if op == "undo":
        return Action("undo", request_id)
    query_id, duration = head.query_id, head.duration_ms
    if op == "none":
        return Action(
            "none",
            request_id,
            query_id,
            on=_boolean(raw, "none_relevant", where),
            duration_ms=duration,
        )
    if op == "note":
        return Action(
            "note",
            request_id,
            query_id,
            _optional_identifier(raw, "item_id", where),
            note=_note(raw, where),
            duration_ms=duration,
        )
    if op == "flag":
        item_id: str | None = _optional_identifier(raw, "item_id", where)
    else:
        item_id = _identifier(raw, "item_id", where)
    if op == "grade":
        try:
            value = relevance_value(_field(raw, "relevance", where), scale)
        except BrowserInputError as exc:
            raise BrowserInputError(str(exc), request_id, malformed=exc.malformed) from None
        return Action("grade", request_id, query_id, item_id, value=value, duration_ms=duration)
    if op == "best":
        return Action(
            "best",
            request_id,
            query_id,
            item_id,
            on=_boolean(raw, "best", where),
            duration_ms=duration,
        )
    flag = _field(raw, "flag", where)
    target = "query" if item_id is None else "candidate"
    allowed = scale.flags_for(target)
    if not isinstance(flag, str) or flag not in allowed:
        raise BrowserInputError(
            f"flag {shown_value(flag)} refused on a {target}: this scale's {target} flags are "
            f"{', '.join(allowed) or '(none)'}",
            request_id,
            malformed=False,
        )
    return Action(
        "flag",
        request_id,
        query_id,
        item_id,
        on=_boolean(raw, "on", where),
        flag=flag,
        duration_ms=duration,
    )


def checked_query_index(value: Any, n_queries: int) -> int | None:
    """``value`` if it is a valid query position, else None."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < max(n_queries, 1):
        return None
    return value
