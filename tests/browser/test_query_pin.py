"""In a small window the query stays in sight: once the header has scrolled away, a bar at the top
of the notebook's view repeats the query and where the annotator is.

At 800x600 (a small laptop window), in JupyterLab 4 and Notebook 7, light and dark: a grid of 12
image candidates in two columns. Grading down the tiles with the keyboard scrolls the query out of
view; the bar then shows at the top of the notebook's visible area (not inside the scrolled-away
part of the widget), with the query's text and "candidate k of 12", covers no pixel of the focused
tile, and moves with the notebook's scrolling; `n` (the next query, scrolled into view) takes it
away. Screenshots go to ``tests/artifacts/views/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ._grid import GRID_ROOT, ROOT_AND_SCROLLER, wait_grid, wait_tiles
from ._jupyter import JupyterServer
from ._pages import open_and_run

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(600),
    pytest.mark.usefixtures("built_bundle"),
]

CELLS = [
    """\
import pandas as pd
import xmwidgets as xm
demo = xm.datasets.demo()
images = demo.items[demo.items.modality == "image"].item_id.tolist()[:24]
queries = pd.DataFrame({"query_id": ["qa", "qb"],
                        "text": ["a red circle beside a blue square", "three green triangles"]})
candidates = pd.DataFrame({"query_id": ["qa"] * 12 + ["qb"] * 12, "item_id": images})""",
    """\
grid = xm.RelevanceGrid(queries, demo.items, candidates, store="pin.sqlite", annotator="ana",
                        shuffle=False)
grid""",
]

# JS: the bar, the notebook's view and the focused tile, as a person sees them
_PIN = (
    "(sel) => {"
    + ROOT_AND_SCROLLER
    + """
  const bar = root.querySelector(".xmw-pin-bar");
  const view = scroller.getBoundingClientRect();
  const box = bar.getBoundingClientRect();
  const query = root.querySelector(".xmw-query").getBoundingClientRect();
  const focused = root.querySelector(".xmw-tile.xmw-focused").getBoundingClientRect();
  return {
    shown: getComputedStyle(bar).display !== "none" && box.height > 0,
    text: bar.textContent,
    bar_top: Math.round(box.top), bar_bottom: Math.round(box.bottom),
    view_top: Math.round(view.top),
    query_bottom: Math.round(query.bottom),
    focused_top: Math.round(focused.top),
    scroll_top: scroller.scrollTop,
  };
}"""
)


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("ui", ["lab", "notebook"])
def test_the_query_stays_in_sight_once_the_header_scrolls_away(
    page: Any, jupyter_server: JupyterServer, artifacts_dir: Path, ui: str, theme: str
) -> None:
    out = artifacts_dir / "views"
    out.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 800, "height": 600})
    open_and_run(
        page, jupyter_server, f"pin_{ui}_{theme}/pin.ipynb", CELLS, ui, dark=theme == "dark"
    )
    wait_grid(page, query_index=0)
    root = page.locator(GRID_ROOT).last
    root.evaluate("(el) => el.scrollIntoView({block: 'start'})")
    root.locator(".xmw-progress").click()  # the keys go to the widget
    page.wait_for_timeout(300)
    start = page.evaluate(_PIN, GRID_ROOT)
    assert not start["shown"], f"{ui} {theme}: the bar shows while the query is in view: {start}"

    # grading down the tiles scrolls the query away: by the 9th candidate (row 5) it is out of view
    for k in range(8):
        page.keyboard.press(str(k % 4))
    wait_tiles(page, "(s) => s.unsaved === 0")
    page.wait_for_timeout(300)  # the intersection observer reports after a frame
    pinned = page.evaluate(_PIN, GRID_ROOT)
    root.screenshot(path=str(out / f"pin_{ui}_{theme}_800x600.png"))
    page.screenshot(path=str(out / f"pin_{ui}_{theme}_800x600_page.png"))
    assert pinned["query_bottom"] < pinned["view_top"], f"the query is still in view: {pinned}"
    assert pinned["shown"], f"{ui} {theme}: the query scrolled away and no bar shows it: {pinned}"
    assert "a red circle beside a blue square" in pinned["text"], pinned
    assert "candidate 9 of 12" in pinned["text"], pinned
    # at the top of the notebook's view, not in the part of the widget scrolled away
    assert abs(pinned["bar_top"] - pinned["view_top"]) <= 1, pinned
    # the focused tile is not under it
    assert pinned["focused_top"] >= pinned["bar_bottom"], pinned

    # the bar follows the notebook's scrolling (the mouse wheel, here a scroll of 120 px)
    page.mouse.move(400, 400)
    page.mouse.wheel(0, 120)
    page.wait_for_function(
        f"([sel, before]) => {{ const s = ({_PIN})(sel); return s.scroll_top !== before;}}",
        arg=[GRID_ROOT, pinned["scroll_top"]],
    )
    page.wait_for_timeout(100)
    scrolled = page.evaluate(_PIN, GRID_ROOT)
    assert scrolled["shown"] and abs(scrolled["bar_top"] - scrolled["view_top"]) <= 1, scrolled

    # n: the next query comes with its header in view, and the bar goes
    page.keyboard.press("n")
    wait_grid(page, query_index=1)
    page.wait_for_timeout(300)
    after = page.evaluate(_PIN, GRID_ROOT)
    assert not after["shown"], f"{ui} {theme}: the bar stays over the next query's header: {after}"
