"""The browser is not trusted: tampered state updates, bad values and malformed messages.

Every refusal names the field and the value as the browser sent it; nothing raises out of the
message handler, and nothing bad reaches the store.
"""

from __future__ import annotations

import json
import pathlib
from typing import TYPE_CHECKING, Any

import pytest
import traitlets
from test_grid import Browser, best, flag, frames, grade, make_grid, none

import xmwidgets as xm

if TYPE_CHECKING:
    from conftest import Location

__all__ = ["frames"]  # the fixture, imported for pytest

# Refused input never reaches the store, whatever the backend: these tests run on SQLite
# ":memory:". The two that check what an accepted event records (annotator, shown position and
# order) take ``location`` and run on SQLite and on PostgreSQL.


def _capture_state(grid: xm.RelevanceGrid) -> list[dict[str, Any]]:
    """What the kernel sends as widget state updates (comm messages)."""
    updates: list[dict[str, Any]] = []
    grid._send = lambda msg, buffers=None: updates.append(msg)  # type: ignore[method-assign]
    return updates


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("annotator", "mallory"),
        ("show_sources", True),
        ("scale", {"levels": []}),
        ("progress", {"judged": 999}),
        ("n_queries", 0),
        ("error", "hacked"),
        ("tile_size", 10),
        ("goto_query_ids", ["q-forged"]),
    ],
)
def test_state_updates_may_not_change_kernel_facts(
    built_bundle: pathlib.Path, frames: Any, name: str, value: Any, caplog: Any
) -> None:
    grid = make_grid(frames)
    before = getattr(grid, name)
    updates = _capture_state(grid)
    grid.set_state({name: value})
    assert getattr(grid, name) == before
    # the browser's model gets the kernel's value back, and the attempt is logged
    assert updates[-1]["method"] == "update" and updates[-1]["state"][name] == json.loads(
        json.dumps(before)
    )
    assert f"tried to set {name!r}" in caplog.text


def test_annotator_cannot_be_renamed_from_the_browser(
    built_bundle: pathlib.Path, frames: Any, location: Location
) -> None:
    grid = make_grid(frames, store=location())
    _capture_state(grid)
    grid.set_state({"annotator": "mallory", "query_index": 2})
    assert grid.annotator == "ana" and grid.query_index == 2  # the allowed part is applied
    Browser(grid).judge(grade("q1", "i1", 2))
    assert grid.store.events()["annotator"].tolist() == ["ana"]
    with pytest.raises(traitlets.TraitError, match="annotator is fixed"):
        grid.annotator = "ben"


@pytest.mark.parametrize("value", [2.5, "1", 99, -1, True, None, float("inf")])
def test_bad_query_index_from_the_browser_is_reverted(
    built_bundle: pathlib.Path, frames: Any, value: Any
) -> None:
    grid = make_grid(frames)
    updates = _capture_state(grid)
    grid.set_state({"query_index": value})
    assert grid.query_index == 0 and updates[-1]["state"] == {"query_index": 0}


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (2.7, "2.7"),
        ("3", '"3"'),
        (True, "true"),
        (float("nan"), "NaN"),
        (float("inf"), "Infinity"),
        (None, "null"),
        ([3], "[3]"),
        (4, "4"),
        (2.0, "2.0"),
    ],
)
def test_relevance_must_be_a_level_value(
    built_bundle: pathlib.Path, frames: Any, value: Any, shown: str
) -> None:
    grid = make_grid(frames)
    result = Browser(grid).one(**grade("q1", "i1", value))
    assert result["status"] == "refused"
    assert result["notice"] == (
        f"relevance {shown} refused: this scale takes the level values 0, 1, 2, 3"
    )
    assert grid.store.events().empty and grid.labels.empty


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (42, True),
        (42.0, True),
        (100, True),
        (100.5, False),
        (-1, False),
        ("50", False),
        (float("nan"), False),
        (float("-inf"), False),
        (False, False),
    ],
)
def test_continuous_scale_takes_finite_numbers_in_range(
    built_bundle: pathlib.Path, frames: Any, value: Any, ok: bool
) -> None:
    grid = make_grid(frames, scale=xm.Scale.continuous(0, 100))
    result = Browser(grid).one(**grade("q1", "i1", value))
    assert (result["status"] == "saved") is ok, result
    if not ok:
        assert result["notice"].endswith("refused: this scale takes a number from 0 to 100")
        assert grid.store.events().empty


