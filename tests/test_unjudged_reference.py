"""xm.unjudged (integer-code implementation) against a plain pandas reference on random data."""

from __future__ import annotations

import numpy as np
import pandas as pd

import xmwidgets as xm


def reference(labels: pd.DataFrame, runs: dict[str, pd.DataFrame], depth: int) -> pd.DataFrame:
    judged = labels[labels.relevance.notna()]
    judged_pairs = set(zip(judged.query_id, judged.item_id, strict=True))
    rows = []
    for name, run in runs.items():
        ranked = run.sort_values(["query_id", "score", "item_id"], ascending=[True, False, True])
        ranked = ranked.assign(rank=ranked.groupby("query_id").cumcount() + 1)
        for q, i, r, s in ranked[["query_id", "item_id", "rank", "score"]].itertuples(index=False):
            if r <= depth and (q, i) not in judged_pairs and q in set(judged.query_id):
                rows.append((q, i, f"run:{name}", r, s))
    top = pd.DataFrame(rows, columns=["query_id", "item_id", "source", "rank", "score"])
    top = top.sort_values(["query_id", "item_id", "rank", "source"])
    out = top.groupby(["query_id", "item_id"], sort=False).agg(
        source=("source", ",".join), rank=("rank", "first"), score=("score", "first"),
        n_runs=("source", "size"),
    ).reset_index()  # fmt: skip
    return out.sort_values(
        ["rank", "n_runs", "query_id", "item_id"], ascending=[True, False, True, True]
    ).reset_index(drop=True)


def test_matches_reference_with_three_runs_ties_and_judged_pairs() -> None:
    rng = np.random.default_rng(3)
    queries = [f"q{k}" for k in range(12)]
    items = [f"d{k:02d}" for k in range(40)]
    runs = {}
    for name in ("zeta", "alpha", "mid"):  # names out of order: sources follow best rank, then name
        q = np.repeat(queries, 25)
        i = np.concatenate([rng.choice(items, 25, replace=False) for _ in queries])
        runs[name] = pd.DataFrame(
            {"query_id": q, "item_id": i, "score": rng.integers(0, 6, len(q))}
        )
    labels = pd.DataFrame(
        {
            "query_id": rng.choice(queries[:10], 60),
            "item_id": rng.choice(items, 60),
            "relevance": pd.array(rng.integers(0, 4, 60), dtype="Int8"),
        }
    ).drop_duplicates(["query_id", "item_id"])
    got = xm.unjudged(labels, runs, depth=8)
    want = reference(labels, runs, 8)
    assert len(got) > 100 and (got.n_runs == 3).any() and set(got.query_id) <= set(queries[:10])
    assert {"run:alpha,run:mid,run:zeta", "run:zeta,run:alpha"} & set(got.source)
    pd.testing.assert_frame_equal(
        got.astype(object), want[got.columns].astype(object), check_dtype=False
    )
