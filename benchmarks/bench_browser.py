"""Latency of RelevanceGrid in a real browser (JupyterLab 4 or Notebook 7, headless Chromium).

Starts the same isolated ``jupyter lab`` server as the browser tests, opens a quickstart-like
notebook whose queries each have 12 image candidates, judges them from the keyboard at a steady
pace, and prints p50/p95 of:

- keystroke -> view updated (the key handler, measured in the page: ``window.__xmwTimings``)
- n -> next query painted (images decoded, next frame)
- keystroke -> judgement saved (the kernel's ack: it is in the store and in ``grid.labels``)
- kernel time per grade message (validate, SQLite append, ``grid.labels`` refresh, ack)

and, as the baseline measured in the same run, the bare browser -> kernel -> browser round trip
of a trivial anywidget echo on the same server. Also the bytes sent per image candidate.

Usage::

    .venv/bin/python benchmarks/bench_browser.py [--ui lab|notebook] [--queries 10] [--pause-ms 100]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

# the shared harness (benchmarks/_browser.py) and the browser tests' helpers (tests/browser/)
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _browser import percentiles, session
from browser._grid import GRID_ROOT, grid_snapshot, wait_grid, wait_saved
from browser._pages import (
    add_and_run_cell,
    open_notebook,
    output_json,
    run_all_cells,
    write_notebook,
)

SETUP = """\
import json, time
import numpy as np
import pandas as pd
import xmwidgets as xm

demo = xm.datasets.demo()
images = demo.items.loc[demo.items["modality"] == "image", ["item_id", "image"]]
queries = demo.queries.loc[:, ["query_id", "text"]].head({n_queries})
rng = np.random.default_rng(0)
candidates = pd.DataFrame(
    [{{"query_id": q, "item_id": i}}
     for q in queries["query_id"]
     for i in rng.choice(images["item_id"].to_numpy(), 12, replace=False)]
)
print(len(queries), "queries,", len(candidates), "candidates")"""

GRID = """\
grid = xm.RelevanceGrid(queries, images, candidates, store="bench-labels.sqlite",
                        annotator="bench", shuffle=False)
_pages, _grade_ms, _batch_sizes = [], [], []
# the judge handler: one call per judge batch (group commit), or per grade before that protocol
_handler_name = "_judge_batch" if hasattr(grid, "_judge_batch") else "_grade"
_send, _grade = grid.send, getattr(grid, _handler_name)

def _measured_send(content, buffers=None):
    if isinstance(content, dict) and content.get("type") == "page":
        sizes = [memoryview(b).nbytes for b in (buffers or [])]
        parts = [p for c in content["page"]["candidates"] for p in c["parts"]]
        _pages.append({
            "json": len(json.dumps(content)),
            "n": len(content["page"]["candidates"]),
            "images": [sizes[p["data"]] for p in parts
                       if p.get("kind") == "image" and p.get("data") is not None],
        })
    return _send(content, buffers)

def _timed_grade(content):
    started = time.perf_counter()
    _grade(content)
    _grade_ms.append((time.perf_counter() - started) * 1e3)
    _batch_sizes.append(len(content) if isinstance(content, (list, tuple)) else 1)

grid.send = _measured_send
setattr(grid, _handler_name, _timed_grade)
grid"""

ECHO = """\
import anywidget

class _Echo(anywidget.AnyWidget):
    _esm = "export default { render({ model, el }) { window.__xmwEcho = model; el.textContent = 'echo'; } }"

    def __init__(self):
        super().__init__()
        self.on_msg(lambda _widget, content, _buffers: self.send(content))

