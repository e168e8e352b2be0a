"""Benchmark the label store: bulk import, labels(), counts() and the latency of a single append.

Run: ``.venv/bin/python benchmarks/bench_store.py [--rows 1000000]``. Prints figures, asserts
nothing.
The baseline is a bare ``sqlite3.executemany`` of the same rows into a plain table with the
same columns and pragmas (WAL, synchronous=FULL), one transaction, measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np
import pandas as pd

try:
    import xmwidgets  # noqa: F401
except ImportError:  # run from a checkout without an install: use the package next to this script
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import xmwidgets.store._sqlite as sqlite_module
from xmwidgets._contract import EVENT_COLUMNS
from xmwidgets.store import _kept_labels, open_store
from xmwidgets.store._schema import SQL_TYPES


def _qrels(n: int, order: str = "sorted", seed: int = 0) -> pd.DataFrame:
    """n judgements: 100 candidates per query, items shuffled, TREC-style 0..3 levels.

    ``order`` "sorted": rows grouped by query (a qrels file); "shuffled": the same rows in random
    order (judgements as they come from many annotators).
    """
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "query_id": pd.array(np.char.add("q", (np.arange(n) // 100).astype(str)), dtype="str"),
            "item_id": pd.array(np.char.add("d", rng.permutation(n).astype(str)), dtype="str"),
            "relevance": rng.integers(0, 4, n),
        }
    )
    if order == "shuffled":
        df = df.iloc[rng.permutation(n)].reset_index(drop=True)
    return df


def _fresh_labels(path: str, arguments: str = "") -> tuple[float, float, int]:
    """(wall, CPU, rows) of ``labels(arguments)`` in a new process: a cold connection, as after
    a restart."""
    code = (
        "import sys, time; sys.path.insert(0, sys.argv[2]); "
        "from xmwidgets.store import open_store; s = open_store(sys.argv[1]); "
        f"t, c = time.perf_counter(), time.process_time(); n = len(s.labels({arguments})); "
        "print(time.perf_counter() - t, time.process_time() - c, n)"
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run(
        [sys.executable, "-c", code, path, root], capture_output=True, text=True, check=True
    )
    wall, cpu, rows = out.stdout.split()
    return float(wall), float(cpu), int(rows)


def _bare(path: str, df: pd.DataFrame) -> tuple[float, float]:
    """(wall, CPU) seconds for executemany of the same rows into a plain table (no key/index)."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = FULL")
    columns = ", ".join(f"{c} {SQL_TYPES[c]}" for c in EVENT_COLUMNS if c != "event_id")
    con.execute(f"CREATE TABLE plain (event_id INTEGER PRIMARY KEY, {columns})")
    now = time.time_ns() // 1000
    n = len(df)
    start, cpu = time.perf_counter(), time.process_time()
    rows = zip(
        ["default"] * n,
        ["grade"] * n,
        ["bench"] * n,
        df["query_id"].tolist(),
        df["item_id"].tolist(),
        df["relevance"].tolist(),
        [now] * n,
        strict=True,
    )
    con.execute("BEGIN")
    con.executemany(
        "INSERT INTO plain (campaign, task, annotator, query_id, item_id, relevance, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    con.execute("COMMIT")
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    con.close()
    return seconds, cpu


def _import(path: str, df: pd.DataFrame) -> tuple[float, float, float]:
    """(wall, CPU) seconds of import_labels into a new store, and the seconds after it returned
    until its background keep of every label (``_kept_labels``) was written (not timed: waited
    for, so that it does not run beside the next measurement)."""
    with open_store(path) as store:
        start, cpu = time.perf_counter(), time.process_time()
        store.import_labels(df, annotator="bench")
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    returned = time.perf_counter()
    for thread in threading.enumerate():
        if thread.name == "xmwidgets-keep-labels":
            thread.join()
    return wall, cpu, time.perf_counter() - returned


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2, help="import/bare repetitions")
    args = parser.parse_args()
    n = args.rows
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        for order in ("sorted", "shuffled"):
            df = _qrels(n, order)
            # interleaved repetitions, best of each: the machine may be shared
            bare, imported = [], []
            for rep in range(args.repeat):
                bare.append(_bare(os.path.join(tmp, f"bare-{order}{rep}.sqlite"), df))
                path = os.path.join(tmp, f"labels-{order}{rep}.sqlite")
                imported.append(_import(path, df))
            (bare_wall, bare_cpu), (wall, cpu, keep) = min(bare), min(imported)
            print(
                f"[{order}] import_labels {n:,} rows: {wall:.2f} s = {n / wall:,.0f} rows/s "
                f"(CPU {cpu:.2f} s; goal >= 200,000 rows/s); then, in the background, every "
                f"label read and kept beside the file in {keep:.2f} s"
            )
            print(
                f"[{order}] bare executemany {n:,} rows: {bare_wall:.2f} s = "
                f"{n / bare_wall:,.0f} rows/s (CPU {bare_cpu:.2f} s)"
            )
            print(
                f"[{order}] ratio import_labels / bare: {wall / bare_wall:.2f}x wall, "
                f"{cpu / bare_cpu:.2f}x CPU (goal <= 2x)"
            )
        # the first fresh process reads every event (and keeps the frame beside the store file,
        # _kept_labels); the second starts from that frame, as a session after a session does
        shutil.rmtree(_kept_labels.folder_of(path), ignore_errors=True)
        for how in ("every event read", "from the frame the first process kept"):
            wall, cpu, rows = _fresh_labels(path)
            print(
                f"labels() over {n:,} events in a fresh process, {how} -> {rows:,} rows: "
                f"{wall:.3f} s wall, {cpu:.3f} s CPU (goal <= 1 s)"
            )
        # a grid's read (one annotator, the columns it folds) in a new session: no frame of its
        # own was kept, the frame of every label is, filtered
        wall, cpu, rows = _fresh_labels(
            path,
            "campaign='default', annotator='bench', role='annotator', "
            "columns=['query_id', 'item_id', 'relevance', 'best', 'flags']",
        )
        print(
            f"labels(campaign, annotator, role, 5 columns) in a fresh process, from the kept "
            f"frame of every label, filtered -> {rows:,} rows: {wall:.3f} s wall, {cpu:.3f} s CPU"
        )
        # below: the read itself, in this process (kept frames not used)
        sqlite_module._kept_labels.load = lambda *args: None  # type: ignore[assignment]

        store = open_store(path)  # cold: a new connection, as after a kernel restart
        for label, threshold in (("2 connections", 100_000), ("1 connection", 10**12)) * 2:
            sqlite_module._PARALLEL_READ_EVENTS = threshold
            store._labels_cache = None  # measure the read, not the reuse of the last frame
            start, cpu = time.perf_counter(), time.process_time()
            labels = store.labels()
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            print(
                f"labels() over {n:,} events -> {len(labels):,} rows, {label}: "
                f"{seconds:.3f} s wall, {cpu:.3f} s CPU"
            )
        sqlite_module._PARALLEL_READ_EVENTS = 100_000
        start = time.perf_counter()
        store.labels()
        ms = (time.perf_counter() - start) * 1000
        print(
            f"labels() again, nothing appended in between (a copy of the last frame): {ms:.0f} ms"
        )
        event = {"campaign": "default", "task": "grade", "annotator": "bench", "query_id": "q1"}
        store.append([{**event, "item_id": "d-new", "relevance": 2}])
        start = time.perf_counter()
        store.labels()
        ms = (time.perf_counter() - start) * 1000
        print(f"labels() after one more append (last frame refreshed by key): {ms:.0f} ms")
        start = time.perf_counter()
        one = store.labels(campaign="default", annotator="bench", query_ids=["q17", "q4242"])
        print(
            f"labels(campaign, annotator, 2 query_ids) -> {len(one)} rows: "
            f"{(time.perf_counter() - start) * 1000:.1f} ms"
        )
        start = time.perf_counter()
        counts = store.counts(campaign="default", annotator="bench")
        print(
            f"counts() over {n:,} events -> {len(counts):,} queries: "
            f"{time.perf_counter() - start:.3f} s"
        )
        start = time.perf_counter()
        everything = store.events()
        seconds = time.perf_counter() - start
        print(f"events() over {n:,} events -> {len(everything):,} rows: {seconds:.3f} s")
        start = time.perf_counter()
        since = store.events(since=store.last_event_id() - 10)
        ms = (time.perf_counter() - start) * 1000
        print(f"events(since=last-10) -> {len(since)} rows: {ms:.1f} ms")

        samples = []
        for i in range(200):
            event = {
                "campaign": "default",
                "task": "grade",
                "query_id": f"q{i}",
                "item_id": "d0",
                "annotator": "live",
                "relevance": i % 4,
                "duration_ms": 900,
            }
            start = time.perf_counter()
            store.append([event])
            samples.append((time.perf_counter() - start) * 1000)
        q = statistics.quantiles(samples, n=20)
        print(
            f"append 1 event (file store, {n:,} events, synchronous=FULL): "
            f"p50 {statistics.median(samples):.2f} ms, p95 {q[18]:.2f} ms"
        )
        start = time.perf_counter()
        store.retract([store.last_event_id()])
        print(f"retract 1 event: {(time.perf_counter() - start) * 1000:.2f} ms")
        store.close()


if __name__ == "__main__":
    main()
