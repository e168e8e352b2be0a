"""Speed of the analysis functions (printed, not asserted).

Run: ``.venv/bin/python benchmarks/bench_analysis.py``

1. ``xm.evaluate`` on 1,000 queries × 100 retrieved × 5 measures, end to end (labels → qrels, run
   ranking and tie-breaking, ir-measures, tidy frame), beside ir-measures called directly on the
   same data already in its input shape (frames, and nested dicts: the baselines).
2. Krippendorff's α over 100 annotators × 10,000 units (the ``krippendorff`` package via our frame
   conversion), and the report's bootstrap interval.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled
import xmwidgets as xm


def best_of(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def retrieval_data(n_queries: int = 1000, depth: int = 100, judged: int = 30, annotators: int = 1):
    rng = np.random.default_rng(0)
    q = np.repeat([f"q{i}" for i in range(n_queries)], depth)
    d = np.tile([f"d{j}" for j in range(depth)], n_queries)
    run = pd.DataFrame({"query_id": q, "item_id": d, "score": rng.random(len(q))})
    jq = np.repeat([f"q{i}" for i in range(n_queries)], judged * annotators)
    jd = np.tile(np.repeat([f"d{j}" for j in range(judged)], annotators), n_queries)
    ja = np.tile([f"a{k}" for k in range(annotators)], n_queries * judged)
    labels = pd.DataFrame(
        {
            "query_id": jq,
            "item_id": jd,
            "annotator": ja,
            "relevance": pd.array(rng.integers(0, 4, len(jq)), dtype="Int8"),
            "task": "grade",
        }
    )
    return labels, run


def bench_metrics() -> None:
    import ir_measures

    trec = ["nDCG@10", "R@10", "AP", "RR", "P@10"]
    labels, run = retrieval_data()
    qrels = xm.to_qrels(labels)
    run_direct = run.rename(columns={"item_id": "doc_id"})
    parsed = [ir_measures.parse_measure(m) for m in trec]
    # the baseline: ir-measures on frames already in its shape (str ids, int relevance)
    direct = best_of(lambda: ir_measures.calc_aggregate(parsed, qrels, run_direct))
    # the fastest direct form: nested dicts, as pytrec_eval takes them (building them not timed)
    qrels_dict: dict[str, dict[str, int]] = {}
    for q, d, r in zip(
        qrels.query_id.tolist(), qrels.doc_id.tolist(), qrels.relevance.tolist(), strict=True
    ):
        qrels_dict.setdefault(q, {})[d] = r
    run_dict: dict[str, dict[str, float]] = {}
    for q, d, sc in zip(
        run.query_id.tolist(), run.item_id.tolist(), run.score.tolist(), strict=True
    ):
        run_dict.setdefault(q, {})[d] = sc
    direct_dicts = best_of(lambda: ir_measures.calc_aggregate(parsed, qrels_dict, run_dict))
    ours = best_of(lambda: xm.evaluate(labels, run, trec))
    ours_default = best_of(lambda: xm.evaluate(labels, run))  # nDCG@10, R@10, AP, RR, mAP@R
    per_query = best_of(lambda: xm.evaluate(labels, run, trec, per_query=True))
    labels3, _ = retrieval_data(annotators=3)
    three = best_of(lambda: xm.evaluate(labels3, run, trec, aggregate="majority"))
    print(f"metrics: {len(run):,} run rows, {len(qrels):,} qrels, 1,000 queries, 5 measures")
    print(f"  ir_measures.calc_aggregate, frames        : {direct * 1000:7.1f} ms")
    print(f"  ir_measures.calc_aggregate, nested dicts  : {direct_dicts * 1000:7.1f} ms")
    print(
        f"  xm.evaluate end to end (5 trec measures)  : {ours * 1000:7.1f} ms "
        f"({ours / direct:.2f}× frames, {ours / direct_dicts:.2f}× dicts)"
    )
    print(f"  xm.evaluate default (… + mAP@R)           : {ours_default * 1000:7.1f} ms")
    print(f"  xm.evaluate per_query=True                : {per_query * 1000:7.1f} ms")
    print(f"  xm.evaluate, 3 annotators, majority       : {three * 1000:7.1f} ms")


def bench_alpha() -> None:
    import krippendorff

    rng = np.random.default_rng(0)
    n_annotators, n_units = 100, 10_000
    truth = rng.integers(0, 4, n_units)
    grades = np.clip(truth[None, :] + rng.integers(-1, 2, (n_annotators, n_units)), 0, 3)
    labels = pd.DataFrame(
        {
            "query_id": np.tile([f"q{u // 10}" for u in range(n_units)], n_annotators),
            "item_id": np.tile([f"i{u}" for u in range(n_units)], n_annotators),
            "annotator": np.repeat([f"a{k}" for k in range(n_annotators)], n_units),
            "relevance": pd.array(grades.ravel(), dtype="Int8"),
        }
    )
    matrix = grades.astype(float)
    direct = best_of(
        lambda: krippendorff.alpha(
            matrix, level_of_measurement="ordinal", value_domain=[0, 1, 2, 3]
        ),
        repeat=3,
    )
    ours = best_of(lambda: xm.krippendorff_alpha(labels), repeat=3)
    print(f"alpha: {n_annotators} annotators × {n_units:,} units = {len(labels):,} judgements")
    print(f"  krippendorff.alpha on a prepared matrix   : {direct * 1000:7.1f} ms")
    print(
        f"  xm.krippendorff_alpha from the labels     : {ours * 1000:7.1f} ms "
        f"({ours / direct:.2f}× the baseline)"
    )
    small = labels[
        labels.annotator.isin(["a0", "a1", "a2"])
        & labels.item_id.isin([f"i{u}" for u in range(50)])
    ]
    boot = best_of(lambda: xm.agreement(small, n_boot=1000), repeat=3)
    print(f"  xm.agreement, 50 units × 3 annotators, n_boot=1000: {boot * 1000:7.1f} ms")
    three = labels[labels.annotator.isin(["a0", "a1", "a2"])]
    boot_big = best_of(lambda: xm.agreement(three, n_boot=1000), repeat=1)
    print(f"  xm.agreement, 10,000 units × 3 annotators, n_boot=1000: {boot_big * 1000:7.1f} ms")


if __name__ == "__main__":
    bench_metrics()
    bench_alpha()
