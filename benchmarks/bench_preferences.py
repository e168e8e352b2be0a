"""Speed of xm.preferences and xm.bradley_terry (printed, not asserted), beside choix.

Run: ``.venv/bin/python benchmarks/bench_preferences.py`` (choix is in the ``test`` extra)

1. ``xm.preferences`` on the pick events of 1,000 queries x 3 annotators, 50 candidates shown,
   best and second best (285 pairs per query and annotator... 285k pairs).
2. ``xm.bradley_terry`` per query on 100 of those queries, beside ``choix.opt_pairwise`` called
   query by query on the same comparisons (the baseline), and the largest score difference.
3. One pooled fit (``by=None``) of 20,000 comparisons among 500 items, beside choix.
4. One pooled fit of all the pairs of 1. (291k comparisons among 50 items), beside choix.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import choix
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled
import xmwidgets as xm

ALPHA = 0.01


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def pick_events(n_queries: int, annotators: int = 3, shown: int = 50) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    strengths = rng.normal(size=shown)
    rows = []
    for q in range(n_queries):
        for a in range(annotators):
            order = rng.permutation(shown)
            ids = [f"i{k}" for k in order]
            noisy = np.argsort(-(strengths[order] + rng.gumbel(size=shown)))
            for rank in (1, 2):
                rows.append(
                    {
                        "event_id": len(rows) + 1,
                        "campaign": "c",
                        "task": "pick",
                        "query_id": f"q{q}",
                        "item_id": ids[noisy[rank - 1]],
                        "annotator": f"a{a}",
                        "rank": rank,
                        "shown": json.dumps(ids),
                    }
                )
    return pd.DataFrame(rows)


def choix_scores(prefs: pd.DataFrame, by: str | None) -> dict[tuple[str, str], float]:
    out = {}
    groups = prefs.groupby(by) if by else [("", prefs)]
    for key, group in groups:
        codes, ids = pd.factorize(pd.concat([group["chosen"], group["rejected"]]))
        m = len(group)
        data = list(zip(codes[:m].tolist(), codes[m:].tolist(), strict=True))
        theta = choix.opt_pairwise(len(ids), data, alpha=ALPHA)
        out.update({(str(key), str(i)): float(t) for i, t in zip(ids, theta, strict=True)})
    return out


def largest_difference(ours: pd.DataFrame, theirs: dict, by: str | None) -> float:
    keys = zip(ours[by] if by else [""] * len(ours), ours["item_id"], strict=True)
    return max(
        abs(s - theirs[(str(k), str(i))]) for (k, i), s in zip(keys, ours["score"], strict=True)
    )


def main() -> None:
    events = pick_events(1000)
    seconds, prefs = timed(lambda: xm.preferences(events))
    assert isinstance(prefs, pd.DataFrame)
    print(f"preferences: {len(events):,} pick events -> {len(prefs):,} pairs in {seconds:.2f} s")

    some = prefs[prefs["query_id"].isin([f"q{q}" for q in range(100)])]
    ours_s, ours = timed(lambda: xm.bradley_terry(some, alpha=ALPHA))
    theirs_s, theirs = timed(lambda: choix_scores(some, "query_id"))
    assert isinstance(ours, pd.DataFrame) and isinstance(theirs, dict)
    print(
        f"bradley_terry per query, 100 queries x {len(some) // 100} pairs: {ours_s:.2f} s "
        f"(with standard errors); choix.opt_pairwise {theirs_s:.2f} s "
        f"= {theirs_s / ours_s:.1f}x ours; largest score difference "
        f"{largest_difference(ours, theirs, 'query_id'):.1e}"
    )

    rng = np.random.default_rng(1)
    strengths = rng.normal(size=500)
    a, b = rng.integers(0, 500, (2, 20000))
    keep = a != b
    a, b = a[keep], b[keep]
    a_won = rng.random(len(a)) < 1 / (1 + np.exp(strengths[b] - strengths[a]))
    pooled = pd.DataFrame(
        {
            "chosen": [f"i{k}" for k in np.where(a_won, a, b)],
            "rejected": [f"i{k}" for k in np.where(a_won, b, a)],
        }
    )
    ours_s, ours = timed(lambda: xm.bradley_terry(pooled, by=None, alpha=ALPHA))
    theirs_s, theirs = timed(lambda: choix_scores(pooled, None))
    assert isinstance(ours, pd.DataFrame) and isinstance(theirs, dict)
    print(
        f"bradley_terry pooled, {len(pooled):,} pairs of 500 items: {ours_s:.2f} s; "
        f"choix.opt_pairwise {theirs_s:.2f} s = {theirs_s / ours_s:.1f}x ours; largest score "
        f"difference {largest_difference(ours, theirs, None):.1e}"
    )

    ours_s, ours = timed(lambda: xm.bradley_terry(prefs, by=None, alpha=ALPHA))
    theirs_s, theirs = timed(lambda: choix_scores(prefs, None))
    assert isinstance(ours, pd.DataFrame) and isinstance(theirs, dict)
    print(
        f"bradley_terry pooled, {len(prefs):,} pairs of {len(ours)} items: {ours_s:.2f} s; "
        f"choix.opt_pairwise {theirs_s:.2f} s = {theirs_s / ours_s:.0f}x ours; largest score "
        f"difference {largest_difference(ours, theirs, None):.1e}"
    )


if __name__ == "__main__":
    main()
