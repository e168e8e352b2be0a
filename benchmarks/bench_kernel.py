"""The kernel side of the labelling loop: cost of one judgement, messages per batch, resume time.

Prints figures and ratios measured in the same run; asserts nothing.

    nice .venv/bin/python benchmarks/bench_kernel.py            # default run, about 1-2 minutes
    nice .venv/bin/python benchmarks/bench_kernel.py --pairs 200000 --judgements 100   # quicker

Goals (issue 8, "Speed"):
- kernel cost of one judgement <= 2 ms of CPU beyond the store write, flat from 0 to 100k labels;
- a burst of judgements is written in one transaction and acknowledged in one message;
- opening a grid over 1M pairs whose store holds 1M labels of its annotator costs <= 2x opening it
  on an empty store.

The judge messages are fed to the widget directly (``grid._on_message``), as the browser sends
them; ``store.append`` is timed inside the same calls and subtracted, and a bare ``store.append``
of the same events is timed too.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import tempfile
import threading
import time
from typing import Any

import numpy as np
import pandas as pd

import xmwidgets as xm


def frames(n_pairs: int, per_query: int = 100) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    n_queries = n_pairs // per_query
    n_items = max(n_pairs // 5, per_query)
    queries = pd.DataFrame({"query_id": [f"q{i}" for i in range(n_queries)], "text": "a query"})
    items = pd.DataFrame({"item_id": [f"i{i}" for i in range(n_items)], "text": "an item"})
    # each query gets per_query distinct items
    offsets = (np.arange(n_queries) * 7919) % n_items
    item_rows = (offsets[:, None] + np.arange(per_query)[None, :]) % n_items
    candidates = pd.DataFrame(
        {
            "query_id": np.repeat(queries["query_id"].to_numpy(), per_query),
            "item_id": items["item_id"].to_numpy()[item_rows.ravel()],
        }
    )
    return queries, items, candidates


def fill(store: xm.Store, candidates: pd.DataFrame, n: int, annotator: str = "ana") -> None:
    """``n`` labels of ``annotator``, on the first ``n`` candidate pairs (whole queries first)."""
    if n <= 0:
        return
    rows = candidates.iloc[:n]
    store.import_labels(
        pd.DataFrame(
            {
                "query_id": rows["query_id"].to_numpy(),
                "item_id": rows["item_id"].to_numpy(),
                "relevance": np.arange(n) % 4,
            }
        ),
        annotator=annotator,
    )


class Meter:
    """Times ``store.append`` inside the widget's calls (CPU and wall)."""

    def __init__(self, store: xm.Store) -> None:
        self.cpu = 0.0
        self.wall = 0.0
        self.calls = 0
        original = store.append

        def timed(events: Any) -> list[int]:
            c, w = time.process_time(), time.perf_counter()
            try:
                return original(events)
            finally:
                self.cpu += time.process_time() - c
                self.wall += time.perf_counter() - w
                self.calls += 1

        store.append = timed  # type: ignore[method-assign]


