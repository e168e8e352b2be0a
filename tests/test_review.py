"""Review (adjudication) and guideline versions: what the store keeps apart, what the grid counts.

Review shows each annotator's grade, flags and note beside a disputed candidate and stores the
adjudicator's grade as a grade event with role "adjudicator"; ``xm.adjudicated`` then prefers it.
A grid opened under a new rubric version does not count the old version's grades as judged.
"""

from __future__ import annotations

import pathlib
from typing import Any

import pandas as pd
import pytest
from test_grid import Browser, frames, grade, make_grid

import xmwidgets as xm
from xmwidgets.widgets._checks import InputError

__all__ = ["frames"]  # the fixture, imported for pytest


def _graded(store: xm.Store, annotator: str, grades: dict[str, int], **kwargs: Any) -> None:
    rows = pd.DataFrame(
        {"query_id": "q1", "item_id": list(grades), "relevance": list(grades.values())}
    )
    store.import_labels(rows, annotator=annotator, **kwargs)


def test_a_new_rubric_version_starts_unjudged_and_keeps_the_old_grades(
    built_bundle: pathlib.Path, frames: Any, tmp_path: pathlib.Path
) -> None:
    where = tmp_path / "labels.sqlite"
    v1 = xm.MATCHING_RUBRIC.revise(version="v1")
    v2 = v1.revise(version="v2", description="partial relevance now needs the main object")
    grid = make_grid(frames, store=where, shuffle=False, scale=v1)
    Browser(grid).judge(grade("q1", "i1", 3), grade("q1", "i2", 2), grade("q1", "t1", 0))
    assert grid.progress["queries_done"] == 1
    grid.close()
    under_v2 = make_grid(frames, store=where, shuffle=False, scale=v2)
    assert under_v2.labels.empty and under_v2.progress["judged"] == 0
    assert under_v2.query_index == 0  # q1 is not done under v2
    Browser(under_v2).judge(grade("q1", "i1", 1))
    under_v2.close()
    stored = xm.open_store(where).labels(task="grade")
    by_version = stored.set_index(["guideline_version", "item_id"])["relevance"]
    assert by_version[("v1", "i1")] == 3 and by_version[("v2", "i1")] == 1  # both kept
    again_v1 = make_grid(frames, store=where, shuffle=False, scale=v1)
    assert sorted(again_v1.labels["relevance"].tolist()) == [0, 2, 3]
    assert again_v1.progress["queries_done"] == 1


def test_unversioned_imported_grades_count_under_any_version(
    built_bundle: pathlib.Path, frames: Any
) -> None:
    grid = make_grid(frames, shuffle=False, scale=xm.MATCHING_RUBRIC.revise(version="v9"))
    _graded(grid.store, "ana", {"i1": 2})  # qrels imported without a version
    grid.refresh()
    assert grid.labels["item_id"].tolist() == ["i1"] and grid.progress["judged"] == 1


def test_review_shows_each_annotator_and_stores_the_adjudication(
    built_bundle: pathlib.Path, frames: Any, tmp_path: pathlib.Path
) -> None:
    queries, items, _ = frames
    store = xm.open_store(tmp_path / "labels.sqlite")
    _graded(store, "ana", {"i1": 3, "i2": 0, "t1": 1})
    _graded(store, "ben", {"i1": 1, "i2": 0, "t1": 1})
    store.import_labels(
        pd.DataFrame({"query_id": ["q1"], "item_id": ["i1"], "relevance": [1], "note": ["blurry"]}),
        annotator="ben",
    )
    report = xm.agreement(store.labels())
    assert report.disagreements[["query_id", "item_id"]].values.tolist() == [["q1", "i1"]]
    review = xm.Review(queries, items, report.disagreements, store=store, annotator="cy")
    browser = Browser(review)
    page, _ = browser.page(0)
    (candidate,) = page["candidates"]
    assert candidate["item_id"] == "i1"
    assert [(r["annotator"], r["relevance"], r["note"]) for r in candidate["reviews"]] == [
        ("ana", 3, None),
        ("ben", 1, "blurry"),
    ]
    browser.judge(grade("q1", "i1", 2))
    adjudicated_events = store.events()
    last = adjudicated_events.iloc[-1]
    assert (last["annotator"], last["role"], last["relevance"]) == ("cy", "adjudicator", 2)
    assert review.labels["relevance"].tolist() == [2]
    # the annotators' own grades stay; adjudicated() keeps one grade per adjudicated pair
    labels = store.labels()
    assert len(labels) == 7
    final = xm.adjudicated(labels)
    i1 = final[final["item_id"] == "i1"]
    assert i1[["annotator", "relevance"]].values.tolist() == [["cy", 2]]
    assert len(final) == 5
    assert len(xm.adjudicated(labels, keep_annotators=True)) == 7
    # a reopened Review resumes the adjudicator's grades, not the annotators'
    again = xm.Review(queries, items, report.disagreements, store=store, annotator="cy")
    assert again.labels["relevance"].tolist() == [2] and again.progress["queries_done"] == 1
    # and the annotators' grids do not see the adjudication as their own
    ana = xm.RelevanceGrid(queries, items, frames[2], store=store, annotator="cy")
    assert ana.labels.empty


