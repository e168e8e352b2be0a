"""RelevanceGrid in a real browser: keyboard-only judging, durability, resume, themes.

In JupyterLab 4 and Notebook 7, on the quickstart notebook: judge with keys only (levels, best,
undo, none relevant, next/previous query, help), check that the kernel's ``grid.labels`` and the
SQLite event log hold exactly those judgements, SIGKILL the kernel, re-run, and check that every
judgement comes back and the grid opens at the first unfinished query. Screenshots of the grid in
the light and the dark theme go to ``tests/artifacts/``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from ._grid import (
    GRID_ROOT,
    focused_index,
    focused_tile,
    grid_snapshot,
    kernel_view,
    mark_grids_stale,
    store_view,
    wait_all_saved,
    wait_grid,
    wait_saved,
    wait_tiles,
)
from ._jupyter import REPO_ROOT, JupyterServer
from ._pages import (
    kill_kernel,
    open_notebook,
    run_all_cells,
    screenshot,
    set_theme,
    write_notebook,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

QUICKSTART = REPO_ROOT / "notebooks" / "01_quickstart.ipynb"
STORE = "demo-labels.sqlite"
DOCS_PNG = REPO_ROOT / "docs" / "grid.png"
DOCS_PNG_MAX_BYTES = 300_000

# The shape of the quickstart, for when it is missing: the test needs a `grid` in the kernel.
FALLBACK_CELLS = [
    "import xmwidgets as xm\ndemo = xm.datasets.demo()",
    f'grid = xm.RelevanceGrid(demo.queries, demo.items, demo.candidates,\n    store="{STORE}", '
    'annotator="ana")\ngrid',
    "grid.labels.tail()",
]


def _copy_notebook(server: JupyterServer, ui: str) -> str:
    """Put the quickstart (or a notebook of its shape) in its own folder of the server root."""
    folder = server.root_dir / f"grid_{ui}"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    name = f"grid_{ui}/quickstart.ipynb"
    if QUICKSTART.exists():
        shutil.copy(QUICKSTART, server.root_dir / name)
    else:
        write_notebook(server.root_dir, name, FALLBACK_CELLS)
    return name


def _press(page: Any, key: str) -> None:
    page.keyboard.press(key)


def _move_to(page: Any, target: int) -> None:
    """Walk the focus to tile ``target`` with ←/→ only."""
    here = focused_index(page)
    key = "ArrowRight" if target > here else "ArrowLeft"
    for _ in range(abs(target - here)):
        _press(page, key)
    assert focused_index(page) == target


def _save_docs_png(source: Path) -> None:
    """Copy the light Lab screenshot to docs/grid.png, shrunk under the size budget.

    Only when docs/grid.png is missing or XMW_UPDATE_SCREENSHOT=1: a test run must not dirty a
    committed file.
    """
    if DOCS_PNG.exists() and os.environ.get("XMW_UPDATE_SCREENSHOT") != "1":
        return
    from PIL import Image

    DOCS_PNG.parent.mkdir(parents=True, exist_ok=True)
    image = Image.open(source).convert("RGB")
    image.save(DOCS_PNG, optimize=True)
    if DOCS_PNG.stat().st_size <= DOCS_PNG_MAX_BYTES:
        return
    for scale in (1.0, 0.85, 0.7, 0.55, 0.4):
        size = (round(image.width * scale), round(image.height * scale))
        resized = image if scale == 1.0 else image.resize(size, Image.Resampling.LANCZOS)
        resized.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(DOCS_PNG, optimize=True)
        if DOCS_PNG.stat().st_size <= DOCS_PNG_MAX_BYTES:
            return


def _focus_cue(page: Any) -> dict[str, str]:
    """The focused tile's outline style and the hint's cue (its ::before content) on screen."""
    return page.evaluate(
        """(sel) => {
          const root = [...document.querySelectorAll(sel)].pop();
          const tile = root.querySelector(".xmw-tile.xmw-focused");
          return {
            outline: tile ? getComputedStyle(tile).outlineStyle : "no focused tile",
            hint: getComputedStyle(root.querySelector(".xmw-hint"), "::before").content,
          };
        }""",
        GRID_ROOT,
    )


@pytest.mark.usefixtures("built_bundle")  # tests/conftest.py: fails clearly without widgets.js
@pytest.mark.parametrize("ui", ["lab", "notebook"])
def test_keyboard_judging_is_durable_and_resumes(
    page: Any, jupyter_server: JupyterServer, artifacts_dir: Path, ui: str
) -> None:
    name = _copy_notebook(jupyter_server, ui)
    store_path = jupyter_server.root_dir / f"grid_{ui}" / STORE
    open_notebook(page, jupyter_server, name, ui)
    if ui == "lab":
        # the file browser takes a quarter of the width; labelling wants the room
        page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
    run_all_cells(page, timeout_ms=180_000)
    wait_grid(page, query_index=0)
    root = page.locator(GRID_ROOT).last
    root.scroll_into_view_if_needed()

    # before it has the focus, the grid says how to start, and marks (dashed) where it would act:
    # a solid ring read as "type now", and the first keys went to the notebook
    unfocused = _focus_cue(page)
    assert unfocused["outline"] == "dashed", unfocused
    assert unfocused["hint"].startswith('"click a candidate (or Tab to the grid)'), unfocused
    screenshot(root, artifacts_dir / f"grid_{ui}_before_focus.png")
    # focus by clicking the grid (its status line: no control, no media there)
    root.locator(".xmw-progress").click()
    snapshot = grid_snapshot(page)
    assert snapshot["has_focus"], "clicking the grid did not give it the keyboard focus"
    focused = _focus_cue(page)
    assert focused["outline"] == "solid" and focused["hint"] == "none", focused
    assert snapshot["n_grids"] == 1
    assert snapshot["n_error_tiles"] == 0, f"the demo shows error tiles: {snapshot}"
    tiles, q0 = snapshot["tiles"], snapshot["query_id"]
    ids = [t["item_id"] for t in tiles]
    n = len(ids)
    assert n >= 5, f"query {q0} has only {n} candidates; the test needs 5"
    assert all(t["relevance"] == "" and t["state"] == "unjudged" for t in tiles), tiles
    # the rest of the DOM contract: a slider and a best button per tile, a key hint
    assert root.locator(".xmw-tile [role=slider]").count() == n
    assert root.locator(".xmw-tile .xmw-best").count() == n
    assert "?" in (root.locator(".xmw-hint").text_content() or "")
    assert focused_tile(page)["item_id"] == ids[0]
    expected: dict[str, str] = {}

    # grades: the view changes at once, focus advances to the next unjudged candidate
    for key, position in (("3", 0), ("0", 1), ("2", 2)):
        assert focused_index(page) == position
        _press(page, key)
        expected[ids[position]] = key
        assert grid_snapshot(page)["tiles"][position]["relevance"] == key
    assert focused_index(page) == 3
    wait_saved(page, expected)

    # undo takes back the last grade and puts the focus on it
    _press(page, "z")
    expected[ids[2]] = ""
    wait_saved(page, expected)
    assert focused_index(page) == 2

    # best match on the focused, ungraded candidate: the kernel refuses it (R3) and says why
    _press(page, "b")
    wait_tiles(page, "(s) => s.notice.includes('grade it relevant first')", None)
    assert not any(t["best"] for t in grid_snapshot(page)["tiles"])
    # grade it, then b: the b target stays on the tile just graded although the focus moved on
    _press(page, "3")
    expected[ids[2]] = "3"
    snapshot = grid_snapshot(page)
    assert [t["best_target"] for t in snapshot["tiles"]].index(True) == 2
    assert focused_index(page) == 3
    _press(page, "b")
    wait_tiles(
        page,
        "(s, id) => s.tiles.some((t) => t.item_id === id && t.best && t.state === 'saved')",
        ids[2],
    )
    assert [t["item_id"] for t in grid_snapshot(page)["tiles"] if t["best"]] == [ids[2]]

    # screenshots: light and dark
    light = screenshot(root, artifacts_dir / f"grid_{ui}_light.png")
    set_theme(page, dark=True)
    screenshot(root, artifacts_dir / f"grid_{ui}_dark.png")
    set_theme(page, dark=False)
    if ui == "lab":
        _save_docs_png(light)
    root.locator(".xmw-progress").click()
    assert grid_snapshot(page)["has_focus"]

    # movement: l/h and →/← by one, ↓/↑ and j/k by a row and back
    _move_to(page, 2)
    for forward, back in (("l", "h"), ("ArrowRight", "ArrowLeft")):
        _press(page, forward)
        assert focused_index(page) == 3
        _press(page, back)
        assert focused_index(page) == 2
    for down, up in (("ArrowDown", "ArrowUp"), ("j", "k")):
        _press(page, down)
        below = focused_index(page)
        assert below > 2 or n <= 3, "↓ did not move the focus down a row"
        _press(page, up)
        assert focused_index(page) == 2

    # help opens and closes on ?, and on Escape
    for close in ("?", "Escape"):
        _press(page, "?")
        assert grid_snapshot(page)["help_visible"]
        _press(page, close)
        assert not grid_snapshot(page)["help_visible"]

    # judge the rest of the query with "1"
    for _ in range(4 * n):
        tiles = grid_snapshot(page)["tiles"]
        unjudged = [i for i, t in enumerate(tiles) if t["relevance"] == ""]
        if not unjudged:
            break
        here = focused_index(page)
        if tiles[here]["relevance"] != "":
            _move_to(page, unjudged[0])
            here = unjudged[0]
        _press(page, "1")
        expected[ids[here]] = "1"
    assert all(value != "" for value in expected.values()) and len(expected) == n
    wait_saved(page, expected)

    # next query: none relevant; previous and back; then a grade on the third query
    _press(page, "n")
    wait_grid(page, query_index=1)
    q1 = grid_snapshot(page)["query_id"]
    q1_ids = [t["item_id"] for t in grid_snapshot(page)["tiles"]]
    _press(page, "x")
    wait_tiles(page, "(s) => s.none_relevant_visible", None)
    # R4: the ungraded candidates are graded "not relevant" in the same transaction
    wait_saved(page, dict.fromkeys(q1_ids, "0"))
    _press(page, "p")
    wait_grid(page, query_index=0)
    wait_saved(page, expected)
    _press(page, "Enter")
    wait_grid(page, query_index=1)
    assert grid_snapshot(page)["none_relevant_visible"]
    _press(page, "n")
    wait_grid(page, query_index=2)
    snapshot = grid_snapshot(page)
    q2 = snapshot["query_id"]
    third = next(t for t in snapshot["tiles"] if t["focused"])["item_id"]
    _press(page, "2")
    wait_saved(page, {third: "2"})

    wait_all_saved(page)
    want_grades = (
        {(q0, item): int(v) for item, v in expected.items()}
        | dict.fromkeys(((q1, item) for item in q1_ids), 0)
        | {(q2, third): 2}
    )
    want_best = {(q0, ids[2])}

    # the kernel: grid.labels holds exactly these judgements
    kernel = kernel_view(page)
    assert kernel["query_ids"] == [q0, q1, q2]
    assert kernel["grades"] == want_grades
    assert kernel["best"] == want_best
    assert kernel["none_relevant"] == [q1]
    assert kernel["annotators"] == {"ana"}
    assert kernel["progress"]["queries_done"] == 2
    assert kernel["progress"]["judged"] == n + len(q1_ids) + 1
    assert kernel["query_index"] == 2

    # the store, read from this process: the events re-derive to the same judgements
    stored = store_view(store_path)
    assert stored["grades"] == want_grades
    assert stored["best"] == want_best
    assert stored["none_relevant"] == {q1}
    assert stored["annotators"] == {"ana"}
    assert stored["n_retractions"] == 1
    assert [(r[1], r[2], r[3], r[5]) for r in stored["retracted"]] == [("grade", q0, ids[2], 2)]

    # kill the kernel hard, re-run: everything comes back, the grid opens at query 2
    mark_grids_stale(page)
    kill_kernel(page)
    run_all_cells(page, timeout_ms=180_000)
    wait_grid(page, query_index=2)
    snapshot = grid_snapshot(page)
    assert snapshot["query_id"] == q2 and snapshot["n_grids"] == 1
    wait_saved(page, {third: "2"})
    root = page.locator(GRID_ROOT).last
    root.scroll_into_view_if_needed()
    root.locator(".xmw-progress").click()
    _press(page, "p")
    wait_grid(page, query_index=1)
    assert grid_snapshot(page)["none_relevant_visible"]
    _press(page, "p")
    wait_grid(page, query_index=0)
    wait_saved(page, expected)
    assert [t["item_id"] for t in grid_snapshot(page)["tiles"] if t["best"]] == [ids[2]]

    kernel = kernel_view(page)
    assert kernel["grades"] == want_grades
    assert kernel["best"] == want_best
    assert kernel["none_relevant"] == [q1]
    assert kernel["progress"]["queries_done"] == 2
