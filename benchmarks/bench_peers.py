"""Side-by-side throughput: RelevanceGrid and BestMatchPicker against their peers, ipyannotations and pigeonXT.

One JupyterLab 4 (or Notebook 7) server, one headless Chromium, one kernel, in the same run, the
tools' runs interleaved (a different order each run): every tool does the
same 40 text judgements (TREC 0–3), as 10 queries × 4 candidates and as 40 queries × 1, driven at
machine speed the way its users drive it:

- **xmwidgets** (``RelevanceGrid``, ``shuffle=False``): grade keys ``0``–``3`` and ``n``, in
  two ways: *wait* — after ``n``, wait until the next query's tiles are on screen (a fast user
  must see a query before judging it); *type-ahead* — every key at once, no wait at all.
- **ipyannotations** (``ipyannotations.text.ClassLabeller``): its hotkeys ``1``–``4`` (the
  n-th option; ``ipyevents`` takes them while the mouse is over the widget), one pair per item;
  the ``on_submit`` callback records the value and displays the next pair, as its docs show.
- **pigeonXT** (``pigeonXT.annotate``): it has no keyboard shortcuts, so a mouse click on the
  option's button (positions measured once; they do not move), one pair per example.

- **floor** (a no-op widget): an anywidget that only counts the keys it gets (one DOM change
  each) and tells the kernel nothing, driven with the grid's type-ahead keys, then one kernel round
  trip. No widget can be faster under this driver, page and machine: its rate over the best
  peer's says how much of the 10x goal this setting allows at all. It also times each key ->
  painted the way the grid times ``n`` -> next query painted (rAF, then a task after that frame),
  at machine speed and, in the paced run, at 10 keys/s: the floor of that measure.

A peer shows one (query, candidate) pair at a time; its driver waits only until the next pair's
text is in the page (``MutationObserver``, no polling interval, no sleeps). Keys and clicks are
trusted input events sent over a DevTools session (``_browser.Input``: ~3 ms a key on an idle
page, where ``page.keyboard.press`` costs ~15 ms and would set the pace); each returns once the
page has handled the event, so a busy page slows its own driver, as it slows a person.

The clock runs from the first key (or click) until every judgement is **verified**: the script
asks the kernel, over the same websocket as the widgets' messages and until all 40 are there,
whether each value is in the tool's Python-side result — for the peers the values that
ipyannotations' callback received / pigeonXT's returned DataFrame; for xmwidgets ``grid.labels``
*and* the SQLite file (the latest non-retracted grade event per pair, read on a second
connection). After the clock stops, the SQLite file is read once more from this process with
``sqlite3`` and every value compared. A run whose judgements do not all arrive within the timeout
is reported as not verified (its rate then counts only what arrived; the check gives up when
nothing new has arrived for 3 s).

Printed: judgements/min per tool and task (median of ``--runs``), the ratio xmwidgets / best
peer, whether every judgement was verified; where the time goes (waiting, keys, verifying; CPU
of the kernel, the server, Chromium's renderer and other processes; ``--profile`` adds the
renderer's JavaScript by source); the grid's judge messages and acks per run (group commit);
for xmwidgets, ``n`` -> next query painted p50/p95
at machine speed and key -> saved p50/p95 at 10 keys/s (``window.__xmwTimings``, the events that
``bench_browser.py`` reports), and ``uptime`` before and after. Nothing is asserted.

pigeonxt-jupyter declares ``jupyterlab<4``: when it is missing the script installs it with
``pip install --no-deps pigeonxt-jupyter`` (and says so), so JupyterLab 4 stays. ipyannotations
comes with the ``bench`` extra: ``pip install -e '.[test,bench]'``.

Usage::

    nice .venv/bin/python benchmarks/bench_peers.py [--runs 3] [--ui lab|notebook]
        [--tools xmwidgets,ipyannotations,pigeonxt] [--tasks 10x4,40x1[,10x4-media][,pick40x4]]
        [--no-paced] [--profile] [--trace [DIR]] [--baseline DIR] [--json]

``--tools`` also takes ``"xmwidgets wait"`` or ``"xmwidgets type-ahead"`` alone.

``--baseline DIR`` (a folder holding another build's ``widgets.js`` and ``widgets.css``, e.g. a copy of
``xmwidgets/static`` made before a change) adds the tool *baseline*: the same ``RelevanceGrid``
with that bundle, driven the same ways in the same run (and paced too), so that a front-end
change is measured against its predecessor under the same load; the tables print its rows and the
ratio xmwidgets / baseline.

``--trace [DIR]`` records a Chromium trace of every timed grid window and prints the renderer main
thread's self time by trace event (``Commit``, ``Layout``, ``Paint``, ``FunctionCall``...) and
its frame count; with DIR the traces are kept there for DevTools. The paced run also prints
"page built in the n handler" (the ``page-built`` timing: the part of ``n`` -> painted spent in
the key handler; the rest is waiting for and rendering the frame).

``10x4-media`` (not in the default run) is the mixed-media variant, xmwidgets only: each query of
the demo dataset with an image, a sound, a video and a text candidate.

``pick40x4`` (not in the default run) is the best-of-4 pick task: 40 queries of 4 text
candidates, one judgement = the best candidate of a query. xmwidgets runs ``BestMatchPicker``
(``shuffle=False``): the best tile's key cap (``1``–``4``), and the next query comes by itself
(``advance_on_pick``), no ``n``; *wait* waits until the next query's tiles are on screen. The
peers show the query with its 4 numbered candidates as one example and take the number as the
label: ipyannotations by its hotkeys ``1``–``4``, pigeonXT by a click on the button. Verified as
for grading: ``picker.labels`` (its ``best`` column) and the SQLite file's rank-1 pick events.
The baseline (``--baseline``) and the paced run are grid-only.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# the shared harness (benchmarks/_browser.py) and the browser tests' helpers (tests/browser/)
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _browser import (
    Input,
    browser_cpu,
    kernel_print,
    load_average,
    open_notebook,
    output_area_js,
    percentiles,
    process_cpu,
    run_all_cells,
    run_cell,
    session,
    set_cell_source,
    start_trace,
    stop_trace,
    wait_js,
    write_notebook,
)

TASKS = {"10x4": (10, 4), "40x1": (40, 1), "10x4-media": (10, 4), "pick40x4": (40, 4)}
# best-of-N tasks (BestMatchPicker): one judgement per query, the best candidate's position
PICK_TASKS = ("pick40x4",)
PICK_OPTIONS = ["candidate 1", "candidate 2", "candidate 3", "candidate 4"]
# xmwidgets only: each query's 4 candidates are an image, a sound, a video and a text of the demo
MEDIA_TASKS = ("10x4-media",)
MEDIA_ORDER = ("image", "audio", "video", "text")
PEERS = ("ipyannotations", "pigeonxt")
# the xmwidgets ways of driving, then the peers: the "tools" of the table
MODES = ("xmwidgets wait", "xmwidgets type-ahead", *PEERS)
# with --baseline: the grid with another build's bundle, driven the same ways
BASELINE_MODES = ("baseline wait", "baseline type-ahead")
GRID_TOOLS = ("xmwidgets", "baseline")
# with --floor: a widget that only counts the keys it gets (one DOM change each) and says nothing
# to the kernel, driven with the grid's type-ahead keys and verified by one kernel round trip: the
# fastest any widget can be under this driver, page and machine (what 10x a peer must fit under)
FLOOR_MODE = "floor (no-op widget)"
ALL_MODES = (*MODES[:2], *BASELINE_MODES, *PEERS, FLOOR_MODE)


def is_grid(mode: str) -> bool:
    """Whether ``mode`` drives a RelevanceGrid (this build's or the baseline's)."""
    return mode.split()[0] in GRID_TOOLS


LEVEL_NAMES = ["not relevant", "related", "partially relevant", "exact match"]  # TREC 0-3
# a pause before the first key, the same for every tool: the first query is read, the widget's
# start-up work (prefetching, fonts) is over; not timed
SETTLE_MS = 500
VERIFY_TIMEOUT_S = 30.0
VERIFY_STALL_S = 3.0
PACED_INTERVAL_MS = 100  # 10 keys/s

_SUBJECTS = [
    "a red bicycle",
    "two dogs",
    "a lighthouse",
    "an old tram",
    "a bowl of ramen",
    "a violin",
    "a snowy street",
    "a paper boat",
    "a sleeping cat",
    "a wind turbine",
]
_PLACES = ["at dusk", "in the rain", "on a beach", "in a kitchen", "by a canal", "at noon"]
_ACTIONS = ["seen from above", "close up", "in the background", "half hidden", "in motion"]


@dataclass(frozen=True)
class Pair:
    """One judgement of the task: a candidate of a query and the grade the driver gives it."""

    number: int  # 1-based, the order in which the peers show it
    query_id: str
    query_text: str
    item_id: str
    item_text: str
    grade: int  # grading: the level; picking: the 0-based position of the best candidate
    # picking: every candidate of the query as (item_id, text), in the order shown
    candidates: tuple[tuple[str, str], ...] = ()

    @property
    def marker(self) -> str:
        """Text that identifies the pair on a peer's screen."""
        return f"pair {self.number:02d}/40"

    @property
    def peer_text(self) -> str:
        """The pair as a peer shows it (one example = one pair; a pick: the query and all its
        candidates, numbered)."""
        if self.candidates:
            listed = " · ".join(f"{k + 1}) {text}" for k, (_, text) in enumerate(self.candidates))
            return f"{self.marker} · query: {self.query_text} · {listed}"
        return f"{self.marker} · query: {self.query_text} · candidate: {self.item_text}"


