"""The Ranker as a person uses it, in JupyterLab 4 and Notebook 7 (issue 10).

- By keyboard only: carry candidates with Shift+arrows, ``t`` to the top, ``=`` to tie, ``s`` to
  save; ``n`` after a change saves the next query's ranking on the way out; ``z`` undoes it in the
  kernel. What the tiles show must be what lands in ``ranker.labels`` and in the SQLite file.
- By drag: a tile dragged with the mouse onto another place moves there, the notebook does not
  start a cell drag or select text, and the keys still work afterwards.
- At machine speed: keys typed with no wait (a cell holding the kernel busy) right after a ``z``
  leave the screen, ``ranker.labels`` and the SQLite file as the same keys typed slowly do.

Screenshots of a ranking with a tie, in the light and the dark theme, and of a drag in flight,
go to ``tests/artifacts/``.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from ._grid import (
    GRID_ROOT,
    ROOT_AND_SCROLLER,
    focus_grid,
    focused_index,
    grid_snapshot,
    mark_grids_stale,
    tiles_top,
    wait_all_saved,
    wait_grid,
    wait_tiles,
)
from ._jupyter import JupyterServer
from ._pages import (
    hold_kernel,
    open_and_run,
    open_notebook,
    output_json,
    run_all_cells,
    run_cell,
    screenshot,
    set_theme,
    write_notebook,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(600),
    pytest.mark.usefixtures("built_bundle"),
]

STORE = "rank.sqlite"
CELLS = [
    "import xmwidgets as xm\ndemo = xm.datasets.demo()",
    f'ranker = xm.Ranker(demo.queries, demo.items, demo.candidates, store="{STORE}", '
    'annotator="ana")\nranker',
]
# prints the kernel's ranker.labels as {query_id: [[item_id, rank, tied], ...]} (best first)
LABELS_JSON = """\
import json
_rows = ranker.labels.sort_values(["query_id", "rank"], kind="stable")
print(json.dumps({q: [[r.item_id, int(r.rank), bool(r.tied)] for r in g.itertuples()]
                  for q, g in _rows.groupby("query_id", sort=False)}))"""


def _open(page: Any, server: JupyterServer, ui: str, test: str) -> Path:
    folder = server.root_dir / f"rank_{test}_{ui}"
    if folder.exists():
        shutil.rmtree(folder)
    write_notebook(server.root_dir, f"rank_{test}_{ui}/rank.ipynb", CELLS)
    open_notebook(page, server, f"rank_{test}_{ui}/rank.ipynb", ui)
    if ui == "lab":
        page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
    run_all_cells(page, timeout_ms=180_000)
    wait_grid(page, query_index=0)
    focus_grid(page)
    return folder / STORE


def _shown(page: Any) -> list[tuple[str, int, bool]]:
    """The tiles as shown: (item_id, rank, tied), in ranking order."""
    return [(t["item_id"], int(t["rank"]), t["tied"]) for t in grid_snapshot(page)["tiles"]]


# JS: scroll the notebook so that the first row of tiles starts 150 px above its view
_SCROLL_DOWN_THE_TILES = (
    "(sel) => {"
    + ROOT_AND_SCROLLER
    + """
  const tile = root.querySelector(".xmw-tile").getBoundingClientRect();
  scroller.scrollTop += tile.top - scroller.getBoundingClientRect().top + 150;
}"""
)
# JS: the ranker's status line and the pinned bar, against the notebook's view
_STATUS_AND_BAR = (
    "(sel) => {"
    + ROOT_AND_SCROLLER
    + """
  const bar = root.querySelector(".xmw-pin-bar").getBoundingClientRect();
  return { pinned: root.dataset.pinned === "true", bar_bottom: bar.bottom,
           status_top: root.querySelector(".xmw-rank-status").getBoundingClientRect().top,
           view_top: scroller.getBoundingClientRect().top };
}"""
)


def _wait_status(page: Any, prefix: str) -> None:
    wait_tiles(page, "(s, p) => (s.rank_status || '').startsWith(p)", prefix)


def _stored(path: Path) -> dict[str, list[tuple[str, int]]]:
    """The current rankings in the SQLite event log, derived without xmwidgets."""
    con = sqlite3.connect(path)
    try:
        rows = con.execute(
            "SELECT event_id, query_id, item_id, rank, retracts, created_at FROM events "
            "WHERE task = 'rank' ORDER BY event_id"
        ).fetchall()
    finally:
        con.close()
    retracted = {r[4] for r in rows if r[4] is not None}
    current: dict[tuple[str, str], tuple[int, Any]] = {}
    for event_id, query_id, item_id, rank, retracts, created in rows:
        if retracts is None and event_id not in retracted:
            current[(query_id, item_id)] = (int(rank), created)
    out: dict[str, list[tuple[str, int]]] = {}
    for (query_id, item_id), (rank, _) in sorted(current.items(), key=lambda kv: kv[1][0]):
        out.setdefault(query_id, []).append((item_id, rank))
    return out


def _one_transaction(path: Path, query_id: str) -> bool:
    con = sqlite3.connect(path)
    try:
        stamps = con.execute(
            "SELECT DISTINCT created_at FROM events WHERE task = 'rank' AND query_id = ? "
            "AND retracts IS NULL",
            (query_id,),
        ).fetchall()
    finally:
        con.close()
    return len(stamps) == 1


def _as_stored(shown: list[tuple[str, int, bool]]) -> list[tuple[str, int]]:
    return sorted(((i, r) for i, r, _ in shown), key=lambda e: e[1])


@pytest.mark.parametrize("ui", ["lab", "notebook"])
def test_rank_by_keyboard_only(
    page: Any, jupyter_server: JupyterServer, artifacts_dir: Path, ui: str
) -> None:
    page.set_viewport_size({"width": 800, "height": 600})  # a small laptop window
    store = _open(page, jupyter_server, ui, "keys")
    q0 = grid_snapshot(page)["query_id"]
    start = [i for i, _, _ in _shown(page)]
    assert [r for _, r, _ in _shown(page)] == list(range(1, len(start) + 1))
    _wait_status(page, "not ranked yet")

    # the third candidate to the top, the one now second tied with it, the first one a place down
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("t")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("=")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    want = [start[2], start[0], start[3], start[1], *start[4:]]
    shown = _shown(page)
    assert [i for i, _, _ in shown] == want, (start, shown)
    assert [r for _, r, _ in shown][:5] == [1, 1, 3, 4, 5]
    assert [t for _, _, t in shown][:3] == [True, True, False]
    _wait_status(page, "changed, not saved")
    assert grid_snapshot(page)["unsaved"] == 0, "a move was sent before it was saved"
    top = tiles_top(page)

    page.keyboard.press("s")
    _wait_status(page, "✓ ranking saved")
    wait_all_saved(page)
    notice = grid_snapshot(page)["notice"]
    # the notice said "ranking of query 1 saved: 8 candidates" under the status line's "✓ ranking
    # saved", and the status line, a line shorter than "changed, not saved …", moved the tiles 20 px
    assert "query 1 done" in notice and "saved" not in notice, notice
    assert tiles_top(page) == pytest.approx(top, abs=1)
    root = page.locator(GRID_ROOT).last
    screenshot(root, artifacts_dir / f"rank_{ui}_light.png")
    set_theme(page, dark=True)
    screenshot(root, artifacts_dir / f"rank_{ui}_dark.png")
    set_theme(page, dark=False)

    kernel = output_json(page, LABELS_JSON)
    assert [tuple(e) for e in kernel[q0]] == [(i, r, t) for i, r, t in shown]
    assert _stored(store) == {q0: _as_stored(shown)}
    assert _one_transaction(store, q0)
    focus_grid(page)  # running a cell took the keyboard focus

    # the first row's tile focused from below, the query bar pinned: the tile stopped under the
    # bar, and the status line above it ("changed, not saved") was behind the bar
    while focused_index(page) > 1:
        page.keyboard.press("ArrowLeft")
    if focused_index(page) == 0:
        page.keyboard.press("ArrowRight")
    page.evaluate(_SCROLL_DOWN_THE_TILES, GRID_ROOT)
    page.keyboard.press("ArrowLeft")
    page.wait_for_timeout(300)  # the scroll is the next frame's
    place = page.evaluate(_STATUS_AND_BAR, GRID_ROOT)
    assert place["pinned"] and place["status_top"] >= place["bar_bottom"] - 1, place
    assert place["status_top"] >= place["view_top"], place

    # n: the next query; a change there is saved when it is left with n
    page.keyboard.press("n")
    wait_grid(page, query_index=1)
    q1 = grid_snapshot(page)["query_id"]
    page.keyboard.press("Shift+ArrowDown")
    page.keyboard.press("Shift+ArrowRight")
    moved = _shown(page)
    page.keyboard.press("n")
    wait_grid(page, query_index=2)
    wait_all_saved(page)
    assert _stored(store) == {q0: _as_stored(shown), q1: _as_stored(moved)}

    # z at query 3 (nothing changed there): undoes query 2's ranking and goes back to it
    page.keyboard.press("z")
    wait_grid(page, query_index=1)
    wait_all_saved(page)
    wait_tiles(page, "(s) => s.notice.startsWith('undid: ranking of query 2')", None)
    _wait_status(page, "not ranked yet")
    assert [r for _, r, _ in _shown(page)] == list(range(1, len(moved) + 1))
    assert _stored(store) == {q0: _as_stored(shown)}
    kernel = output_json(page, LABELS_JSON)
    assert set(kernel) == {q0}


def _drag_over(
    page: Any, tiles: Any, source: int, target: int, fraction: float, steps: int
) -> None:
    """Press on tile ``source``'s rank badge (a handle on every tile: a player takes its own
    presses) and move, in small steps as a hand does, to ``fraction`` of tile ``target``'s width;
    the button stays down."""
    tiles.nth(source).scroll_into_view_if_needed()  # End may have scrolled the first ones away
    grip = tiles.nth(source).locator(".xmw-rank-badge").bounding_box()
    box = tiles.nth(target).bounding_box()
    assert grip and box
    page.mouse.move(grip["x"] + grip["width"] / 2, grip["y"] + grip["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * fraction, box["y"] + box["height"] / 2, steps=steps)


@pytest.mark.parametrize("ui", ["lab", "notebook"])
def test_rank_by_drag(
    page: Any, jupyter_server: JupyterServer, artifacts_dir: Path, ui: str
) -> None:
    store = _open(page, jupyter_server, ui, "drag")
    q0 = grid_snapshot(page)["query_id"]
    start = [i for i, _, _ in _shown(page)]
    cells_before = page.evaluate(
        "() => window.jupyterapp.shell.currentWidget.content.widgets.length"
    )
    tiles = page.locator(GRID_ROOT).last.locator(".xmw-tile")
    # from tile 1 to the right half of tile 3
    _drag_over(page, tiles, 0, 2, 0.75, steps=12)
    snapshot_mid = page.evaluate(
        """(sel) => { const r = [...document.querySelectorAll(sel)].pop();
           return { dragging: !!r.querySelector('.xmw-rank-dragging'),
                    after: [...r.querySelectorAll('.xmw-tile')].findIndex(
                      (t) => t.classList.contains('xmw-rank-drop-after')),
                    selection: String(window.getSelection()) }; }""",
        GRID_ROOT,
    )
    if ui == "lab":
        screenshot(page, artifacts_dir / "rank_lab_drag.png")
    page.mouse.up()
    assert snapshot_mid == {"dragging": True, "after": 2, "selection": ""}
    want = [start[1], start[2], start[0], *start[3:]]
    assert [i for i, _, _ in _shown(page)] == want
    _wait_status(page, "changed, not saved")
    # the notebook saw no cell drag: same cells, and the keys are still the grid's
    assert (
        page.evaluate("() => window.jupyterapp.shell.currentWidget.content.widgets.length")
        == cells_before
    )
    assert grid_snapshot(page)["has_focus"], "the drag took the keyboard focus from the grid"
    assert [t["focused"] for t in grid_snapshot(page)["tiles"]][2] is True

    # a second drag, backwards: the fourth tile onto the left half of the first
    _drag_over(page, tiles, 3, 0, 0.2, steps=15)
    page.mouse.up()
    want = [want[3], *want[:3], *want[4:]]
    assert [i for i, _, _ in _shown(page)] == want

    # a third drag, cancelled with Esc before the drop: nothing moves, no mark stays
    _drag_over(page, tiles, 1, 3, 0.75, steps=12)
    page.keyboard.press("Escape")
    page.mouse.up()
    assert [i for i, _, _ in _shown(page)] == want
    assert (
        page.evaluate(
            "(sel) => [...document.querySelectorAll(sel)].pop().querySelectorAll("
            "'.xmw-rank-dragging, .xmw-rank-drop-before, .xmw-rank-drop-after').length",
            GRID_ROOT,
        )
        == 0
    )

    page.keyboard.press("s")
    _wait_status(page, "✓ ranking saved")
    wait_all_saved(page)
    shown = _shown(page)
    assert [r for _, r, _ in shown] == list(range(1, len(want) + 1))
    kernel = output_json(page, LABELS_JSON)
    assert [e[0] for e in kernel[q0]] == want
    assert _stored(store) == {q0: _as_stored(shown)}
    assert _one_transaction(store, q0)


# JS: the box of the element that scrolls the notebook (the one a drag near its edge scrolls)
_SCROLLER_BOX = """(sel) => {
  const root = [...document.querySelectorAll(sel)].pop();
  for (let at = root.parentElement; at; at = at.parentElement) {
    const o = getComputedStyle(at).overflowY;
    if ((o === "auto" || o === "scroll") && at.scrollHeight > at.clientHeight) {
      const b = at.getBoundingClientRect();
      return { top: b.top, bottom: b.bottom, left: b.left, scroll: at.scrollTop };
    }
  }
  return { top: 0, bottom: window.innerHeight, left: 0, scroll: window.scrollY };
}"""


@pytest.mark.parametrize("ui", ["lab", "notebook"])
def test_drag_to_the_top_of_a_long_ranking_scrolls(
    page: Any, jupyter_server: JupyterServer, ui: str
) -> None:
    store = _open(page, jupyter_server, ui, "scroll")
    page.keyboard.press("n")  # query 2 has 20 candidates: more than the window shows
    wait_grid(page, query_index=1)
    q1 = grid_snapshot(page)["query_id"]
    start = [i for i, _, _ in _shown(page)]
    tiles = page.locator(GRID_ROOT).last.locator(".xmw-tile")
    last = tiles.nth(len(start) - 1)
    last.scroll_into_view_if_needed()
    scroller = page.evaluate(_SCROLLER_BOX, GRID_ROOT)
    first_box = tiles.nth(0).bounding_box()
    assert first_box and first_box["y"] + first_box["height"] < scroller["top"], (
        "the first tile is in view with the last: this run would not test scrolling"
    )
    source = last.locator(".xmw-rank-badge").bounding_box()
    assert source
    x = source["x"] + source["width"] / 2
    page.mouse.move(x, source["y"] + source["height"] / 2)
    page.mouse.down()
    # hold the pointer at the top edge until the first tile is scrolled into view under it
    edge = scroller["top"] + 12
    page.mouse.move(x, edge, steps=10)
    for _ in range(200):
        box = tiles.nth(0).bounding_box()
        if box and box["y"] > scroller["top"] + 60:
            break
        page.mouse.move(x + 1, edge)
        page.mouse.move(x, edge)
        page.wait_for_timeout(30)
    box = tiles.nth(0).bounding_box()
    assert box and box["y"] > scroller["top"], "dragging at the top edge did not scroll"
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    want = [start[-1], *start[:-1]]
    assert [i for i, _, _ in _shown(page)] == want
    page.keyboard.press("s")
    _wait_status(page, "✓ ranking saved")
    wait_all_saved(page)
    assert _stored(store) == {q1: [(item, k + 1) for k, item in enumerate(want)]}


# prints the kernel's ranker.labels as [[query_id, item_id, rank or None, flags or None], ...]
FLAGS_JSON = """\
import json
print(json.dumps([[r.query_id, r.item_id, None if r.rank is pd.NA else int(r.rank),
                   None if r.flags is pd.NA else r.flags] for r in ranker.labels.itertuples()]))"""


def _stored_flags(path: Path) -> dict[tuple[str, str], tuple[Any, Any]]:
    """The current (rank, flags) of each ranked or flagged pair in the SQLite event log."""
    con = sqlite3.connect(path)
    try:
        rows = con.execute(
            "SELECT event_id, query_id, item_id, rank, flags, retracts FROM events "
            "WHERE task = 'rank' ORDER BY event_id"
        ).fetchall()
    finally:
        con.close()
    retracted = {r[5] for r in rows if r[5] is not None}
    current = {}
    for event_id, query_id, item_id, rank, flags, retracts in rows:
        if retracts is None and event_id not in retracted:
            current[(query_id, item_id)] = (rank, flags)
    return {k: v for k, v in current.items() if v != (None, None)}


@pytest.mark.parametrize("ui", ["lab", "notebook"])
def test_broken_media_leaves_the_ranking_and_comes_back_on_undo_and_reopen(
    page: Any, jupyter_server: JupyterServer, artifacts_dir: Path, ui: str
) -> None:
    store = _open(page, jupyter_server, ui, "broken")
    q0 = grid_snapshot(page)["query_id"]
    start = [i for i, _, _ in _shown(page)]
    assert "m broken media" in page.locator(GRID_ROOT).last.locator(".xmw-hint").inner_text()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("m")  # the second candidate's media are broken
    wait_tiles(page, "(s) => s.unsaved === 0 && s.tiles.some((t) => t.flags === 'broken-media')")
    tiles = grid_snapshot(page)["tiles"]
    assert [t["item_id"] for t in tiles] == [start[0], *start[2:], start[1]]
    assert [t["rank"] for t in tiles] == [str(k + 1) for k in range(len(start) - 1)] + [""]
    broken = page.locator(GRID_ROOT).last.locator(".xmw-tile[data-broken='true']")
    assert broken.locator(".xmw-chip").inner_text().startswith("broken-media")
    style = broken.evaluate("(t) => getComputedStyle(t).borderTopStyle")
    assert style == "dashed", style
    assert tiles[1]["focused"], "the focus left its place"
    root = page.locator(GRID_ROOT).last
    screenshot(root, artifacts_dir / f"rank_{ui}_broken_light.png")
    set_theme(page, dark=True)
    screenshot(root, artifacts_dir / f"rank_{ui}_broken_dark.png")
    set_theme(page, dark=False)
    assert _stored_flags(store) == {(q0, start[1]): (None, "broken-media")}
    focus_grid(page)

    # z takes it back: the candidate is in the ranking again, nothing is flagged in the store
    page.keyboard.press("z")
    wait_tiles(page, "(s) => s.unsaved === 0 && s.tiles.every((t) => t.flags === '')")
    tiles = grid_snapshot(page)["tiles"]
    assert [t["item_id"] for t in tiles] == start
    assert tiles[1]["focused"], "the focus did not go back to the candidate z put back"
    assert _stored_flags(store) == {}

    # m again, and the ranking saved without it: the query is done with it unranked
    page.keyboard.press("m")
    page.keyboard.press("s")
    _wait_status(page, "✓ ranking saved")
    wait_all_saved(page)
    assert "query 1 done" in grid_snapshot(page)["notice"]
    kernel = output_json(page, "import pandas as pd\n" + FLAGS_JSON)
    ranked = [e for e in kernel if e[0] == q0]
    assert sorted(ranked, key=lambda e: (e[2] is None, e[2] or 0)) == [
        *([q0, item, k + 1, None] for k, item in enumerate([start[0], *start[2:]])),
        [q0, start[1], None, "broken-media"],
    ]
    stored = _stored_flags(store)
    assert stored[(q0, start[1])] == (None, "broken-media") and len(stored) == len(start)

    # a new widget over the same store (the cell run again): q1 is done, p shows it as it was
    mark_grids_stale(page)
    run_cell(page, 1)
    wait_grid(page, query_index=1)
    focus_grid(page)
    page.keyboard.press("p")
    wait_grid(page, query_index=0)
    tiles = grid_snapshot(page)["tiles"]
    assert [(t["item_id"], t["flags"]) for t in tiles][-1] == (start[1], "broken-media")
    _wait_status(page, "✓ ranking saved")


@pytest.mark.parametrize("ui", ["lab", "notebook"])
def test_a_broken_chip_cleared_with_the_mouse_keeps_the_keys_and_says_what_is_true(
    page: Any, jupyter_server: JupyterServer, ui: str
) -> None:
    """Review 4: F3, the notices name a candidate by its place on screen, as the header does;
    F5, a saved query with its broken flag cleared is not 'not ranked yet'; F1, the chip's ×
    leaves the keyboard with the widget."""
    _open(page, jupyter_server, ui, "chip")
    start = [i for i, _, _ in _shown(page)]
    n = len(start)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("t")  # the third tile is now the first one
    assert f"candidate 1 of {n}" in grid_snapshot(page)["position"]
    page.keyboard.press("m")
    wait_tiles(page, "(s, p) => s.unsaved === 0 && s.notice.startsWith(p)", "candidate 1 flagged")
    assert grid_snapshot(page)["notice"].startswith(
        "candidate 1 flagged broken-media: left out of the ranking"
    )
    page.keyboard.press("z")
    undid = "undid: flag 'broken-media' on candidate 1 of query 1"
    wait_tiles(page, "(s, p) => s.unsaved === 0 && s.notice === p", undid)
    assert [i for i, _, _ in _shown(page)][:3] == [start[2], start[0], start[1]]

    # m again, saved without it: the query is done
    page.keyboard.press("m")
    page.keyboard.press("s")
    _wait_status(page, "✓ ranking saved")
    wait_all_saved(page)

    # the × on its chip, with the mouse
    root = page.locator(GRID_ROOT).last
    root.locator(".xmw-tile[data-broken='true'] .xmw-chip-remove").click()
    cleared = f"broken-media flag cleared on candidate {n}: rank it, then save (s)"
    wait_tiles(page, "(s, p) => s.unsaved === 0 && s.notice.startsWith(p)", cleared)
    _wait_status(page, "1 candidate not ranked · put it in place")
    shown = _shown(page)
    assert [i for i, _, _ in shown][-1] == start[2]
    assert [r for _, r, _ in shown] == list(range(1, n + 1))
    snapshot = grid_snapshot(page)
    active = page.evaluate("() => document.activeElement && document.activeElement.tagName")
    assert snapshot["has_focus"], f"the × took the keyboard from the widget (focus on {active})"
    assert [t["item_id"] for t in snapshot["tiles"] if t["focused"]] == [start[2]]

    # the keys still work: z takes the × back in the kernel, the query is saved and done again
    page.keyboard.press("z")
    flagged = "(s, id) => s.unsaved === 0 && s.tiles.some((t) => t.item_id === id && t.flags)"
    wait_tiles(page, flagged, start[2])
    _wait_status(page, "✓ ranking saved")


# Two Rankers over the same data, each with its own store: the keys typed slowly (each one
# answered before the next) into the first, at machine speed into the second.
SLOW, FAST = 0, 1
TWO_CELLS = [
    CELLS[0],
    'slow = xm.Ranker(demo.queries, demo.items, demo.candidates, store="slow.sqlite", '
    'annotator="ana")\nslow',
    'fast = xm.Ranker(demo.queries, demo.items, demo.candidates, store="fast.sqlite", '
    'annotator="ana")\nfast',
]
# Key sequences with a z, each started on a query of its own (the k-th on query k + 1).
Z_BURSTS = [
    # moves, saved, the save undone, s: saves the order the undo brought back
    ("moves s z s", ["ArrowRight", "ArrowRight", "t", "ArrowRight", "=", "End", "s", "z", "s"]),
    ("s z s", ["s", "z", "s"]),
    ("m z s", ["ArrowRight", "m", "z", "s"]),
    # z takes back an unsaved move (no kernel), then s
    ("moves z s", ["ArrowRight", "Shift+ArrowRight", "t", "z", "s"]),
    ("move z s", ["End", "z", "s"]),
    # moves after the undo act on the order it brought back
    ("moves s z moves s", ["End", "s", "z", "Shift+ArrowRight", "=", "s"]),
    # n after the undo saves the move made after it, and the view stays on the next query
    ("moves s z move n", ["End", "s", "z", "Shift+ArrowRight", "n"]),
    # the second z undoes the ranking n saved on the query before: s saves there
    ("moves s z z s", ["End", "s", "z", "z", "s"]),
]

# JS: what Ranker `n` (0-based, in page order) shows: query, tiles, focus, its line, waiting work
_RANKER = """([selector, n]) => {
  const root = document.querySelectorAll(selector)[n];
  return {
    query_index: Number(root.dataset.queryIndex),
    tiles: [...root.querySelectorAll(".xmw-tile")].map(
      (t) => [t.dataset.itemId, t.dataset.rank ?? "", t.dataset.flags ?? ""]),
    focused: [...root.querySelectorAll(".xmw-tile")].findIndex(
      (t) => t.classList.contains("xmw-focused")),
    status: root.querySelector(".xmw-rank-status").textContent,
    unsaved: Number(root.dataset.unsaved ?? "0"),
    loading: !root.querySelector(".xmw-loading").hidden,
  };
}"""
# prints ranker `name`.labels as [[query_id, item_id, rank, n_ranked, tied, flags], ...]
_TWO_LABELS = """\
import json
print(json.dumps({name: [[r.query_id, r.item_id, *(None if pd.isna(v) else v for v in (
    r.rank, r.n_ranked, r.tied, r.flags))] for r in w.labels.astype(object).itertuples()]
    for name, w in (("slow", slow), ("fast", fast))}, default=int))"""


def _ranker(page: Any, n: int) -> dict[str, Any]:
    return page.evaluate(_RANKER, [GRID_ROOT, n])


def _settle(page: Any, n: int) -> dict[str, Any]:
    """Wait until Ranker `n` has nothing unanswered and no page loading; what it shows then."""
    page.wait_for_function(
        """([selector, n]) => { const root = document.querySelectorAll(selector)[n];
             const line = root.querySelector(".xmw-rank-status").textContent;
             return root.dataset.unsaved === "0" && root.querySelector(".xmw-loading").hidden
                    && !line.startsWith("saving") && !line.startsWith("undoing"); }""",
        arg=[GRID_ROOT, n],
        timeout=60_000,
        polling=20,
    )
    return _ranker(page, n)


def _go(page: Any, n: int, index: int) -> None:
    """Give Ranker `n` the keys and take it to query `index` (0-based), slowly."""
    root = page.locator(GRID_ROOT).nth(n)
    root.scroll_into_view_if_needed()
    root.locator(".xmw-progress").click()
    if _settle(page, n)["query_index"] != index:
        for key in ["g", *str(index + 1), "Enter"]:
            page.keyboard.press(key)
        page.wait_for_function(
            "([sel, n, i]) => Number(document.querySelectorAll(sel)[n].dataset.queryIndex) === i",
            arg=[GRID_ROOT, n, index],
        )
    _settle(page, n)


def _type_slowly(page: Any, keys: list[str]) -> dict[str, Any]:
    for key in keys:
        page.keyboard.press(key)
        _settle(page, SLOW)
    return _ranker(page, SLOW)


def _type_at_machine_speed(page: Any, keys: list[str], gate: Path) -> dict[str, Any]:
    """The keys with no wait, the kernel held busy until the last one: none is answered before."""
    hold_kernel(page, gate)
    for key in keys:
        page.keyboard.press(key)
    gate.touch()
    return _settle(page, FAST)


@pytest.mark.parametrize("ui", ["lab", "notebook"])
def test_keys_right_after_z_give_what_they_give_typed_slowly(
    page: Any, jupyter_server: JupyterServer, ui: str
) -> None:
    """Leftover of a review: `z s` at machine speed saved the order on screen before the undo
    (the s went out before the undo's answer, and the kernel stored the undone ranking again);
    moves typed after the z moved the tiles of the undone order, and its late answer took the view
    back from the query n had gone to. Typed slowly and at machine speed, the same keys must leave
    the same screen, the same ranker.labels and the same rankings in the SQLite file. Last, an
    older save's answer must not put its order over a newer save still on its way."""
    open_and_run(page, jupyter_server, f"rank_zs_{ui}/rank.ipynb", TWO_CELLS, ui)
    folder = jupyter_server.root_dir / f"rank_zs_{ui}"
    page.wait_for_function(
        "(sel) => [...document.querySelectorAll(sel)].filter("
        "(r) => r.querySelectorAll('.xmw-tile').length).length === 2",
        arg=GRID_ROOT,
        timeout=120_000,
    )
    for k, (name, keys) in enumerate(Z_BURSTS):
        _go(page, SLOW, k)
        slow = _type_slowly(page, keys)
        _go(page, FAST, k)
        fast = _type_at_machine_speed(page, keys, folder / f"gate-{k}")
        assert fast == slow, f"{name}: the screen differs from the same keys typed slowly"
        assert _stored_flags(folder / "fast.sqlite") == _stored_flags(folder / "slow.sqlite"), (
            f"{name}: the SQLite file holds other rankings than the same keys typed slowly"
        )

    # s End s, the first save's answer in while the second one waits (a busy kernel), then s: the
    # answer showed the first order again and the last s saved it over the second
    k = len(Z_BURSTS)
    keys = ["s", "End", "s"]
    _go(page, SLOW, k)
    slow = _type_slowly(page, [*keys, "s"])
    _go(page, FAST, k)
    first, second = folder / "gate-first", folder / "gate-second"
    hold_kernel(page, first)
    for key in keys:
        page.keyboard.press(key)
    hold_kernel(page, second, wait=False)  # after the first save: the second waits behind it
    first.touch()
    page.wait_for_function(
        "([sel, n]) => document.querySelectorAll(sel)[n].dataset.unsaved === '1'",
        arg=[GRID_ROOT, FAST],
    )
    page.keyboard.press("s")
    second.touch()
    fast = _settle(page, FAST)
    assert fast == slow, "a save's answer put its order over a later save on its way"
    assert _stored_flags(folder / "fast.sqlite") == _stored_flags(folder / "slow.sqlite")

    # a tile dropped while the undo is on its way moves that tile in the order the undo brings
    # back (a drop made meanwhile used to go onto the order before it: the undo was lost under it)
    k += 1
    _go(page, SLOW, k)
    slow_tiles = page.locator(GRID_ROOT).nth(SLOW).locator(".xmw-tile")
    for key in ["End", "s", "z"]:
        page.keyboard.press(key)
        _settle(page, SLOW)
    grabbed = _ranker(page, SLOW)["tiles"][1][0]  # the undo put End's candidate back first
    _drag_over(page, slow_tiles, 1, 2, 0.75, steps=8)  # to the third place
    page.mouse.up()
    slow = _type_slowly(page, ["s"])
    assert [t[0] for t in slow["tiles"]].index(grabbed) == 2, slow
    _go(page, FAST, k)
    gate = folder / "gate-drop"
    hold_kernel(page, gate)
    for key in ["End", "s", "z"]:
        page.keyboard.press(key)
    # the undo is not in: the tile grabbed is first on screen; dropped onto the third place
    assert _ranker(page, FAST)["tiles"][0][0] == grabbed
    _drag_over(page, page.locator(GRID_ROOT).nth(FAST).locator(".xmw-tile"), 0, 2, 0.75, steps=8)
    page.mouse.up()
    page.keyboard.press("s")
    gate.touch()
    fast = _settle(page, FAST)
    assert fast == slow, "a tile dropped during an undo did not move in the order it brought back"
    assert _stored_flags(folder / "fast.sqlite") == _stored_flags(folder / "slow.sqlite")

    # keys and a drop made during an undo apply in the order they were made: z s, then a drop,
    # saves the order the undo brought back and leaves the drop on screen, unsaved
    k += 1
    _go(page, SLOW, k)
    for key in ["End", "s", "z", "s"]:
        page.keyboard.press(key)
        _settle(page, SLOW)
    _drag_over(page, slow_tiles, 1, 2, 0.75, steps=8)
    page.mouse.up()
    slow = _settle(page, SLOW)
    assert slow["status"].startswith("changed, not saved"), slow
    _go(page, FAST, k)
    gate = folder / "gate-drop-order"
    hold_kernel(page, gate)
    for key in ["End", "s", "z", "s"]:
        page.keyboard.press(key)
    _drag_over(page, page.locator(GRID_ROOT).nth(FAST).locator(".xmw-tile"), 0, 2, 0.75, steps=8)
    page.mouse.up()
    gate.touch()
    fast = _settle(page, FAST)
    assert fast == slow, "keys and a drop typed during an undo applied in another order"
    assert _stored_flags(folder / "fast.sqlite") == _stored_flags(folder / "slow.sqlite")

    labels = output_json(page, "import pandas as pd\n" + _TWO_LABELS)
    assert labels["fast"] == labels["slow"], "fast.labels differs from slow.labels"
    assert len({row[0] for row in labels["slow"]}) >= len(Z_BURSTS) - 1
