"""False-negative hunting: unjudged top-ranked items as the next candidates batch."""

from __future__ import annotations

import pandas as pd
import pytest

import xmwidgets as xm

LABELS = pd.DataFrame(
    {
        "query_id": ["q1", "q1", "q1", "q2", "q3"],
        "item_id": ["a", "b", "c", "e", "z"],
        "annotator": ["x", "y", "x", "x", "x"],
        "relevance": pd.array([2, 0, None, 1, 3], dtype="Int8"),  # q1/c has no grade yet
        "task": ["grade", "grade", "grade", "grade", "pick"],  # q3 has no graded judgement
    }
)
RUNS = {
    "clip": pd.DataFrame(
        {
            "query_id": ["q1"] * 5 + ["q2"] * 3 + ["q3"],
            "item_id": ["a", "n2", "n1", "c", "deep", "e", "m", "k", "z2"],
            "score": [0.9, 0.8, 0.8, 0.7, 0.1, 0.9, 0.5, 0.4, 1.0],
        }
    ),
    "bm25": pd.DataFrame(
        {
            "query_id": ["q1", "q1", "q2", "q2"],
            "doc_id": ["n2", "b", "k", "e"],  # doc_id is accepted for item_id
            "score": [12.0, 3.0, 9.0, 1.0],
        }
    ),
}


def test_unjudged_lists_top_items_no_one_graded_in_documented_order() -> None:
    batch = xm.unjudged(LABELS, RUNS, depth=4)
    assert list(batch.columns) == ["query_id", "item_id", "source", "rank", "score", "n_runs"]
    # clip q1: a(1) n1(2, tie with n2 broken by id) n2(3) c(4); bm25 q1: n2(1) b(2); q2: k(1) e(2)
    # clip q2: e(1) m(2) k(3). Judged: q1/a, q1/b, q2/e. q1/c has a null grade: still unjudged.
    assert list(zip(batch.query_id, batch.item_id, strict=True)) == [
        ("q1", "n2"),  # best rank 1, two runs
        ("q2", "k"),  # best rank 1, two runs
        ("q1", "n1"),  # rank 2, one run
        ("q2", "m"),  # rank 2, one run
        ("q1", "c"),  # rank 4
    ]
    first = batch.iloc[0]
    assert first["source"] == "run:bm25,run:clip"  # best rank first
    assert first["rank"] == 1 and first["score"] == 12.0 and first["n_runs"] == 2
    assert batch.loc[batch.item_id == "n1", "score"].item() == 0.8
    # q3 has no graded judgement, so the metrics do not score it: not hunted by default
    assert "q3" not in set(batch.query_id)
    assert "q3" in set(xm.unjudged(LABELS, RUNS, depth=4, judged_queries_only=False).query_id)


def test_depth_limits_the_hunt_and_ties_at_the_cut_follow_item_id() -> None:
    batch = xm.unjudged(LABELS, RUNS["clip"], depth=2)
    assert set(zip(batch.query_id, batch.item_id, strict=True)) == {("q1", "n1"), ("q2", "m")}
    assert set(batch.source) == {"run:run"}
    with pytest.raises(ValueError, match="depth"):
        xm.unjudged(LABELS, RUNS, depth=0)


def test_depth_none_hunts_the_whole_run_as_pool_does() -> None:
    whole = xm.unjudged(LABELS, RUNS["clip"], depth=None)
    # clip's q1 'deep' sits at rank 5, below any depth of 4; None reaches it
    assert ("q1", "deep") in set(zip(whole.query_id, whole.item_id, strict=True))
    assert whole.equals(xm.unjudged(LABELS, RUNS["clip"], depth=len(RUNS["clip"])))


def test_judging_the_batch_closes_the_loop() -> None:
    truth = {("q1", "n2"): 3, ("q2", "k"): 2, ("q1", "n1"): 0, ("q2", "m"): 0, ("q1", "c"): 1}
    batch = xm.unjudged(LABELS, RUNS, depth=4)
    judged = batch[["query_id", "item_id"]].assign(
        annotator="x",
        relevance=[truth[p] for p in zip(batch.query_id, batch.item_id, strict=True)],
        task="grade",
    )
    labels = pd.concat([LABELS, judged], ignore_index=True)
    assert xm.unjudged(labels, RUNS, depth=4).empty
    before = xm.evaluate(LABELS, RUNS, ["P@1"]).set_index("run")["value"]
    after = xm.evaluate(labels, RUNS, ["P@1"]).set_index("run")["value"]
    assert before["bm25"] == 0.0 and after["bm25"] == 1.0  # its top items were false negatives


def test_missing_run_columns_are_named() -> None:
    with pytest.raises(ValueError, match=r"run 'bad' is missing column\(s\) 'item_id'"):
        xm.unjudged(LABELS, {"bad": pd.DataFrame({"query_id": ["q1"], "score": [1.0]})})


def test_a_pair_judged_by_two_annotators_is_judged_once() -> None:
    # the same pairs graded by two annotators (the agreement notebook's labels) used to raise
    # "Reindexing only valid with uniquely valued Index objects"
    both = pd.concat(
        [LABELS.assign(annotator="x"), LABELS.assign(annotator="y")], ignore_index=True
    )
    once = xm.unjudged(LABELS, RUNS, depth=10)
    twice = xm.unjudged(both, RUNS, depth=10)
    pd.testing.assert_frame_equal(twice, once)
    assert not (
        {("q1", "a"), ("q1", "b"), ("q2", "e")}
        & set(zip(twice["query_id"], twice["item_id"], strict=True))
    )


@pytest.mark.parametrize(
    ("depth", "error", "expected"),
    [
        ("10", TypeError, r"depth must be an integer \(or None for the whole run\), got str '10'"),
        (2.5, TypeError, r"depth must be an integer .*got float 2.5"),
        (-1, ValueError, r"depth must be at least 1 .*got -1"),
    ],
)
def test_depth_must_be_a_positive_integer(depth: object, error: type, expected: str) -> None:
    # 2.5 used to be taken as 2; None is the whole run (test_depth_none_hunts_the_whole_run...)
    with pytest.raises(error, match=expected):
        xm.unjudged(LABELS, RUNS, depth=depth)  # type: ignore[arg-type]