def judge_cost(
    frames_: tuple[pd.DataFrame, ...], stored: int, n_judgements: int, folder: pathlib.Path
) -> dict[str, float]:
    queries, items, candidates = frames_
    path = folder / f"kernel-{stored}.sqlite"
    store = xm.open_store(path)
    fill(store, candidates, stored)
    grid = xm.RelevanceGrid(queries, items, candidates, store=store, annotator="ana", shuffle=False)
    sent: list[dict[str, Any]] = []

    def send(content: dict[str, Any], buffers: Any = None) -> None:
        json.dumps(content, ensure_ascii=False).encode()  # as Jupyter packs the message
        sent.append(content)

    grid.send = send
    meter = Meter(store)
    # judge candidates after the stored ones: the same mix of new rows, regrades and picks
    start = grid.query_index
    order = [(q, grid.shown_candidates(q)["item_id"].tolist()) for q in grid.query_ids[start:]]
    actions = []
    for query_id, items_ in order:
        for k, item_id in enumerate(items_[:10]):
            actions.append(
                {"op": "grade", "query_id": query_id, "item_id": item_id, "relevance": 3 - k % 4}
            )
        actions.append({"op": "best", "query_id": query_id, "item_id": items_[0], "best": True})
        if len(actions) >= n_judgements:
            break
    actions = actions[:n_judgements]
    cpu, wall, store_cpu, store_wall = [], [], [], []
    for k, action in enumerate(actions):
        message = {"type": "judge", "actions": [{"request_id": k, "duration_ms": 900, **action}]}
        before_cpu, before_wall = meter.cpu, meter.wall
        c, w = time.process_time(), time.perf_counter()
        grid._on_message(grid, message, [])
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
        store_cpu.append(meter.cpu - before_cpu)
        store_wall.append(meter.wall - before_wall)
    assert all(m["type"] == "ack" for m in sent) and len(sent) == len(actions), "one ack each"
    assert all(r["status"] == "saved" for m in sent for r in m["results"]), sent[-1]
    # the live frame, brought up to date as before a notebook cell
    c = time.perf_counter()
    n_rows = len(grid.labels)
    flush = time.perf_counter() - c
    # the bare store write of the same kind of events, on the same file
    bare_cpu, bare_wall = [], []
    for k in range(min(100, len(actions))):
        event = {
            "campaign": "bare",
            "task": "grade",
            "query_id": "q0",
            "item_id": f"x{k}",
            "annotator": "ana",
            "relevance": 1,
            "shown_position": 0,
            "duration_ms": 900,
            "guideline_version": "v",
        }
        c, w = time.process_time(), time.perf_counter()
        store.append([event])
        bare_cpu.append(time.process_time() - c)
        bare_wall.append(time.perf_counter() - w)
    grid.close()
    store.close()
    beyond = [a - b for a, b in zip(cpu, store_cpu, strict=True)]
    beyond_wall = [a - b for a, b in zip(wall, store_wall, strict=True)]
    half = len(beyond) // 2
    return {
        "stored": stored,
        "cpu_ms": 1000 * statistics.median(beyond),
        "cpu_p95_ms": 1000 * float(np.percentile(beyond, 95)),
        "cpu_first_half_ms": 1000 * statistics.median(beyond[:half]),
        "cpu_second_half_ms": 1000 * statistics.median(beyond[half:]),
        "wall_ms": 1000 * statistics.median(beyond_wall),
        "append_cpu_ms": 1000 * statistics.median(store_cpu),
        "append_wall_ms": 1000 * statistics.median(store_wall),
        "bare_cpu_ms": 1000 * statistics.median(bare_cpu),
        "bare_wall_ms": 1000 * statistics.median(bare_wall),
        "flush_ms": 1000 * flush,
        "rows": n_rows,
    }


def batch_messages(frames_: tuple[pd.DataFrame, ...], size: int) -> tuple[int, int, float]:
    """A burst of ``size`` actions in one judge message: messages back, transactions, kernel ms."""
    queries, items, candidates = frames_
    grid = xm.RelevanceGrid(
        queries, items, candidates, store=":memory:", annotator="ana", shuffle=False
    )
    sent: list[dict[str, Any]] = []
    grid.send = lambda content, buffers=None: sent.append(content)
    meter = Meter(grid.store)
    query_id = grid.query_ids[0]
    items_ = grid.shown_candidates(query_id)["item_id"].tolist()[:size]  # the page loads it
    actions = [
        {
            "request_id": k,
            "op": "grade",
            "query_id": query_id,
            "item_id": i,
            "relevance": 2,
            "duration_ms": 5,
        }
        for k, i in enumerate(items_)
    ]
    t = time.perf_counter()
    grid._on_message(grid, {"type": "judge", "actions": actions}, [])
    elapsed = time.perf_counter() - t
    grid.close()
    return len(sent), meter.calls, 1000 * elapsed


