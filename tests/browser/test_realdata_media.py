"""The grid on real third-party data (../shared/realdata), in JupyterLab 4 and Notebook 7.

COCO captions (coco_mini) are the queries; their images and AudioCaps clips are the candidates, as a
person who downloaded only part of a dataset has them: four real images (the Hugging Face
imagefolder's JPEG, GIF and WebP files under COCO names), one file that is not an image, the others
missing; four clips, one that is not audio, one missing. Each broken file breaks its own tile only,
with a text naming the file; Space on a tile whose clip is missing says so (it said the tile "has
no audio or video"); grades typed around the broken tiles land in ``grid.labels`` and the store.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from _realdata import realdata

from ._grid import GRID_ROOT, grid_snapshot, kernel_view, store_view, wait_all_saved, wait_grid
from ._jupyter import JupyterServer
from ._pages import open_and_run

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(600),
    pytest.mark.usefixtures("built_bundle"),
]

# The media are written at run time into the notebook's own folder (a temp dir), never into the
# project or the real-data folder; the captions are read in place.
SETUP = """\
import shutil
import numpy as np, pandas as pd, soundfile as sf
import xmwidgets as xm
R = {realdata!r}
coco = xm.io.load_coco_captions(R + "/coco/coco_mini/captions_val2017.json", "media")
clips = xm.io.load_audiocaps(R + "/audiocaps/v1/val.csv", "media")
import os; os.makedirs("media", exist_ok=True)
images = coco.items.head(8)[["item_id", "image"]]
for name, path in zip(["test0.jpeg", "test1.gif", "test2.webp", "test3.gif"], images.image):
    shutil.copy(R + "/hf_imagefolder_vlm_comparison/train/" + name, path)
open(images.image.iloc[4], "w").write("not an image")
audio = clips.items.drop_duplicates("item_id").head(4)[["item_id", "audio"]]
rate = 16000
for i, path in enumerate(audio.audio[:2]):
    sf.write(path, 0.2 * np.sin(2 * np.pi * (220 + 110 * i) * np.arange(rate * 8) / rate), rate)
open(audio.audio.iloc[2], "w").write("garbage")
items = pd.concat([images, audio], ignore_index=True)
queries = coco.queries.head(3)[["query_id", "text"]]
candidates = pd.DataFrame(
    [(q, i) for q in queries.query_id for i in items.item_id], columns=["query_id", "item_id"]
)
"""
GRID = 'grid = xm.RelevanceGrid(queries, items, candidates, store="real.sqlite", annotator="ana")\ngrid'

# JS: per tile of the last grid: its item id, the error text it shows, and whether its media plays
_TILES = """(selector) => {
  const root = [...document.querySelectorAll(selector)].pop();
  return [...root.querySelectorAll(".xmw-tile")].map((t) => {
    const img = t.querySelector("img");
    const error = t.querySelector(".xmw-error");
    return { id: t.dataset.itemId, error: error ? error.textContent : "",
             image_ok: !!img && img.complete && img.naturalWidth > 0,
             audio: !!t.querySelector("audio") };
  });
}"""


@pytest.mark.parametrize("ui", ["lab", "notebook"])
def test_broken_real_media_break_one_tile_each_and_keys_still_work(
    page: Any, jupyter_server: JupyterServer, ui: str
) -> None:
    folder = str(realdata("coco", "coco_mini").parent.parent)
    realdata("hf_imagefolder_vlm_comparison", "train")
    realdata("audiocaps", "v1", "val.csv")
    open_and_run(
        page, jupyter_server, f"realdata_{ui}/real.ipynb", [SETUP.format(realdata=folder), GRID], ui
    )
    wait_grid(page, query_index=0)
    page.wait_for_function(
        "(s) => [...[...document.querySelectorAll(s)].pop().querySelectorAll('.xmw-tile img')]"
        ".every((i) => i.complete)",
        arg=GRID_ROOT,
    )
    tiles = page.evaluate(_TILES, GRID_ROOT)
    assert len(tiles) == 12
    errors = {t["id"]: t["error"] for t in tiles if t["error"]}
    # 3 missing images, 1 not an image, 1 missing clip, 1 not audio: six tiles, each naming its file
    assert len(errors) == 6, errors
    assert sum("file not found" in e for e in errors.values()) == 4, errors
    # a missing file by its path (where it was looked for), a wrong one by its name
    assert all(re.search(r"\S+\.(jpg|wav): ", e) or "media/" in e for e in errors.values()), errors
    assert sum("not an image (looks like text)" in e for e in errors.values()) == 1, errors
    assert sum("not an audio file (looks like text)" in e for e in errors.values()) == 1, errors
    assert sum(t["image_ok"] for t in tiles) == 4 and sum(t["audio"] for t in tiles) == 2, tiles

    root = page.locator(GRID_ROOT).last
    root.scroll_into_view_if_needed()
    root.locator(".xmw-progress").click()
    failed_clip = next(
        i
        for i, t in enumerate(tiles)
        if "audio not shown" in t["error"] and "not found" in t["error"]
    )
    for _ in range(failed_clip):
        page.keyboard.press("ArrowRight")
    page.keyboard.press(" ")
    snap = grid_snapshot(page)
    assert snap["notice"] == (
        f"candidate {failed_clip + 1}: its audio could not be loaded (the tile says why), "
        "nothing to play"
    ), snap["notice"]
    # grade every tile, broken ones included, then flag the broken clip: all lands
    for _ in range(failed_clip):
        page.keyboard.press("ArrowLeft")
    for key in "321032103210":
        page.keyboard.press(key)
    wait_all_saved(page)
    shown = {t["item_id"]: t["relevance"] for t in grid_snapshot(page)["tiles"]}
    query_id = grid_snapshot(page)["query_id"]
    expected = {tiles[i]["id"]: int("321032103210"[i]) for i in range(12)}
    assert {k: int(v) for k, v in shown.items()} == expected
    kernel = kernel_view(page)["grades"]
    assert {i: kernel[(query_id, i)] for i in expected} == expected
    store = store_view(Path(jupyter_server.root_dir) / f"realdata_{ui}" / "real.sqlite")["grades"]
    assert {i: store[(query_id, i)] for i in expected} == expected
