"""Marks that come and go move no tile: "none relevant" (x) and flags on a tile, at 1280x800;
and nothing in the header's status row is drawn over anything else at the widths where it is tight.

In JupyterLab 4 and Notebook 7, light and dark: the demo's q01 in a RelevanceGrid. ``x`` marks the
query none relevant and ``x`` again takes it back; ``D`` flags the focused candidate dissonant,
``e`` gives it a note. Before and after each, one ``page.evaluate`` reads every tile's top and
height: nothing below the header may move, and a flagged tile keeps the height of its row.
A flag chip beside a note on a tile of four columns shows its flag's key, not a name cut to
"di…". In Notebook 7 with the widget 700, 800 and 900 px wide (two lines, then one), ``x`` (the "✗ none relevant" badge and
"✓ query done" appear) draws no part of the status row over another and leaves its height as it
was. Screenshots of each state go to ``tests/artifacts/views/``.
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


# JS: the first tile's flag chips: what each shows (its name, or its key where the name has no
# room), whether that is cut, and whether the chip lies inside its line (the line clips)
_CHIPS = """(sel) => {
  const root = [...document.querySelectorAll(sel)].pop();
  const tile = root.querySelector(".xmw-tile");
  return [...tile.querySelectorAll(".xmw-chip")].map((chip) => {
    const name = chip.querySelector(".xmw-chip-name");
    const named = name.getBoundingClientRect().width > 1;
    const box = chip.getBoundingClientRect();
    const text = box.width - chip.querySelector(".xmw-chip-remove").getBoundingClientRect().width;
    return {
      flag: chip.dataset.flag,
      title: chip.title,
      shown: named ? name.textContent : chip.dataset.short,
      cut: named && name.scrollWidth > name.clientWidth + 1,
      text_px: Math.round(text),
      inside: box.right <= chip.parentElement.getBoundingClientRect().right + 0.5,
    };
  });
}"""

# JS: the status row's visible text boxes (its parts and buttons), the pairs of them that overlap,
# those reaching out of the row, those cut with no title (the whole text), and the row's height
_STATUS = """(sel) => {
  const root = [...document.querySelectorAll(sel)].pop();
  const row = root.querySelector(".xmw-status");
  const boxes = [...row.querySelectorAll(".xmw-where > *, .xmw-progress, .xmw-nav > *")]
    .filter((el) => !el.hidden && el.getClientRects().length > 0 && el.textContent.trim())
    .map((el) => ({ el, text: el.textContent, r: el.getBoundingClientRect() }));
  const overlaps = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i].r, b = boxes[j].r;
      const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (x > 0.5 && y > 0.5) overlaps.push([boxes[i].text, boxes[j].text]);
    }
  }
  const own = row.getBoundingClientRect();
  return {
    width: Math.round(root.getBoundingClientRect().width),
    height: Math.round(own.height),
    texts: boxes.map((b) => b.text),
    overlaps,
    outside: boxes.filter((b) => b.r.left < own.left - 0.5 || b.r.right > own.right + 0.5).map((b) => b.text),
    cut_untitled: boxes
      .filter((b) => b.el.scrollWidth > b.el.clientWidth + 1 && !b.el.title)
      .map((b) => b.text),
  };
}"""


def _widget_width(page: Any, width: int) -> int:
    """Resize the window until the last grid is ``width`` px wide (the notebook's margins vary)."""
    got = 0
    for _ in range(4):
        got = page.evaluate(_STATUS, GRID_ROOT)["width"]
        if got == width:
            break
        page.set_viewport_size({"width": page.viewport_size["width"] + width - got, "height": 800})
        page.wait_for_timeout(300)
    return got


def _shown_and_focused(page: Any) -> Any:
    """The last grid, once shown, scrolled to its top with the keys going to it, images laid out."""
    wait_grid(page, query_index=0)
    root = page.locator(GRID_ROOT).last
    root.evaluate("(el) => el.scrollIntoView({block: 'start'})")
    root.locator(".xmw-progress").click()
    page.wait_for_timeout(500)
    return root


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
    # four tiles a row: the chip beside the note shows D, not "di…", its name in its title
    (chip,) = page.evaluate(_CHIPS, GRID_ROOT)
    assert chip["shown"] in ("D", "dissonant") and not chip["cut"] and chip["inside"], chip
    assert chip["text_px"] >= 6 and chip["title"] == "dissonant", chip
    root.screenshot(path=str(out / f"{shot}_flag.png"))


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_status_row_overlaps_nothing_at_700_800_and_900(
    page: Any, jupyter_server: JupyterServer, artifacts_dir: Path, theme: str
) -> None:
    out = artifacts_dir / "views"
    out.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 800, "height": 800})
    cells = [CELLS[0], CELLS[1].replace("steady.sqlite", "status.sqlite")]
    open_and_run(
        page,
        jupyter_server,
        f"status_{theme}/status.ipynb",
        cells,
        "notebook",
        dark=theme == "dark",
    )
    wait_grid(page, query_index=0)
    root = page.locator(GRID_ROOT).last
    for width in (700, 800, 900, 1280):
        if width > 900:
            page.set_viewport_size({"width": 1280, "height": 800})
            page.wait_for_timeout(300)
        else:
            assert _widget_width(page, width) == width
        root.evaluate("(el) => el.scrollIntoView({block: 'start'})")
        root.locator(".xmw-progress").click()  # the keys go to the widget
        before = page.evaluate(_STATUS, GRID_ROOT)
        page.keyboard.press("x")
        wait_tiles(page, "(s) => s.none_relevant_visible && s.unsaved === 0")
        marked = page.evaluate(_STATUS, GRID_ROOT)
        root.screenshot(path=str(out / f"notebook_{theme}_{width}_status_x.png"))
        at = f"{theme}, widget {marked['width']} px"
        assert any("none relevant" in t for t in marked["texts"]), (
            f"{at}: no badge in {marked['texts']}"
        )
        assert any(t.startswith("candidate ") for t in marked["texts"]), f"{at}: {marked['texts']}"
        assert not marked["overlaps"], f"{at}: drawn over each other: {marked['overlaps']}"
        assert not marked["outside"], f"{at}: out of the status row: {marked['outside']}"
        assert not marked["cut_untitled"], f"{at}: cut with no title: {marked['cut_untitled']}"
        assert marked["height"] == before["height"], f"{at}: the status row's height changed"
        page.keyboard.press("x")
        wait_tiles(page, "(s) => !s.none_relevant_visible && s.unsaved === 0")
        assert page.evaluate(_STATUS, GRID_ROOT)["height"] == before["height"], at


