"""A burst of keys answered in one notice keeps the newest result in view (JupyterLab 4, 1280x800).

On a Ranker query of 20 candidates, ``m`` ten times fast, then ``s``: the notice says the ten
flags once ("candidates 1–10 flagged broken-media: …", or counted when they do not follow on), and "query done" is
drawn inside the notice's box, not cut off below the key hint's lines (they were: the ten flag
parts filled the box). A screenshot goes to ``tests/artifacts/views/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ._grid import GRID_ROOT, focus_grid, grid_snapshot, wait_grid, wait_tiles
from ._jupyter import JupyterServer
from ._pages import hold_kernel, open_and_run

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(600),
    pytest.mark.usefixtures("built_bundle"),
]

CELLS = [
    """\
import xmwidgets as xm
demo = xm.datasets.demo()
q02 = demo.candidates[demo.candidates.query_id == "q02"]""",
    """\
ranker = xm.Ranker(demo.queries, demo.items, q02, store="burst.sqlite", annotator="ana")
ranker""",
]

# JS: the last grid's notice: its text, and whether the words `part` are drawn inside its box
_PART_SHOWN = """([sel, part]) => {
  const root = [...document.querySelectorAll(sel)].pop();
  const notice = root.querySelector(".xmw-notice");
  const node = [...notice.childNodes].find((n) => n.nodeType === Node.TEXT_NODE);
  const at = node ? node.textContent.indexOf(part) : -1;
  if (at < 0) return { text: notice.textContent, found: false, inside: false };
  const range = document.createRange();
  range.setStart(node, at);
  range.setEnd(node, at + part.length);
  const box = notice.getBoundingClientRect();
  const rects = [...range.getClientRects()];
  return {
    text: notice.textContent,
    found: true,
    inside: rects.length > 0 && rects.every((r) => r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5),
  };
}"""


def test_ten_flags_then_a_save_keep_the_save_in_view(
    page: Any, jupyter_server: JupyterServer, artifacts_dir: Path
) -> None:
    out = artifacts_dir / "views"
    out.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    open_and_run(page, jupyter_server, "burst_lab/burst.ipynb", CELLS, "lab")
    wait_grid(page, query_index=0)
    page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
    root = page.locator(GRID_ROOT).last
    root.evaluate("(el) => el.scrollIntoView({block: 'start'})")
    focus_grid(page)
    # typed before any answer (the kernel held): the first m goes alone, the other keys wait for
    # its ack and go in one batch, answered in one notice (unheld, a fast kernel answered the
    # flags before the s was typed, and the save's notice came alone)
    gate = jupyter_server.root_dir / "burst_lab" / "gate"
    hold_kernel(page, gate)
    for _ in range(10):
        page.keyboard.press("m")
    page.keyboard.press("s")
    gate.touch()
    wait_tiles(
        page,
        "(s) => s.unsaved === 0 && s.notice.includes('done') && "
        "s.tiles.filter((t) => t.flags === 'broken-media').length === 10",
    )
    page.wait_for_timeout(300)  # the notice is measured in the next frame
    done = page.evaluate(_PART_SHOWN, [GRID_ROOT, "done (20/20)"])
    root.screenshot(path=str(out / "lab_light_1280_notice_burst.png"))
    assert done["found"] and done["inside"], f"the save's result is cut off: {done}"
    # the save itself is said by the status line of the query on screen, not again in the notice
    assert "saved" not in done["text"], done
    assert grid_snapshot(page)["rank_status"].startswith("✓ ranking saved")
    # each m flagged the tile then first on screen ("candidate 1", as the header says): the batch
    # says it once; flags of candidates at different places are named once ("candidates 1–10 …")
    assert "flagged broken-media" in done["text"], done
