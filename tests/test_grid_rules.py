"""The rules R1-R5 of the labelling loop, applied in the kernel: the store never holds a contradiction.

Each test plays the browser (``Browser`` of test_grid.py) and checks the notice the annotator sees,
the states the view must adopt, ``grid.labels`` and the store's own labels.
"""

from __future__ import annotations

import pathlib
from typing import TYPE_CHECKING, Any

import pandas as pd
import pytest
from test_grid import UNDO, Browser, best, flag, frames, grade, make_grid, none

import xmwidgets as xm

if TYPE_CHECKING:
    from conftest import Location

__all__ = ["frames"]  # the fixture, imported for pytest

# The tests that check what the rules leave in the store (R1-R5 with their side effects, undo,
# refresh, a failing store) take ``location`` and run on SQLite and on PostgreSQL: the store
# must never hold a contradiction on either. Those that check only notices and the in-memory
# state use SQLite ":memory:", as a second backend would only receive the same events.


def _grid(frames: Any, **kwargs: Any) -> tuple[xm.RelevanceGrid, Browser]:
    grid = make_grid(frames, shuffle=False, **kwargs)  # q1 shows i1, i2, t1 as candidates 1, 2, 3
    return grid, Browser(grid)


def _stored(grid: xm.RelevanceGrid, task: str) -> pd.DataFrame:
    labels = grid.store.labels(task=task)
    return labels.set_index("item_id", drop=False)


def _state(result: dict[str, Any], item_id: str) -> dict[str, Any]:
    states = result["queries"]["q1"]["states"]
    return next(s for s in states if s["item_id"] == item_id)


def test_r1_relevant_grade_clears_none_relevant(
    built_bundle: pathlib.Path, frames: Any, location: Location
) -> None:
    grid, browser = _grid(frames, store=location())
    browser.judge(none("q1"))
    assert grid.none_relevant == {"q1"}
    result = browser.one(**grade("q1", "i2", 2))
    assert result["notice"] == (
        "'none relevant' cleared: candidate 2 is graded 'partially relevant'"
    )
    assert result["queries"]["q1"]["none_relevant"] is False
    assert grid.none_relevant == set()
    marks = grid.store.labels(task="pick")
    assert marks.loc[marks["item_id"].isna(), "none_relevant"].tolist() == [False]
    assert grid.labels["none_relevant"].tolist() == [False, False, False]


def test_r1_lowest_grade_keeps_none_relevant(built_bundle: pathlib.Path, frames: Any) -> None:
    grid, browser = _grid(frames)
    browser.judge(none("q1"))
    result = browser.one(**grade("q1", "i2", 0))
    assert result["notice"] == "" and grid.none_relevant == {"q1"}


def test_r2_lowest_grade_on_best_clears_the_pick(
    built_bundle: pathlib.Path, frames: Any, location: Location
) -> None:
    grid, browser = _grid(frames, store=location())
    browser.judge(grade("q1", "i1", 3), best("q1", "i1"))
    result = browser.one(**grade("q1", "i1", 0))
    assert result["notice"] == "best pick cleared: candidate 1 is graded 'not relevant'"
    assert _state(result, "i1") == {
        "item_id": "i1",
        "relevance": 0,
        "best": False,
        "flags": [],
        "note": None,
    }
    assert _stored(grid, "pick").loc["i1", "best"] == False  # noqa: E712
    assert grid.labels["best"].tolist() == [False]


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ([], "candidate 2 has no grade yet; grade it relevant first"),
        ([grade("q1", "i2", 0)], "candidate 2 is graded 'not relevant'; grade it relevant first"),
        (
            [flag("q1", "i2")],
            "candidate 2 is flagged broken-media; grade it relevant first",
        ),
    ],
)
def test_r3_best_needs_a_relevant_grade(
    built_bundle: pathlib.Path,
    frames: Any,
    location: Location,
    setup: list[dict[str, Any]],
    reason: str,
) -> None:
    grid, browser = _grid(frames, store=location())
    if setup:
        browser.judge(*setup)
    events = len(grid.store.events())
    result = browser.one(**best("q1", "i2"))
    assert result["status"] == "refused" and result["notice"] == f"best refused: {reason}"
    # the view showed a star optimistically: the ack sends the kernel's state back
    assert _state(result, "i2")["best"] is False
    assert len(grid.store.events()) == events
    assert not grid.labels["best"].any()


