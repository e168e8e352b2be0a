"""Opening a RelevanceGrid over a large pool, and the cost of `import xmwidgets`.

Prints figures; asserts nothing. Run: .venv/bin/python benchmarks/bench_grid.py [n_pairs]
Goals (issue 3): a grid over 1M candidate pairs opens in <= 1 s; import xmwidgets <= 0.3 s.
"""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pandas as pd


def bench_import(repeats: int = 5) -> None:
    def run(code: str) -> float:
        best = float("inf")
        for _ in range(repeats):
            out = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    f"import time; t=time.perf_counter(); {code}; print(time.perf_counter()-t)",
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            best = min(best, float(out.stdout))
        return best

    ours = run("import xmwidgets")
    baseline = run("import json")
    pandas = run("import pandas")
    print(
        f"import xmwidgets: {ours * 1000:.0f} ms (best of {repeats}); import pandas alone: {pandas * 1000:.0f} ms; "
        f"import json: {baseline * 1000:.1f} ms"
    )
    heavy = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, xmwidgets; print(sorted(m for m in ('pandas','librosa','av','faiss','PIL','anywidget') if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    print(f"heavy modules loaded by import xmwidgets: {heavy}")


def bench_open(n_pairs: int) -> None:
    import xmwidgets as xm

    n_queries = n_pairs // 100
    n_items = 200_000
    rng = np.random.default_rng(0)
    queries = pd.DataFrame({"query_id": [f"q{i}" for i in range(n_queries)], "text": "a query"})
    items = pd.DataFrame({"item_id": [f"i{i}" for i in range(n_items)], "text": "an item"})
    candidates = pd.DataFrame(
        {
            "query_id": np.repeat(queries["query_id"].to_numpy(), 100),
            "item_id": np.array([f"i{i}" for i in range(n_items)], dtype=object)[
                (np.arange(n_pairs) * 7919 + rng.integers(0, 50, n_pairs).repeat(1)) % n_items
            ],
            "score": rng.random(n_pairs),
        }
    ).drop_duplicates(["query_id", "item_id"])
    for run in range(2):
        t = time.perf_counter()
        grid = xm.RelevanceGrid(queries, items, candidates, store=":memory:", annotator="ana")
        opened = time.perf_counter() - t
        t = time.perf_counter()
        grid.send = lambda content, buffers=None: None  # type: ignore[method-assign]
        grid._on_message(grid, {"type": "page", "request_id": 1, "index": grid.query_index}, [])
        grid.wait_for_pages()
        first_page = time.perf_counter() - t
        print(
            f"open grid over {len(candidates):,} pairs ({n_queries:,} queries, {n_items:,} items): "
            f"{opened:.2f} s (run {run + 1}); first page (100 text candidates) {first_page * 1000:.0f} ms"
        )
        grid.close()


if __name__ == "__main__":
    bench_import()
    bench_open(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