# JS: tile k of the last grid: its box, its note button's ✎ box, whether the ✎ is what is drawn
# at its centre (not cut off nor covered), and the chips shown / the overflow mark
_NOTE_BUTTON = """([sel, k]) => {
  const root = [...document.querySelectorAll(sel)].pop();
  const tile = root.querySelectorAll(".xmw-tile")[k];
  const box = (el) => { const r = el.getBoundingClientRect();
    return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width }; };
  const icon = tile.querySelector(".xmw-note-icon");
  const b = icon.getBoundingClientRect();
  const hit = document.elementFromPoint((b.left + b.right) / 2, (b.top + b.bottom) / 2);
  const marks = tile.querySelector(".xmw-marks");
  const clip = marks.getBoundingClientRect();
  const more = tile.querySelector(".xmw-marks-more");
  return {
    tile: box(tile), icon: box(icon), marks: box(marks),
    icon_drawn: !!hit && icon.contains(hit) || hit === icon.parentElement,
    icon_in_marks: b.left >= clip.left - 0.5 && b.right <= clip.right + 0.5,
    // the chips drawn: in the line's box (not on the line cut off below it, not cut at its end)
    chips: [...tile.querySelectorAll(".xmw-chip")].filter((c) => {
      const r = c.getBoundingClientRect();
      return r.width > 0 && r.right <= clip.right + 0.5 && r.top >= clip.top - 0.5
             && r.bottom <= clip.bottom + 0.5;
    }).map((c) => c.dataset.flag),
    more: more && !more.hidden ? { text: more.textContent, title: more.title } : null,
    columns: new Set([...root.querySelectorAll(".xmw-tile")].map((t) => Math.round(t.getBoundingClientRect().top))).size,
  };
}"""


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("ui", ["lab", "notebook"])
def test_four_flags_and_a_note_on_a_tile_of_four_columns_keep_the_note_button(
    page: Any, jupyter_server: JupyterServer, artifacts_dir: Path, ui: str, theme: str
) -> None:
    out = artifacts_dir / "views"
    out.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(WINDOW)
    # four candidate flags with keys besides broken-media (which has its own button on a media
    # tile): D, U, F and T on the first tile, an image, beside its best and broken buttons
    cells = [
        CELLS[0],
        """\
from xmwidgets.rubric import Flag
scale = xm.Scale(levels=xm.TREC_SCALE.levels, name="chips", version="chips@1",
                 flags=[*xm.DEFAULT_FLAGS, Flag("too-dark", "Too dark to judge.", key="T",
                                               applies_to="candidate")])
grid = xm.RelevanceGrid(demo.queries, demo.items, q01, store="chips.sqlite", annotator="ana",
                        shuffle=False, scale=scale)
grid""",
    ]
    open_and_run(
        page, jupyter_server, f"chips_{ui}_{theme}/chips.ipynb", cells, ui, dark=theme == "dark"
    )
    root = _shown_and_focused(page)
    k = 0
    assert root.locator(".xmw-tile").first.locator(".xmw-broken").count() == 1
    before = _tiles(page)
    tiles_per_row = sum(1 for top in before["tops"] if top == before["tops"][0])
    assert tiles_per_row == 4, f"{ui} {theme}: {tiles_per_row} columns, not 4"
    for key in ("D", "U", "F", "T"):
        page.keyboard.press(key)
    page.keyboard.press("e")
    page.keyboard.type("two captions say the same")
    page.keyboard.press("Enter")
    wait_tiles(
        page,
        "(s, k) => s.unsaved === 0 && s.tiles[k].flags.split(/[ ,]/).length === 4 && !!s.tiles[k].note",
        k,
    )
    after = _tiles(page)
    assert after["heights"] == before["heights"], (
        f"{ui} {theme}: four flags changed a tile's height: {_rows(before)} -> {_rows(after)}"
    )
    assert after["tops"] == before["tops"], f"{ui} {theme}: four flags moved the tiles"
    probe = page.evaluate(_NOTE_BUTTON, [GRID_ROOT, k])
    tile, icon = probe["tile"], probe["icon"]
    assert icon["width"] > 4, f"{ui} {theme}: the ✎ has no width: {probe}"
    assert tile["left"] <= icon["left"] and icon["right"] <= tile["right"], probe
    assert tile["top"] <= icon["top"] and icon["bottom"] <= tile["bottom"], probe
    assert probe["icon_in_marks"] and probe["icon_drawn"], f"{ui} {theme}: the ✎ is cut: {probe}"
    # the flags that have no room are said: "+n", their names in its title
    shown = probe["chips"]
    assert shown, f"{ui} {theme}: no chip is shown whole: {probe}"
    hidden = 4 - len(shown)
    if hidden:
        assert probe["more"] and probe["more"]["text"] == f"+{hidden}", probe
        assert all(
            f in probe["more"]["title"]
            for f in {"dissonant", "near-duplicate", "suspected-false-negative", "too-dark"}
            - set(shown)
        ), probe
    root.screenshot(path=str(out / f"{ui}_{theme}_1280_four_flags.png"))


