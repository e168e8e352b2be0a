"""A missing id in labels, runs or pairs is refused by name, never read as another id.

pandas reads a missing id as the code -1 of ``pd.factorize`` (the last id of a list) or as the text
"None": without the check each case below gave a wrong number without a word (found by a review).
"""

from __future__ import annotations

import pandas as pd
import pytest

import xmwidgets as xm

QRELS = pd.DataFrame({"query_id": ["q1", "q2"], "item_id": ["a", "b"], "relevance": [1, 1]})


@pytest.mark.parametrize("missing", [None, float("nan"), pd.NA])
def test_a_run_row_without_an_item_is_refused(missing: object) -> None:
    # q2 never retrieved b: it scored RR 1.0 (its missing id read as the run's last item, b)
    run = pd.DataFrame(
        {"query_id": ["q2", "q1", "q1"], "item_id": [missing, "a", "b"], "score": [5.0, 2.0, 1.0]}
    )
    with pytest.raises(ValueError, match=r"run 'run': row 0 \(query 'q2'\) has no item_id"):
        xm.evaluate(QRELS, run, ["RR", "P@1"], per_query=True)
    with pytest.raises(ValueError, match="has no item_id"):
        xm.unjudged(QRELS, run)  # said "lists q1/b more than once"
    # without the row, q2 retrieved nothing: RR 0
    scores = xm.evaluate(QRELS, run.dropna(subset=["item_id"]), ["RR"], per_query=True)
    assert scores.set_index("query_id").loc["q2", "value"] == 0.0


def test_a_run_row_without_a_query_is_refused() -> None:
    run = pd.DataFrame({"query_id": ["q1", None], "item_id": ["a", "b"], "score": [2.0, 1.0]})
    with pytest.raises(ValueError, match=r"run 'run': row 1 has no query_id"):
        xm.evaluate(QRELS, run, ["P@1"])


def test_labels_without_an_item_or_annotator_are_refused_by_agreement() -> None:
    labels = pd.DataFrame(
        {
            "query_id": ["q1", "q1", "q1", "q2"],
            "item_id": ["a", "b", "a", None],
            "annotator": ["x", "x", "y", "y"],
            "relevance": [2, 0, 2, 3],
        }
    )
    # the q2 grade was counted as y's grade of q1/b: a disagreement nobody made (alpha -0.5)
    with pytest.raises(ValueError, match=r"labels: row 3 \(query 'q2'\) has no item_id"):
        xm.agreement(labels, n_boot=10)
    no_annotator = labels.assign(item_id=["a", "b", "a", "c"], annotator=["x", "x", None, "y"])
    with pytest.raises(ValueError, match=r"row 2 .*has no annotator"):
        xm.agreement(no_annotator, n_boot=10)
    with pytest.raises(ValueError, match="has no item_id"):
        xm.evaluate(labels, pd.DataFrame({"query_id": ["q1"], "item_id": ["a"], "score": [1.0]}))


def test_query_level_rows_without_an_item_are_no_judgement() -> None:
    # the store's labels hold "none relevant" rows with no item and no grade: they are not refused
    labels = pd.DataFrame(
        {
            "query_id": ["q1", "q1", "q2"],
            "item_id": ["a", "b", None],
            "annotator": ["x", "x", "x"],
            "relevance": pd.array([2, 0, None], dtype="Int8"),
            "none_relevant": pd.array([None, None, True], dtype="boolean"),
        }
    )
    qrels = xm.to_qrels(labels)
    assert qrels[["query_id", "doc_id", "relevance"]].values.tolist() == [
        ["q1", "a", 2],
        ["q1", "b", 0],
    ]
