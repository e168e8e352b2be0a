"""Read and wait on a RelevanceGrid in the page, through its DOM contract (js/src).

The root carries ``data-query-index`` / ``data-query-id``; each ``.xmw-tile`` carries
``data-item-id``, ``data-shown-position``, ``data-relevance`` ("" when unjudged), ``data-best``
and ``data-state`` (unjudged|pending|saved|error), ``data-flags`` (comma-separated); the focused
tile has ``.xmw-focused``, the tile ``b`` acts on ``.xmw-best-target``. A Ranker's tiles carry
``data-rank`` and ``data-tied`` (a BestMatchPicker's ``data-rank``: "1" best, "2" second best,
"" none), and its body ``.xmw-rank-status`` (saved or not). The root's ``data-unsaved``
counts judgements not acknowledged yet; ``.xmw-notice`` (role=status) shows the kernel's notices,
``.xmw-position`` "candidate k of N · j/N judged".
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._pages import output_json

if TYPE_CHECKING:
    from playwright.sync_api import Page

__all__ = [
    "GRID_ROOT",
    "LABELS_JSON",
    "ROOT_AND_SCROLLER",
    "focus_grid",
    "focused_index",
    "focused_tile",
    "grid_snapshot",
    "kernel_view",
    "mark_grids_stale",
    "store_view",
    "tiles_top",
    "wait_all_saved",
    "wait_grid",
    "wait_saved",
    "wait_tiles",
]

# The front-end brief names the root `.xmw-grid`; js/src/grid.ts calls it `.xmw-grid-root`.
GRID_ROOT = ".xmw-grid, .xmw-grid-root"

# JS, the start of a function of `sel` (the grids' selector): `root`, the last grid on the page, and
# `scroller`, the element that scrolls the notebook (Lab's windowed panel, NB 7's, or none)
ROOT_AND_SCROLLER = """
  const root = [...document.querySelectorAll(sel)].pop();
  let scroller = root.parentElement;
  while (scroller && !(/(auto|scroll)/.test(getComputedStyle(scroller).overflowY)
                       && scroller.scrollHeight > scroller.clientHeight)) {
    scroller = scroller.parentElement;
  }