# JS: the last grid's notice (its box, or null when hidden) and every tile's box
_NOTICE_AND_TILES = """(sel) => {
  const root = [...document.querySelectorAll(sel)].pop();
  const box = (el) => { const r = el.getBoundingClientRect();
    return { left: r.left, right: r.right, top: r.top, bottom: r.bottom }; };
  const notice = root.querySelector(".xmw-notice");
  const shown = !!notice && !notice.hidden && notice.getClientRects().length > 0;
  return {
    notice: shown ? { ...box(notice), text: notice.textContent, kind: notice.dataset.kind } : null,
    tiles: [...root.querySelectorAll(".xmw-tile")].map(box),
  };
}"""


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        min(a["right"], b["right"]) - max(a["left"], b["left"]) > 0.5
        and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > 0.5
    )


def _notice_covers_no_tile(page: Any, where: str, starts: str) -> dict[str, Any]:
    """Wait for a notice starting with ``starts``; assert it lies over no tile; return the probe."""
    wait_tiles(page, "(s, p) => s.notice.startsWith(p) && s.unsaved === 0", starts)
    probe = page.evaluate(_NOTICE_AND_TILES, GRID_ROOT)
    notice = probe["notice"]
    assert notice is not None, where
    covered = [k for k, tile in enumerate(probe["tiles"]) if _overlap(notice, tile)]
    assert not covered, f"{where}: the notice {notice} lies over tiles {covered}"
    return probe


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("ui", ["lab", "notebook"])
def test_a_notice_covers_no_tile_and_moves_none(
    page: Any, jupyter_server: JupyterServer, artifacts_dir: Path, ui: str, theme: str
) -> None:
    """A refused key and an undo say so over the key hint, at 1280x800 and in a 768 px window:
    the notice's box meets no tile's box, and no tile moves when it shows nor when it goes."""
    out = artifacts_dir / "views"
    out.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(WINDOW)
    cells = [CELLS[0], CELLS[1].replace("steady.sqlite", "notice.sqlite")]
    name = f"notice_{ui}_{theme}/notice.ipynb"
    open_and_run(page, jupyter_server, name, cells, ui, dark=theme == "dark")
    wait_grid(page, query_index=0)
    root = page.locator(GRID_ROOT).last
    for width in (1280, 768):
        where = f"{ui} {theme} {width} px"
        page.set_viewport_size({"width": width, "height": 800})
        page.wait_for_timeout(400)
        root.evaluate("(el) => el.scrollIntoView({block: 'start'})")
        root.locator(".xmw-progress").click()  # the keys go to the widget
        page.keyboard.press("2")  # a relevant grade (undone below at 1280)
        wait_tiles(page, "(s) => s.unsaved === 0")
        page.wait_for_timeout(300)
        before = page.evaluate(_NOTICE_AND_TILES, GRID_ROOT)["tiles"]
        # x with a candidate graded relevant: refused, and said
        page.keyboard.press("x")
        shown = _notice_covers_no_tile(page, where, "'none relevant' refused")
        assert shown["notice"]["kind"] == "refused"
        assert shown["tiles"] == before, f"{where}: the notice moved tiles"
        root.screenshot(path=str(out / f"{ui}_{theme}_{width}_notice.png"))
        # it goes by itself: nothing moves either
        wait_tiles(page, "(s) => s.notice === ''", None, timeout_ms=20_000)
        assert page.evaluate(_NOTICE_AND_TILES, GRID_ROOT)["tiles"] == before, where
        if width == 1280:
            page.keyboard.press("z")  # "undid: grade ..." over the hint too
            undid = _notice_covers_no_tile(page, where, "undid:")
            assert undid["tiles"] == before, f"{where}: the undo's notice moved tiles"