echo = _Echo()
echo"""

REPORT = "print(json.dumps({'pages': _pages, 'grade_ms': _grade_ms, 'batch_sizes': _batch_sizes}))"

ECHO_JS = """async (n) => {
  const model = window.__xmwEcho;
  const out = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await new Promise((resolve) => {
      const onMessage = () => { model.off("msg:custom", onMessage); resolve(); };
      model.on("msg:custom", onMessage);
      model.send({ i });
    });
    out.push(performance.now() - started);
  }
  return out;
}"""


def run(ui: str, n_queries: int, pause_ms: int) -> dict[str, Any]:
    with session() as bench:
        server, page = bench.server, bench.page
        write_notebook(
            server.root_dir, "bench.ipynb", [SETUP.format(n_queries=n_queries), GRID, ECHO]
        )
        open_notebook(page, server, "bench.ipynb", ui)
        run_all_cells(page, timeout_ms=300_000)
        page.wait_for_function("() => !!window.__xmwEcho", timeout=60_000)
        page.evaluate(ECHO_JS, 5)  # warm-up
        echo_ms = page.evaluate(ECHO_JS, 50)

        wait_grid(page, query_index=0)
        root = page.locator(GRID_ROOT).last
        root.scroll_into_view_if_needed()
        root.locator(".xmw-progress").click()
        page.evaluate("() => { window.__xmwTimings = []; }")
        started = time.perf_counter()
        n_keys = 0
        for index in range(n_queries):
            wait_grid(page, query_index=index)
            tiles = grid_snapshot(page)["tiles"]
            expected = {}
            for position, tile in enumerate(tiles):
                key = str(position % 4)
                page.keyboard.press(key)
                expected[tile["item_id"]] = key
                n_keys += 1
                page.wait_for_timeout(pause_ms)
            wait_saved(page, expected)
            page.wait_for_timeout(300)  # an annotator looks before moving on
            if index < n_queries - 1:
                page.keyboard.press("n")
        elapsed = time.perf_counter() - started
        page.wait_for_timeout(500)
        timings = page.evaluate("() => window.__xmwTimings || []")
        kernel = output_json(page, REPORT)
        n_labels = int(add_and_run_cell(page, "print(len(grid.labels))").strip())
    by_event: dict[str, list[float]] = {}
    for timing in timings:
        by_event.setdefault(timing["event"], []).append(float(timing["ms"]))
    return {
        "ui": ui,
        "echo_ms": echo_ms,
        "by_event": by_event,
        "kernel": kernel,
        "n_keys": n_keys,
        "n_labels": n_labels,
        "elapsed_s": elapsed,
    }


def report(result: dict[str, Any]) -> None:
    rows = [
        ("keystroke -> view updated", result["by_event"].get("keystroke", []), ""),
        ("n -> next query painted", result["by_event"].get("next-query-painted", []), "p95 <= 16"),
        (
            "keystroke -> saved (ack: in store + grid.labels)",
            result["by_event"].get("saved", []),
            "p95 <= 100",
        ),
        ("kernel: judge message handled (store + labels)", result["kernel"]["grade_ms"], ""),
        ("baseline: bare anywidget echo round trip", result["echo_ms"], ""),
    ]
    print(f"\nRelevanceGrid in {result['ui']}, headless Chromium, 12 image candidates per query")
    print(f"{'measure':52s} {'p50 ms':>8s} {'p95 ms':>8s} {'n':>5s}  goal")
    for name, values, goal in rows:
        p50, p95, n = percentiles(values)
        print(f"{name:52s} {p50:8.2f} {p95:8.2f} {n:5d}  {goal}")
    saved50 = percentiles(result["by_event"].get("saved", []))[0]
    echo50 = percentiles(result["echo_ms"])[0]
    print(f"ratio saved p50 / bare round trip p50: {saved50 / echo50:.2f}")
    sizes = result["kernel"].get("batch_sizes", [])
    if sizes:
        print(
            f"judge messages: {len(sizes)}, judgements per message: mean "
            f"{statistics.mean(sizes):.2f}, max {max(sizes)}"
        )
    pages = result["kernel"]["pages"]
    image_bytes = [size for page in pages for size in page["images"]]
    json_per_candidate = [page["json"] / max(page["n"], 1) for page in pages]
    if image_bytes:
        print(
            f"bytes per image candidate: median {statistics.median(image_bytes):,.0f}, "
            f"mean {statistics.mean(image_bytes):,.0f}, max {max(image_bytes):,} "
            f"(binary buffers; + {statistics.median(json_per_candidate):,.0f} B of JSON "
            f"per candidate; {len(pages)} page messages)"
        )
    print(
        f"{result['n_keys']} judgements in {result['elapsed_s']:.1f} s (paced); "
        f"grid.labels has {result['n_labels']} rows"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ui", choices=["lab", "notebook"], default="lab")
    parser.add_argument("--queries", type=int, default=10)
    parser.add_argument(
        "--pause-ms", type=int, default=100, help="pause between key presses (100 = 10 keys/s)"
    )
    parser.add_argument("--json", action="store_true", help="also print the raw figures as JSON")
    parser.add_argument(
        "--samples",
        action="store_true",
        help="also print every sample of the page events (all but keystroke and saved), in order",
    )
    args = parser.parse_args()
    result = run(args.ui, args.queries, args.pause_ms)
    report(result)
    if args.samples:
        for event, values in result["by_event"].items():
            if event not in ("keystroke", "saved"):
                print(f"{event}: " + " ".join(f"{value:.1f}" for value in values))
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