def test_3_then_b_in_one_batch_stars_the_graded_tile(
    built_bundle: pathlib.Path, frames: Any, location: Location
) -> None:
    grid, browser = _grid(frames, store=location())
    ack = browser.judge(grade("q1", "i2", 3), best("q1", "i2"))
    assert [r["status"] for r in ack["results"]] == ["saved", "saved"]
    assert grid.labels.set_index("item_id").loc["i2", "best"] == True  # noqa: E712
    # one batch, one transaction: both events share the store write
    assert grid.store.events()["task"].tolist() == ["grade", "pick"]


def test_r4_none_relevant_refused_when_some_are_relevant(
    built_bundle: pathlib.Path, frames: Any
) -> None:
    grid, browser = _grid(frames)
    browser.judge(grade("q1", "i1", 2), grade("q1", "t1", 1), grade("q1", "i2", 0))
    result = browser.one(**none("q1"))
    assert result["status"] == "refused"
    assert result["notice"] == (
        "'none relevant' refused: 2 candidates graded relevant (candidates 1, 3); "
        "grade them 'not relevant' first"
    )
    assert result["queries"]["q1"]["none_relevant"] is False and grid.none_relevant == set()


def test_r4_none_relevant_grades_the_ungraded_in_one_transaction(
    built_bundle: pathlib.Path, frames: Any, location: Location
) -> None:
    grid, browser = _grid(frames, store=location())
    browser.judge(grade("q1", "i1", 0), flag("q1", "i2"))
    before = grid.store.last_event_id()
    result = browser.one(**none("q1"))
    assert result["notice"] == (
        "none relevant: 1 ungraded candidate marked 'not relevant' · query 1 done (3/3) · n for next"
    )
    new = grid.store.events(since=before)
    assert new[["task", "item_id", "relevance", "none_relevant"]].astype(object).where(
        new[["task", "item_id", "relevance", "none_relevant"]].notna(), None
    ).values.tolist() == [["pick", None, None, True], ["grade", "t1", 0, None]]
    labels = grid.labels.set_index("item_id")
    assert labels["none_relevant"].all() and labels.loc["t1", "relevance"] == 0
    assert pd.isna(labels.loc["i2", "relevance"])  # the broken one stays out of the judgements
    # un-marking clears the mark only
    result = browser.one(**none("q1", False))
    assert result["notice"] == "'none relevant' cleared on query 1"
    assert grid.labels.set_index("item_id").loc["t1", "relevance"] == 0
    assert not grid.labels["none_relevant"].any()


def test_r5_broken_media_is_handled_and_out_of_the_judgements(
    built_bundle: pathlib.Path, frames: Any, location: Location
) -> None:
    grid, browser = _grid(frames, store=location())
    browser.judge(grade("q1", "i1", 3), best("q1", "i1"), grade("q1", "i2", 1))
    result = browser.one(**flag("q1", "i1"))
    assert result["notice"] == (
        "candidate 1 flagged broken-media: left out of the relevance judgements · "
        "its grade 'exact match' removed · best pick cleared"
    )
    assert _state(result, "i1") == {
        "item_id": "i1",
        "relevance": None,
        "best": False,
        "flags": ["broken-media"],
        "note": None,
    }
    grades = _stored(grid, "grade")
    assert pd.isna(grades.loc["i1", "relevance"]) and grades.loc["i1", "flags"] == "broken-media"
    assert _stored(grid, "pick").loc["i1", "best"] == False  # noqa: E712
    result = browser.one(**grade("q1", "t1", 0))
    assert result["notice"] == "query 1 done (3/3) · n for next"
    assert grid.progress["queries_done"] == 1
    # grading the flagged candidate clears the flag
    result = browser.one(**grade("q1", "i1", 2))
    assert result["notice"] == "broken-media flag cleared on candidate 1"
    assert _state(result, "i1")["flags"] == []
    assert pd.isna(_stored(grid, "grade").loc["i1", "flags"])


def test_broken_media_is_refused_on_a_text_only_candidate(
    built_bundle: pathlib.Path, frames: Any
) -> None:
    # the front end refuses m on a text (judge.ts); the kernel does too, whatever the browser sends
    grid, browser = _grid(frames)
    browser.judge(grade("q1", "t1", 2))
    before = grid.store.last_event_id()
    result = browser.one(**flag("q1", "t1"))
    assert result["status"] == "refused"
    assert result["notice"] == (
        "broken-media refused: candidate 3 is text only: broken media is for an image, audio or "
        "video that does not load; grade the text"
    )
    assert grid.store.last_event_id() == before  # nothing stored
    assert _state(result, "t1")["flags"] == [] and _state(result, "t1")["relevance"] == 2
    assert grid.labels.set_index("item_id").loc["t1", "relevance"] == 2
    assert pd.isna(grid.labels.set_index("item_id").loc["t1", "flags"])
    assert grid.progress["judged"] == 1
    # other flags stay allowed on a text, and broken-media on a candidate with media
    assert browser.one(**flag("q1", "t1", name="dissonant"))["status"] == "saved"
    assert browser.one(**flag("q1", "i1"))["status"] == "saved"


