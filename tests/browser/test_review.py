"""Review (adjudication) in JupyterLab 4 and Notebook 7, by keyboard only.

Two annotators' grades and a note are in the store; the adjudicator opens ``xm.Review`` on the
disagreements, sees each annotator's grade (and the note) under each candidate, grades by keys, and
the adjudicated grades land in the SQLite file with role "adjudicator" beside the annotators' own.
Screenshots in the light and the dark theme.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from ._grid import GRID_ROOT, grid_snapshot, wait_all_saved, wait_grid
from ._jupyter import JupyterServer
from ._pages import open_notebook, output_json, run_all_cells, screenshot, set_theme, write_notebook

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(600),
    pytest.mark.usefixtures("built_bundle"),
]

STORE = "review.sqlite"
CELLS = [
    "import numpy as np, pandas as pd\nimport xmwidgets as xm\ndemo = xm.datasets.demo()\n"
    f'store = xm.open_store("{STORE}")\n'
    "pool = demo.candidates[demo.candidates.query_id.isin(['q01', 'q02'])]\n"
    "truth = pool[['query_id', 'item_id']].merge(demo.truth, on=['query_id', 'item_id'])\n"
    "ana = truth.assign(note=None)\n"
    "ben = truth.assign(relevance=np.where(np.arange(len(truth)) % 3 == 0, "
    "3 - truth.relevance, truth.relevance), note=None)\n"
    "ben.loc[ben.index[0], 'note'] = 'the shapes are <b>blurry</b>'\n"
    "store.import_labels(ana, annotator='ana')\nstore.import_labels(ben, annotator='ben')\n"
    "report = xm.agreement(store.labels())",
    "review = xm.Review(demo.queries, demo.items, report.disagreements, store=store, "
    "annotator='lead')\nreview",
]


def _open_review(page: Any, server: JupyterServer, ui: str) -> Path:
    folder = server.root_dir / f"review_{ui}"
    if folder.exists():
        shutil.rmtree(folder)
    write_notebook(server.root_dir, f"review_{ui}/review.ipynb", CELLS)
    open_notebook(page, server, f"review_{ui}/review.ipynb", ui)
    if ui == "lab":
        page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
    run_all_cells(page, timeout_ms=180_000)
    wait_grid(page, query_index=0)
    root = page.locator(GRID_ROOT).last
    root.scroll_into_view_if_needed()
    root.locator(".xmw-progress").click()
    assert grid_snapshot(page)["has_focus"]
    return folder / STORE


_REVIEWS = """(selector) => {
  const root = [...document.querySelectorAll(selector)].pop();
  return [...root.querySelectorAll(".xmw-tile")].map((tile) => ({
    item_id: tile.dataset.itemId,
    reviews: [...tile.querySelectorAll(".xmw-review")].map((row) => row.textContent),
    html_in_note: !!tile.querySelector(".xmw-review-note b"),
  }));
}"""


@pytest.mark.parametrize("ui", ["lab", "notebook"])
def test_adjudicate_disagreements_by_keys(
    page: Any, jupyter_server: JupyterServer, artifacts_dir: Path, ui: str
) -> None:
    store = _open_review(page, jupyter_server, ui)
    disputed = output_json(
        page,
        "import json\nprint(json.dumps({q: sorted(g.item_id) for q, g in "
        "report.disagreements.groupby('query_id')}))",
    )
    tiles = page.evaluate(_REVIEWS, GRID_ROOT)
    first_query = sorted(disputed)[0]
    assert sorted(t["item_id"] for t in tiles) == disputed[first_query]
    for tile in tiles:  # both annotators' grades, each named
        assert [r.split(" ")[0][:3] for r in tile["reviews"]] == ["ana", "ben"], tile
        assert not tile["html_in_note"], "a note was rendered as HTML"
    noted = [t for t in tiles if any("blurry" in r for r in t["reviews"])]
    assert all("<b>blurry</b>" in r for t in noted for r in t["reviews"] if "blurry" in r)
    screenshot(page.locator(GRID_ROOT).last, artifacts_dir / f"review_{ui}_light.png")
    set_theme(page, dark=True)
    screenshot(page.locator(GRID_ROOT).last, artifacts_dir / f"review_{ui}_dark.png")
    set_theme(page, dark=False)
    page.locator(GRID_ROOT).last.locator(".xmw-progress").click()

    # adjudicate every candidate of the first query with "2" (the focus moves on after each)
    for _ in tiles:
        page.keyboard.press("2")
    wait_all_saved(page)
    with sqlite3.connect(store) as con:
        rows = con.execute(
            "SELECT annotator, role, relevance, item_id FROM events WHERE role IS NOT NULL"
        ).fetchall()
    assert sorted(rows) == sorted(("lead", "adjudicator", 2, t["item_id"]) for t in tiles)
    with sqlite3.connect(store) as con:
        annotators = dict(
            con.execute(
                "SELECT annotator, count(*) FROM events WHERE role IS NULL GROUP BY annotator"
            ).fetchall()
        )
    assert set(annotators) == {"ana", "ben"}  # the annotators' own grades stay
    final = output_json(
        page,
        "import json\nf = xm.adjudicated(store.labels())\n"
        f"print(json.dumps(f[f.query_id == {first_query!r}]"
        ".merge(report.disagreements[['query_id', 'item_id']]).annotator.unique().tolist()))",
    )
    assert final == ["lead"]
