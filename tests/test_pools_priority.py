"""prioritize: disagreement, few judged, high score but unjudged."""

from __future__ import annotations

import pandas as pd
import pytest

from xmwidgets.pools import prioritize


def _cands() -> pd.DataFrame:
    # q-agree: both runs rank the same two items 1 and 2; q-split: the runs share nothing
    rows = [
        ("q-agree", "a", 1, 1, 1),
        ("q-agree", "b", 2, 2, 2),
        ("q-split", "c", 1, 1, None),
        ("q-split", "d", 1, None, 1),
    ]
    frame = pd.DataFrame(rows, columns=["query_id", "item_id", "rank", "rank_run:x", "rank_run:y"])
    return frame.astype({"rank": "Int64", "rank_run:x": "Int64", "rank_run:y": "Int64"})


def test_disagreeing_queries_come_first() -> None:
    ordered = prioritize(_cands())
    assert ordered.query_id.tolist()[0] == "q-split"
    signals = ordered.drop_duplicates("query_id").set_index("query_id")
    assert signals.loc["q-agree", "disagreement"] == 0
    assert signals.loc["q-split", "disagreement"] > 0
    assert (signals["unjudged"] == 1).all()


def test_judged_pairs_lower_their_query_and_themselves() -> None:
    labels = pd.DataFrame({"query_id": ["q-split", "q-split"], "item_id": ["c", "d"]})
    ordered = prioritize(_cands(), labels)
    assert ordered.query_id.tolist()[0] == "q-agree"
    split = ordered[ordered.query_id == "q-split"]
    assert split.judged.all() and (split.priority == 0).all()
    assert (split.unjudged == 0).all() and (split.top_unjudged == 0).all()


def test_high_score_but_unjudged() -> None:
    cands = _cands()
    top_done = pd.DataFrame({"query_id": ["q-agree"], "item_id": ["a"]})
    bottom_done = pd.DataFrame({"query_id": ["q-agree"], "item_id": ["b"]})
    top = prioritize(cands, top_done).set_index("item_id").loc["b", "top_unjudged"]
    bottom = prioritize(cands, bottom_done).set_index("item_id").loc["a", "top_unjudged"]
    assert bottom > top  # leaving rank 1 open matters more than leaving rank 2 open


def test_weights_and_their_errors() -> None:
    only_unjudged = prioritize(_cands(), weights={"disagreement": 0, "top_unjudged": 0})
    assert (only_unjudged.query_priority == 1).all()
    with pytest.raises(ValueError, match=r"unknown priority signals \['spread'\]"):
        prioritize(_cands(), weights={"spread": 1})


def test_the_grid_labels_frame_with_a_broken_media_flag() -> None:
    labels = pd.DataFrame(
        {
            "query_id": pd.array(["q-split", "q-split"], dtype="string"),
            "item_id": pd.array(["c", "d"], dtype="string"),
            "relevance": pd.array([2, None], dtype="Int8"),
            "best": pd.array([True, False], dtype="boolean"),
            "none_relevant": pd.array([False, False], dtype="boolean"),
            "flags": pd.array([None, "broken-media"], dtype="string"),
        }
    )
    split = prioritize(_cands(), labels).set_index("item_id")
    # the flagged pair was handled: it is not proposed again, like a graded one
    assert split.loc["c", "judged"] and split.loc["d", "judged"]
    assert split.loc["d", "priority"] == 0


@pytest.mark.parametrize("bad", [0, -1, 1.5, float("inf")])
def test_ranks_below_one_or_fractional_are_refused(bad: float) -> None:
    # rank 0 used to give an infinite priority (1 / rank), -1 a negative one
    cands = _cands().astype({"rank": "Float64"})
    cands.loc[1, "rank"] = bad
    with pytest.raises(ValueError) as err:
        prioritize(cands)
    message = str(err.value)
    assert "candidates.rank must hold whole ranks of at least 1" in message
    assert f"row 1 (query 'q-agree', item 'b') has {bad!r}" in message
    cands = _cands()
    cands.loc[2, "rank_run:x"] = 0
    with pytest.raises(ValueError, match=r"candidates.rank_run:x must hold whole ranks"):
        prioritize(cands)
