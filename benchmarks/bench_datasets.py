"""Demo dataset speed and size: cold generation, warm (cached) load, cache size.

Run: ``.venv/bin/python benchmarks/bench_datasets.py``. Prints figures; asserts nothing. The warm
load is compared with its floor measured in the same run: reading the six CSV frames with pandas.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pandas as pd

from xmwidgets import datasets


def _seconds(fn, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    import av  # noqa: F401  imported up front so that the cold figure is generation, not imports
    import PIL.Image  # noqa: F401
    import soundfile  # noqa: F401

    with tempfile.TemporaryDirectory() as folder:
        cold = _seconds(lambda: datasets.demo(cache_dir=folder))
        warm = _seconds(lambda: datasets.demo(cache_dir=folder), repeat=5)
        demo = datasets.demo(cache_dir=folder)
        csvs = sorted(Path(demo.cache_dir).glob("*.csv"))
        floor = _seconds(lambda: [pd.read_csv(p) for p in csvs], repeat=5)
        files = [p for p in demo.cache_dir.rglob("*") if p.is_file()]
        size_mb = sum(p.stat().st_size for p in files) / 1e6
        sizes = demo.candidates.groupby("query_id").size()
        print(demo)
        print(f"cold generation: {cold:.2f} s")
        print(
            f"warm load:       {warm * 1000:.0f} ms (plain read_csv floor {floor * 1000:.0f} ms, "
            f"ratio {warm / floor:.1f}x)"
        )
        print(f"cache:           {size_mb:.1f} MB in {len(files)} files")
        print(f"candidates:      {len(demo.candidates)} ({sizes.min()}–{sizes.max()} per query)")


if __name__ == "__main__":
    main()