"""

# JS, (root selector) => the first tile's top, from the top of the last grid on the page
_TILES_TOP = """(selector) => {
  const grid = [...document.querySelectorAll(selector)].at(-1);
  return grid.querySelector(".xmw-tile").getBoundingClientRect().top - grid.getBoundingClientRect().top;
}"""


def tiles_top(page: Any) -> float:
    """Where the tiles start in the widget: what moves when a line above them grows or shrinks."""
    return float(page.evaluate(_TILES_TOP, GRID_ROOT))


# JS, (root selector) => what the last grid on the page shows, or null
_SNAPSHOT = """(selector) => {
  const roots = document.querySelectorAll(selector);
  const root = roots.length ? roots[roots.length - 1] : null;
  if (!root) return null;
  const tiles = [...root.querySelectorAll(".xmw-tile")].map((t) => ({
    item_id: t.dataset.itemId,
    shown_position: Number(t.dataset.shownPosition),
    relevance: t.dataset.relevance ?? "",
    best: t.dataset.best === "true",
    state: t.dataset.state,
    flags: t.dataset.flags ?? "",
    focused: t.classList.contains("xmw-focused"),
    best_target: t.classList.contains("xmw-best-target"),
    rank: t.dataset.rank ?? "",
    tied: t.dataset.tied === "true",
    note: (t.querySelector(".xmw-marks") || {dataset: {}}).dataset.note ?? null,
  }));
  const own = root.querySelector(".xmw-query-marks");
  const text = (sel) => { const el = root.querySelector(sel); return el ? el.textContent : null; };
  const visible = (sel) => {
    const el = root.querySelector(sel);
    return !!el && !el.hidden && el.getClientRects().length > 0
           && getComputedStyle(el).visibility !== "hidden";
  };
  return {
    n_grids: roots.length,
    stale: root.dataset.testStale === "1",
    query_index: Number(root.dataset.queryIndex),
    query_id: root.dataset.queryId,
    tiles,
    has_focus: root.contains(document.activeElement),
    progress: text(".xmw-progress"),
    position: text(".xmw-position"),
    notice: visible(".xmw-notice") ? text(".xmw-notice") : "",
    loading: visible(".xmw-loading") ? text(".xmw-loading") : "",
    unsaved: Number(root.dataset.unsaved ?? "0"),
    help_visible: visible(".xmw-help"),
    none_relevant_visible: visible(".xmw-none-relevant"),
    n_error_tiles: root.querySelectorAll(".xmw-error").length,
    rank_status: text(".xmw-rank-status"),
    query_flags: own && !own.hidden ? (own.dataset.flags || "") : "",
    query_note: own && !own.hidden ? (own.dataset.note ?? null) : null,
    rubric_open: visible(".xmw-rubric-panel"),
  };
}"""

# JS, ([snapshot source, selector, predicate source, arg]) => predicate(snapshot, arg)
_WAIT = """([snap, selector, pred, arg]) => {
  const s = (new Function("return " + snap))()(selector);
  return !!s && (new Function("return " + pred))()(s, arg);
}"""


def grid_snapshot(page: Page) -> dict[str, Any] | None:
    """What the last grid on the page shows: query, tiles with their data-* state, focus, help.

    Tiles are dicts with ``item_id, shown_position, relevance`` ("" when unjudged), ``best``,
    ``state``, ``focused`` and ``note`` (the note on the tile, or None), in the order shown; the
    query's own flags (``query_flags``, comma-separated) and note, and whether the rubric panel
    is open (``rubric_open``).
    """
    return page.evaluate(_SNAPSHOT, GRID_ROOT)


def wait_tiles(page: Page, predicate_js: str, arg: Any = None, timeout_ms: float = 30_000) -> None:
    """Wait until ``predicate_js``, a JS ``(snapshot, arg) => bool``, holds for the last grid.

    A timeout says what the grid showed then (query, loading text, notice, tiles' states), so a
    failure in CI tells more than "Timeout 30000ms exceeded".
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(
            _WAIT, arg=[_SNAPSHOT, GRID_ROOT, predicate_js, arg], timeout=timeout_ms, polling=50
        )
    except PlaywrightTimeout:
        raise AssertionError(
            f"timed out after {timeout_ms:g} ms waiting for {' '.join(predicate_js.split())} "
            f"(arg {arg!r}); the grid showed: {_summary(grid_snapshot(page))}"
        ) from None


def _summary(snapshot: dict[str, Any] | None) -> str:
    """The parts of a snapshot that say where a grid stands, short enough for a failure line."""
    if snapshot is None:
        return "no grid on the page"
    keys = ("n_grids", "stale", "query_index", "position", "progress", "loading", "notice")
    shown = {key: snapshot[key] for key in keys} | {"unsaved": snapshot["unsaved"]}
    tiles = [(t["item_id"], t["relevance"], t["state"]) for t in snapshot["tiles"]]
    return f"{shown}, tiles (item, relevance, state): {tiles}"


def wait_grid(page: Page, query_index: int | None = None, timeout_ms: float = 120_000) -> None:
    """Wait until a grid not marked stale shows its tiles, at ``query_index`` when given."""
    wait_tiles(
        page,
        """(s, index) => !s.stale && s.tiles.length > 0 && !Number.isNaN(s.query_index)
                         && (index === null || s.query_index === index)""",
        query_index,
        timeout_ms,
    )


def wait_saved(page: Page, relevance: dict[str, str], timeout_ms: float = 30_000) -> None:
    """Wait until every tile in ``relevance`` (item_id -> data-relevance) shows it, saved.

    A tile whose judgement was undone (relevance "") may be "saved" or back to "unjudged".
    """
    wait_tiles(
        page,
        """(s, want) => Object.entries(want).every(([id, rel]) => s.tiles.some(
             (t) => t.item_id === id && t.relevance === rel
                    && (t.state === "saved" || (rel === "" && t.state === "unjudged"))))""",
        relevance,
        timeout_ms,
    )


def wait_all_saved(page: Page, timeout_ms: float = 30_000) -> None:
    """Wait until the kernel has acknowledged every judgement the grid sent or queued."""
    wait_tiles(
        page,
        "(s) => s.unsaved === 0 && s.tiles.every((t) => t.state !== 'pending')",
        None,
        timeout_ms,
    )


def mark_grids_stale(page: Page) -> None:
    """Mark the grids now on the page, so that :func:`wait_grid` waits for a new one."""
    page.evaluate(
        "(sel) => document.querySelectorAll(sel).forEach((r) => { r.dataset.testStale = '1'; })",
        GRID_ROOT,
    )


def focus_grid(page: Page) -> None:
    """Give the last grid the keyboard focus with a click on its progress line (not on a tile)."""
    root = page.locator(GRID_ROOT).last
    root.scroll_into_view_if_needed()
    root.locator(".xmw-progress").click()
    snapshot = grid_snapshot(page)
    assert snapshot and snapshot["has_focus"], (
        "clicking the grid did not give it the keyboard focus"
    )


def focused_tile(page: Page) -> dict[str, Any]:
    """The tile with the keyboard focus (``.xmw-focused``); fails unless there is exactly one."""
    snapshot = grid_snapshot(page)
    assert snapshot is not None, f"no grid ({GRID_ROOT}) on the page"
    focused = [t for t in snapshot["tiles"] if t["focused"]]
    assert len(focused) == 1, f"expected one .xmw-focused tile, got {len(focused)}: {snapshot}"
    return focused[0]


def focused_index(page: Page) -> int:
    """Position (0-based, in shown order) of the focused tile."""
    snapshot = grid_snapshot(page)
    assert snapshot is not None, f"no grid ({GRID_ROOT}) on the page"
    focused = [i for i, t in enumerate(snapshot["tiles"]) if t["focused"]]
    assert len(focused) == 1, f"expected one .xmw-focused tile, got {len(focused)}: {snapshot}"
    return focused[0]


# Prints the kernel's view of the judgements as one JSON document.
LABELS_JSON = """\
import json as _json
import pandas as _pd

def _plain(value):
    if value is None or (not isinstance(value, (list, dict)) and _pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value

print(_json.dumps({
    "labels": [
        {k: _plain(row[k]) for k in ("query_id", "item_id", "relevance", "best", "flags", "annotator")}
        for _, row in grid.labels.iterrows()
    ],
    "none_relevant": sorted(grid.none_relevant),
    "progress": {k: int(v) for k, v in grid.progress.items()},
    "query_index": int(grid.query_index),
    "query_ids": list(grid.query_ids[:3]),
}))"""


def kernel_view(page: Page) -> dict[str, Any]:
    """What the kernel's ``grid`` holds: labels, grades and best picks by (query_id, item_id)."""
    data = output_json(page, LABELS_JSON)
    grades = {
        (r["query_id"], r["item_id"]): r["relevance"]
        for r in data["labels"]
        if r["item_id"] is not None and r["relevance"] is not None
    }
    best = {(r["query_id"], r["item_id"]) for r in data["labels"] if r["best"]}
    flags = {(r["query_id"], r["item_id"]): r["flags"] for r in data["labels"] if r["flags"]}
    annotators = {r["annotator"] for r in data["labels"]}
    return {**data, "grades": grades, "best": best, "flags": flags, "annotators": annotators}


def store_view(path: Path) -> dict[str, Any]:
    """Re-derive the current judgements from the SQLite event log, independently of xmwidgets."""
    con = sqlite3.connect(path)
    try:
        rows = con.execute(
            "SELECT event_id, task, query_id, item_id, annotator, relevance, best, "
            "none_relevant, retracts FROM events ORDER BY event_id"
        ).fetchall()
    finally:
        con.close()
    retracted = {r[8] for r in rows if r[8] is not None}
    grades: dict[tuple[str, str], int] = {}
    best: dict[tuple[str, str], bool] = {}
    none_relevant: dict[str, bool] = {}
    for event_id, task, query_id, item_id, _annotator, relevance, is_best, none, retracts in rows:
        if retracts is not None or event_id in retracted:
            continue
        if task == "grade" and relevance is not None:
            grades[(query_id, item_id)] = int(relevance)
        elif task == "pick" and item_id is not None and is_best is not None:
            best[(query_id, item_id)] = bool(is_best)
        elif task == "pick" and item_id is None and none is not None:
            none_relevant[query_id] = bool(none)
    return {
        "rows": rows,
        "grades": grades,
        "best": {key for key, value in best.items() if value},
        "none_relevant": {q for q, value in none_relevant.items() if value},
        "annotators": {r[4] for r in rows},
        "n_retractions": sum(1 for r in rows if r[8] is not None),
        "retracted": [r for r in rows if r[0] in retracted],
    }
