"""Read and wait on a RelevanceGrid in the page, through its DOM contract (js/src).

The root carries ``data-query-index`` / ``data-query-id``; each ``.xmw-tile`` carries
``data-item-id``, ``data-shown-position``, ``data-relevance`` ("" when unjudged), ``data-best``
and ``data-state`` (unjudged|pending|saved|error); the focused tile has ``.xmw-focused``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Page

__all__ = [
    "GRID_ROOT",
    "focused_index",
    "focused_tile",
    "grid_snapshot",
    "mark_grids_stale",
    "wait_grid",
    "wait_saved",
    "wait_tiles",
]

# The front-end brief names the root `.xmw-grid`; js/src/grid.ts calls it `.xmw-grid-root`.
GRID_ROOT = ".xmw-grid, .xmw-grid-root"

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
    focused: t.classList.contains("xmw-focused"),
  }));
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
    help_visible: visible(".xmw-help"),
    none_relevant_visible: visible(".xmw-none-relevant"),
    n_error_tiles: root.querySelectorAll(".xmw-error").length,
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
    ``state`` and ``focused``, in the order shown.
    """
    return page.evaluate(_SNAPSHOT, GRID_ROOT)


def wait_tiles(page: Page, predicate_js: str, arg: Any = None, timeout_ms: float = 30_000) -> None:
    """Wait until ``predicate_js``, a JS ``(snapshot, arg) => bool``, holds for the last grid."""
    page.wait_for_function(
        _WAIT, arg=[_SNAPSHOT, GRID_ROOT, predicate_js, arg], timeout=timeout_ms, polling=50
    )


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


def mark_grids_stale(page: Page) -> None:
    """Mark the grids now on the page, so that :func:`wait_grid` waits for a new one."""
    page.evaluate(
        "(sel) => document.querySelectorAll(sel).forEach((r) => { r.dataset.testStale = '1'; })",
        GRID_ROOT,
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