# JS: tile k of the last grid: its flags, the chips drawn in its marks line (not on the line cut
# off below it nor beyond its end; a lone chip may be cut to an ellipsis, its name in its title)
# and the "+n" mark (null when hidden)
_MORE = """([sel, k]) => {
  const root = [...document.querySelectorAll(sel)].pop();
  const tile = root.querySelectorAll(".xmw-tile")[k];
  const marks = tile.querySelector(".xmw-marks");
  const clip = marks.getBoundingClientRect();
  const chips = [...tile.querySelectorAll(".xmw-chip")];
  const more = tile.querySelector(".xmw-marks-more");
  return {
    flags: chips.map((c) => c.dataset.flag),
    shown: chips.filter((c) => {
      const r = c.getBoundingClientRect();
      return r.width > 0 && r.left < clip.right - 4 && r.top >= clip.top - 0.5
             && r.bottom <= clip.bottom + 0.5;
    }).map((c) => c.dataset.flag),
    more: more && !more.hidden ? { text: more.textContent, title: more.title } : null,
    width: Math.round(tile.getBoundingClientRect().width),
  };
}"""


def _assert_more_names_the_hidden(page: Any, k: int, where: str) -> dict[str, Any]:
    """Assert that "+n" counts and names exactly the chips of tile ``k`` not drawn (none: no mark)."""
    page.wait_for_timeout(300)  # counted in the next frame
    probe = page.evaluate(_MORE, [GRID_ROOT, k])
    hidden = [f for f in probe["flags"] if f not in probe["shown"]]
    if not hidden:
        assert probe["more"] is None, f"{where}: '+n' with every chip shown: {probe}"
    else:
        assert probe["more"] is not None, f"{where}: chips hidden, no '+n': {probe}"
        assert probe["more"]["text"] == f"+{len(hidden)}", f"{where}: {probe}"
        assert sorted(probe["more"]["title"].split(", ")) == sorted(hidden), f"{where}: {probe}"
    return probe


