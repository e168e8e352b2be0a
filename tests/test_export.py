"""Training tables out of the labels: positives, graded pairs, hard negatives, triplets."""

from __future__ import annotations

import sys

import pandas as pd
import pytest

import xmwidgets as xm

LABELS = pd.DataFrame(
    {
        "query_id": ["q1"] * 5 + ["q2"] * 2,
        "item_id": ["a", "b", "c", "d", "e", "a", "x"],
        "annotator": "ann",
        "relevance": pd.array([3, 0, 0, 2, None, 0, 1], dtype="Int8"),  # q1/e: broken media
    }
)
RUN = pd.DataFrame(
    {
        "query_id": ["q1"] * 4 + ["q2"],
        "item_id": ["c", "a", "z", "b", "a"],
        "score": [9, 8, 7, 1, 5],
    }
)
CANDIDATES = pd.DataFrame(
    {
        "query_id": ["q1", "q1", "q2"],
        "item_id": ["a", "c", "x"],
        "source": ["run:clip", "knn", "random"],
    }
)


def test_tables_hold_the_judged_pairs_with_their_sources() -> None:
    t = xm.export(LABELS, runs={"clip": RUN}, candidates=CANDIDATES, depth=3)
    graded = t["graded"].set_index(["query_id", "item_id"])
    assert len(graded) == 6 and ("q1", "e") not in graded.index  # no grade, no row
    assert graded.loc[("q1", "c"), "source"] == "knn" and pd.isna(graded.loc[("q1", "b"), "source"])
    assert t["positives"][["query_id", "item_id"]].values.tolist() == [
        ["q1", "a"], ["q1", "d"], ["q2", "x"],
    ]  # fmt: skip
    # judged 0 and within the run's top 3: q1/c (rank 1), q2/a (rank 1); q1/b is rank 4
    hard = t["hard_negatives"]
    assert hard[["query_id", "item_id", "run", "rank"]].values.tolist() == [
        ["q1", "c", "clip", 1], ["q2", "a", "clip", 1],
    ]  # fmt: skip


def test_triplets_put_hard_negatives_first_and_deal_them_out() -> None:
    t = xm.export(LABELS, runs={"clip": RUN}, depth=3, negatives_per_positive=1)
    trip = t["triplets"]
    assert list(trip.columns) == ["query_id", "positive_id", "negative_id"]
    q1 = trip[trip.query_id == "q1"]
    assert q1.values.tolist() == [["q1", "a", "c"], ["q1", "d", "b"]]  # hard c first, then b
    assert trip[trip.query_id == "q2"].values.tolist() == [["q2", "x", "a"]]


def test_parquet_and_datasets(tmp_path) -> None:
    pytest.importorskip("datasets")
    ds = xm.export(LABELS, runs=RUN, path=tmp_path / "out", as_dataset=True)
    assert sorted(ds) == ["graded", "hard_negatives", "positives", "triplets"]
    assert ds["positives"].num_rows == 3 and "source" in ds["positives"].column_names
    back = pd.read_parquet(tmp_path / "out" / "triplets.parquet")
    assert back.values.tolist() == ds["triplets"].to_pandas().values.tolist()


def test_as_dataset_without_the_datasets_package_says_what_to_install(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.setitem(sys.modules, "datasets", None)  # as if not installed: import fails
    with pytest.raises(ImportError, match=r"xmwidgets\[hf\]"):
        xm.export(LABELS, runs=RUN, path=tmp_path / "out", as_dataset=True)
    # the Parquet files are written before the dataset is built: nothing is lost
    assert (tmp_path / "out" / "triplets.parquet").exists()
