"""Flags, notes and the rubric panel of RelevanceGrid, by keyboard only, in JupyterLab 4 and NB 7.

On the demo data under ``xm.MATCHING_RUBRIC``: ``U`` flags the focused candidate near-duplicate,
``A`` flags the query ambiguous, ``e`` writes a note on a candidate (the keys typed in the box —
a grade key, ``n``, ``x``, ``z``, Space — must not act on the grid nor on JupyterLab), ``E`` a note
on the query with the query's flags as toggles, ``r`` opens the rubric panel: beside the tiles at
1280×800, above them in a small window, and still open on the next query. The test asserts what
the kernel holds (``grid.labels`` flags and note, ``grid.query_flags``) and what the SQLite file
holds, and saves screenshots in the light and the dark theme.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from ._grid import (
    GRID_ROOT,
    focused_index,
    grid_snapshot,
    tiles_top,
    wait_all_saved,
    wait_grid,
    wait_tiles,
)
from ._jupyter import JupyterServer
from ._pages import open_notebook, output_json, run_all_cells, screenshot, set_theme, write_notebook

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(600),
    pytest.mark.usefixtures("built_bundle"),
]

STORE = "flags.sqlite"
CELLS = [
    "import xmwidgets as xm\ndemo = xm.datasets.demo()",
    f'grid = xm.RelevanceGrid(demo.queries, demo.items, demo.candidates, store="{STORE}", '
    'annotator="ana", scale=xm.MATCHING_RUBRIC)\ngrid',
]
# typed into the note box: a grade key, next, none relevant, undo, best, a flag key and Space
NOTE = "bus 3 n x z b U is blue"
QUERY_NOTE = "red of what?"
LAPTOP = {"width": 1280, "height": 800}
SMALL = {"width": 760, "height": 700}

# JS: boxes of the rubric panel and of the tiles area of the last grid.
_BOXES = """(selector) => {
  const root = [...document.querySelectorAll(selector)].pop();
  const box = (el) => { const r = el.getBoundingClientRect();
    return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width }; };
  const panel = root.querySelector(".xmw-rubric-panel");
  return { panel: panel.hidden ? null : box(panel), tiles: box(root.querySelector(".xmw-tiles")),
           first_tile: box(root.querySelector(".xmw-tile")),
           examples: panel.querySelectorAll(".xmw-example").length,
           levels: [...panel.querySelectorAll(".xmw-rubric-level-name")].map((e) => e.textContent),
           flags: [...panel.querySelectorAll(".xmw-rubric-flag")].map(
             (e) => [e.querySelector(".xmw-keycap").textContent, e.dataset.flag]) };
}"""


# JS: the number of cells of the notebook on screen.
_CELLS = "() => window.jupyterapp.shell.currentWidget.content.model.cells.length"


def _notebook(server: JupyterServer, ui: str) -> tuple[str, Path]:
    folder = server.root_dir / f"flags_{ui}"
    if folder.exists():
        shutil.rmtree(folder)
    name = f"flags_{ui}/flags.ipynb"
    write_notebook(server.root_dir, name, CELLS)
    return name, folder / STORE


def _focus_grid(page: Any) -> None:
    root = page.locator(GRID_ROOT).last
    root.scroll_into_view_if_needed()
    root.locator(".xmw-progress").click()
    assert grid_snapshot(page)["has_focus"], "clicking the grid did not give it the keyboard focus"


def _stored(path: Path) -> dict[str, Any]:
    """The current flags and notes, re-derived from the SQLite event log (not through xmwidgets)."""
    con = sqlite3.connect(path)
    try:
        rows = con.execute(
            "SELECT event_id, task, query_id, item_id, flags, note, retracts FROM events "
            "ORDER BY event_id"
        ).fetchall()
    finally:
        con.close()
    retracted = {r[6] for r in rows if r[6] is not None}
    current: dict[tuple[str, str | None], tuple[str | None, str | None]] = {}
    for event_id, task, query_id, item_id, flags, note, retracts in rows:
        if task != "grade" or retracts is not None or event_id in retracted:
            continue
        current[(query_id, item_id)] = (flags, note)
    return current


@pytest.mark.parametrize("ui", ["lab", "notebook"])
def test_flags_notes_and_rubric_panel_by_keyboard(
    page: Any, jupyter_server: JupyterServer, artifacts_dir: Path, ui: str
) -> None:
    page.set_viewport_size(LAPTOP)
    name, store = _notebook(jupyter_server, ui)
    open_notebook(page, jupyter_server, name, ui)
    if ui == "lab":
        page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
    run_all_cells(page, timeout_ms=180_000)
    wait_grid(page, query_index=0)
    _focus_grid(page)
    snapshot = grid_snapshot(page)
    q0, ids = snapshot["query_id"], [t["item_id"] for t in snapshot["tiles"]]

    # U: near-duplicate on the focused (first) candidate; A: ambiguous-query on the query
    top = tiles_top(page)
    page.keyboard.press("U")
    page.keyboard.press("A")
    wait_all_saved(page)
    snapshot = grid_snapshot(page)
    assert snapshot["tiles"][0]["flags"] == "near-duplicate"
    assert snapshot["query_flags"] == "ambiguous-query"
    chip = page.locator(GRID_ROOT).last.locator(".xmw-tile").first.locator(".xmw-chip")
    assert chip.inner_text().startswith("near-duplicate")
    # the query's chip line was a line of its own above the tiles: they jumped 21 px down
    assert tiles_top(page) == pytest.approx(top, abs=1)

    # e: a note on the second candidate; the keys typed in it stay in it
    page.keyboard.press("ArrowRight")
    page.keyboard.press("e")
    box = page.locator(GRID_ROOT).last.locator(".xmw-note-box textarea")
    box.wait_for(state="visible")
    cells = page.evaluate(_CELLS)
    page.keyboard.type(NOTE)
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("second line")
    assert box.input_value() == NOTE + "\nsecond line"
    snapshot = grid_snapshot(page)
    assert snapshot["query_index"] == 0, "a key typed in the note box moved to another query"
    assert all(t["relevance"] == "" for t in snapshot["tiles"]), "a key in the note box graded"
    # in command mode x would cut the cell, b add one below, z undo: JupyterLab saw none of them
    assert page.evaluate(_CELLS) == cells, "a key typed in the note box reached JupyterLab"
    tiles = page.locator(GRID_ROOT).last.locator(".xmw-tiles")
    screenshot(tiles, artifacts_dir / f"flags_notes_{ui}_notebox.png")
    page.keyboard.press("Enter")
    wait_all_saved(page)
    wait_tiles(page, "(s) => s.has_focus", None)
    assert focused_index(page) == 1, "the focus did not come back to the tile of the note"
    assert grid_snapshot(page)["tiles"][1]["note"] == NOTE + "\nsecond line"

    # E: a note on the query; dissonant set on the query from its toggles (Tab, Space)
    page.keyboard.press("E")
    query_box = page.locator(GRID_ROOT).last.locator(".xmw-grade-query-extra textarea")
    query_box.wait_for(state="visible")
    # the query's note box opened in the header and pushed the tiles 143 px down; it now hangs
    # over the header's status lines, and over no tile
    assert tiles_top(page) == pytest.approx(top, abs=1)
    screenshot(page.locator(GRID_ROOT).last, artifacts_dir / f"flags_notes_{ui}_query_note.png")
    box_bottom = query_box.evaluate(
        "(el) => el.closest('.xmw-note-box').getBoundingClientRect().bottom"
    )
    first_tile = page.locator(GRID_ROOT).last.locator(".xmw-tile").first
    assert box_bottom <= first_tile.evaluate("(el) => el.getBoundingClientRect().top") + 1
    page.keyboard.type(QUERY_NOTE)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # the second toggle: dissonant
    page.keyboard.press(" ")
    wait_all_saved(page)
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")  # back in the text
    assert query_box.evaluate("(el) => document.activeElement === el")
    page.keyboard.press("Enter")
    wait_all_saved(page)
    wait_tiles(page, "(s) => s.has_focus && s.query_note !== null", None)
    snapshot = grid_snapshot(page)
    assert snapshot["query_note"] == QUERY_NOTE
    assert snapshot["query_flags"] == "ambiguous-query,dissonant"

    # r: the rubric panel, right of the tiles at 1280x800
    before = page.evaluate(_BOXES, GRID_ROOT)
    page.keyboard.press("r")
    wait_tiles(page, "(s) => s.rubric_open", None)
    boxes = page.evaluate(_BOXES, GRID_ROOT)
    assert boxes["levels"] == [
        "exact match",
        "partial relevance",
        "semantic similarity",
        "unrelated",
    ]
    assert boxes["flags"] == [
        ["A", "ambiguous-query"],
        ["D", "dissonant"],
        ["m", "broken-media"],
        ["U", "near-duplicate"],
        ["F", "suspected-false-negative"],
    ]
    assert boxes["examples"] == 4
    assert boxes["panel"]["left"] >= boxes["tiles"]["right"] - 1, (
        f"panel not right of the tiles: {boxes}"
    )
    # the tiles take fewer columns beside it and grow down: the focused one stays in view
    page.wait_for_timeout(200)  # the scroll is the next frame's
    seen = page.evaluate(
        "(sel) => { const r = [...document.querySelectorAll(sel)].pop()"
        ".querySelector('.xmw-tile.xmw-focused').getBoundingClientRect();"
        " return [r.top, r.bottom, window.innerHeight]; }",
        GRID_ROOT,
    )
    assert seen[0] >= 0 and seen[1] <= seen[2], f"the focused tile went out of view: {seen}"
    if ui == "lab":
        # with JupyterLab's file browser open (as Lab opens), still beside the tiles
        collapsed = page.evaluate("() => window.jupyterapp.shell.leftCollapsed")
        page.evaluate("() => window.jupyterapp.shell.expandLeft()")
        page.wait_for_timeout(400)
        side = page.evaluate(_BOXES, GRID_ROOT)
        assert side["panel"]["left"] >= side["tiles"]["right"] - 1, (
            f"panel not right of the tiles with the file browser open: {side}"
        )
        if collapsed:
            page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
            page.wait_for_timeout(400)
    root = page.locator(GRID_ROOT).last
    for dark in (False, True):
        set_theme(page, dark)
        theme = "dark" if dark else "light"
        screenshot(root, artifacts_dir / f"flags_notes_{ui}_{theme}.png")
        # the header on its own: the element shot of the whole grid has the toolbar over it
        screenshot(
            root.locator(".xmw-header"), artifacts_dir / f"flags_notes_{ui}_{theme}_header.png"
        )
    set_theme(page, False)

    # a small laptop window: the panel goes above the tiles
    page.set_viewport_size(SMALL)
    page.wait_for_timeout(300)
    small = page.evaluate(_BOXES, GRID_ROOT)
    assert small["panel"]["bottom"] <= small["tiles"]["top"] + 1, (
        f"panel not above the tiles: {small}"
    )
    screenshot(root, artifacts_dir / f"flags_notes_{ui}_small.png")
    page.set_viewport_size(LAPTOP)
    page.wait_for_timeout(300)

    # the panel stays open on the next query, and closed it gives the tiles their room back
    _focus_grid(page)
    page.keyboard.press("n")
    wait_grid(page, query_index=1)
    assert grid_snapshot(page)["rubric_open"], "the rubric panel closed on the next query"
    assert grid_snapshot(page)["query_flags"] == ""
    page.keyboard.press("r")
    wait_tiles(page, "(s) => !s.rubric_open", None)
    page.keyboard.press("p")
    wait_grid(page, query_index=0)
    after = page.evaluate(_BOXES, GRID_ROOT)
    assert after["tiles"]["width"] == pytest.approx(before["tiles"]["width"], abs=1)
    assert after["first_tile"]["width"] == pytest.approx(before["first_tile"]["width"], abs=1)
    assert grid_snapshot(page)["query_flags"] == "ambiguous-query,dissonant"

    # the kernel: grid.labels has the flag and the note, grid.query_flags the query's own
    kernel = output_json(
        page,
        "import json\nl = grid.labels.astype(object).where(grid.labels.notna(), None)\n"
        "o = grid.query_flags.astype(object).where(grid.query_flags.notna(), None)\n"
        "print(json.dumps({'labels': l[['query_id', 'item_id', 'flags', 'note']].values.tolist(),"
        " 'own': o[['query_id', 'flags', 'note']].values.tolist()}))",
    )
    assert sorted(kernel["labels"]) == sorted(
        [[q0, ids[0], "near-duplicate", None], [q0, ids[1], None, NOTE + "\nsecond line"]]
    ), json.dumps(kernel)
    assert kernel["own"] == [[q0, "ambiguous-query,dissonant", QUERY_NOTE]]

    # the SQLite file, read without xmwidgets
    stored = _stored(store)
    assert stored[(q0, ids[0])] == ("near-duplicate", None)
    assert stored[(q0, ids[1])] == (None, NOTE + "\nsecond line")
    assert stored[(q0, None)] == ("ambiguous-query,dissonant", QUERY_NOTE)