def test_continuous_scale_refuses_a_magnitude_between_its_steps(
    built_bundle: pathlib.Path, frames: Any
) -> None:
    grid = make_grid(frames, scale=xm.Scale.continuous(0, 100))  # step 1
    browser = Browser(grid)
    result = browser.one(**grade("q1", "i1", 50.5))
    assert result["status"] == "refused"
    assert result["notice"] == (
        "relevance 50.5 refused: this scale takes a number from 0 to 100 in steps of 1 "
        "(e.g. 50 or 51)"
    )
    assert grid.store.events().empty and grid.labels.empty
    # a step of 0.3: the browser's float sums of steps are on it; the maximum always is
    tenths = make_grid(frames, scale=xm.Scale.continuous(0, 1, step=0.3))
    browser = Browser(tenths)
    ack = browser.judge(grade("q1", "i1", 0.1 * 3), grade("q1", "i2", 1), grade("q1", "t1", 0.5))
    assert [r["status"] for r in ack["results"]] == ["saved", "saved", "refused"]
    assert ack["results"][2]["notice"].endswith("in steps of 0.3 (e.g. 0.3 or 0.6)")
    assert tenths.labels["magnitude"].tolist() == [0.1 * 3, 1.0]


def test_shown_position_and_shown_come_from_the_kernel(
    built_bundle: pathlib.Path, frames: Any, location: Location
) -> None:
    grid = make_grid(frames, store=location())
    shown = list(grid.shown_candidates("q1")["item_id"])
    Browser(grid).judge(
        grade("q1", "i2", 3, shown_position=0, shown=["i9"]),
        {**best("q1", "i2"), "shown_position": 7, "shown": ["t1", "i1"]},
    )
    events = grid.store.events()
    assert events["shown_position"].tolist() == [shown.index("i2")] * 2
    assert json.loads(events["shown"].iloc[1]) == shown
    assert grid.labels["shown_position"].tolist() == [shown.index("i2")]


@pytest.mark.parametrize(
    ("content", "text"),
    [
        (
            "grade",
            "a message from the browser must be a JSON object with a 'type', got str \"grade\"",
        ),
        (["judge"], 'got list ["judge"]'),
        (None, "got NoneType null"),
        ({}, "unknown message type null"),
        ({"type": "grade", "query_id": "q1"}, 'unknown message type "grade"'),
        ({"type": "page"}, "page message: missing field 'index'"),
        ({"type": "page", "index": "1"}, "page message: field 'index' is \"1\""),
        ({"type": "page", "index": 1.5}, "field 'index' is 1.5: it must be an integer"),
        ({"type": "page", "index": float("inf")}, "field 'index' is Infinity"),
        ({"type": "page", "index": True}, "field 'index' is true"),
        (
            {"type": "page", "index": 10**30},
            "query index 1000000000000000000000000000000 is out of range 0..2",
        ),
        ({"type": "page", "index": -1}, "query index -1 is out of range 0..2"),
        ({"type": "page", "index": 0, "request_id": "x"}, "field 'request_id' is \"x\""),
        ({"type": "judge"}, "judge message: field 'actions' is null"),
        ({"type": "judge", "actions": []}, "field 'actions' is []"),
        ({"type": "judge", "actions": {"op": "grade"}}, "it must be a non-empty list of actions"),
    ],
)
def test_malformed_messages_get_an_error_naming_field_and_value(
    built_bundle: pathlib.Path, frames: Any, content: Any, text: str
) -> None:
    grid = make_grid(frames)
    browser = Browser(grid)
    if isinstance(content, dict):
        content = {"request_id": 7, **content} if "request_id" not in content else content
    reply = browser(content)
    assert reply["type"] == "error" and text in reply["message"], reply
    assert "KeyError" not in reply["message"] and "Traceback" not in reply["message"]
    if isinstance(content, dict) and content.get("request_id") == 7:
        assert reply["request_id"] == 7


