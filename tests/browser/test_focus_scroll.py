"""The focused tile is scrolled into view from the layout itself, not from an observer's last report.

The grid used to skip the scroll for a tile an IntersectionObserver had last reported in view. Those
reports come a frame late, and later on a busy machine: at machine speed in CI, End (the last tile,
the notebook scrolled down) then Home left the first tile focused but out of view, because the
report that it had left the view had not come yet. Here the observer is made to report every tile
in view once and never again (the stale report, at its worst); End and Home must still bring their
tile into view, in JupyterLab 4 and Notebook 7.
"""

from __future__ import annotations

from typing import Any

import pytest

from ._grid import GRID_ROOT, wait_grid, wait_tiles
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
queries = pd.DataFrame({"query_id": ["qa"], "text": ["a red circle beside a blue square"]})
candidates = pd.DataFrame({"query_id": ["qa"] * 24, "item_id": images})""",
    """\
grid = xm.RelevanceGrid(queries, demo.items, candidates, store="scroll.sqlite", annotator="ana",
                        shuffle=False)
grid""",
]

# every observed element is reported fully in view once, when observed, and never again
_STALE_OBSERVER = """
window.IntersectionObserver = class {
  constructor(callback) { this.callback = callback; }
  observe(target) {
    const box = { top: 0, bottom: 1, left: 0, right: 1, width: 1, height: 1 };
    setTimeout(() => this.callback([{ target, isIntersecting: true, intersectionRatio: 1,
      boundingClientRect: box, intersectionRect: box, rootBounds: null, time: 0 }], this), 0);
  }
  unobserve() {}
  disconnect() {}
  takeRecords() { return []; }
};
"""

# JS: tile i of the last grid is focused and wholly inside the window
_FOCUSED_IN_VIEW = """(s, i) => {
  const root = [...document.querySelectorAll(".xmw-grid, .xmw-grid-root")].pop();
  const tile = [...root.querySelectorAll(".xmw-tile")].at(i);
  const box = tile.getBoundingClientRect();
  return tile.classList.contains("xmw-focused") && document.activeElement === tile
    && box.top >= 0 && box.bottom <= window.innerHeight;
}"""


@pytest.mark.parametrize("ui", ["lab", "notebook"])
def test_end_then_home_bring_their_tile_into_view_whatever_an_observer_last_said(
    page: Any, jupyter_server: JupyterServer, ui: str
) -> None:
    page.add_init_script(_STALE_OBSERVER)
    page.set_viewport_size({"width": 1280, "height": 800})
    open_and_run(page, jupyter_server, f"scroll_{ui}/scroll.ipynb", CELLS, ui)
    wait_grid(page, query_index=0)
    root = page.locator(GRID_ROOT).last
    root.evaluate("(el) => el.scrollIntoView({block: 'start'})")
    root.locator(".xmw-progress").click()  # the keys go to the widget
    for key, at in (("End", -1), ("Home", 0), ("End", -1), ("Home", 0)):
        page.keyboard.press(key)
        wait_tiles(page, _FOCUSED_IN_VIEW, at, timeout_ms=10_000)
