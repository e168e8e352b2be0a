"""Long level names on the grid's level buttons, in JupyterLab 4 at 1280×800 (4 columns of tiles).

A rubric's level names may be long ("partially relevant but from the wrong domain entirely", 40-60
characters) or one long token ("relevant_but_misses_one_detail_of_the_query_such_as_a_colour", as
programs name things, wider than a tile). On every tile the buttons must wrap between words only
(never "partiall|y"), stay inside their tile, keep the tile's height when one is selected, and cut a
name too long for its button to three lines or its width with an ellipsis, the full name in the
button's tooltip. The same for the levels in the header's legend.
Screenshots go to ``tests/artifacts/levels/``.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from ._grid import GRID_ROOT, grid_snapshot, wait_grid, wait_tiles
from ._jupyter import JupyterServer
from ._pages import open_notebook, run_all_cells, screenshot, write_notebook

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(600),
    pytest.mark.usefixtures("built_bundle"),
]

LONG_NAMES = [
    "not relevant to the query in any way at all",
    "partially relevant but from the wrong domain entirely",
    "relevant_but_misses_one_detail_of_the_query_such_as_a_colour",
    "highly relevant: matches every object, attribute and relation of the query exactly",
]
CELLS = [
    "import xmwidgets as xm\ndemo = xm.datasets.demo()\n"
    f"NAMES = {LONG_NAMES!r}\n"
    "scale = xm.Scale([xm.Level(i, name, definition=f'definition of level {i}') "
    "for i, name in enumerate(NAMES)], name='long names')",
    'grid = xm.RelevanceGrid(demo.queries, demo.items, demo.candidates, store="levels.sqlite", '
    'annotator="ana", scale=scale)\ngrid',
]
WINDOW = {"width": 1280, "height": 800}

# JS, (root selector) => how the level buttons of the last grid are laid out
_BUTTONS = r"""(sel) => {
  const root = [...document.querySelectorAll(sel)].pop();
  const tiles = [...root.querySelectorAll(".xmw-tile")];
  const tops = tiles.map((t) => t.offsetTop);
  const columns = tops.filter((top) => top === tops[0]).length;
  const problems = [];
  const words = (el, where) => {
    // a word drawn on two lines has two client rects
    const text = el.firstChild && el.firstChild.nodeType === 3 ? el.firstChild : null;
    if (!text) return;
    const range = document.createRange();
    for (const match of text.data.matchAll(/\S+/g)) {
      range.setStart(text, match.index);
      range.setEnd(text, match.index + match[0].length);
      const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
      if (lines.size > 1) problems.push(`${where}: word ${match[0]} broken over ${lines.size} lines`);
    }
  };
  const lineCount = (el) => {
    const lh = parseFloat(getComputedStyle(el).lineHeight);
    return Math.round(el.clientHeight / lh);
  };
  const buttons = [];
  tiles.forEach((tile, i) => {
    const box = tile.getBoundingClientRect();
    for (const tick of tile.querySelectorAll(".xmw-tick")) {
      const where = `tile ${i + 1} level ${tick.dataset.value}`;
      const name = tick.querySelector(".xmw-tick-name") || tick;
      const r = tick.getBoundingClientRect();
      if (r.left < box.left - 0.5 || r.right > box.right + 0.5) problems.push(`${where}: outside its tile`);
      if (tick.scrollWidth > tick.clientWidth + 1) problems.push(`${where}: text wider than the button`);
      if (tick.scrollHeight > tick.clientHeight + 1) problems.push(`${where}: text taller than the button`);
      // cut to its lines or its width: an ellipsis stands in for the rest (also for the end of
      // the last word shown)
      const cut = name.scrollHeight > name.clientHeight + 1 || name.scrollWidth > name.clientWidth + 1;
      if (cut && !tick.title.includes(name.textContent)) problems.push(`${where}: cut, the full name not in its title`);
      words(name, where);
      if (i === 0) buttons.push({value: tick.dataset.value, lines: lineCount(name), cut, title: tick.title});
    }
  });
  const legend = root.querySelector(".xmw-legend");
  for (const el of legend ? legend.querySelectorAll("dt, dd") : []) {
    if (el.scrollWidth > el.clientWidth + 1) problems.push(`legend ${el.textContent.slice(0, 20)}: wider than its box`);
    const cell = el.closest(".xmw-legend-level").getBoundingClientRect(), r = el.getBoundingClientRect();
    if (r.right > cell.right + 0.5) problems.push(`legend ${el.textContent.slice(0, 20)}: outside its cell`);
    words(el, `legend ${el.textContent.slice(0, 20)}`);
  }
  return {columns, problems, buttons, heights: tiles.map((t) => t.getBoundingClientRect().height)};
}"""

# JS, (root, selector) => the texts in `selector` drawn wider than their box
_WIDER_THAN_BOX = """(root, sel) => [...root.querySelector(sel).querySelectorAll("*")]
  .filter((e) => e.getClientRects().length && e.scrollWidth > e.clientWidth + 1
                 && getComputedStyle(e).overflowX !== "auto")
  .map((e) => `${e.className || e.tagName}: ${e.textContent.slice(0, 30)}`)"""


def _buttons(page: Any) -> dict[str, Any]:
    return page.evaluate(_BUTTONS, GRID_ROOT)


def test_long_level_names_wrap_between_words_and_keep_the_tiles_still(
    page: Any, jupyter_server: JupyterServer, artifacts_dir: Path
) -> None:
    folder = jupyter_server.root_dir / "levels"
    if folder.exists():
        shutil.rmtree(folder)
    write_notebook(jupyter_server.root_dir, "levels/levels.ipynb", CELLS)
    page.set_viewport_size(WINDOW)
    open_notebook(page, jupyter_server, "levels/levels.ipynb", "lab")
    page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
    run_all_cells(page, timeout_ms=180_000)
    wait_grid(page, query_index=0)
    root = page.locator(GRID_ROOT).last
    root.scroll_into_view_if_needed()
    root.locator(".xmw-progress").click()
    assert grid_snapshot(page)["has_focus"]
    out = artifacts_dir / "levels"

    before = _buttons(page)
    screenshot(root, out / "long_names.png")
    assert before["columns"] == 4, (
        f"the window does not give 4 columns of tiles: {before['columns']}"
    )
    assert before["problems"] == [], "\n".join(before["problems"])
    # the names are long: some are cut to a few lines (ellipsis), the full name in the tooltip
    assert any(b["cut"] for b in before["buttons"]), before["buttons"]
    assert max(b["lines"] for b in before["buttons"]) <= 3, before["buttons"]

    # every level selected once (tiles 1-4): no tile changes its height
    for key in ("0", "1", "2", "3"):
        page.keyboard.press(key)
    wait_tiles(page, "(s) => s.tiles.slice(0, 4).every((t) => t.state === 'saved')")
    after = _buttons(page)
    screenshot(root, out / "long_names_selected.png")
    assert after["problems"] == [], "\n".join(after["problems"])
    changed = [
        (i + 1, round(a, 1), round(b, 1))
        for i, (a, b) in enumerate(zip(before["heights"], after["heights"], strict=True))
        if abs(a - b) > 0.5
    ]
    assert changed == [], (
        f"tiles whose height changed on selecting a level (tile, before, after): {changed}"
    )

    # the help (?) and the rubric panel (r) name the levels in full, inside their boxes
    for key, selector, shot in (("?", ".xmw-help", "help"), ("r", ".xmw-rubric-panel", "rubric")):
        page.keyboard.press(key)
        wait_tiles(page, "(s, key) => key === '?' ? s.help_visible : s.rubric_open", key)
        screenshot(root, out / f"long_names_{shot}.png")
        wide = root.evaluate(_WIDER_THAN_BOX, selector)
        assert wide == [], f"{shot}: text wider than its box: {wide}"
        page.keyboard.press("Escape" if key == "?" else key)