def test_review_refuses_an_annotator_as_adjudicator_and_bad_frames(
    built_bundle: pathlib.Path, frames: Any
) -> None:
    queries, items, _ = frames
    labels = pd.DataFrame(
        {
            "query_id": ["q1", "q1"],
            "item_id": ["i1", "i1"],
            "annotator": ["ana", "ben"],
            "relevance": [3, 0],
        }
    )
    pairs = labels[["query_id", "item_id"]].iloc[:1]
    with pytest.raises(InputError, match="annotator 'ana' judged some of these pairs"):
        xm.Review(queries, items, pairs, labels, store=":memory:", annotator="ana")
    with pytest.raises(InputError, match="disagreements is missing"):
        xm.Review(queries, items, pairs[["query_id"]], labels, store=":memory:", annotator="cy")
    review = xm.Review(queries, items, pairs, labels, store=":memory:", annotator="cy")
    assert review.n_queries == 1


def _two_annotators() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "query_id": ["q1", "q1"],
            "item_id": ["i1", "i1"],
            "annotator": ["ana", "ben"],
            "relevance": [3, 0],
        }
    )


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        # the ids are named as the argument they came in, not as "candidates"
        (pd.DataFrame({"query_id": ["q9"], "item_id": ["i1"]}), "disagreements name 1 query_id"),
        (pd.DataFrame({"query_id": ["q1"], "item_id": ["i9"]}), "disagreements name 1 item_id"),
        (pd.DataFrame({"query_id": ["q1"], "item_id": [None]}), "disagreements.item_id is missing"),
        (
            pd.DataFrame({"query_id": [], "item_id": []}),
            r"disagreements is empty: there is nothing to adjudicate.*xm.agreement",
        ),
    ],
)
def test_review_names_bad_disagreements_as_disagreements(
    built_bundle: pathlib.Path, frames: Any, pairs: pd.DataFrame, message: str
) -> None:
    queries, items, _ = frames
    with pytest.raises(InputError, match=message):
        xm.Review(queries, items, pairs, _two_annotators(), store=":memory:", annotator="cy")


def test_review_with_no_judgements_to_show_says_where_it_looked(
    built_bundle: pathlib.Path, frames: Any, tmp_path: pathlib.Path
) -> None:
    """A campaign name with a typo, or an empty store, used to open a review of bare tiles."""
    queries, items, _ = frames
    pairs = _two_annotators()[["query_id", "item_id"]].iloc[:1]
    store = xm.open_store(tmp_path / "labels.sqlite")
    with pytest.raises(
        InputError, match=r"campaign 'default' \(the store holds no grades at all\)"
    ):
        xm.Review(queries, items, pairs, store=store, annotator="cy")
    store.import_labels(_two_annotators(), campaign="round-1")
    with pytest.raises(
        InputError,
        match=r"none of the 1 pairs to adjudicate has an annotator's judgement in the store's "
        r"labels of campaign 'round1' \(campaigns there: 'round-1'\).*campaign=",
    ):
        xm.Review(queries, items, pairs, store=store, campaign="round1", annotator="cy")
    assert len(store.events()) == 2  # nothing was written
    review = xm.Review(queries, items, pairs, store=store, campaign="round-1", annotator="cy")
    assert [r["annotator"] for r in review._reviews[("q1", "i1")]] == ["ana", "ben"]
    # labels given by hand that hold none of the pairs (or only adjudications) are refused too
    for labels in (_two_annotators().iloc[:0], _two_annotators().assign(role="adjudicator")):
        with pytest.raises(InputError, match="has an annotator's judgement in labels"):
            xm.Review(queries, items, pairs, labels, store=":memory:", annotator="cy")
    # some pairs without a judgement: a warning names how many
    some = pd.DataFrame({"query_id": ["q1", "q1"], "item_id": ["i1", "i2"]})
    with pytest.warns(UserWarning, match=r"1 of the 2 pairs .* e\.g\. \('q1', 'i2'\)"):
        xm.Review(queries, items, some, _two_annotators(), store=":memory:", annotator="cy")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"relevance": [2.5, 0]}, r"labels.relevance at row 0 is 2.5 \(annotator 'ana'\)"),
        (
            {"relevance": [7, 0]},
            r"is 7 \(annotator 'ana'\): a grade must be one of the levels 0, 1",
        ),
        ({"annotator": [None, "ben"]}, "labels.annotator is missing at row 0"),
    ],
)
def test_review_refuses_labels_it_would_misreport(
    built_bundle: pathlib.Path, frames: Any, change: dict, message: str
) -> None:
    # 2.5 was shown as 2, 7 as a grade the scale does not have, a missing annotator as 'nan'
    queries, items, _ = frames
    labels = _two_annotators().assign(**change)
    pairs = labels[["query_id", "item_id"]].iloc[:1]
    with pytest.raises(InputError, match=message):
        xm.Review(queries, items, pairs, labels, store=":memory:", annotator="cy")


def test_review_needs_the_relevance_column_and_reads_flag_lists(
    built_bundle: pathlib.Path, frames: Any
) -> None:
    queries, items, _ = frames
    labels = _two_annotators()
    pairs = labels[["query_id", "item_id"]].iloc[:1]
    # without relevance every tile used to show each annotator with no grade
    with pytest.raises(InputError, match="labels is missing column 'relevance'"):
        xm.Review(queries, items, pairs, labels.drop(columns="relevance"), store=":memory:")
    with pytest.raises(TypeError, match=r"scale must be an xmwidgets\.Scale, got str"):
        xm.Review(queries, items, pairs, labels, store=":memory:", scale="trec")
    listed = labels.assign(flags=[["dissonant"], None], relevance=[3.0, float("nan")])
    review = xm.Review(queries, items, pairs, listed, store=":memory:", annotator="cy")
    reviews = review._reviews[("q1", "i1")]
    assert [(r["relevance"], r["flags"]) for r in reviews] == [(3, ["dissonant"]), (None, [])]
