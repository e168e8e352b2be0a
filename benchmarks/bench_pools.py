"""Benchmark: exact nearest neighbours and depth pooling (issue 5). Prints figures, asserts nothing.

Goals (2 cores): 100k items x 512-d float32, 1,000 queries, top-100 exact with numpy <= 2 s, peak
memory <= 1.5x the item matrix, printed beside faiss IndexFlatIP on the same data; pooling
1,000 queries x 5 runs x depth 100 <= 0.5 s, printed beside a plain pandas sort/groupby baseline.

Run: ``.venv/bin/python benchmarks/bench_pools.py [--items 100000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

# run from a clean clone without installing: the package is the sibling of this folder
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import xmwidgets as xm
from xmwidgets.pools import exact_knn


def _best_time(fn, repeat: int, clock=time.perf_counter) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = clock()
        result = fn()
        best = min(best, clock() - start)
    return best, result


def bench_knn(n_items: int, n_queries: int, dim: int, k: int, repeat: int) -> None:
    rng = np.random.default_rng(0)
    items = rng.standard_normal((n_items, dim), dtype=np.float32)
    queries = rng.standard_normal((n_queries, dim), dtype=np.float32)
    mb = items.nbytes / 2**20
    print(
        f"exact top-{k}: {n_items:,} items x {dim}-d float32 ({mb:.0f} MB), {n_queries:,} queries"
    )
    for metric in ("cosine", "dot"):
        seconds, (indices, _) = _best_time(lambda m=metric: exact_knn(queries, items, k, m), repeat)
        tracemalloc.start()
        exact_knn(queries, items, k, metric)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        line = (
            f"  numpy  {metric:6s} {seconds:6.2f} s   peak extra memory {peak / 2**20:6.0f} MB "
            f"= {peak / items.nbytes:.2f}x the item matrix"
        )
        try:
            import faiss  # noqa: F401
        except ImportError:
            print(line + "   (faiss not installed)")
            continue
        faiss_seconds, (faiss_indices, _) = _best_time(
            lambda m=metric: exact_knn(queries, items, k, m, backend="faiss"), repeat
        )
        same = np.mean(
            [len(set(a) & set(b)) / k for a, b in zip(indices, faiss_indices, strict=True)]
        )
        print(
            f"{line}\n  faiss  {metric:6s} {faiss_seconds:6.2f} s   "
            "(IndexFlatIP incl. index build; "
            f"numpy/faiss = {seconds / faiss_seconds:.2f}; same neighbours {same:.2%})"
        )


def _runs(n_queries: int, n_items: int, n_runs: int, depth: int) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(1)
    query_ids = np.array([f"q{i:05d}" for i in range(n_queries)], dtype=object)
    item_ids = np.array([f"doc{i:07d}" for i in range(n_items)], dtype=object)
    runs = {}
    for r in range(n_runs):
        picked = rng.integers(0, n_items, size=(n_queries, depth))
        scores = -np.sort(-rng.random((n_queries, depth)), axis=1)
        frame = pd.DataFrame(
            {
                "query_id": np.repeat(query_ids, depth),
                "item_id": item_ids[picked.ravel()],
                "score": scores.ravel(),
            }
        ).drop_duplicates(["query_id", "item_id"])
        runs[f"model{r}"] = frame.sample(frac=1, random_state=r)  # runs arrive unsorted
    return runs


def _pandas_pool(runs: dict[str, pd.DataFrame], depth: int) -> pd.DataFrame:
    """The obvious pandas version: sort, head per query, concat, group per pair."""
    parts = []
    for name, run in runs.items():
        top = run.sort_values(["query_id", "score"], ascending=[True, False])
        top = top.groupby("query_id").head(depth)
        parts.append(top.assign(source=f"run:{name}", rank=top.groupby("query_id").cumcount() + 1))
    long = pd.concat(parts)
    return long.groupby(["query_id", "item_id"], as_index=False).agg(
        source=("source", ",".join), rank=("rank", "min")
    )


def bench_pooling(n_queries: int, n_items: int, n_runs: int, depth: int, repeat: int) -> None:
    queries = pd.DataFrame({"query_id": [f"q{i:05d}" for i in range(n_queries)]})
    items = pd.DataFrame({"item_id": [f"doc{i:07d}" for i in range(n_items)]})
    for run_depth in (depth, 10 * depth):
        runs = _runs(n_queries, n_items, n_runs, run_depth)
        n_rows = sum(len(r) for r in runs.values())
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            seconds, cands = _best_time(
                lambda runs=runs: xm.pool(queries, items, runs=runs, depth=depth), repeat
            )
            # pooling is single-threaded: CPU time shows what it costs on an idle machine
            cpu, _ = _best_time(
                lambda runs=runs: xm.pool(queries, items, runs=runs, depth=depth),
                repeat,
                time.process_time,
            )
        baseline, expected = _best_time(lambda runs=runs: _pandas_pool(runs, depth), repeat)
        assert len(cands) == len(expected)
        print(
            f"pooling {n_queries:,} queries x {n_runs} runs ({n_rows:,} run rows, "
            f"{run_depth} per query) at depth {depth}: {seconds:.3f} s (CPU {cpu:.3f} s) -> "
            f"{len(cands):,} "
            f"candidates; pandas sort/groupby baseline {baseline:.3f} s "
            f"(ratio {seconds / baseline:.2f})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--dim", type=int, default=512)
    parser.add_argument("--k", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"cores: {os.cpu_count()}, load average {load} (other work on the machine slows every "
        f"figure alike; compare the ratios), numpy {np.__version__}, pandas {pd.__version__}"
    )
    bench_knn(args.items, args.queries, args.dim, args.k, args.repeat)
    bench_pooling(args.queries, args.items, 5, 100, args.repeat)


if __name__ == "__main__":
    main()