def grade_at(k: int) -> int:
    """The grade the driver gives the k-th pair (0-based): every level, in no pattern that a
    repeated key could fake."""
    return (k * 3 + k // 4) % len(LEVEL_NAMES)


# the pairs of the mixed-media task, from the demo dataset in the kernel (see load_media_pairs)
_MEDIA_PAIRS: dict[str, list[Pair]] = {}


def task_pairs(task: str) -> list[Pair]:
    """The 40 judgements of ``task`` ("10x4", "40x1", "10x4-media"), in showing order."""
    if task in MEDIA_TASKS:
        return _MEDIA_PAIRS[task]
    n_queries, n_candidates = TASKS[task]
    pairs = []
    if task in PICK_TASKS:
        for q in range(n_queries):
            subject = _SUBJECTS[q % len(_SUBJECTS)]
            query_text = f"{subject} {_PLACES[q % len(_PLACES)]} #{q + 1}"
            candidates = tuple(
                (
                    f"{task}-i{q:02d}-{c}",
                    f"photo {q * n_candidates + c + 1}: {_SUBJECTS[(q + c) % len(_SUBJECTS)]} "
                    f"{_ACTIONS[(q + c) % len(_ACTIONS)]}",
                )
                for c in range(n_candidates)
            )
            best = grade_at(q) % n_candidates
            item_id, item_text = candidates[best]
            pairs.append(Pair(q + 1, f"q{q:02d}", query_text, item_id, item_text, best, candidates))
        return pairs
    for q in range(n_queries):
        subject = _SUBJECTS[q % len(_SUBJECTS)]
        query_text = f"{subject} {_PLACES[q % len(_PLACES)]}"
        for c in range(n_candidates):
            k = q * n_candidates + c
            item_text = (
                f"photo {k + 1}: {_SUBJECTS[(q + c) % len(_SUBJECTS)]} "
                f"{_ACTIONS[k % len(_ACTIONS)]} {_PLACES[(k + 1) % len(_PLACES)]}"
            )
            pairs.append(
                Pair(k + 1, f"q{q:02d}", query_text, f"{task}-i{k:02d}", item_text, grade_at(k))
            )
    return pairs


# ------------------------------------------------------------------------- the kernel side
SETUP = '''\
import html, json, sqlite3
import pandas as pd
from IPython.display import display
import xmwidgets as xm
import ipyannotations.text
import pigeonXT

PAIRS = json.loads({pairs_json!r})
LEVEL_NAMES = {level_names!r}
PICK_TASKS = {pick_tasks!r}
PICK_OPTIONS = {pick_options!r}

def options(task):
    """The peers' options: the levels when grading, the candidates' numbers when picking."""
    return PICK_OPTIONS if task in PICK_TASKS else LEVEL_NAMES
BASELINE = {baseline!r}
_baseline_class = []

def grid_class(tool):
    """RelevanceGrid, or for "baseline" a subclass that loads the baseline's bundle."""
    if tool == "xmwidgets":
        return xm.RelevanceGrid
    if not _baseline_class:
        import pathlib
        class BaselineGrid(xm.RelevanceGrid):
            _esm = pathlib.Path(BASELINE) / "widgets.js"
            _css = pathlib.Path(BASELINE) / "widgets.css"
        _baseline_class.append(BaselineGrid)
    return _baseline_class[0]
_now = {{}}
_demo = {{}}
import anywidget

class FloorWidget(anywidget.AnyWidget):
    """Counts the keys it gets and shows the count; nothing else (the benchmark's floor)."""
    _esm = """export default {{ render({{ el }}) {{
      const box = document.createElement("div");
      box.tabIndex = 0; box.className = "xmw-floor"; box.textContent = "keys: 0";
      let n = 0;
      // the key -> painted time of this one DOM change, measured as the grid measures n ->
      // next query painted (rAF, then a task after that frame): the floor of that measure
      const painted = (started) => requestAnimationFrame(() => {{
        const channel = new MessageChannel();
        channel.port1.onmessage = () => {{
          channel.port1.close();
          const timings = (globalThis.__xmwTimings ??= []);
          timings.push({{ event: "floor-painted", ms: performance.now() - started }});
        }};
        channel.port2.postMessage(null);
      }});
      box.addEventListener("keydown", (e) => {{
        const started = performance.now();
        e.stopPropagation(); e.preventDefault();
        n += 1; box.textContent = "keys: " + n; box.dataset.keys = String(n);
        painted(started);
      }});
      el.append(box);
    }} }};"""

def media_pairs(task):
    """The pairs of a mixed-media task: per demo query, one item of each modality."""
    if task not in PAIRS:
        demo = _demo.setdefault("demo", xm.datasets.demo())
        items = demo.items
        queries = demo.queries.loc[demo.queries["text"].notna()].head(10)
        by_kind = {{m: list(items.loc[items["modality"] == m, "item_id"]) for m in {media_order!r}}}
        pairs = []
        for q, (query_id, text) in enumerate(zip(queries["query_id"], queries["text"])):
            for c, kind in enumerate({media_order!r}):
                k = q * len({media_order!r}) + c
                pairs.append({{"number": k + 1, "query_id": str(query_id), "query_text": str(text),
                              "item_id": str(by_kind[kind][q % len(by_kind[kind])]),
                              "item_text": kind, "grade": (k * 3 + k // 4) % 4, "peer_text": ""}})
        PAIRS[task] = pairs
    return PAIRS[task]

def make(tool, task, run):
    """Show a fresh widget of `tool` for `task` (closing the previous one) in this cell."""
    for old in _now.get("close", ()):
        old.close()
    _now.clear()
    pairs = PAIRS[task]
    _now.update(tool=tool, task=task, run=run, pairs=pairs)
    if tool in {grid_tools!r}:
        if task in PICK_TASKS:
            queries = pd.DataFrame(
                {{"query_id": p["query_id"], "text": p["query_text"]}} for p in pairs)
            items = pd.DataFrame(
                {{"item_id": i, "text": t}} for p in pairs for i, t in p["candidates"])
            candidates = pd.DataFrame(
                {{"query_id": p["query_id"], "item_id": i}} for p in pairs for i, _ in p["candidates"])
        elif task in {media_tasks!r}:
            demo = _demo["demo"]
            queries = demo.queries.loc[
                demo.queries["query_id"].isin({{p["query_id"] for p in pairs}}), ["query_id", "text"]]
            items = demo.items.loc[demo.items["item_id"].isin({{p["item_id"] for p in pairs}})]
        else:
            queries = pd.DataFrame(
                {{"query_id": p["query_id"], "text": p["query_text"]}} for p in pairs
            ).drop_duplicates("query_id")
            items = pd.DataFrame({{"item_id": p["item_id"], "text": p["item_text"]}} for p in pairs)
        if task not in PICK_TASKS:
            candidates = pd.DataFrame(
                {{"query_id": p["query_id"], "item_id": p["item_id"]}} for p in pairs)
        store = f"xmw-{{task}}-{{run}}.sqlite"
        annotator = f"bench-{{task}}-{{run}}"
        widget_class = xm.BestMatchPicker if task in PICK_TASKS else grid_class(tool)
        grid = widget_class(queries, items, candidates, store=store, annotator=annotator,
                            shuffle=False)
        # count the messages each way (a second message callback; the grid's send wrapped), so
        # that a run shows how many judgements travel per message and per acknowledgement
        wire = {{"judge messages in": 0, "judgements in": 0, "acks out": 0, "messages out": 0}}

        def count_in(_widget, content, _buffers):
            kind = content.get("type") if isinstance(content, dict) else None
            if kind in ("judge", "grade", "pick", "undo"):
                wire["judge messages in"] += 1
                wire["judgements in"] += len(content.get("actions") or [None])

        grid.on_msg(count_in)
        send = grid.send

        def counted_send(content, buffers=None):
            wire["messages out"] += 1
            if isinstance(content, dict) and content.get("type") == "ack":
                wire["acks out"] += 1
            return send(content, buffers)

        grid.send = counted_send
        _now.update(widget=grid, store=store, annotator=annotator, wire=wire, close=[grid])
        display(grid)
    elif tool == "floor":
        widget = FloorWidget()
        _now.update(widget=widget, close=[widget])
        display(widget)
    elif tool == "ipyannotations":
        widget = ipyannotations.text.ClassLabeller(options=options(task), allow_freetext=False)
        results = []

        def on_submit(value):
            results.append(value)
            k = len(results)
            widget.display(pairs[k]["peer_text"] if k < len(pairs) else "all pairs judged")

        widget.on_submit(on_submit)
        widget.display(pairs[0]["peer_text"])
        # its key listener (ipyevents) is not among its children once the widget is composed
        _now.update(widget=widget, results=results, close=[widget.event_watcher, widget])
        display(widget)
    elif tool == "pigeonxt":
        # pigeonXT puts the example into HTML as it is: escape the text
        _now["annotations"] = pigeonXT.annotate(
            [html.escape(p["peer_text"]) for p in pairs], options=options(task)
        )
    else:
        raise ValueError(f"unknown tool {{tool!r}}")

def _got():
    """(query_id, item_id) -> grade in the tool's Python-side result (and in the store)."""
    tool, pairs, names = _now["tool"], _now["pairs"], options(_now["task"])
    keys = [(p["query_id"], p["item_id"]) for p in pairs]
    if tool == "ipyannotations":
        values = _now["results"]
        return {{"result": {{k: names.index(v) if v in names else v
                           for k, v in zip(keys, values)}}}}, len(values)
    if tool == "pigeonxt":
        frame = _now["annotations"]
        got = {{k: names.index(v) for k, v, changed
               in zip(keys, frame["label"], frame["changed"]) if changed}}
        return {{"result": got}}, len(got)
    if _now["task"] in PICK_TASKS:
        return _picked(pairs)
    labels = _now["widget"].labels
    result = {{(q, i): (None if pd.isna(r) else int(r))
              for q, i, r in zip(labels["query_id"], labels["item_id"], labels["relevance"])}}
    con = sqlite3.connect(_now["store"])
    try:
        rows = con.execute(
            "SELECT query_id, item_id, relevance FROM events AS e WHERE task = 'grade' "
            "AND annotator = ? AND retracts IS NULL "
            "AND NOT EXISTS (SELECT 1 FROM events AS r WHERE r.retracts = e.event_id) "
            "ORDER BY event_id", (_now["annotator"],)).fetchall()
    finally:
        con.close()
    stored = {{(q, i): r for q, i, r in rows}}
    return {{"result": result, "sqlite": stored}}, len(rows)

def _picked(pairs):
    """The picker's best picks as (query_id, item_id) -> the item's position among the candidates."""
    position = {{(p["query_id"], i): k for p in pairs for k, (i, _) in enumerate(p["candidates"])}}
    labels = _now["widget"].labels
    result = {{(q, b): position.get((q, b)) for q, b in zip(labels["query_id"], labels["best"])
              if not pd.isna(b)}}
    con = sqlite3.connect(_now["store"])
    try:
        rows = con.execute(
            "SELECT query_id, item_id FROM events AS e WHERE task = 'pick' AND rank = 1 "
            "AND annotator = ? AND retracts IS NULL "
            "AND NOT EXISTS (SELECT 1 FROM events AS r WHERE r.retracts = e.event_id) "
            "ORDER BY event_id", (_now["annotator"],)).fetchall()
    finally:
        con.close()
    stored = {{(q, i): position.get((q, i)) for q, i in rows}}
    return {{"result": result, "sqlite": stored}}, len(rows)

def check():
    """Print how many of the task's judgements each source holds with the value the driver gave."""
    pairs = _now["pairs"]
    sources, n_events = _got()
    out = {{"n": len(pairs), "events": n_events, "wire": _now.get("wire")}}
    for name, got in sources.items():
        out[name] = sum(got.get((p["query_id"], p["item_id"])) == p["grade"] for p in pairs)
        out[name + "_wrong"] = [
            [p["number"], p["grade"], got.get((p["query_id"], p["item_id"]))]
            for p in pairs if got.get((p["query_id"], p["item_id"])) != p["grade"]][:5]
    print(json.dumps(out))
'''


def setup_source(baseline: str | None = None) -> str:
    pairs = {
        task: [
            {**pair.__dict__, "candidates": list(pair.candidates), "peer_text": pair.peer_text}
            for pair in task_pairs(task)
        ]
        for task in TASKS
        if task not in MEDIA_TASKS
    }
    return SETUP.format(
        pairs_json=json.dumps(pairs),
        level_names=LEVEL_NAMES,
        pick_tasks=PICK_TASKS,
        pick_options=PICK_OPTIONS,
        media_order=MEDIA_ORDER,
        media_tasks=MEDIA_TASKS,
        baseline=baseline,
        grid_tools=GRID_TOOLS,
    )


def load_media_pairs(page: Any, task: str) -> None:
    """Ask the kernel for the pairs of a mixed-media task (it builds the demo dataset once)."""
    text = kernel_print(page, f"print(json.dumps(media_pairs({task!r})))", timeout_ms=300_000)
    try:
        rows = json.loads(text)
    except json.JSONDecodeError:
        raise RuntimeError(f"media_pairs({task!r}) printed no JSON:\n{text}") from None
    _MEDIA_PAIRS[task] = [
        Pair(r["number"], r["query_id"], r["query_text"], r["item_id"], r["item_text"], r["grade"])
        for r in rows
    ]


# ------------------------------------------------------------------------- the page side
WIDGET_CELL = 1
_OUTPUT = output_area_js(WIDGET_CELL)

# (arg) => the last grid's item ids once it shows query arg.index with arg.n tiles, else null
_GRID_AT = """(arg) => {
  const roots = document.querySelectorAll(".xmw-grid, .xmw-grid-root");
  const root = roots.length ? roots[roots.length - 1] : null;
  if (!root || root.dataset.queryIndex !== String(arg.index)) return null;
  const tiles = [...root.querySelectorAll(".xmw-tile")];
  if (tiles.length !== arg.n) return null;
  return tiles.map((t) => t.dataset.itemId);
}"""

# (marker) => true once the widget cell's output shows the text
_SHOWS = (
    "(marker) => { const el = " + _OUTPUT + "; return !!el && el.textContent.includes(marker); }"
)

# (names) => centre of each of pigeonXT's option buttons, in the order of names
_BUTTONS = (
    "(names) => { const el = "
    + _OUTPUT
    + """;
  const buttons = [...el.querySelectorAll("button")];
  return names.map((name) => {
    const b = buttons.find((x) => x.textContent.trim() === name);
    if (!b) return null;
    b.scrollIntoView({block: "center"});
    const r = b.getBoundingClientRect();
    return [r.x + r.width / 2, r.y + r.height / 2];
  });
}"""
)

_WIDGET_BOX = (
    "() => { const el = "
    + _OUTPUT
    + """.querySelector(".ipyevents-watched, .widget-vbox, .jupyter-widgets");
  if (!el) return null;
  el.scrollIntoView({block: "center"});
  const r = el.getBoundingClientRect();
  return [r.x + r.width / 2, r.y + Math.min(r.height / 2, 40)];
}"""
)


@dataclass
class Measure:
    """One timed run of one tool on one task."""

    mode: str
    task: str
    run: int
    seconds: float
    verified: dict[str, Any]
    sqlite_after: dict[str, Any] | None = None
    timings: dict[str, list[float]] = field(default_factory=dict)
    # seconds of the timed window spent waiting for the next item, in key presses, verifying
    phases: dict[str, float] = field(default_factory=dict)
    # CPU seconds used in the timed window by the kernel, the server and Chromium's renderer
    cpu: dict[str, float] = field(default_factory=dict)
    # with --profile: ms of the page's main thread by where it was (script file, GC, idle...)
    profiled: dict[str, float] = field(default_factory=dict)
    # with --trace: ms of the renderer's main thread by trace event (self time), grid runs only
    traced: dict[str, float] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The run's name in the store file and annotator names of xmwidgets runs."""
        how = "typeahead" if self.mode.endswith("type-ahead") else "wait"
        return f"{'base-' if self.mode.startswith('baseline') else ''}{how}-{self.run}"

    @property
    def n_ok(self) -> int:
        """Judgements that reached every source with the right value."""
        sources = [self.verified.get(k, 0) for k in ("result", "sqlite") if k in self.verified]
        if self.sqlite_after is not None:
            sources.append(self.sqlite_after["matched"])
        return min(sources) if sources else 0

    @property
    def all_verified(self) -> bool:
        return self.n_ok == self.verified["n"] and (
            self.sqlite_after is None or self.sqlite_after["events"] == self.verified["n"]
        )

    @property
    def per_min(self) -> float:
        return self.n_ok / self.seconds * 60


class Clock:
    """The timed window of one run: where its wall time goes, and the CPU each process used."""

    # set by --profile: sample the page's JavaScript during every timed window
    profile = False
    # set by --trace: a Chromium trace of every timed window of the grid; saved in trace_dir if set
    trace = False
    trace_dir: Path | None = None

    def __init__(
        self, page: Any, pids: dict[str, int], trace_this: bool = False, name: str = ""
    ) -> None:
        self.page, self.pids = page, pids
        self.phases = {"waiting for the next item": 0.0, "pressing keys": 0.0, "verifying": 0.0}
        self.input = Input(page)
        self.profiled: dict[str, float] = {}
        if Clock.profile:
            self.input.start_profile()
        self.traced: dict[str, float] = {}
        self.tracing = Clock.trace and trace_this
        self.name = name
        if self.tracing:
            start_trace(page)
        self._cpu0 = self._cpu()
        self.started = time.perf_counter()

    def _cpu(self) -> dict[str, float]:
        cpu = {name: process_cpu(pid) for name, pid in self.pids.items()}
        cpu.update(browser_cpu(exclude=set(self.pids.values())))
        # the renderer's main thread as Chromium counts it: time in tasks (wall time, so it grows
        # when other processes take the CPU), and the part of it in script, layout and style
        metrics = self.input.metrics()
        cpu["main thread busy"] = metrics.get("TaskDuration", 0.0)
        cpu["  in script"] = metrics.get("ScriptDuration", 0.0)
        cpu["  in layout+style"] = metrics.get("LayoutDuration", 0.0) + metrics.get(
            "RecalcStyleDuration", 0.0
        )
        return cpu

    def wait(self, predicate_js: str, arg: Any, timeout_ms: float = 30_000) -> Any:
        at = time.perf_counter()
        try:
            return wait_js(self.page, predicate_js, arg, timeout_ms)
        finally:
            self.phases["waiting for the next item"] += time.perf_counter() - at

    def press(self, key: str) -> None:
        at = time.perf_counter()
        self.input.press(key)
        self.phases["pressing keys"] += time.perf_counter() - at

    def click(self, x: float, y: float) -> None:
        at = time.perf_counter()
        self.input.click(x, y)
        self.phases["pressing keys"] += time.perf_counter() - at

    def verify(self) -> dict[str, Any]:
        at = time.perf_counter()
        state = verify(self.page)
        end = time.perf_counter()
        self.phases["verifying"] += end - at
        self.seconds = end - self.started
        cpu1 = self._cpu()
        self.cpu = {k: cpu1[k] - self._cpu0[k] for k in cpu1}
        if Clock.profile:
            self.profiled = self.input.stop_profile()
        if self.tracing:
            path = Clock.trace_dir / f"trace-{self.name}.json" if Clock.trace_dir else None
            self.traced = stop_trace(self.page, path)
        self.input.close()
        return state

    def measure(self, mode: str, task: str, run: int, state: dict[str, Any]) -> Measure:
        return Measure(
            mode,
            task,
            run,
            self.seconds,
            state,
            phases=self.phases,
            cpu=self.cpu,
            profiled=self.profiled,
            traced=self.traced,
        )


def verify(page: Any) -> dict[str, Any]:
    """Ask the kernel until every judgement is in every source.

    Gives up when nothing new has arrived for ``VERIFY_STALL_S`` (a judgement that was dropped
    never comes), or after ``VERIFY_TIMEOUT_S`` in all; ``complete`` says which.
    """
    started = last_change = time.perf_counter()
    previous = None
    while True:
        text = kernel_print(page, "check()")
        try:
            state = json.loads(text)
        except json.JSONDecodeError:
            raise RuntimeError(f"check() in the kernel printed no JSON:\n{text}") from None
        complete = all(state[k] == state["n"] for k in ("result", "sqlite") if k in state)
        now = time.perf_counter()
        seen = (state.get("events"), state.get("result"), state.get("sqlite"))
        if seen != previous:
            previous, last_change = seen, now
        if complete or now - last_change > VERIFY_STALL_S or now - started > VERIFY_TIMEOUT_S:
            state["complete"] = complete
            return state


def sqlite_after(path: Path, task: str, annotator: str) -> dict[str, Any]:
    """Read the store file from this process: non-retracted grade events (pick tasks: rank-1
    pick events, the value being the item's position), values compared."""
    picking = task in PICK_TASKS
    value = "rank" if picking else "relevance"
    con = sqlite3.connect(path)
    try:
        rows = con.execute(
            f"SELECT query_id, item_id, {value} FROM events AS e WHERE task = ? "
            f"{'AND rank = 1 ' if picking else ''}AND annotator = ? AND retracts IS NULL "
            "AND NOT EXISTS (SELECT 1 FROM events AS r WHERE r.retracts = e.event_id) "
            "ORDER BY event_id",
            ("pick" if picking else "grade", annotator),
        ).fetchall()
    finally:
        con.close()
    if picking:
        position = {
            (p.query_id, i): k for p in task_pairs(task) for k, (i, _) in enumerate(p.candidates)
        }
        stored = {(q, i): position.get((q, i)) for q, i, _ in rows}
    else:
        stored = {(q, i): r for q, i, r in rows}
    matched = sum(stored.get((p.query_id, p.item_id)) == p.grade for p in task_pairs(task))
    return {"events": len(rows), "matched": matched}


def show(page: Any, tool: str, task: str, run: int | str) -> None:
    """Run the widget cell for ``tool`` and wait until its first item is on screen."""
    set_cell_source(page, WIDGET_CELL, f"make({tool!r}, {task!r}, {run!r})")
    run_cell(page, WIDGET_CELL)
    if tool in GRID_TOOLS:
        wait_js(page, _GRID_AT, {"index": 0, "n": TASKS[task][1]}, 60_000)
    elif tool == "floor":
        wait_js(page, "() => document.querySelectorAll('.xmw-floor').length > 0", None, 60_000)
    else:
        wait_js(page, _SHOWS, task_pairs(task)[0].marker, 60_000)
    page.wait_for_timeout(SETTLE_MS)


def drive_xmwidgets(
    page: Any, pids: dict[str, int], task: str, run: int, type_ahead: bool, tool: str = "xmwidgets"
) -> Measure:
    n_queries, n_candidates = TASKS[task]
    if task in PICK_TASKS:
        return drive_picker(page, pids, task, run, type_ahead)
    grade_of = {p.item_id: p.grade for p in task_pairs(task)}
    in_order = [
        [str(p.grade) for p in task_pairs(task)[q * n_candidates :][:n_candidates]]
        for q in range(n_queries)
    ]
    # each run its own store and annotator: a grid opens at the first unfinished query
    prefix = "base-" if tool == "baseline" else ""
    show(page, tool, task, f"{prefix}{'typeahead' if type_ahead else 'wait'}-{run}")
    page.locator(".xmw-grid").last.locator(".xmw-progress").click()  # focus the grid
    page.evaluate("() => { window.__xmwTimings = []; }")
    clock = Clock(
        page,
        pids,
        trace_this=True,
        name=f"{task}-{tool}-{'typeahead' if type_ahead else 'wait'}-{run}",
    )
    for q in range(n_queries):
        if type_ahead:
            keys = in_order[q]  # shuffle=False: the candidates' order
        else:
            shown = clock.wait(_GRID_AT, {"index": q, "n": n_candidates})
            keys = [str(grade_of[item_id]) for item_id in shown]
        for key in keys:
            clock.press(key)
        if q < n_queries - 1:
            clock.press("n")
    state = clock.verify()
    measure = clock.measure(
        f"{tool} type-ahead" if type_ahead else f"{tool} wait", task, run, state
    )
    measure.timings = _timings(page)
    return measure


def drive_floor(page: Any, pids: dict[str, int], task: str, run: int) -> Measure:
    """The grid's type-ahead keys of ``task`` into the no-op widget, then one kernel round trip."""
    n_queries, n_candidates = TASKS[task]
    keys: list[str] = []
    for q in range(n_queries):
        keys += [str(p.grade) for p in task_pairs(task)[q * n_candidates :][:n_candidates]]
        if q < n_queries - 1:
            keys.append("n")
    show(page, "floor", task, run)
    page.locator(".xmw-floor").last.click()
    page.evaluate("() => { window.__xmwTimings = []; }")
    clock = Clock(page, pids, name=f"{task}-floor-{run}")
    for key in keys:
        clock.press(key)
    at = time.perf_counter()
    kernel_print(page, "pass")  # what any verification costs at least: one kernel round trip
    got = page.evaluate(
        "() => Number([...document.querySelectorAll('.xmw-floor')].pop().dataset.keys)"
    )
    clock.phases["verifying"] += time.perf_counter() - at
    clock.seconds = time.perf_counter() - clock.started
    clock.cpu = {}
    clock.input.close()
    n = len(task_pairs(task))
    return Measure(
        FLOOR_MODE,
        task,
        run,
        clock.seconds,
        {"n": n, "result": n if got == len(keys) else 0},
        phases=clock.phases,
        timings=_timings(page),
    )


def drive_picker(page: Any, pids: dict[str, int], task: str, run: int, type_ahead: bool) -> Measure:
    """BestMatchPicker: the best tile's key cap per query; the next query comes by itself."""
    n_candidates = TASKS[task][1]
    pairs = task_pairs(task)
    how = "typeahead" if type_ahead else "wait"
    show(page, "xmwidgets", task, f"{how}-{run}")
    page.locator(".xmw-grid").last.locator(".xmw-progress").click()  # focus the picker
    page.evaluate("() => { window.__xmwTimings = []; }")
    clock = Clock(page, pids, trace_this=True, name=f"{task}-xmwidgets-{how}-{run}")
    for q, pair in enumerate(pairs):
        if type_ahead:
            key = str(pair.grade + 1)  # shuffle=False: the candidates' order
        else:
            shown = clock.wait(_GRID_AT, {"index": q, "n": n_candidates})
            key = str(shown.index(pair.item_id) + 1)
        clock.press(key)
    state = clock.verify()
    measure = clock.measure(f"xmwidgets {'type-ahead' if type_ahead else 'wait'}", task, run, state)
    measure.timings = _timings(page)
    return measure


def drive_ipyannotations(page: Any, pids: dict[str, int], task: str, run: int) -> Measure:
    pairs = task_pairs(task)
    show(page, "ipyannotations", task, run)
    # ipyevents takes keys while the mouse is over the widget (it focuses it on mouseenter)
    x, y = page.evaluate(_WIDGET_BOX)
    page.mouse.move(x, y)
    page.wait_for_timeout(100)
    clock = Clock(page, pids)
    for k, pair in enumerate(pairs):
        if k:
            clock.wait(_SHOWS, pair.marker)
        clock.press(str(pair.grade + 1))  # hotkeys 1.. = options in order
    measure = clock.measure("ipyannotations", task, run, clock.verify())
    # ipyevents listens on the whole document from mouseenter to mouseleave: a widget removed under
    # the mouse would keep taking (and sending to the kernel) every later key of every tool
    page.mouse.move(1, 1)
    return measure


def drive_pigeonxt(page: Any, pids: dict[str, int], task: str, run: int) -> Measure:
    pairs = task_pairs(task)
    show(page, "pigeonxt", task, run)
    centres = page.evaluate(_BUTTONS, PICK_OPTIONS if task in PICK_TASKS else LEVEL_NAMES)
    if any(c is None for c in centres):
        raise RuntimeError(f"pigeonXT's option buttons not found: {centres}")
    clock = Clock(page, pids)
    for k, pair in enumerate(pairs):
        if k:
            clock.wait(_SHOWS, pair.marker)
        clock.click(*centres[pair.grade])
    return clock.measure("pigeonxt", task, run, clock.verify())


def drive_paced(page: Any, task: str, tool: str = "xmwidgets") -> dict[str, list[float]]:
    """xmwidgets at 10 keys/s (``n`` counts as a key): the key -> saved and n -> painted events."""
    n_queries, n_candidates = TASKS[task]
    grade_of = {p.item_id: p.grade for p in task_pairs(task)}
    show(page, tool, task, "paced" if tool == "xmwidgets" else "base-paced")
    page.locator(".xmw-grid").last.locator(".xmw-progress").click()
    page.evaluate("() => { window.__xmwTimings = []; }")
    interval = PACED_INTERVAL_MS / 1000
    keys = Input(page)
    next_at = time.perf_counter()

    def press(key: str) -> None:
        nonlocal next_at
        delay = next_at - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        keys.press(key)
        next_at = max(next_at + interval, time.perf_counter())

    for q in range(n_queries):
        shown = wait_js(page, _GRID_AT, {"index": q, "n": n_candidates}, 30_000)
        for item_id in shown:
            press(str(grade_of[item_id]))
        if q < n_queries - 1:
            press("n")
    verify(page)
    keys.close()
    page.wait_for_timeout(300)
    return _timings(page)


def drive_floor_paced(page: Any, keys_count: int = 40) -> dict[str, list[float]]:
    """The no-op widget at 10 keys/s: its key -> painted events (the floor of n -> painted)."""
    show(page, "floor", "10x4", "paced")
    page.locator(".xmw-floor").last.click()
    page.evaluate("() => { window.__xmwTimings = []; }")
    keys = Input(page)
    for _ in range(keys_count):
        started = time.perf_counter()
        keys.press("1")
        time.sleep(max(0.0, PACED_INTERVAL_MS / 1000 - (time.perf_counter() - started)))
    keys.close()
    page.wait_for_timeout(300)
    return _timings(page)


def _timings(page: Any) -> dict[str, list[float]]:
    by_event: dict[str, list[float]] = {}
    for timing in page.evaluate("() => window.__xmwTimings || []"):
        by_event.setdefault(timing["event"], []).append(float(timing["ms"]))
    return by_event


# ------------------------------------------------------------------------- the run
def ensure_peers() -> None:
    """Install pigeonXT without its ``jupyterlab<4`` pin when missing; ipyannotations must be there."""
    if importlib.util.find_spec("ipyannotations") is None:
        raise SystemExit(
            "ipyannotations is missing: pip install ipyannotations (or the bench extra: "
            "pip install -e '.[test,bench]')"
        )
    if importlib.util.find_spec("pigeonXT") is None:
        command = [sys.executable, "-m", "pip", "install", "--no-deps", "pigeonxt-jupyter"]
        print(
            "pigeonXT is missing: installing it without its dependencies (it pins jupyterlab<4, "
            f"which would downgrade JupyterLab): {' '.join(command)}",
            flush=True,
        )
        subprocess.run(command, check=True)


def run(
    ui: str, runs: int, tools: list[str], tasks: list[str], paced: bool, baseline: str | None = None
) -> dict[str, Any]:
    if baseline:
        tools = [*tools, *(["baseline"] if "xmwidgets" in tools else [])]
    modes = [m for m in ALL_MODES if m in tools or m.split()[0] in tools]
    measures: list[Measure] = []
    load_before = load_average()
    with session() as bench:
        page = bench.page
        write_notebook(bench.server.root_dir, "peers.ipynb", [setup_source(baseline), "# widget"])
        open_notebook(page, bench.server, "peers.ipynb", ui)
        run_all_cells(page, timeout_ms=300_000)
        pids = {
            "kernel": int(kernel_print(page, "import os; print(os.getpid())")),
            "jupyter server": bench.server.process.pid,
        }
        # the bare page -> kernel -> page round trip (an empty execute_request), for reference
        round_trips = []
        for _ in range(25):
            at = time.perf_counter()
            kernel_print(page, "pass")
            round_trips.append((time.perf_counter() - at) * 1e3)
        for task in tasks:
            if task in MEDIA_TASKS:
                load_media_pairs(page, task)
        for r in range(runs):
            for task in tasks:
                # a different order each run, so that no tool always goes first
                order = modes[r % len(modes) :] + modes[: r % len(modes)]
                for mode in order:
                    if task in MEDIA_TASKS and not is_grid(mode):
                        continue  # the peers get the text tasks only
                    if task in PICK_TASKS and mode.startswith("baseline"):
                        continue  # a baseline bundle may have no picker
                    if is_grid(mode):
                        m = drive_xmwidgets(
                            page,
                            pids,
                            task,
                            r,
                            type_ahead=mode.endswith("type-ahead"),
                            tool=mode.split()[0],
                        )
                        m.sqlite_after = sqlite_after(
                            bench.server.root_dir / f"xmw-{task}-{m.label}.sqlite",
                            task,
                            f"bench-{task}-{m.label}",
                        )
                    elif mode == FLOOR_MODE:
                        if task in MEDIA_TASKS or task in PICK_TASKS:
                            continue
                        m = drive_floor(page, pids, task, r)
                    elif mode == "ipyannotations":
                        m = drive_ipyannotations(page, pids, task, r)
                    else:
                        m = drive_pigeonxt(page, pids, task, r)
                    measures.append(m)
                    print(
                        f"  run {r + 1} {task} {mode:21s} {m.seconds:6.2f} s "
                        f"{m.per_min:7.0f}/min  verified {m.n_ok}/{m.verified['n']}"
                        + ("" if m.all_verified else f"  NOT ALL VERIFIED: {m.verified}"),
                        flush=True,
                    )
        # {tool: {event: [ms...]}}; with a baseline the two alternate, twice each
        paced_timings: dict[str, dict[str, list[float]]] = {}
        paced_tools = [t for t in GRID_TOOLS if t in tools] if paced else []
        for _ in range(2 if len(paced_tools) > 1 else 1):
            for tool in paced_tools:
                for event, values in drive_paced(page, "10x4", tool).items():
                    paced_timings.setdefault(tool, {}).setdefault(event, []).extend(values)
        if paced and "floor" in tools:
            paced_timings["floor"] = drive_floor_paced(page)
    return {
        "ui": ui,
        "measures": measures,
        "paced": paced_timings,
        "round_trip_ms": round_trips[5:],
        "load_before": load_before,
        "load_after": load_average(),
    }


# column heads of the "where the time goes" table
_SHORT = {
    "waiting for the next item": "wait next",
    "pressing keys": "keys",
    "verifying": "verify",
    "kernel": "kernel",
    "jupyter server": "server",
    "chromium renderer": "renderer",
    "chromium other": "chr.other",
    "playwright driver": "pw driver",
    "main thread busy": "main busy",
    "  in script": "script",
    "  in layout+style": "layout",
}


def report(result: dict[str, Any], tasks: list[str]) -> None:
    measures: list[Measure] = result["measures"]
    print(f"\n40 judgements per run, {result['ui']}, headless Chromium; median of runs")
    print(f"{'task':10s} {'tool':21s} {'runs (judgements/min)':32s} {'median':>7s}  verified")
    medians: dict[tuple[str, str], float] = {}
    for task in tasks:
        for mode in ALL_MODES:
            ms = [m for m in measures if m.task == task and m.mode == mode]
            if not ms:
                continue
            med = statistics.median(m.per_min for m in ms)
            medians[task, mode] = med
            runs = " ".join(f"{m.per_min:6.0f}" for m in ms)
            ok = sum(m.all_verified for m in ms)
            print(f"{task:10s} {mode:21s} {runs:32s} {med:7.0f}  {ok}/{len(ms)} runs all 40")
        peers = {p: medians[task, p] for p in PEERS if (task, p) in medians}
        if peers:
            best = max(peers, key=peers.__getitem__)
            for mode in (*MODES[:2], *BASELINE_MODES, FLOOR_MODE):
                if (task, mode) in medians:
                    ratio = medians[task, mode] / peers[best]
                    # the 10x goal is the grid's (N grades per query shown); a pick is one key
                    # per query in every tool
                    goal = "" if task in PICK_TASKS else "  (goal >= 10x)"
                    if mode == FLOOR_MODE:
                        goal = "  (no widget can do better here)"
                    print(f"{task:10s} ratio {mode} / {best} (best peer): {ratio:5.1f}x{goal}")
        for mode, base in zip(MODES[:2], BASELINE_MODES, strict=True):
            if (task, mode) in medians and (task, base) in medians:
                ratio = medians[task, mode] / medians[task, base]
                print(f"{task:10s} ratio {mode} / {base}: {ratio:5.2f}x")
    print(
        "\nwhere the time goes: median seconds per run. Wall time split into waiting for the next"
        "\nitem, pressing keys (each press returns once the page has handled it) and verifying;"
        "\nCPU seconds used meanwhile by the kernel, the Jupyter server, Chromium's page renderer,"
        "\nits other processes and Playwright's driver; the renderer main thread's busy time"
        "\n(wall, inflated when the machine is loaded) and its script and layout+style parts"
    )
    columns: list[str] = []
    for m in measures:
        columns += [k for k in [*m.phases, *m.cpu] if k not in columns]
    print(
        f"{'task':10s} {'tool':21s} {'wall':>6s} "
        + " ".join(f"{_SHORT.get(c, c)[:9]:>9s}" for c in columns)
    )
    for task in tasks:
        for mode in ALL_MODES:
            ms = [m for m in measures if m.task == task and m.mode == mode]
            if not ms:
                continue
            cells = [
                statistics.median({**m.phases, **m.cpu}.get(c, float("nan")) for m in ms)
                for c in columns
            ]
            wall = statistics.median(m.seconds for m in ms)
            print(f"{task:10s} {mode:21s} {wall:6.2f} " + " ".join(f"{v:9.2f}" for v in cells))
    p50, p95, n = percentiles(result["round_trip_ms"])
    print(
        f"bare page -> kernel -> page round trip (empty execute_request): p50 {p50:.1f} ms, p95 {p95:.1f} ms"
    )
    print("messages of the xmwidgets runs (median per run; judge = a batch of judgements)")
    for task in tasks:
        for mode in (*MODES[:2], *BASELINE_MODES):
            wires: list[dict[str, int]] = [
                m.verified["wire"]
                for m in measures
                if m.task == task and m.mode == mode and m.verified.get("wire")
            ]
            if wires:
                counts = ", ".join(
                    f"{statistics.median(w[k] for w in wires):.0f} {k}" for k in wires[0]
                )
                print(f"{task:10s} {mode:21s} {counts}")
    if any(m.profiled for m in measures):
        print("\n--profile: the renderer's main thread, ms per run (median) by where it was")
        for task in tasks:
            for mode in ALL_MODES:
                ms = [m for m in measures if m.task == task and m.mode == mode and m.profiled]
                if not ms:
                    continue
                where = {k for m in ms for k in m.profiled}
                spent = {k: statistics.median(m.profiled.get(k, 0.0) for m in ms) for k in where}
                top = sorted(spent.items(), key=lambda kv: -kv[1])[:9]
                print(f"{task:10s} {mode:21s} " + ", ".join(f"{k} {v:.0f}" for k, v in top))
    if any(m.traced for m in measures):
        print(
            "\n--trace: the renderer's main thread, ms per run (median), self time by trace event"
            " (RunTask: the rest of a task)"
        )
        for task in tasks:
            for mode in ALL_MODES:
                ms = [m for m in measures if m.task == task and m.mode == mode and m.traced]
                if not ms:
                    continue
                where = {k for m in ms for k in m.traced}
                spent = {k: statistics.median(m.traced.get(k, 0.0) for m in ms) for k in where}
                total = statistics.median(
                    sum(v for k, v in m.traced.items() if k != "frames") for m in ms
                )
                frames = spent.pop("frames", 0.0)
                top = sorted(spent.items(), key=lambda kv: -kv[1])[:12]
                print(
                    f"{task:10s} {mode:21s} {frames:.0f} frames, total {total:.0f} ms: "
                    + ", ".join(f"{k} {v:.0f}" for k, v in top)
                )
    print("\nxmwidgets latency (window.__xmwTimings)")
    print(f"{'measure':64s} {'p50 ms':>8s} {'p95 ms':>8s} {'n':>4s}  goal")

    def timed(mode: str, task: str, event: str) -> list[float]:
        """Every ``event`` timing of the runs of ``mode`` on ``task``."""
        return [
            v
            for m in measures
            if m.mode == mode and m.task == task
            for v in m.timings.get(event, [])
        ]

    for task in tasks:
        for mode in (*MODES[:2], *BASELINE_MODES):
            painted = timed(mode, task, "next-query-painted")
            if not painted:
                continue
            p50, p95, n = percentiles(painted)
            key = "pick" if task in PICK_TASKS else "n"
            name = f"{key} -> next query painted, machine speed, {task} {mode}"
            print(f"{name:64s} {p50:8.1f} {p95:8.1f} {n:4d}  p95 <= 16")
            built = timed(mode, task, "page-built")
            if built:
                p50, p95, n = percentiles(built)
                print(f"{'  of which page built in the handler':64s} {p50:8.1f} {p95:8.1f} {n:4d}")
        floor = timed(FLOOR_MODE, task, "floor-painted")
        if floor:
            # the same measure for a key that changes one text node of the no-op widget: what
            # waiting for and rendering the next frame of this page costs, with no page to build
            p50, p95, n = percentiles(floor)
            name = f"key -> painted, machine speed, {task} {FLOOR_MODE}"
            print(f"{name:64s} {p50:8.1f} {p95:8.1f} {n:4d}  (the floor of the measure)")
    for tool, paced in result["paced"].items():
        for name, event, goal in (
            ("key -> saved, 10 keys/s (10x4)", "saved", "p95 <= 100"),
            ("n -> next query painted, 10 keys/s (10x4)", "next-query-painted", ""),
            ("key -> view updated, 10 keys/s (10x4)", "keystroke", ""),
            ("  page built in the n handler, 10 keys/s (10x4)", "page-built", ""),
            ("key -> painted, 10 keys/s", "floor-painted", "(the floor of the measure)"),
        ):
            if not paced.get(event):
                continue  # a baseline build may not record this event
            p50, p95, n = percentiles(paced[event])
            print(f"{name + ', ' + tool:64s} {p50:8.1f} {p95:8.1f} {n:4d}  {goal}")
    print(f"\nload before: {result['load_before']}\nload after:  {result['load_after']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ui", choices=["lab", "notebook"], default="lab")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tools", default="xmwidgets,ipyannotations,pigeonxt,floor")
    parser.add_argument(
        "--tasks",
        default="10x4,40x1",
        help="of 10x4, 40x1, 10x4-media (xmwidgets only), pick40x4 (BestMatchPicker)",
    )
    parser.add_argument("--no-paced", action="store_true", help="skip the 10 keys/s latency run")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="sample the page's JavaScript in each timed window and print where the main thread "
        "was (slows every tool a little)",
    )
    parser.add_argument("--json", action="store_true", help="also print every measure as JSON")
    parser.add_argument(
        "--trace",
        nargs="?",
        const="",
        metavar="DIR",
        help="record a Chromium trace of each timed window of the grid and print the renderer "
        "main thread's time by trace event (Layout, Paint, FunctionCall...; slows it a little); "
        "with DIR, save each trace there (trace-<task>-<tool>-<how>-<run>.json, for DevTools, "
        "with invalidation tracking: each Layout names the nodes that made it needed)",
    )
    parser.add_argument(
        "--baseline",
        metavar="DIR",
        help="a folder with another build's widgets.js and widgets.css: the grid with that bundle "
        "runs too (tool 'baseline'), in the same run, and is compared with this build",
    )
    args = parser.parse_args()
    tools = [t.strip().lower() for t in args.tools.split(",") if t.strip()]
    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    unknown = sorted(set(tools) - {"xmwidgets", "floor", *MODES}) + sorted(set(tasks) - set(TASKS))
    if unknown:
        raise SystemExit(
            f"unknown tool or task {unknown}: tools xmwidgets,ipyannotations,pigeonxt,floor; tasks "
            "10x4,40x1,10x4-media,pick40x4"
        )
    ensure_peers()
    Clock.profile = args.profile
    Clock.trace = args.trace is not None
    Clock.trace_dir = Path(args.trace) if args.trace else None
    if Clock.trace_dir is not None:
        Clock.trace_dir.mkdir(parents=True, exist_ok=True)
    baseline = None
    if args.baseline:
        folder = Path(args.baseline).resolve()
        if not (folder / "widgets.js").is_file() or not (folder / "widgets.css").is_file():
            raise SystemExit(f"--baseline {args.baseline!r}: no widgets.js and widgets.css in it")
        baseline = str(folder)
    result = run(args.ui, args.runs, tools, tasks, paced=not args.no_paced, baseline=baseline)
    report(result, tasks)
    if args.json:
        print(json.dumps({**result, "measures": [m.__dict__ for m in result["measures"]]}))


if __name__ == "__main__":
    main()
