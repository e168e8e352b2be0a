"""Flags and notes in the grading task: per candidate and per query, events, labels, undo, resume.

A candidate's note travels on its grade event with its relevance and flags (the current event of
a pair holds its whole state); the query's own flags and note are grade events with no item id,
shown in ``grid.query_flags``. Each test plays the browser (``Browser`` of test_grid.py).
"""

from __future__ import annotations

import pathlib
from typing import TYPE_CHECKING, Any

import pytest
from test_grid import UNDO, Browser, flag, frames, grade, make_grid

import xmwidgets as xm

if TYPE_CHECKING:
    from conftest import Location

__all__ = ["frames"]  # the fixture, imported for pytest


def note(query_id: str, item_id: str | None, text: Any) -> dict[str, Any]:
    return {"op": "note", "query_id": query_id, "item_id": item_id, "note": text}


def query_flag(query_id: str, name: str, on: bool = True) -> dict[str, Any]:
    return {"op": "flag", "query_id": query_id, "item_id": None, "flag": name, "on": on}


def _grid(frames: Any, **kwargs: Any) -> tuple[xm.RelevanceGrid, Browser]:
    grid = make_grid(frames, shuffle=False, scale=xm.MATCHING_RUBRIC, **kwargs)
    return grid, Browser(grid)


def test_a_note_keeps_the_grade_and_the_grade_keeps_the_note(
    built_bundle: pathlib.Path, frames: Any, location: Location
) -> None:
    grid, browser = _grid(frames, store=location())
    browser.judge(grade("q1", "i1", 2))
    result = browser.one(**note("q1", "i1", "  the bus is blue, not red  "))
    assert result["status"] == "saved"
    assert result["notice"] == "note saved on candidate 1"
    state = result["queries"]["q1"]["states"][0]
    assert state["relevance"] == 2 and state["note"] == "the bus is blue, not red"
    browser.judge(grade("q1", "i1", 3))  # a later grade keeps the note
    row = grid.labels.set_index("item_id").loc["i1"]
    assert row["relevance"] == 3 and row["note"] == "the bus is blue, not red"
    stored = grid.store.labels(task="grade").set_index("item_id").loc["i1"]
    assert stored["relevance"] == 3 and stored["note"] == "the bus is blue, not red"


def test_a_note_on_an_ungraded_candidate_is_a_row_without_a_grade(
    built_bundle: pathlib.Path, frames: Any
) -> None:
    grid, browser = _grid(frames)
    browser.judge(note("q1", "t1", "caption is in German"))
    labels = grid.labels
    assert labels["item_id"].tolist() == ["t1"]
    assert labels["relevance"].isna().all() and labels["note"].tolist() == ["caption is in German"]
    assert grid.progress["judged"] == 0  # a note does not judge the candidate
    browser.judge(note("q1", "t1", ""))  # "" removes it
    assert grid.labels.empty


def test_the_query_flag_and_note_are_query_level_events(
    built_bundle: pathlib.Path, frames: Any, location: Location
) -> None:
    grid, browser = _grid(frames, store=location())
    result = browser.one(**query_flag("q2", "ambiguous-query"))
    assert result["notice"] == "query 2 flagged 'ambiguous-query'"
    assert result["queries"]["q2"]["query_flags"] == ["ambiguous-query"]
    browser.judge(note("q2", None, "'green' of what?"))
    events = grid.store.events()
    own = events[events["item_id"].isna() & (events["task"] == "grade")]
    assert own["flags"].tolist() == ["ambiguous-query", "ambiguous-query"]
    assert own["note"].tolist()[-1] == "'green' of what?"
    flags = grid.query_flags
    assert flags[["query_id", "flags", "note"]].values.tolist() == [
        ["q2", "ambiguous-query", "'green' of what?"]
    ]
    assert grid.labels.empty  # not a candidate judgement
    assert grid.progress["judged"] == 0 and grid.progress["queries_done"] == 0
    # the page of that query carries its own state
    page, _ = browser.page(1)
    assert page["query_flags"] == ["ambiguous-query"] and page["query_note"] == "'green' of what?"


def test_undo_and_resume_of_flags_and_notes(
    built_bundle: pathlib.Path, frames: Any, location: Location
) -> None:
    where = location()
    grid, browser = _grid(frames, store=where)
    browser.judge(query_flag("q1", "ambiguous-query"), note("q1", "i2", "cropped"))
    browser.judge(query_flag("q3", "ambiguous-query"))
    result = browser.one(**UNDO)
    assert result["notice"] == "undid: flag 'ambiguous-query' on query 3"
    assert grid.query_flags["query_id"].tolist() == ["q1"]
    grid.close()
    again = make_grid(frames, store=where, shuffle=False, scale=xm.MATCHING_RUBRIC)
    assert again.query_flags["query_id"].tolist() == ["q1"]
    assert again.labels.set_index("item_id").loc["i2", "note"] == "cropped"
    page, _ = Browser(again).page(0)
    assert page["query_flags"] == ["ambiguous-query"]
    assert next(c for c in page["candidates"] if c["item_id"] == "i2")["note"] == "cropped"
    # the next undo (of this session) works on the state read back from the store
    Browser(again).judge(query_flag("q1", "ambiguous-query", on=False))
    assert again.query_flags.empty


def test_flags_must_apply_to_what_they_are_set_on(built_bundle: pathlib.Path, frames: Any) -> None:
    _, browser = _grid(frames)
    on_candidate = browser.one(**flag("q1", "i1", name="ambiguous-query"))
    assert on_candidate["status"] == "refused"
    assert on_candidate["notice"].startswith(
        'flag "ambiguous-query" refused on a candidate: this scale\'s candidate flags are'
    )
    on_query = browser.one(**query_flag("q1", "near-duplicate"))
    assert (
        on_query["status"] == "refused" and "query flags are ambiguous-query" in on_query["notice"]
    )
    assert browser.one(**flag("q1", "i1", name="dissonant"))["status"] == "saved"
    assert browser.one(**query_flag("q1", "dissonant"))["status"] == "saved"


@pytest.mark.parametrize(
    ("text", "problem", "malformed"),
    [
        (None, "field 'note' is null: it must be a string", True),
        (3, "field 'note' is 3: it must be a string", True),
        ("x" * 10_001, "it has 10001 characters, at most 10000 are kept", False),
    ],
)
def test_bad_notes_are_refused_naming_the_value(
    built_bundle: pathlib.Path, frames: Any, text: Any, problem: str, malformed: bool
) -> None:
    grid, browser = _grid(frames)
    action = {"request_id": 1, **note("q1", "i1", text)}
    grid._on_message(grid, {"type": "judge", "actions": [action]}, [])
    ack = browser.sent[0][0]
    assert ack["type"] == "ack" and ack["results"][0]["status"] == "refused"
    assert problem in ack["results"][0]["notice"]
    # no correct front end sends a note that is not a string: that is also reported as an error
    assert [m["type"] for m, _ in browser.sent[1:]] == (["error"] if malformed else [])
    assert grid.store.events().empty
