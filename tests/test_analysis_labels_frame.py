"""The analysis functions on the labels frame of this round (BRIEF: grid.labels / store.labels()).

A candidate flagged broken-media is stored as a grade-task row with relevance <NA> and flags
"broken-media": handled in the grid, but not a judgement. Columns such as ``best``,
``none_relevant``, ``flags`` must not disturb evaluate, agreement or unjudged.
"""

from __future__ import annotations

import pandas as pd
import pytest

import xmwidgets as xm
from xmwidgets.store import Store

NA = pd.NA
BROKEN = "broken-media"

# query, item, annotator, relevance, flags, best, none_relevant
ROWS = [
    ("q1", "a", "ana", 3, NA, True, False),
    ("q1", "b", "ana", NA, BROKEN, False, False),  # ana: broken file, no grade
    ("q1", "c", "ana", 0, NA, False, False),
    ("q1", "a", "ben", 2, NA, True, False),
    ("q1", "b", "ben", 0, NA, False, False),
    ("q1", "c", "ben", 1, NA, False, False),
    ("q2", "x", "ana", NA, BROKEN, False, False),  # q2's only row: a flag
    ("q3", "y", "ana", 0, NA, False, True),  # "none relevant" marked on q3
    ("q3", "y", "ben", 0, NA, False, True),
]


def _grid_labels(rows: list[tuple]) -> pd.DataFrame:
    """A frame with the columns and dtypes of ``grid.labels`` (BRIEF.md, "labels frame")."""
    frame = pd.DataFrame(
        rows,
        columns=["query_id", "item_id", "annotator", "relevance", "flags", "best", "none_relevant"],
    )
    n = len(frame)
    return pd.DataFrame(
        {
            "query_id": frame["query_id"].astype("string"),
            "item_id": frame["item_id"].astype("string"),
            "relevance": frame["relevance"].astype("Int8"),
            "magnitude": pd.array([NA] * n, dtype="Float64"),
            "best": frame["best"].astype("boolean"),
            "none_relevant": frame["none_relevant"].astype("boolean"),
            "flags": frame["flags"].astype("string"),
            "annotator": frame["annotator"].astype("string"),
            "campaign": pd.array(["c"] * n, dtype="string"),
            "guideline_version": pd.array(["1"] * n, dtype="string"),
            "shown_position": pd.array(range(n), dtype="Int32"),
            "duration_ms": pd.array([1000] * n, dtype="Int64"),
            "created_at": pd.Timestamp("2026-01-01", tz="UTC"),
        }
    )


LABELS = _grid_labels(ROWS)
GRADED = LABELS[LABELS["relevance"].notna()].reset_index(drop=True)
RUN = pd.DataFrame(
    {
        "query_id": ["q1", "q1", "q1", "q1", "q2", "q3"],
        "item_id": ["b", "a", "c", "z", "x", "y"],
        "score": [4.0, 3.0, 2.0, 1.0, 1.0, 1.0],
    }
)


def test_flagged_rows_are_not_judgements_in_evaluate() -> None:
    per_query = xm.evaluate(
        LABELS, RUN, ["RR", "nDCG@10"], per_query=True, unjudged="drop", annotator="ana"
    )
    # q2 has only a broken-media flag: not a judged query, so not scored
    assert sorted(per_query.query_id.unique()) == ["q1", "q3"]
    rr = per_query[(per_query.measure == "RR") & (per_query.query_id == "q1")]["value"]
    # b (ranked first) is not judged by ana: dropped from the ranking, so a is at rank 1; had the
    # flag counted as grade 0, b would stay and RR would be 0.5
    assert rr.item() == 1.0
    pd.testing.assert_frame_equal(
        xm.evaluate(LABELS, RUN, per_query=True), xm.evaluate(GRADED, RUN, per_query=True)
    )
    qrels = xm.to_qrels(LABELS, annotator="ana")
    assert list(zip(qrels.query_id, qrels.doc_id, strict=True)) == [
        ("q1", "a"),
        ("q1", "c"),
        ("q3", "y"),
    ]


def test_flags_only_labels_give_an_error_that_says_why() -> None:
    only_flags = LABELS[LABELS["relevance"].isna()]
    with pytest.raises(
        ValueError,
        match=r"no graded judgement \(2 row\(s\) have no grade, 2 of them flagged, e\.g\. "
        r"broken-media\): nothing to evaluate against",
    ):
        xm.evaluate(only_flags, RUN)


def test_flagged_rows_are_not_judgements_in_agreement() -> None:
    report = xm.agreement(LABELS, n_boot=50)
    expected = xm.agreement(GRADED, n_boot=50)
    # units: q1/a, q1/b (ben only), q1/c, q3/y; ana's flag on q1/b does not pair with ben's 0
    assert report.n_units == 4 and report.n_pairable == 6
    assert report.alpha_ordinal == pytest.approx(expected.alpha_ordinal)
    assert report.pairwise.n.tolist() == [3]
    assert xm.cohen_kappa(LABELS, "ana", "ben") == pytest.approx(
        xm.cohen_kappa(GRADED, "ana", "ben")
    )
    assert not (report.disagreements["item_id"] == "b").any()


def test_unjudged_leaves_flagged_pairs_out_but_they_do_not_make_a_query_judged() -> None:
    only_ana = LABELS[LABELS.annotator == "ana"]
    batch = xm.unjudged(only_ana, RUN)
    # q1/b was handled (broken file): judging the batch must close the loop, so it is left out
    assert list(zip(batch.query_id, batch.item_id, strict=True)) == [("q1", "z")]
    again = xm.unjudged(only_ana, RUN, include_flagged=True)
    assert list(zip(again.query_id, again.item_id, strict=True)) == [("q1", "b"), ("q1", "z")]
    # q2's only row is a flag: not a judged query, so q2/x is not hunted unless asked
    everything = xm.unjudged(only_ana, RUN, judged_queries_only=False, include_flagged=True)
    assert ("q2", "x") in set(zip(everything.query_id, everything.item_id, strict=True))


def test_the_store_labels_view_with_a_broken_media_event() -> None:
    store = Store(":memory:")
    base = {"campaign": "c", "task": "grade"}
    store.append(
        [
            {**base, "query_id": "q1", "item_id": "a", "annotator": "ana", "relevance": 2},
            {**base, "query_id": "q1", "item_id": "b", "annotator": "ana", "relevance": 1},
            # graded first, then flagged broken: the current row has no grade
            {**base, "query_id": "q1", "item_id": "b", "annotator": "ana", "relevance": None,
             "flags": BROKEN},
            {**base, "query_id": "q1", "item_id": "a", "annotator": "ben", "relevance": 2},
            {**base, "query_id": "q1", "item_id": "b", "annotator": "ben", "relevance": 0},
        ]
    )  # fmt: skip
    labels = store.labels()
    qrels = xm.to_qrels(labels, annotator="ana")
    assert qrels.doc_id.tolist() == ["a"]
    report = xm.agreement(labels, n_boot=20)
    assert report.n_pairable == 2  # only q1/a is judged by both
    run = pd.DataFrame({"query_id": "q1", "item_id": ["b", "a"], "score": [2.0, 1.0]})
    assert xm.unjudged(labels[labels.annotator == "ana"], run).empty