def session_growth(frames_: tuple[pd.DataFrame, ...], n: int) -> tuple[float, float, float]:
    """Median kernel CPU per judgement over the first and last 200 of ``n`` in one session.

    An in-memory store, so that the run is quick; the store's time is subtracted as above.
    """
    queries, items, candidates = frames_
    grid = xm.RelevanceGrid(
        queries, items, candidates, store=":memory:", annotator="ana", shuffle=False
    )
    grid.send = lambda content, buffers=None: json.dumps(content)
    meter = Meter(grid.store)
    beyond = []
    k = 0
    for query_id in grid.query_ids:
        for item_id in grid.shown_candidates(query_id)["item_id"]:
            action = {
                "request_id": k,
                "op": "grade",
                "query_id": query_id,
                "item_id": item_id,
                "relevance": k % 4,
            }
            before = meter.cpu
            c = time.process_time()
            grid._on_message(grid, {"type": "judge", "actions": [action]}, [])
            beyond.append(time.process_time() - c - (meter.cpu - before))
            k += 1
            if k >= n:
                break
        if k >= n:
            break
    c = time.perf_counter()
    rows = len(grid.labels)
    flush = time.perf_counter() - c
    grid.close()
    assert rows == n
    return (
        1000 * statistics.median(beyond[:200]),
        1000 * statistics.median(beyond[-200:]),
        1000 * flush,
    )


def open_cost(frames_: tuple[pd.DataFrame, ...], folder: pathlib.Path, runs: int = 2) -> None:
    queries, items, candidates = frames_
    empty = folder / "open-empty.sqlite"
    full = folder / "open-full.sqlite"
    xm.open_store(empty).close()
    t = time.perf_counter()
    with xm.open_store(full) as store:
        fill(store, candidates, len(candidates))
    filled = time.perf_counter() - t
    print(f"  (filled a store with {len(candidates):,} labels by import_labels in {filled:.1f} s)")
    # time Store.labels inside the opening, to tell the store's read from the widget's own work
    spent = {"wall": 0.0, "cpu": 0.0}
    original = xm.Store.labels

    def timed(self: xm.Store, **kwargs: Any) -> pd.DataFrame:
        t, c = time.perf_counter(), time.process_time()
        try:
            return original(self, **kwargs)
        finally:
            spent["wall"] += time.perf_counter() - t
            spent["cpu"] += time.process_time() - c

    xm.Store.labels = timed  # type: ignore[method-assign]
    times: dict[str, list[tuple[float, float, float, float]]] = {
        "empty": [],
        "cold": [],
        "warm": [],
    }
    # the first opening over the full store comes at once after import_labels ("cold": no
    # session has read the labels; the import's background read of them, to keep them beside the
    # store file, is still running and the opening waits for it); the next ones are a session
    # resuming after that ("warm": the labels kept on disk, filtered for this annotator)
    try:
        for run in range(runs + 1):
            opens = (
                (("cold", full), ("empty", empty))
                if run == 0
                else (("empty", empty), ("warm", full))
            )
            for name, path in opens:
                spent.update(wall=0.0, cpu=0.0)
                c, t = time.process_time(), time.perf_counter()
                grid = xm.RelevanceGrid(
                    queries, items, candidates, store=str(path), annotator="ana"
                )
                n = len(grid.labels)
                wall, cpu = time.perf_counter() - t, time.process_time() - c
                times[name].append((wall, cpu, spent["wall"], spent["cpu"]))
                progress = grid.progress
                grid.close()
                grid.store.close()
                if path == full:
                    assert n == len(candidates) and progress["judged"] == len(candidates), progress
                    _wait_for_kept_labels()
    finally:
        xm.Store.labels = original  # type: ignore[method-assign]
    e = min(times["empty"])
    print(
        f"open over {len(candidates):,} pairs (incl. grid.labels): empty store, best of "
        f"{len(times['empty'])}: {e[0]:.2f} s wall / {e[1]:.2f} s CPU"
    )
    for name, what in (
        (
            "warm",
            f"resume, best of {runs}: store with {len(candidates):,} labels of this annotator, "
            "read by an earlier session (labels kept beside the store file)",
        ),
        (
            "cold",
            "first opening, at once after import_labels (waits for the import's background "
            "read of every label)",
        ),
    ):
        f = min(times[name])
        goal = " (goal <= 2x)" if name == "warm" else ""
        print(
            f"{what}: {f[0]:.2f} s wall / {f[1]:.2f} s CPU -> ratio {f[0] / e[0]:.2f}x wall, "
            f"{f[1] / e[1]:.2f}x CPU{goal}"
        )
        print(
            f"  of which Store.labels (the store's read, on a thread while the pool is checked) "
            f"took {f[2]:.2f} s wall / {f[3]:.2f} s CPU"
        )


