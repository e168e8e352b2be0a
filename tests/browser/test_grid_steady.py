"""Marks that come and go move no tile: "none relevant" (x) and flags on a tile, at 1280x800.

In JupyterLab 4 and Notebook 7, light and dark: the demo's q01 in a RelevanceGrid. ``x`` marks the
query none relevant and ``x`` again takes it back; ``D`` flags the focused candidate dissonant,
``e`` gives it a note. Before and after each, one ``page.evaluate`` reads every tile's top and
height: nothing below the header may move, and a flagged tile keeps the height of its row.
Screenshots of each state go to ``tests/artifacts/views/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ._grid import GRID_ROOT, grid_snapshot, wait_grid, wait_tiles
from ._jupyter import JupyterServer
from ._pages import open_and_run

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(600),
    pytest.mark.usefixtures("built_bundle"),
]

WINDOW = {"width": 1280, "height": 800}
CELLS = [
    """\
import xmwidgets as xm
demo = xm.datasets.demo()
q01 = demo.candidates[demo.candidates.query_id == "q01"]""",
    """\
grid = xm.RelevanceGrid(demo.queries, demo.items, q01, store="steady.sqlite", annotator="ana",
                        shuffle=False)
grid""",
]

# JS: where the last grid's tiles are (top and height of each), and what its header says
_TILES = """(sel) => {
  const root = [...document.querySelectorAll(sel)].pop();
  const tiles = [...root.querySelectorAll(".xmw-tile")].map((t) => t.getBoundingClientRect());
  const none = root.querySelector(".xmw-none-relevant");
  return {
    tops: tiles.map((r) => Math.round(r.top)),
    heights: tiles.map((r) => Math.round(r.height)),
    header_bottom: Math.round(root.querySelector(".xmw-header").getBoundingClientRect().bottom),
    none_shown: !!none && !none.hidden && none.getClientRects().length > 0,
    none_text: none ? none.textContent : "",
  };
}"""


def _tiles(page: Any) -> dict[str, Any]:
    return page.evaluate(_TILES, GRID_ROOT)


def _rows(tiles: dict[str, Any]) -> dict[int, list[int]]:
    """Tile heights by row (their top)."""
    rows: dict[int, list[int]] = {}
    for top, height in zip(tiles["tops"], tiles["heights"], strict=True):
        rows.setdefault(top, []).append(height)
    return rows


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("ui", ["lab", "notebook"])
def test_none_relevant_and_flags_move_no_tile(
    page: Any, jupyter_server: JupyterServer, artifacts_dir: Path, ui: str, theme: str
) -> None:
    out = artifacts_dir / "views"
    out.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(WINDOW)
    name = f"steady_{ui}_{theme}/steady.ipynb"
    open_and_run(page, jupyter_server, name, CELLS, ui, dark=theme == "dark")
    wait_grid(page, query_index=0)
    root = page.locator(GRID_ROOT).last
    root.evaluate("(el) => el.scrollIntoView({block: 'start'})")
    root.locator(".xmw-progress").click()  # the keys go to the widget
    page.wait_for_timeout(500)  # images decoded and laid out
    before = _tiles(page)
    assert len(before["tops"]) >= 4 and not before["none_shown"]
    shot = f"{ui}_{theme}_1280_steady"

    # x: none relevant shows, and no tile moves; x again: it goes, and no tile moves
    page.keyboard.press("x")
    wait_tiles(page, "(s) => s.none_relevant_visible && s.unsaved === 0")
    marked = _tiles(page)
    assert "none relevant" in marked["none_text"].lower()
    assert marked["tops"] == before["tops"], f"{ui} {theme}: 'none relevant' moved the tiles"
    assert marked["header_bottom"] == before["header_bottom"], "the header grew"
    root.screenshot(path=str(out / f"{shot}_none.png"))
    page.keyboard.press("x")
    wait_tiles(page, "(s) => !s.none_relevant_visible && s.unsaved === 0")
    assert _tiles(page)["tops"] == before["tops"], f"{ui} {theme}: its going moved the tiles"

    # D flags the focused (first) candidate dissonant; e + text + Enter gives it a note
    page.keyboard.press("D")
    wait_tiles(page, "(s) => s.tiles[0].flags === 'dissonant' && s.unsaved === 0")
    flagged = _tiles(page)
    assert flagged["tops"] == before["tops"], f"{ui} {theme}: a flag moved the tiles"
    assert flagged["heights"] == before["heights"], (
        f"{ui} {theme}: a flag changed a tile's height: {_rows(before)} -> {_rows(flagged)}"
    )
    page.keyboard.press("e")
    page.keyboard.type("the caption says night, the photo is by day")
    page.keyboard.press("Enter")
    wait_tiles(page, "(s) => s.unsaved === 0")
    noted = _tiles(page)
    assert noted["heights"] == before["heights"], (
        f"{ui} {theme}: a note changed a tile's height: {_rows(before)} -> {_rows(noted)}"
    )
    snapshot = grid_snapshot(page)
    assert snapshot is not None and snapshot["tiles"][0]["flags"] == "dissonant"
    root.screenshot(path=str(out / f"{shot}_flag.png"))