@pytest.mark.parametrize(("ui", "start"), [("lab", 1280), ("notebook", 1280), ("notebook", 800)])
def test_plus_n_names_the_hidden_chips_after_flags_and_resizes(
    page: Any, jupyter_server: JupyterServer, artifacts_dir: Path, ui: str, start: int
) -> None:
    """With MATCHING_RUBRIC, D, U and F on candidate 2 at human pace (in a window 1280 or 800 px
    wide), then the window at 800 px (two columns in Notebook 7) and at 1280: after each, "+n"
    says how many chips are not drawn and names those (it kept naming near-duplicate after F, and
    said "+1" at 800 px with all drawn)."""
    out = artifacts_dir / "views"
    out.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": start, "height": 800 if start == 1280 else 600})
    cells = [
        CELLS[0],
        CELLS[1]
        .replace("steady.sqlite", "more.sqlite")
        .replace("shuffle=False)", "shuffle=False, scale=xm.MATCHING_RUBRIC)"),
    ]
    open_and_run(page, jupyter_server, f"more_{ui}_{start}/more.ipynb", cells, ui)
    root = _shown_and_focused(page)
    k = 1
    page.keyboard.press("ArrowRight")
    seen_more = False
    for n, key in enumerate(("D", "U", "F"), start=1):
        page.keyboard.press(key)
        wait_tiles(
            page,
            "(s, [k, n]) => s.unsaved === 0 && s.tiles[k].flags.split(/[ ,]/).filter(Boolean).length === n",
            [k, n],
        )
        probe = _assert_more_names_the_hidden(page, k, f"{ui} {start} after {key}")
        seen_more = seen_more or probe["more"] is not None
    root.screenshot(path=str(out / f"{ui}_light_{start}_plus_n.png"))
    for width in (800, 1280):
        page.set_viewport_size({"width": width, "height": 600 if width == 800 else 800})
        page.wait_for_timeout(500)
        _assert_more_names_the_hidden(page, k, f"{ui} {width} px after a resize")
        root.screenshot(path=str(out / f"{ui}_light_{width}_plus_n_resized.png"))
    if start == 1280:
        assert seen_more, f"{ui}: no chip was ever hidden at 1280 px: the test tests nothing"


def test_a_flag_key_the_default_rubric_has_not_says_so(
    page: Any, jupyter_server: JupyterServer
) -> None:
    """U and F under the default TREC scale (flags A and D only) say so in the notice, and flag
    nothing; a letter that is no rubric's flag key stays silent."""
    page.set_viewport_size(WINDOW)
    cells = [CELLS[0], CELLS[1].replace("steady.sqlite", "nokey.sqlite")]
    open_and_run(page, jupyter_server, "nokey_lab/nokey.ipynb", cells, "lab")
    wait_grid(page, query_index=0)
    root = page.locator(GRID_ROOT).last
    root.locator(".xmw-progress").click()
    page.keyboard.press("U")
    wait_tiles(page, "(s) => s.notice !== ''")
    snapshot = grid_snapshot(page)
    assert snapshot is not None
    assert snapshot["notice"] == (
        "U: no flag on this key in this rubric (flags: A ambiguous-query, D dissonant)"
    ), snapshot["notice"]
    assert all(t["flags"] == "" for t in snapshot["tiles"]), snapshot["tiles"]
    page.keyboard.press("F")
    wait_tiles(page, "(s) => s.notice.startsWith('F: no flag on this key')")
