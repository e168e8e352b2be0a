"""PairwiseJudge as a person uses it, by keyboard only, in JupyterLab 4 and Notebook 7.

Six pairs of the demo data (images, image vs text, two audio clips, a video, ...): ``1`` ``2`` typed
with no wait (the next pair may still be loading), Space plays the focused side of the audio pair
and the notebook does not scroll, ``3`` ``4``, ``l`` ``m`` (the right item's media are broken:
that item is flagged, not the pair), ``1``, ``z`` takes the last choice back, ``2``.
What the kernel's ``judge.labels`` and the SQLite file hold is checked against the sides this
annotator saw (``judge.shown_pairs()``), and screenshots are taken in the light and dark theme.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from ._grid import GRID_ROOT, wait_grid
from ._jupyter import JupyterServer
from ._pages import open_notebook, output_json, run_all_cells, screenshot, set_theme, write_notebook

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(600),
    pytest.mark.usefixtures("built_bundle"),
]

STORE = "pairs.sqlite"
CELLS = [
    """\
import pandas as pd
import xmwidgets as xm
demo = xm.datasets.demo()
kind = demo.items.set_index("item_id")["modality"]
audio = kind[kind == "audio"].index[:2].tolist()
video = kind[kind == "video"].index[0]
text = kind[kind == "text"].index[0]
pairs = pd.DataFrame(
    [
        ("q01", "img-0091", "img-0079"),
        ("q01", "img-0091", text),
        ("q01", audio[0], audio[1]),
        ("q02", "img-0035", video),
        ("q02", "img-0035", "img-0056"),
        ("q03", "img-0001", "img-0002"),
    ],
    columns=["query_id", "a", "b"],
)""",
    f'judge = xm.PairwiseJudge(demo.queries, demo.items, pairs, store="{STORE}", '
    'annotator="ana")\njudge',
]
# the side chosen on each pair at the end, its flags and the side flagged broken-media
EXPECTED = [
    ("left", None, None),
    ("right", None, None),
    ("tie", None, None),
    ("both-bad", None, None),
    (None, "broken-media", "right"),
    ("right", None, None),
]

# JS: the pair view's state, the audio players and the scroll offsets around the widget
_PAIR = """(selector) => {
  const root = [...document.querySelectorAll(selector)].pop();
  if (!root) return null;
  const pair = root.querySelector(".xmw-pair");
  const offsets = [window.scrollY];
  for (let node = root.parentElement; node; node = node.parentElement) offsets.push(node.scrollTop);
  const tiles = [...root.querySelectorAll(".xmw-tile")];
  return {
    index: Number(root.dataset.queryIndex),
    side: pair.dataset.side,
    state: pair.dataset.state,
    status: root.querySelector(".xmw-pair-status").textContent,
    unsaved: Number(root.dataset.unsaved),
    focused: tiles.findIndex((t) => t.classList.contains("xmw-focused")),
    broken: tiles.map((t) => t.dataset.broken),
    playing: tiles.map((t) => { const m = t.querySelector("audio, video"); return m ? !m.paused : null; }),
    has_focus: root.contains(document.activeElement),
    notice: root.querySelector(".xmw-notice").hidden ? "" : root.querySelector(".xmw-notice").textContent,
    scrolls: offsets,
  };
}"""

# JS: each broken-media toggle's box and the room before and after its label's text
_TOGGLES = """(selector) => {
  const root = [...document.querySelectorAll(selector)].pop();
  return [...root.querySelectorAll(".xmw-pair-broken")].map((button) => {
    const box = button.getBoundingClientRect();
    const walker = document.createTreeWalker(button, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    range.selectNodeContents(walker.nextNode());
    const text = range.getBoundingClientRect();
    return { x: box.x, w: box.width, before: text.left - box.left, after: box.right - text.right };
  });
}"""

_WAIT = """([snap, selector, pred, arg]) => {
  const s = (new Function("return " + snap))()(selector);
  return !!s && (new Function("return " + pred))()(s, arg);
}"""

KERNEL_JSON = """\
import json as _json
print(_json.dumps({
    "labels": [
        [None if pd.isna(v) else str(v) for v in row]
        for row in judge.labels[["query_id", "a", "b", "choice", "left", "flags", "broken"]]
        .itertuples(index=False)
    ],
    "shown": judge.shown_pairs()[["query_id", "a", "b", "left", "right"]].values.tolist(),
    "progress": {k: int(v) for k, v in judge.progress.items()},
    "index": list(judge.labels.index),
}))"""


def _state(page: Any) -> dict[str, Any]:
    return page.evaluate(_PAIR, GRID_ROOT)


def _wait(page: Any, predicate: str, arg: Any = None, timeout_ms: float = 30_000) -> None:
    page.wait_for_function(
        _WAIT, arg=[_PAIR, GRID_ROOT, predicate, arg], timeout=timeout_ms, polling=50
    )


def _focus(page: Any) -> None:
    root = page.locator(GRID_ROOT).last
    root.scroll_into_view_if_needed()
    root.locator(".xmw-progress").click()  # the keys go to the widget
    assert _state(page)["has_focus"], "clicking the widget did not give it the keyboard focus"


def _open(page: Any, server: JupyterServer, ui: str) -> Path:
    folder = server.root_dir / f"pair_{ui}"
    if folder.exists():
        shutil.rmtree(folder)
    name = f"pair_{ui}/pairs.ipynb"
    write_notebook(server.root_dir, name, CELLS)
    open_notebook(page, server, name, ui)
    if ui == "lab":
        page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
    run_all_cells(page, timeout_ms=180_000)
    wait_grid(page, query_index=0)
    _focus(page)
    return folder / STORE


def _stored(path: Path) -> dict[tuple[str, str, str], dict[str, Any]]:
    """The current pair judgements, re-derived from the SQLite event log without xmwidgets.

    Keyed ``(query_id, item_id, other_id)``: the pair's own event is keyed ``(q, a, b)``, and b's
    broken-media flag sits on an event keyed ``(q, b, a)``.
    """
    con = sqlite3.connect(path)
    try:
        rows = con.execute(
            "SELECT event_id, task, query_id, item_id, other_id, choice, flags, shown, "
            "shown_position, retracts FROM events ORDER BY event_id"
        ).fetchall()
    finally:
        con.close()
    retracted = {r[9] for r in rows if r[9] is not None}
    current: dict[tuple[str, str, str], dict[str, Any]] = {}
    for event_id, task, q, a, b, choice, flags, shown, position, retracts in rows:
        if retracts is not None or event_id in retracted:
            continue
        assert task == "pair", rows
        current[(q, a, b)] = {
            "choice": choice,
            "flags": flags,
            "shown": json.loads(shown),
            "shown_position": position,
        }
    return {k: v for k, v in current.items() if v["choice"] is not None or v["flags"]}


@pytest.mark.parametrize("ui", ["lab", "notebook"])
def test_pairs_judged_by_keyboard_land_in_labels_and_the_store(
    page: Any, jupyter_server: JupyterServer, artifacts_dir: Path, ui: str
) -> None:
    store = _open(page, jupyter_server, ui)
    assert "pair 1 of 6 · not judged yet" in _state(page)["status"]

    # typed with no wait: pair 2 may not be on screen when 2 is pressed
    page.keyboard.press("1")
    page.keyboard.press("2")
    _wait(page, "(s) => s.index === 2 && s.unsaved === 0")

    # pair 3 is two audio clips: Space plays the focused (left) one, l + Space the right one
    before = _state(page)["scrolls"]
    page.keyboard.press(" ")
    _wait(page, "(s) => s.playing[0] === true")
    page.wait_for_timeout(300)  # a scroll would have happened by now
    assert _state(page)["scrolls"] == before, "Space scrolled the notebook"
    page.keyboard.press("l")
    page.keyboard.press(" ")
    _wait(page, "(s) => s.focused === 1 && s.playing[1] === true && s.playing[0] === false")
    page.keyboard.press(" ")
    _wait(page, "(s) => s.playing[1] === false")

    # tie, both bad, broken media, left better on the last pair (no next pair: it stays)
    # on pair 5 only the right item's media fail: l then m marks that item, not the pair
    for key in ("3", "4", "l", "m", "1"):
        page.keyboard.press(key)
    _wait(page, "(s) => s.index === 5 && s.side === 'left' && s.unsaved === 0")
    # z takes the last choice back and says so; 2 chooses again
    page.keyboard.press("z")
    _wait(page, "(s) => s.notice.startsWith('undid') && s.unsaved === 0 && s.side === ''")
    assert "pair 6" in _state(page)["notice"]
    page.keyboard.press("2")
    _wait(page, "(s) => s.side === 'right' && s.state === 'saved' && s.unsaved === 0")
    assert "all 6 pairs done" in _state(page)["notice"]

    kernel = output_json(page, KERNEL_JSON)
    shown = {tuple(row[:3]): (row[3], row[4]) for row in kernel["shown"]}
    want = []
    for (q, a, b, _, _), (side, flags, broken) in zip(kernel["shown"], EXPECTED, strict=True):
        left, right = shown[(q, a, b)]
        chosen = {"left": left, "right": right}.get(side or "")
        choice = side if chosen is None else ("a" if chosen == a else "b")
        broken_id = {"left": left, "right": right}.get(broken or "")
        want.append([q, a, b, choice, left, flags, broken_id])
    assert kernel["labels"] == want, "judge.labels lost or changed a judgement"
    assert kernel["index"] == list(range(6))
    assert kernel["progress"] == {"judged": 6, "total": 6, "queries_done": 6, "n_queries": 6}
    stored = _stored(store)
    # each choice on its pair's event; the broken flag on the event whose item_id is the broken
    # item (the right one of pair 5), keyed (q, item, other)
    expected_store = {}
    for q, a, b, choice, _, flags, broken_id in want:
        if broken_id is None:
            expected_store[(q, a, b)] = (choice, flags)
        else:
            expected_store[(q, broken_id, b if broken_id == a else a)] = (None, "broken-media")
    assert {k: (v["choice"], v["flags"]) for k, v in stored.items()} == expected_store, (
        "the SQLite file lost or changed a judgement"
    )
    sides = {(q, x, y): v for (q, a, b), v in shown.items() for x, y in ((a, b), (b, a))}
    for (q, item, other), event in stored.items():
        assert event["shown"] == list(shown.get((q, item, other)) or shown[(q, other, item)])
        assert event["shown_position"] == (0 if sides[(q, item, other)][0] == item else 1)

    # screenshots of a judged image pair in both themes (g 1 Enter: back to pair 1)
    _focus(page)  # the cell run above took the focus
    page.keyboard.press("g")
    page.keyboard.type("1")
    page.keyboard.press("Enter")
    _wait(page, "(s) => s.index === 0 && s.state === 'saved'")
    page.wait_for_timeout(500)  # images decoded and painted
    widget = page.locator(GRID_ROOT).last
    screenshot(widget, artifacts_dir / f"pair_{ui}_light.png")
    # the broken-media toggles: the unfocused one (no m cap) shows no gap where its cap would be,
    # and neither moves nor changes width when the focus moves from side to side
    page.keyboard.press("h")
    _wait(page, "(s) => s.focused === 0")
    left_focused = page.evaluate(_TOGGLES, GRID_ROOT)
    page.keyboard.press("l")
    _wait(page, "(s) => s.focused === 1")
    right_focused = page.evaluate(_TOGGLES, GRID_ROOT)
    screenshot(widget, artifacts_dir / f"pair_{ui}_light_right_focused.png")
    page.keyboard.press("h")
    for before, after in zip(left_focused, right_focused, strict=True):
        assert abs(before["x"] - after["x"]) < 0.5 and abs(before["w"] - after["w"]) < 0.5, (
            f"a broken-media toggle moved or changed width with the focus: {before} -> {after}"
        )
    for toggles, focused in ((left_focused, 0), (right_focused, 1)):
        cap, plain = toggles[focused], toggles[1 - focused]
        assert cap["before"] > cap["after"] + 5, f"the focused toggle has no m cap: {cap}"
        assert abs(plain["before"] - plain["after"]) < 1.5, (
            f"the unfocused toggle's label is off centre (a gap where its cap is hidden): {plain}"
        )
    # pair 5 at 1280x800: the right tile says it is broken, the left one does not
    viewport = page.viewport_size
    page.set_viewport_size({"width": 1280, "height": 800})
    try:
        for dark in (False, True):
            set_theme(page, dark=dark)
            page.keyboard.press("g")
            page.keyboard.type("5")
            page.keyboard.press("Enter")
            _wait(page, "(s) => s.index === 4 && s.state === 'saved'")
            assert _state(page)["broken"] == ["false", "true"]
            assert _state(page)["status"].endswith("✓ saved: broken media: right item")
            page.wait_for_timeout(500)
            theme = "dark" if dark else "light"
            screenshot(widget, artifacts_dir / f"pair_{ui}_{theme}_broken.png")
    finally:
        page.set_viewport_size(viewport)
    set_theme(page, dark=True)
    try:
        page.keyboard.press("g")
        page.keyboard.type("3")
        page.keyboard.press("Enter")
        _wait(page, "(s) => s.index === 2 && s.state === 'saved'")
        page.wait_for_timeout(500)
        screenshot(widget, artifacts_dir / f"pair_{ui}_dark_audio.png")
        page.keyboard.press("g")
        page.keyboard.type("1")
        page.keyboard.press("Enter")
        _wait(page, "(s) => s.index === 0")
        page.wait_for_timeout(500)
        screenshot(widget, artifacts_dir / f"pair_{ui}_dark.png")
    finally:
        set_theme(page, dark=False)
    # narrow (a side panel, 200 % zoom): the items one above the other, every choice still there
    viewport = page.viewport_size
    page.set_viewport_size({"width": 560, "height": viewport["height"]})
    try:
        page.wait_for_timeout(500)
        widths = page.evaluate(
            "(sel) => [...[...document.querySelectorAll(sel)].pop()"
            ".querySelectorAll('.xmw-pair-tile, .xmw-pair-choice')].map((e) => e.offsetWidth)",
            GRID_ROOT,
        )
        assert len(widths) == 6 and min(widths) > 0, widths
        screenshot(widget, artifacts_dir / f"pair_{ui}_narrow.png")
    finally:
        page.set_viewport_size(viewport)
