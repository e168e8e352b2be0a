"""add_candidates: a running grid takes new pairs (the next batch of xm.discover) without a rebuild.

Candidates already on screen keep their places and their judgements; a query that gets new
candidates is no longer done; a query new to the grid comes after the last; the view is told which
pages are out of date.
"""

from __future__ import annotations

import pathlib
from typing import Any

import pandas as pd
import pytest
from test_grid import Browser, frames, grade

import xmwidgets as xm
from xmwidgets.widgets._checks import InputError

__all__ = ["frames"]  # the fixture, imported for pytest


def _grid(frames: Any, store: Any = ":memory:", **kwargs: Any) -> xm.RelevanceGrid:
    queries, items, candidates = frames
    queries = pd.concat(
        [queries, pd.DataFrame({"query_id": ["q4"], "text": ["a fourth query"]})],
        ignore_index=True,
    )
    return xm.RelevanceGrid(queries, items, candidates, store=store, annotator="ana", **kwargs)


@pytest.mark.parametrize("shuffle", [False, True])
def test_added_pairs_join_after_those_shown_and_reopen_the_query(
    built_bundle: pathlib.Path, frames: Any, shuffle: bool
) -> None:
    grid = _grid(frames, shuffle=shuffle)
    browser = Browser(grid)
    before = grid.shown_candidates("q1")["item_id"].tolist()
    browser.judge(*(grade("q1", item, 0) for item in before))
    assert grid.progress == {"judged": 3, "total": 6, "queries_done": 1, "n_queries": 3}
    sent = len(browser.sent)
    added = grid.add_candidates(
        pd.DataFrame(
            {
                "query_id": ["q1", "q1", "q1", "q4"],
                "item_id": ["i3", "i4", "i1", "i1"],  # (q1, i1) is already there
                "source": "discover",
            }
        )
    )
    assert added == 3
    after = grid.shown_candidates("q1")["item_id"].tolist()
    assert after[:3] == before and sorted(after[3:]) == ["i3", "i4"]
    assert grid.progress == {"judged": 3, "total": 9, "queries_done": 0, "n_queries": 4}
    assert grid.n_queries == 4 and grid.query_ids[-1] == "q4"
    assert grid.goto_query_ids[-1] == "q4"
    assert [m for m, _ in browser.sent[sent:]] == [{"type": "invalidate", "indices": [0]}]
    assert grid.labels["relevance"].tolist() == [0, 0, 0]  # judgements stay
    page, _ = browser.page(0)
    assert [c["item_id"] for c in page["candidates"]] == after
    assert [c["relevance"] for c in page["candidates"]] == [0, 0, 0, None, None]
    ack = browser.judge(grade("q1", "i3", 2), grade("q1", "i4", 1))
    assert ack["progress"]["queries_done"] == 1
    assert ack["results"][-1]["notice"] == "query 1 done (5/5) · n for next"
    page, _ = browser.page(3)
    assert page["query_id"] == "q4" and [c["item_id"] for c in page["candidates"]] == ["i1"]
    assert grid.add_candidates(pd.DataFrame({"query_id": ["q4"], "item_id": ["i1"]})) == 0


def test_added_pairs_are_judged_again_after_a_restart(
    built_bundle: pathlib.Path, frames: Any, tmp_path: pathlib.Path
) -> None:
    where = tmp_path / "labels.sqlite"
    grid = _grid(frames, store=where, shuffle=False)
    grid.add_candidates(pd.DataFrame({"query_id": ["q1"], "item_id": ["i3"]}))
    Browser(grid).judge(grade("q1", "i3", 3))
    grid.close()
    queries, items, candidates = frames
    extended = pd.concat(
        [candidates, pd.DataFrame({"query_id": ["q1"], "item_id": ["i3"]})], ignore_index=True
    )
    again = xm.RelevanceGrid(queries, items, extended, store=where, annotator="ana", shuffle=False)
    assert again.labels[["item_id", "relevance"]].values.tolist() == [["i3", 3]]
    assert again.shown_candidates("q1")["item_id"].tolist()[-1] == "i3"


def test_bad_added_candidates_are_refused_and_change_nothing(
    built_bundle: pathlib.Path, frames: Any
) -> None:
    grid = _grid(frames)
    with pytest.raises(InputError, match="nope"):
        grid.add_candidates(pd.DataFrame({"query_id": ["q1"], "item_id": ["nope"]}))
    assert grid.progress["total"] == 6 and grid.n_queries == 3


def test_an_empty_batch_adds_nothing(built_bundle: pathlib.Path, frames: Any) -> None:
    # xm.discover returns an empty frame once every pair is judged: the loop the README shows
    # (grid.add_candidates(xm.discover(...))) raised "candidates is empty" there
    grid = _grid(frames)
    empty = pd.DataFrame({"query_id": pd.Series(dtype=str), "item_id": pd.Series(dtype=str)})
    assert grid.add_candidates(empty) == 0
    assert grid.progress["total"] == 6 and grid.n_queries == 3
    with pytest.raises(InputError, match=r"candidates is missing column"):
        grid.add_candidates(pd.DataFrame({"query_id": []}))


def test_pages_carry_the_concepts_their_query_mentions(
    built_bundle: pathlib.Path, frames: Any
) -> None:
    queries, items, candidates = frames
    concepts = pd.DataFrame(
        {
            "concept": ["red", "square"],
            "definition": ["the colour of ripe tomatoes", "four equal sides, four right angles"],
            "terms": ["red, crimson", "square"],
        }
    )
    grid = xm.RelevanceGrid(queries, items, candidates, store=":memory:", concepts=concepts)
    browser = Browser(grid)
    page, _ = browser.page(0)  # q1: "a red square"
    assert page["concepts"] == [
        {"name": "red", "definition": "the colour of ripe tomatoes"},
        {"name": "square", "definition": "four equal sides, four right angles"},
    ]
    page, _ = browser.page(2)  # q3: "blue"
    assert "concepts" not in page
    with pytest.raises(InputError, match="concepts: concepts is empty"):
        xm.RelevanceGrid(queries, items, candidates, store=":memory:", concepts={})
    # a blank name matched nothing, silently; a number was shown as the text "3"
    with pytest.raises(InputError, match=r"concepts: concepts has a blank name \(' '\)"):
        xm.RelevanceGrid(queries, items, candidates, store=":memory:", concepts={" ": "x"})
    with pytest.raises(InputError, match=r"the definition of concept 'red' is int 3, not text"):
        xm.RelevanceGrid(queries, items, candidates, store=":memory:", concepts={"red": 3})