@pytest.mark.parametrize(
    ("action", "text"),
    [
        ("grade", "action 0 is \"grade\": each action must be a JSON object with an 'op'"),
        (
            {"op": "launch"},
            'action 0: unknown op "launch"; the ops are grade, best, none, flag, note, undo',
        ),
        ({"query_id": "q1"}, "action 0: unknown op null"),
        (
            {"op": "grade", "item_id": "i1", "relevance": 1},
            "grade action: missing field 'query_id'",
        ),
        (
            {"op": "grade", "query_id": "q1", "relevance": 1},
            "grade action: missing field 'item_id'",
        ),
        (
            {"op": "grade", "query_id": "q1", "item_id": "i1"},
            "grade action: missing field 'relevance'",
        ),
        (
            {"op": "grade", "query_id": 1, "item_id": "i1", "relevance": 1},
            "grade action: field 'query_id' is 1: it must be a non-empty string id",
        ),
        ({"op": "best", "query_id": "q1", "item_id": "i1"}, "best action: missing field 'best'"),
        (
            {"op": "best", "query_id": "q1", "item_id": "i1", "best": 1},
            "best action: field 'best' is 1: it must be true or false",
        ),
        (
            {"op": "none", "query_id": "q1", "none_relevant": "yes"},
            "none action: field 'none_relevant' is \"yes\"",
        ),
        (
            {"op": "flag", "query_id": "q1", "item_id": "i1", "on": True},
            "flag action: missing field 'flag'",
        ),
        (
            {"op": "flag", "query_id": "q1", "item_id": "i1", "flag": "broken-media"},
            "flag action: missing field 'on'",
        ),
    ],
)
def test_malformed_actions_are_refused_naming_field_and_value(
    built_bundle: pathlib.Path, frames: Any, action: Any, text: str
) -> None:
    grid = make_grid(frames)
    browser = Browser(grid)
    good = {**grade("q1", "i1", 1), "request_id": 9}
    before = len(browser.sent)
    grid._on_message(grid, {"type": "judge", "actions": [action, good]}, [])
    # the ack settles both actions; an error message also reports the front-end bug
    (ack, _), (error, _) = browser.sent[before:]
    assert ack["type"] == "ack"
    first, second = ack["results"]
    assert first["status"] == "refused" and first["notice"].startswith(text), first
    assert second == {"request_id": 9, "status": "saved", "query_id": "q1", "notice": ""}
    assert error["type"] == "error" and error["message"].startswith(
        "1 malformed action(s) refused: " + text
    ), error
    assert grid.store.events()["relevance"].tolist() == [1]  # the good action is kept


@pytest.mark.parametrize("duration", [-5, "12", float("nan"), True, 1e300])
def test_a_bad_duration_loses_only_the_duration(
    built_bundle: pathlib.Path, frames: Any, duration: Any
) -> None:
    grid = make_grid(frames)
    result = Browser(grid).one(**grade("q1", "i1", 2, duration_ms=duration))
    assert result["status"] == "saved"
    events = grid.store.events()
    assert events["relevance"].tolist() == [2] and events["duration_ms"].isna().all()


def test_json_infinity_from_the_wire_is_an_error_not_an_overflow(
    built_bundle: pathlib.Path, frames: Any
) -> None:
    grid = make_grid(frames)
    browser = Browser(grid)
    content = json.loads('{"type": "page", "request_id": 3, "index": Infinity}')
    reply = browser(content)
    assert reply == {
        "type": "error",
        "request_id": 3,
        "message": "page message: field 'index' is Infinity: it must be an integer query "
        "position 0..2",
    }
    content = json.loads(
        '{"type": "judge", "actions": [{"op": "grade", "request_id": 4, "query_id": "q1",'
        ' "item_id": "i1", "relevance": -Infinity}]}'
    )
    reply = browser(content)
    assert reply["results"][0]["notice"].startswith("relevance -Infinity refused")


def test_flag_and_none_on_unknown_pairs_are_refused(
    built_bundle: pathlib.Path, frames: Any
) -> None:
    grid = make_grid(frames)
    browser = Browser(grid)
    ack = browser.judge(flag("q1", "i4"), none("q9"), best("q2", "t1"))
    assert [r["status"] for r in ack["results"]] == ["refused"] * 3
    assert (
        ack["results"][1]["notice"] == "unknown query_id 'q9': it has no candidates in this widget"
    )
    assert grid.store.events().empty


def test_go_to_knows_every_query_id_in_shown_order(built_bundle: pathlib.Path, frames: Any) -> None:
    grid = make_grid(frames)
    assert grid.goto_query_ids == grid.query_ids
    assert len(grid.goto_query_ids) == grid.n_queries > 0


def test_messages_after_close_are_ignored_and_logged(
    built_bundle: pathlib.Path, frames: Any, caplog: Any
) -> None:
    """A message that arrives after close() (one in flight, or a forged one) is dropped with a
    logged reason: no bare RuntimeError from the shut page thread, nothing reaches the store."""
    grid = make_grid(frames)
    sent: list[dict[str, Any]] = []
    grid.send = lambda content, buffers=None: sent.append(content)  # type: ignore[method-assign]
    grid.close()
    grid._on_message(grid, {"type": "page", "index": 1, "request_id": 1}, [])
    judge = {"type": "judge", "request_id": 2, "actions": [grade("q1", "i1", 3, request_id=3)]}
    grid._on_message(grid, judge, [])
    assert sent == []
    assert grid.store.labels().empty
    assert caplog.text.count("after close()") == 2
