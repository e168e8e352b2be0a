"""The labelling loop as a person uses it, in JupyterLab 4 and Notebook 7 (issue 8).

- Type-ahead at machine speed: moves (also Home / End), grades and ``n`` pressed with no wait at all,
  so that keys arrive while "loading query N…" is shown; every judgement must land in
  ``grid.labels`` and in the SQLite file, none dropped, on the candidate its keys name.
- ``3`` then ``b`` stars the tile just graded (the "b target"), not the one the focus moved on to.
- ``g`` goes to a query; Space plays the focused tile's audio and the notebook does not scroll;
  after a mouse click on the audio player a grade key still works; undo says what it undid.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from ._grid import (
    GRID_ROOT,
    focused_index,
    grid_snapshot,
    kernel_view,
    store_view,
    wait_all_saved,
    wait_grid,
    wait_saved,
    wait_tiles,
)
from ._jupyter import JupyterServer
from ._pages import open_notebook, output_json, run_all_cells, screenshot, write_notebook

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(600),
    pytest.mark.usefixtures("built_bundle"),
]

STORE = "loop.sqlite"
CELLS = [
    "import xmwidgets as xm\ndemo = xm.datasets.demo()",
    f'grid = xm.RelevanceGrid(demo.queries, demo.items, demo.candidates, store="{STORE}", '
    'annotator="ana")\ngrid',
]
# The keys of the type-ahead test, typed with no wait: grades on the first three candidates and the
# last one, then `n`, and `g` jumps to queries far from any prefetched page, so that keys arrive
# while a page loads. Home and End go to the first / last candidate: `l l l Home` must come back to
# the first (so 2 0 1 grade candidates 1-3) and `End 3` grade the last, in the order typed.
TYPED_GRADES = ("2", "0", "1")
TYPED_LAST = "3"
TYPED_KEYS = ["l", "l", "l", "Home", *TYPED_GRADES, "End", TYPED_LAST]
TYPED_PLAN: list[str | int] = ["grades", "n", "grades", 15, "grades", "n", "grades", "n", "grades"]
TYPED_PLAN += [28, "grades", "n", "grades", "n", "grades"]
TYPED_QUERIES = [0, 1, 14, 15, 16, 27, 28, 29]  # 0-based indices that the plan judges

# JS: record every text "loading query N…" shows (the keys typed meanwhile say so).
_WATCH_LOADING = """(selector) => {
  const root = [...document.querySelectorAll(selector)].pop();
  const loading = root.querySelector(".xmw-loading");
  window.__xmwLoadingSeen = [];
  new MutationObserver(() => {
    if (!loading.hidden) window.__xmwLoadingSeen.push(loading.textContent);
  }).observe(loading, { childList: true, characterData: true, subtree: true, attributes: true });
}"""

# JS: the scroll offsets of every scrolled ancestor of the grid, and of the window.
_SCROLLS = """(selector) => {
  const root = [...document.querySelectorAll(selector)].pop();
  const offsets = [window.scrollY];
  for (let node = root.parentElement; node; node = node.parentElement) offsets.push(node.scrollTop);
  return offsets;
}"""

# JS, (snapshot, i) => tile i (-1: the last) of the last grid is focused, holds the DOM focus and is
# fully inside the window.
_FOCUSED_IN_VIEW = """(s, i) => {
  const root = [...document.querySelectorAll(".xmw-grid, .xmw-grid-root")].pop();
  const tiles = [...root.querySelectorAll(".xmw-tile")];
  const tile = tiles.at(i);
  const box = tile.getBoundingClientRect();
  return tile.classList.contains("xmw-focused") && document.activeElement === tile
    && box.top >= 0 && box.bottom <= window.innerHeight;
}"""

# JS: the media element of tile i: paused?, time, and what is at its play button.
_AUDIO = """([selector, i]) => {
  const root = [...document.querySelectorAll(selector)].pop();
  const tile = root.querySelectorAll(".xmw-tile")[i];
  const media = tile && tile.querySelector("audio, video");
  if (!media) return null;
  const box = media.getBoundingClientRect();
  const hit = document.elementFromPoint(box.left + 16, box.top + box.height / 2);
  return { paused: media.paused, time: media.currentTime, hit_is_media: hit === media,
           active_is_tile: document.activeElement === tile, x: box.left + 16,
           y: box.top + box.height / 2 };
}"""


def _notebook(server: JupyterServer, ui: str, test: str) -> tuple[str, Path]:
    """A notebook with the demo grid in its own folder (its own store file)."""
    folder = server.root_dir / f"loop_{test}_{ui}"
    if folder.exists():
        shutil.rmtree(folder)
    name = f"loop_{test}_{ui}/loop.ipynb"
    write_notebook(server.root_dir, name, CELLS)
    return name, folder / STORE


def _open_grid(page: Any, server: JupyterServer, ui: str, test: str) -> Path:
    name, store = _notebook(server, ui, test)
    open_notebook(page, server, name, ui)
    if ui == "lab":
        page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
    run_all_cells(page, timeout_ms=180_000)
    wait_grid(page, query_index=0)
    _focus_grid(page)
    return store


def _focus_grid(page: Any) -> None:
    root = page.locator(GRID_ROOT).last
    root.scroll_into_view_if_needed()
    root.locator(".xmw-progress").click()
    assert grid_snapshot(page)["has_focus"], "clicking the grid did not give it the keyboard focus"


@pytest.mark.parametrize("ui", ["lab", "notebook"])
def test_type_ahead_at_machine_speed_loses_nothing(
    page: Any, jupyter_server: JupyterServer, ui: str
) -> None:
    store = _open_grid(page, jupyter_server, ui, "typeahead")
    page.evaluate(_WATCH_LOADING, GRID_ROOT)
    # no wait between keys, none after n or a jump: the pages are still on their way
    for step in TYPED_PLAN:
        if step == "grades":
            for key in TYPED_KEYS:
                page.keyboard.press(key)
        elif step == "n":
            page.keyboard.press("n")
        else:
            page.keyboard.press("g")
            page.keyboard.type(str(step))
            page.keyboard.press("Enter")
    wait_grid(page, query_index=TYPED_QUERIES[-1], timeout_ms=60_000)
    wait_all_saved(page, timeout_ms=60_000)
    seen = page.evaluate("() => window.__xmwLoadingSeen")
    assert any("will apply when it is here" in text for text in seen), (
        f"no key was typed while a page loaded, so this run did not test type-ahead: {seen}"
    )

    # Home / End (moves, nothing judged) are the grid's keys: the focus goes to the first / last
    # tile and into view, the notebook is not scrolled to its top / bottom instead (the browser's
    # default for these keys)
    for key, at in (("Home", 0), ("End", -1), ("Home", 0)):
        page.keyboard.press(key)
        wait_tiles(page, _FOCUSED_IN_VIEW, at, timeout_ms=10_000)

    shown = output_json(
        page,
        "import json\nprint(json.dumps({q: list(grid.shown_candidates(q).item_id) "
        f"for q in [grid.query_ids[i] for i in {TYPED_QUERIES}]}}))",
    )
    want = {
        (query_id, item_id): int(key)
        for query_id, items in shown.items()
        for item_id, key in zip([*items[:3], items[-1]], [*TYPED_GRADES, TYPED_LAST], strict=True)
    }
    assert len(want) == len(TYPED_QUERIES) * (len(TYPED_GRADES) + 1)
    kernel = kernel_view(page)
    assert kernel["grades"] == want, "the kernel's grid.labels lost or changed judgements"
    assert kernel["query_index"] == TYPED_QUERIES[-1]
    stored = store_view(store)
    assert stored["grades"] == want, "the SQLite file lost or changed judgements"
    assert stored["annotators"] == {"ana"}


@pytest.mark.parametrize("ui", ["lab", "notebook"])
def test_b_target_media_keys_player_click_and_undo(
    page: Any, jupyter_server: JupyterServer, artifacts_dir: Path, ui: str
) -> None:
    store = _open_grid(page, jupyter_server, ui, "media")
    ids = [t["item_id"] for t in grid_snapshot(page)["tiles"]]
    q0 = grid_snapshot(page)["query_id"]

    # 3 then b: the b target stays on the tile just graded, b stars it
    page.keyboard.press("3")
    snapshot = grid_snapshot(page)
    assert focused_index(page) == 1
    assert [t["best_target"] for t in snapshot["tiles"]][:2] == [True, False]
    page.keyboard.press("b")
    wait_tiles(
        page,
        "(s, id) => s.tiles.some((t) => t.item_id === id && t.best && t.state === 'saved')",
        ids[0],
    )
    assert [t["item_id"] for t in grid_snapshot(page)["tiles"] if t["best"]] == [ids[0]]
    assert "candidate 2 of" in grid_snapshot(page)["position"]

    # g: go to the first audio query by its number
    audio_index = output_json(
        page,
        "import json\nprint(json.dumps(int((demo.queries.target_modality == 'audio').to_numpy()"
        ".argmax())))",
    )
    _focus_grid(page)
    first_top = "(sel) => [...document.querySelectorAll(sel)].pop().querySelector('.xmw-tile').getBoundingClientRect().top"
    top = page.evaluate(first_top, GRID_ROOT)
    page.keyboard.press("g")
    page.keyboard.type(str(audio_index + 1))
    box = page.locator(GRID_ROOT).last.locator(".xmw-goto")
    assert box.is_visible()
    # the box opens over the key hint: the tiles do not jump (it pushed them 30 px down)
    assert page.evaluate(first_top, GRID_ROOT) == top
    screenshot(page, artifacts_dir / f"loop_{ui}_goto.png")
    page.keyboard.press("Enter")
    wait_grid(page, query_index=audio_index)
    wait_tiles(page, "(s) => s.has_focus", None)
    assert _media(page, 0) is not None, "the audio query shows no audio player"

    # Space plays the focused tile's audio, and the notebook does not scroll
    before = page.evaluate(_SCROLLS, GRID_ROOT)
    page.keyboard.press(" ")
    page.wait_for_timeout(300)  # a scroll would have happened by now
    assert page.evaluate(_SCROLLS, GRID_ROOT) == before, "Space scrolled the notebook"
    assert _media(page, 0)["paused"] is False, "Space did not play the focused tile's audio"
    page.keyboard.press(" ")
    assert _media(page, 0)["paused"] is True

    # a mouse click on the second tile's player plays it, and the grid takes keys again
    audio = _media(page, 1)
    assert audio["hit_is_media"], "something covers the audio player's play button"
    page.mouse.click(audio["x"], audio["y"])
    page.wait_for_function(
        "([sel]) => { const r = [...document.querySelectorAll(sel)].pop();"
        " const m = r.querySelectorAll('.xmw-tile')[1].querySelector('audio');"
        " return !m.paused && document.activeElement === r.querySelectorAll('.xmw-tile')[1]; }",
        arg=[GRID_ROOT],
        timeout=10_000,
    )
    tiles = grid_snapshot(page)["tiles"]
    page.keyboard.press("2")
    wait_saved(page, {tiles[1]["item_id"]: "2"})
    _pause_all(page)
    screenshot(page.locator(GRID_ROOT).last, artifacts_dir / f"loop_{ui}_media.png")

    # undo says what it undid and goes to it
    page.keyboard.press("z")
    wait_tiles(page, "(s) => s.notice.startsWith('undid')", None)
    notice = grid_snapshot(page)["notice"]
    assert "candidate 2" in notice, notice
    assert focused_index(page) == 1
    wait_saved(page, {tiles[1]["item_id"]: ""})
    screenshot(page.locator(GRID_ROOT).last, artifacts_dir / f"loop_{ui}_undo.png")

    wait_all_saved(page)
    kernel = kernel_view(page)
    assert kernel["best"] == {(q0, ids[0])}
    assert kernel["grades"] == {(q0, ids[0]): 3}
    stored = store_view(store)
    assert stored["best"] == {(q0, ids[0])}
    assert stored["grades"] == {(q0, ids[0]): 3}


def _media(page: Any, index: int) -> dict[str, Any] | None:
    return page.evaluate(_AUDIO, [GRID_ROOT, index])


def _pause_all(page: Any) -> None:
    page.evaluate(
        "(sel) => [...document.querySelectorAll(sel)].pop()"
        ".querySelectorAll('audio, video').forEach((m) => m.pause())",
        GRID_ROOT,
    )
