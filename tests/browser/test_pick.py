"""BestMatchPicker as a person uses it, by keyboard only, in JupyterLab 4 and Notebook 7.

One key per query: a tile's key cap picks the best and the next query comes at once; Shift+digit
picks a second best first; p goes back to look; m flags broken media and a pick on it is refused
with a notice; x marks none relevant and moves on; z undoes and goes back to the query; a run of picks typed at
machine speed (no wait between keys, pages still loading) loses none. Asserts on ``picker.labels``
in the kernel and on the SQLite event log; screenshots of a query with a best and a second best in
the light and the dark theme.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from ._grid import GRID_ROOT, grid_snapshot, wait_all_saved, wait_grid, wait_tiles
from ._jupyter import JupyterServer
from ._pages import open_notebook, output_json, run_all_cells, screenshot, set_theme, write_notebook
from .conftest import VIEWPORT

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(600),
    pytest.mark.usefixtures("built_bundle"),
]

STORE = "pick.sqlite"
CELLS = [
    "import xmwidgets as xm\ndemo = xm.datasets.demo()",
    f'picker = xm.BestMatchPicker(demo.queries, demo.items, demo.candidates, store="{STORE}", '
    'annotator="ana")\npicker',
]
# picks typed with no wait at all: each one advances to the next query, whose page may still load.
# One entry per query: a tile's key, or moves then b (the focused tile): "End b" picks the last
# tile, "l l Home b" the first (Home takes the focus back from the third)
TYPED = [["2"], ["4"], ["End", "b"], ["1"], ["l", "l", "Home", "b"], ["3"], ["2"], ["1"]]

LABELS = """\
import json as _json
print(_json.dumps({
    "labels": [
        {k: (None if v is None or v != v else (bool(v) if k == "none_relevant" else v))
         for k, v in zip(("query_id", "best", "second", "none_relevant"),
                         (r.query_id, r.best, r.second, r.none_relevant))}
        for r in picker.labels.astype(object).where(picker.labels.notna(), None).itertuples()
    ],
    "shown": {q: list(picker.shown_candidates(q).item_id) for q in picker.query_ids[:12]},
    "query_ids": picker.query_ids[:12],
}))"""


# JS, (root) => the status row's texts drawn shorter than they are (cut to an ellipsis)
_CUT_STATUS = """(root) => [...root.querySelectorAll(".xmw-status :is(.xmw-position, .xmw-progress)")]
  .filter((e) => e.getClientRects().length && e.scrollWidth > e.clientWidth + 1)
  .map((e) => e.textContent)"""


def _stored_ranks(path: Path) -> dict[tuple[str, str], int]:
    """The current pick ranks from the SQLite event log, re-derived without xmwidgets."""
    con = sqlite3.connect(path)
    try:
        rows = con.execute(
            "SELECT event_id, query_id, item_id, rank, retracts FROM events "
            "WHERE task = 'pick' OR retracts IS NOT NULL ORDER BY event_id"
        ).fetchall()
    finally:
        con.close()
    retracted = {r[4] for r in rows if r[4] is not None}
    current: dict[tuple[str, str], Any] = {}
    for event_id, query_id, item_id, rank, retracts in rows:
        if retracts is None and event_id not in retracted and item_id is not None:
            current[(query_id, item_id)] = rank
    return {k: int(v) for k, v in current.items() if v is not None}


def _press(page: Any, key: str) -> None:
    page.keyboard.press(key)


def _wait_query(page: Any, index: int) -> None:
    wait_grid(page, query_index=index, timeout_ms=60_000)


@pytest.mark.parametrize("ui", ["lab", "notebook"])
def test_one_key_per_query_by_keyboard_only(
    page: Any, jupyter_server: JupyterServer, artifacts_dir: Path, ui: str
) -> None:
    folder = jupyter_server.root_dir / f"pick_{ui}"
    if folder.exists():
        shutil.rmtree(folder)
    write_notebook(jupyter_server.root_dir, f"pick_{ui}/pick.ipynb", CELLS)
    open_notebook(page, jupyter_server, f"pick_{ui}/pick.ipynb", ui)
    if ui == "lab":
        page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
    run_all_cells(page, timeout_ms=180_000)
    _wait_query(page, 0)
    root = page.locator(GRID_ROOT).last
    root.scroll_into_view_if_needed()
    root.locator(".xmw-progress").click()
    assert grid_snapshot(page)["has_focus"], "clicking the picker did not give it the focus"
    caps = root.locator(".xmw-tile .xmw-pick-key").all_text_contents()
    assert caps[:3] == ["1", "2", "3"], caps

    # query 1: "3" picks its third tile as best, and query 2 comes at once
    ids0 = [t["item_id"] for t in grid_snapshot(page)["tiles"]]
    _press(page, "3")
    _wait_query(page, 1)
    # query 2: Shift+2 second best first, then 1 the best; on to query 3
    ids1 = [t["item_id"] for t in grid_snapshot(page)["tiles"]]
    _press(page, "Shift+Digit2")
    wait_tiles(page, "(s) => s.tiles[1].rank === '2'", None)
    _press(page, "1")
    _wait_query(page, 2)
    wait_tiles(page, "(s) => s.notice.includes('on to query 3')", None)
    # p goes back to look: the best and the second best are shown, saved
    _press(page, "p")
    _wait_query(page, 1)
    wait_tiles(
        page,
        "(s) => s.tiles[0].rank === '1' && s.tiles[1].rank === '2' "
        "&& s.tiles.slice(0, 2).every((t) => t.state === 'saved')",
        None,
    )
    # one pick completes a query: the header says which is the best, not "2/20 judged"
    assert grid_snapshot(page)["position"].endswith("best: candidate 1 (and a second best)")
    # in a small laptop window (1024x640) the status row says all of it: on one line there it cut
    # "best: candid…" and "queries done …" (the row goes on two lines up to 64rem)
    page.set_viewport_size({"width": 1024, "height": 640})
    cut = root.evaluate(_CUT_STATUS)
    page.set_viewport_size(VIEWPORT)
    assert cut == [], f"{ui} at 1024x640: status text cut to an ellipsis: {cut}"
    screenshot(root, artifacts_dir / f"pick_{ui}_light.png")
    set_theme(page, dark=True)
    screenshot(root, artifacts_dir / f"pick_{ui}_dark.png")
    set_theme(page, dark=False)
    root.locator(".xmw-progress").click()

    # query 3: m flags the focused (first) tile broken; its key is then refused, with a notice
    _press(page, "n")
    _wait_query(page, 2)
    ids2 = [t["item_id"] for t in grid_snapshot(page)["tiles"]]
    _press(page, "m")
    wait_tiles(page, "(s) => s.tiles[0].flags === 'broken-media' && s.tiles[0].state === 'saved'")
    _press(page, "1")
    wait_tiles(page, "(s) => s.notice.startsWith('best refused')", None)
    assert grid_snapshot(page)["query_index"] == 2, "a refused pick went on to the next query"
    screenshot(root, artifacts_dir / f"pick_{ui}_broken.png")
    # x: none relevant for query 3, and on to query 4 as a pick does; z takes it back and goes
    # back to query 3
    _press(page, "x")
    _wait_query(page, 3)
    _press(page, "z")
    _wait_query(page, 2)
    wait_tiles(page, "(s) => s.notice.startsWith('undid') && !s.none_relevant_visible", None)
    _press(page, "2")  # the best of query 3
    _wait_query(page, 3)

    # machine speed: six picks with no wait, each one moving on while pages are still loading
    for keys in TYPED:
        for key in keys:
            page.keyboard.press(key)
    _wait_query(page, 3 + len(TYPED))
    wait_all_saved(page, timeout_ms=60_000)

    kernel = output_json(page, LABELS)
    shown = kernel["shown"]
    qids = kernel["query_ids"]
    want = {
        qids[0]: (ids0[2], None),
        qids[1]: (ids1[0], ids1[1]),
        qids[2]: (ids2[1], None),
    }
    for offset, keys in enumerate(TYPED):
        query_id = qids[3 + offset]
        at = {"End": -1, "Home": 0}.get(keys[-2], 0) if keys[-1] == "b" else int(keys[-1]) - 1
        want[query_id] = (shown[query_id][at], None)
    got = {r["query_id"]: (r["best"], r["second"]) for r in kernel["labels"]}
    assert got == want, "picker.labels lost or changed picks"
    assert not any(r["none_relevant"] for r in kernel["labels"])
    assert shown[qids[1]] == ids1
    stored = _stored_ranks(folder / STORE)
    expected = {(q, best): 1 for q, (best, _) in want.items()} | {(qids[1], ids1[1]): 2}
    assert stored == expected, "the SQLite file lost or changed picks"
    con = sqlite3.connect(folder / STORE)
    try:
        (shown_json,) = con.execute(
            "SELECT shown FROM events WHERE task='pick' AND query_id=? AND rank=1", (qids[0],)
        ).fetchone()
    finally:
        con.close()
    assert json.loads(shown_json) == ids0, "the event does not record the order shown"