def test_broken_media_is_allowed_on_an_item_whose_tile_is_an_error(
    built_bundle: pathlib.Path, frames: Any
) -> None:
    # a text column of bytes that are not UTF-8, or an item with every column empty, shows an
    # error tile: that is what broken-media is for
    queries, items, candidates = frames
    items = pd.DataFrame(
        {
            "item_id": ["b1", "e1", "s1"],
            "text": pd.Series([b"\xff\xfe caption", None, "a caption"], dtype=object),
        }
    )
    candidates = pd.DataFrame({"query_id": ["q1"] * 3, "item_id": ["b1", "e1", "s1"]})
    grid = make_grid((queries, items, candidates), shuffle=False, item_roles={"text": "text"})
    browser = Browser(grid)
    ack = browser.judge(flag("q1", "b1"), flag("q1", "e1"), flag("q1", "s1"))
    assert [r["status"] for r in ack["results"]] == ["saved", "saved", "refused"]
    assert ack["results"][2]["notice"].startswith("broken-media refused: candidate 3 is text only")


def test_unflagging_broken_media_makes_the_candidate_unhandled(
    built_bundle: pathlib.Path, frames: Any
) -> None:
    grid, browser = _grid(frames)
    browser.judge(flag("q1", "i1"))
    assert grid.progress["judged"] == 1 and len(grid.labels) == 1
    result = browser.one(**flag("q1", "i1", on=False))
    assert result["notice"] == "broken-media flag cleared on candidate 1; grade it now"
    assert grid.progress["judged"] == 0 and grid.labels.empty


def test_other_flags_keep_the_grade(built_bundle: pathlib.Path, frames: Any) -> None:
    grid, browser = _grid(frames)
    browser.judge(grade("q1", "i1", 2), flag("q1", "i1", name="dissonant"))
    row = grid.labels.iloc[0]
    assert (row["relevance"], row["flags"]) == (2, "dissonant")
    result = browser.one(**flag("q1", "i1", name="no-such-flag"))
    assert result["status"] == "refused"
    assert result["notice"] == (
        'flag "no-such-flag" refused on a candidate: this scale\'s candidate flags are '
        "dissonant, broken-media"
    )


def test_undo_undoes_a_whole_action_and_says_what(
    built_bundle: pathlib.Path, frames: Any, location: Location
) -> None:
    grid, browser = _grid(frames, store=location())
    browser.judge(grade("q1", "i1", 0))
    browser.judge(none("q1"))  # mark + 2 grades in one action
    assert len(grid.labels) == 3 and grid.progress["queries_done"] == 1
    result = browser.one(**UNDO)
    assert result["notice"] == "undid: 'none relevant' on query 1 and its 2 'not relevant' grades"
    assert result["undone"] == {"query_id": "q1", "index": 0, "item_id": None}
    assert grid.none_relevant == set() and grid.labels["item_id"].tolist() == ["i1"]
    assert grid.labels.index.tolist() == [0]
    assert grid.progress["queries_done"] == 0 and grid.progress["judged"] == 1
    assert len(grid.store.labels(task="grade")) == 1  # the store agrees
    assert grid.store.labels(task="pick").empty


def test_undo_restores_the_side_effects_too(
    built_bundle: pathlib.Path, frames: Any, location: Location
) -> None:
    grid, browser = _grid(frames, store=location())
    browser.judge(grade("q1", "i1", 3), best("q1", "i1"))
    browser.judge(grade("q1", "i1", 0))  # R2 clears the best pick
    result = browser.one(**UNDO)
    assert result["notice"] == "undid: grade 'not relevant' on candidate 1 of query 1"
    assert _state(result, "i1") == {
        "item_id": "i1",
        "relevance": 3,
        "best": True,
        "flags": [],
        "note": None,
    }
    assert _stored(grid, "pick").loc["i1", "best"] == True  # noqa: E712
    assert _stored(grid, "grade").loc["i1", "relevance"] == 3


