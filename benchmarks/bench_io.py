"""TREC run writing and reading speed, against baselines measured in the same run.

Run: ``.venv/bin/python benchmarks/bench_io.py``. Prints figures; asserts nothing.

- ``write_run(tag=None)`` with one tag per row (the 9.3 s case of issue 9: 1,500 rows, 1,500
  tags), against the previous algorithm (one ranking per tag, reproduced below) and against a
  floor that only formats the lines;
- ``read_run`` against a floor that splits the lines with ``str.split``;
- the same on the real 101k-line run of ../shared/realdata when it is there.
"""

from __future__ import annotations

import sys
import tempfile
import timeit
from pathlib import Path

import numpy as np
import pandas as pd

from xmwidgets.io import read_run, write_run

# ../shared/realdata next to the checkout (or next to the folder of a git worktree)
_ROOT = Path(__file__).resolve().parents[1]
REALDATA = next(
    (
        b / "shared" / "realdata"
        for b in (_ROOT.parent, _ROOT.parent.parent)
        if (b / "shared").is_dir()
    ),
    _ROOT.parent / "shared" / "realdata",
)


def _seconds(fn, repeat: int = 3) -> float:
    return min(timeit.repeat(fn, number=1, repeat=repeat))


def _old_write_run(run: pd.DataFrame, path: Path) -> None:
    """The previous write_run(tag=None): ranked each tag's rows apart (a groupby per tag)."""

    def ranked(group: pd.DataFrame) -> pd.DataFrame:
        group = group.sort_values(["query_id", "score", "item_id"], ascending=[True, False, True])
        return group.assign(rank=group.groupby("query_id", sort=False).cumcount() + 1)

    parts = [ranked(group) for _, group in run.groupby("run", sort=True)]
    lines = [
        f"{r.query_id} Q0 {r.item_id} {r.rank} {float(r.score)!r} {r.run}\n"
        for part in parts
        for r in part[["query_id", "item_id", "rank", "score", "run"]].itertuples(index=False)
    ]
    path.write_text("".join(lines), encoding="utf-8")


def _floor_write(run: pd.DataFrame, path: Path) -> None:
    columns = [run[c].tolist() for c in ("query_id", "item_id", "score", "run")]
    lines = [f"{q} Q0 {i} 1 {s!r} {t}\n" for q, i, s, t in zip(*columns, strict=True)]
    path.write_text("".join(lines), encoding="utf-8")


def _floor_read(path: Path) -> None:
    rows = [line.split() for line in path.read_text(encoding="utf-8").split("\n") if line]
    pd.DataFrame(rows)


def _synthetic(rows: int, queries: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "query_id": [f"q{i % queries}" for i in range(rows)],
            "item_id": [f"doc{i}" for i in range(rows)],
            "score": rng.random(rows).round(4),
            "run": [f"tag{i}" for i in range(rows)],  # one tag per row
        }
    )


def _report(name: str, run: pd.DataFrame, folder: Path, *, baseline: bool) -> None:
    path = folder / "run.txt"
    new = _seconds(lambda: write_run(run, path, tag=None))
    floor = _seconds(lambda: _floor_write(run, folder / "floor.txt"))
    line = (
        f"{name}: write_run(tag=None) {new * 1000:.1f} ms (format-only floor {floor * 1000:.1f} ms"
    )
    if baseline:
        old = _seconds(lambda: _old_write_run(run, folder / "old.txt"), repeat=1)
        line += f", previous algorithm {old * 1000:.0f} ms = {old / new:.0f}x slower"
    print(line + f", {new / floor:.1f}x floor)")
    read = _seconds(lambda: read_run(path))
    floor_read = _seconds(lambda: _floor_read(path))
    print(
        f"{name}: read_run {read * 1000:.1f} ms (str.split floor {floor_read * 1000:.1f} ms, "
        f"{read / floor_read:.1f}x)"
    )


def main() -> None:
    print(f"python {sys.version.split()[0]}, pandas {pd.__version__}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _report("1,500 rows / 1,500 tags / 50 queries", _synthetic(1500, 50), folder, baseline=True)
        # the previous algorithm grows with rows x tags (520 s measured here at 15,000): left out
        _report(
            "15,000 rows / 15,000 tags / 500 queries",
            _synthetic(15000, 500),
            folder,
            baseline=False,
        )
        real = REALDATA / "trec" / "kirloxious_reranked_results.tsv"
        if real.is_file():
            run = read_run(real)
            name = f"real run {real.name} ({len(run):,} rows, {run['run'].nunique():,} tags)"
            _report(name, run, folder, baseline=False)
        else:
            print(f"(no {real}: the real-run figures are skipped)")


if __name__ == "__main__":
    main()