def _wait_for_kept_labels() -> None:
    """Let the thread that keeps a large labels frame beside its store finish (not timed)."""
    for thread in threading.enumerate():
        if thread.name == "xmwidgets-keep-labels":
            thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=200_000, help="pool of the judgement runs")
    parser.add_argument("--open-pairs", type=int, default=1_000_000, help="pool of the open run")
    parser.add_argument("--judgements", type=int, default=300, help="judgements per level")
    parser.add_argument("--levels", type=int, nargs="*", default=[0, 10_000, 100_000])
    parser.add_argument("--session", type=int, default=4_000, help="judgements in one session")
    parser.add_argument(
        "--open-only", action="store_true", help="only the open run (resume over --open-pairs)"
    )
    parser.add_argument("--open-runs", type=int, default=2, help="repetitions of the open run")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        folder = pathlib.Path(tmp)
        if args.open_only:
            open_cost(frames(args.open_pairs), folder, args.open_runs)
            print(f"load average after: {os.getloadavg()[0]:.1f}")
            return
        data = frames(max(args.pairs, max(args.levels) + 20 * 100))
        print(f"kernel cost of one judgement (file store, {len(data[2]):,} pairs), medians:")
        for stored in args.levels:
            r = judge_cost(data, stored, args.judgements, folder)
            print(
                f"  {r['stored']:>7,} labels stored: beyond the store write {r['cpu_ms']:.2f} ms CPU "
                f"(p95 {r['cpu_p95_ms']:.2f}; first/second half of the run {r['cpu_first_half_ms']:.2f}/"
                f"{r['cpu_second_half_ms']:.2f}), {r['wall_ms']:.2f} ms wall; store.append inside "
                f"{r['append_cpu_ms']:.2f} ms CPU / {r['append_wall_ms']:.2f} ms wall; bare "
                f"store.append {r['bare_cpu_ms']:.2f} ms CPU / {r['bare_wall_ms']:.2f} ms wall; "
                f"grid.labels refresh after {args.judgements} judgements ({r['rows']:,} rows): "
                f"{r['flush_ms']:.1f} ms"
            )
        print("  goal: <= 2 ms CPU beyond the store write, flat from 0 to 100k labels")
        first, last, flush = session_growth(data, args.session)
        print(
            f"one session of {args.session:,} judgements (in-memory store): beyond the store "
            f"{first:.2f} ms CPU for the first 200, {last:.2f} ms for the last 200 "
            f"(ratio {last / first:.2f}; goal: flat); grid.labels refresh of all {args.session:,} "
            f"rows at once {flush:.0f} ms"
        )
        for size in (1, 10, 50):
            messages, transactions, ms = batch_messages(data, size)
            print(
                f"batch of {size:>2} actions: {messages} message(s) back, {transactions} store "
                f"transaction(s), {ms:.1f} ms in the kernel (goal: 1 message, few transactions)"
            )
        del data
        open_cost(frames(args.open_pairs), folder, args.open_runs)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