def test_undo_in_the_same_batch_as_its_action(
    built_bundle: pathlib.Path, frames: Any, location: Location
) -> None:
    grid, browser = _grid(frames, store=location())
    ack = browser.judge(grade("q1", "i1", 2), UNDO, grade("q1", "i2", 1))
    assert [r["status"] for r in ack["results"]] == ["saved", "saved", "saved"]
    assert (
        ack["results"][1]["notice"] == "undid: grade 'partially relevant' on candidate 1 of query 1"
    )
    assert grid.labels["item_id"].tolist() == ["i2"]
    assert grid.store.labels()["item_id"].tolist() == ["i2"]


def test_query_done_and_all_done_notices(built_bundle: pathlib.Path, frames: Any) -> None:
    _, browser = _grid(frames)
    ack = browser.judge(grade("q1", "i1", 1), grade("q1", "i2", 0), grade("q1", "t1", 0))
    assert [r["notice"] for r in ack["results"]] == ["", "", "query 1 done (3/3) · n for next"]
    assert ack["queries"]["q1"]["done"] is True
    browser.judge(grade("q2", "i2", 1), grade("q2", "i3", 2))
    result = browser.one(**grade("q3", "i4", 3))
    assert result["notice"] == "query 3 done (1/1) · all 3 queries done"
    assert result["progress"] == {"judged": 6, "total": 6, "queries_done": 3, "n_queries": 3}
    # a regrade of a done query does not announce it again
    assert browser.one(**grade("q3", "i4", 2))["notice"] == ""


def test_a_failed_write_refuses_the_batch_and_keeps_memory_true(
    built_bundle: pathlib.Path, frames: Any, location: Location
) -> None:
    grid, browser = _grid(frames, store=location())
    browser.judge(grade("q1", "i1", 3))

    def broken(events: Any) -> list[int]:
        raise xm.StoreError("store 'x' is locked by another writer; try again")

    grid.store.append = broken  # type: ignore[method-assign]
    ack = browser.judge(best("q1", "i1"), grade("q1", "i2", 2))
    assert [r["status"] for r in ack["results"]] == ["refused", "refused"]
    assert all(r["notice"].startswith("not saved: store 'x' is locked") for r in ack["results"])
    assert _state({"queries": ack["queries"]}, "i1")["best"] is False
    assert grid.progress["judged"] == 1 and "could not be saved" in grid.error
    del grid.store.append
    browser.judge(grade("q1", "i2", 2))
    assert grid.error == "" and grid.labels["relevance"].tolist() == [3, 2]


def test_last_query_done_with_others_left_says_how_many(
    built_bundle: pathlib.Path, frames: Any
) -> None:
    _, browser = _grid(frames)
    result = browser.one(**grade("q3", "i4", 1))
    assert result["notice"] == "query 3 done (1/1) · 2 queries left · g to go to one"


def test_undo_still_works_after_refresh(
    built_bundle: pathlib.Path, frames: Any, location: Location
) -> None:
    grid, browser = _grid(frames, store=location())
    browser.judge(grade("q1", "i1", 3), best("q1", "i1"))
    browser.judge(grade("q1", "i2", 1))
    grid.refresh()
    result = browser.one(**UNDO)
    assert result["notice"] == "undid: grade 'related' on candidate 2 of query 1"
    assert result["undone"] == {"query_id": "q1", "index": 0, "item_id": "i2"}
    assert grid.labels["item_id"].tolist() == ["i1"] and grid.progress["judged"] == 1
    result = browser.one(**UNDO)
    assert result["notice"] == "undid: best pick on candidate 1 of query 1"
    assert result["queries"]["q1"]["states"] == [
        {"item_id": "i1", "relevance": 3, "best": False, "flags": [], "note": None}
    ]
    assert grid.labels["best"].tolist() == [False]
    browser.one(**UNDO)
    assert grid.labels.empty and grid.store.labels().empty
    assert browser.one(**UNDO)["notice"] == "nothing to undo in this session"


def test_notices_on_a_continuous_scale(built_bundle: pathlib.Path, frames: Any) -> None:
    _, browser = _grid(frames, scale=xm.Scale.continuous(0, 100))
    ack = browser.judge(grade("q1", "i1", 50), none("q1"), grade("q1", "i1", 0), none("q1"))
    assert [r["notice"] for r in ack["results"]] == [
        "",
        "'none relevant' refused: 1 candidate graded relevant (candidate 1); grade it at 0 first",
        "",
        "none relevant: 2 ungraded candidates marked 0 · query 1 done (3/3) · n for next",
    ]
    assert (
        browser.one(**UNDO)["notice"] == "undid: 'none relevant' on query 1 and its 2 grades of 0"
    )
