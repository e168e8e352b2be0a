"""Load and faults of the label store on PostgreSQL, beside the same load on one SQLite file.

Run: ``.venv/bin/python benchmarks/bench_store_pg.py [--writers 20] [--seconds 10] [--rows 1000000]``.
Prints figures, asserts nothing. Starts its own PostgreSQL server (Debian's initdb/postgres, as
the tests do: ``tests/pg_server.py``) unless ``--url`` names one.

1. ``--writers`` processes append single judgements for ``--seconds``: judgements/s, p50/p95
   latency of an append, and afterwards every acknowledged event is looked up: lost (an
   acknowledged id missing or holding another judgement) and duplicated (one judgement stored
   twice) are counted. Once on PostgreSQL, once on one SQLite file.
2. The same on PostgreSQL while the server is restarted (fast, then immediate shutdown, in turn)
   every few seconds: writers retry by themselves; a write that fails is counted as an error
   and not re-sent blindly; lost/duplicated are counted as above.
3. ``import_labels`` of ``--rows`` rows against a bare ``COPY`` of the same rows into a plain
   table, same run; ``labels()`` over those events.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from queue import Empty
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from xmwidgets.store import StoreError, open_store  # noqa: E402


def _writer(where: str, k: int, seconds: float, queue: Any) -> None:
    """Append single judgements for ``seconds``; report (acks, latencies ms, errors)."""
    acks: list[tuple[int, str]] = []
    latencies: list[float] = []
    errors: list[str] = []
    while True:  # the server may be restarting right now
        try:
            store = open_store(where)
            break
        except StoreError as exc:
            errors.append(f"open: {str(exc)[:190]}")
            time.sleep(0.5)
    end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < end:
        tag = f"w{k}-{i}"
        event = {
            "campaign": "load",
            "task": "grade",
            "query_id": tag,
            "item_id": "d",
            "annotator": f"ann{k}",
            "relevance": i % 4,
        }
        start = time.perf_counter()
        try:
            (event_id,) = store.append([event])
        except StoreError as exc:
            errors.append(str(exc)[:200])
        else:
            latencies.append((time.perf_counter() - start) * 1000)
            acks.append((event_id, tag))
        i += 1
    store.close()
    queue.put((acks, latencies, errors))


def _load(where: str, writers: int, seconds: float, label: str, faults: Any = None) -> None:
    open_store(where).close()  # create the store before the writers race
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(where, k, seconds, queue)) for k in range(writers)]
    for proc in procs:
        proc.start()
    fault_thread = None
    if faults is not None:
        fault_thread = threading.Thread(target=faults)
        fault_thread.start()
    results = []
    while len(results) < len(procs):
        try:
            results.append(queue.get(timeout=5))
        except Empty:
            dead = [p.exitcode for p in procs if p.exitcode not in (None, 0)]
            if dead:
                raise RuntimeError(f"writer processes failed (exit codes {dead})") from None
    for proc in procs:
        proc.join()
    if fault_thread is not None:
        fault_thread.join()
    acks = [a for r in results for a in r[0]]
    latencies = [x for r in results for x in r[1]]
    errors = [e for r in results for e in r[2]]
    with open_store(where) as store:
        events = store.events(campaign="load")
    stored = dict(zip(events.event_id.tolist(), events.query_id.tolist(), strict=True))
    lost = sum(1 for event_id, tag in acks if stored.get(event_id) != tag)
    duplicated = int(events.query_id.duplicated().sum())
    q = statistics.quantiles(latencies, n=20) if len(latencies) > 1 else [float("nan")] * 19
    print(
        f"[{label}] {writers} writers x {seconds:.0f} s: {len(acks):,} acknowledged = "
        f"{len(acks) / seconds:,.0f} judgements/s; append p50 "
        f"{statistics.median(latencies) if latencies else float('nan'):.1f} ms, p95 {q[18]:.1f} ms; "
        f"lost {lost}, duplicated {duplicated}, errors {len(errors)}, "
        f"stored but not acknowledged {len(events) - len(acks)}"
    )
    for message in sorted(set(errors))[:3]:
        print(f"    error: {message}")


def _import(url: str, database_url: str, rows: int, server: Any) -> None:
    import psycopg

    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "query_id": np.char.add("q", (np.arange(rows) // 100).astype(str)),
            "item_id": np.char.add("d", rng.permutation(rows).astype(str)),
            "relevance": rng.integers(0, 4, rows),
        }
    ).sample(frac=1, random_state=0)
    # the bare baseline: COPY of the same rows into a plain table with the same columns
    conninfo = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo, autocommit=True) as con:
        con.execute(
            "CREATE TABLE plain (event_id bigint, campaign text, task text, annotator text, "
            "query_id text, item_id text, relevance smallint, created_at bigint)"
        )
        now = time.time_ns() // 1000
        columns = [
            range(1, rows + 1),
            ["default"] * rows,
            ["grade"] * rows,
            ["bench"] * rows,
            df.query_id.tolist(),
            df.item_id.tolist(),
            df.relevance.tolist(),
            [now] * rows,
        ]
        start = time.perf_counter()
        with (
            con.transaction(),
            con.cursor() as cur,
            cur.copy(
                "COPY plain (event_id, campaign, task, annotator, query_id, item_id, relevance, "
                "created_at) FROM STDIN"
            ) as copy,
        ):
            for row in zip(*columns, strict=True):
                copy.write_row(row)
        bare = time.perf_counter() - start
    store = open_store(url)
    start = time.perf_counter()
    store.import_labels(df, annotator="bench")
    seconds = time.perf_counter() - start
    print(
        f"[postgres] import_labels {rows:,} rows (random order): {seconds:.2f} s = {rows / seconds:,.0f} rows/s"
    )
    print(
        f"[postgres] bare COPY {rows:,} rows: {bare:.2f} s = {rows / bare:,.0f} rows/s; ratio {seconds / bare:.2f}x"
    )
    store.close()
    store = open_store(url)  # a new connection
    start, cpu = time.perf_counter(), time.process_time()
    labels = store.labels()
    print(
        f"[postgres] labels() over {rows:,} events -> {len(labels):,} rows: "
        f"{time.perf_counter() - start:.2f} s wall, {time.process_time() - cpu:.2f} s CPU (client)"
    )
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rows", type=int, default=1_000_000, help="bulk import rows (0: skip)")
    parser.add_argument("--restarts", type=int, default=4)
    parser.add_argument(
        "--url",
        help="an existing PostgreSQL server's postgresql:// URL (a new database per part is not made then)",
    )
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    server = None
    if args.url is None:
        import pg_server

        server = pg_server.server(durable=True)

    def url(name: str) -> str:
        if server is None:
            return args.url
        return server.url(server.new_database(name))

    _load(url("load"), args.writers, args.seconds, "postgres")
    with tempfile.TemporaryDirectory() as tmp:
        _load(os.path.join(tmp, "labels.sqlite"), args.writers, args.seconds, "sqlite")
    if server is not None and args.restarts:

        def faults() -> None:
            gap = args.seconds / (args.restarts + 1)
            for k in range(args.restarts):
                time.sleep(gap)
                mode = ("fast", "immediate")[k % 2]
                start = time.perf_counter()
                server.restart(mode)
                print(f"    restarted ({mode} shutdown) in {time.perf_counter() - start:.1f} s")

        _load(
            url("faults"), args.writers, args.seconds, f"postgres, {args.restarts} restarts", faults
        )
    if args.rows:
        where = url("bulk")
        _import(where, where, args.rows, server)


if __name__ == "__main__":
    main()
