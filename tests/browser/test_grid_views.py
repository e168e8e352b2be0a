"""How the RelevanceGrid looks in JupyterLab 4, checked on the page and kept as screenshots.

One notebook, three queries: the demo's q01 (images, text, audio), a query whose candidates are a
missing image, a zero-byte file, videos, audio and a bundle, and a query of 60 images. In the light
and the dark theme, and at 200 % zoom (a 700×500 CSS px window at device scale factor 2, which is
what browser zoom does to layout), it asserts what a person would check by eye: media are never
dimmed, text in the tiles reaches WCAG AA contrast, a best pick without a grade says so, images
sit centred, the help lists one key per line, the focused tile stays in view, nothing overflows.
Screenshots go to ``tests/artifacts/views/``.
"""

from __future__ import annotations

import io
import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from ._grid import (
    GRID_ROOT,
    ROOT_AND_SCROLLER,
    focused_index,
    grid_snapshot,
    wait_grid,
    wait_tiles,
)
from ._jupyter import JupyterServer
from ._pages import (
    open_and_run,
    open_notebook,
    run_all_cells,
    screenshot,
    set_theme,
    write_notebook,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

SETUP = """\
import pathlib
import pandas as pd
import xmwidgets as xm

demo = xm.datasets.demo()
pathlib.Path("empty.png").write_bytes(b"")
broken = pd.DataFrame([
    {"item_id": "missing-img", "image": "/nonexistent/missing.png", "modality": "image"},
    {"item_id": "empty-img", "image": "empty.png", "modality": "image"},  # the kernel runs in this folder
])
items = pd.concat([demo.items, broken], ignore_index=True)
of = lambda kind: items[items.modality == kind].item_id.tolist()
mixed = ["missing-img", "empty-img", of("video")[0], of("audio")[0], of("image")[0],
         of("bundle")[0], of("text")[0], of("video")[1], of("audio")[1]]
queries = pd.concat([
    demo.queries[demo.queries.query_id == "q01"][["query_id", "text"]],
    pd.DataFrame([{"query_id": "qmix", "text": "errors, a video and an audio candidate"},
                  {"query_id": "q60", "text": "sixty image candidates"}]),
], ignore_index=True)
candidates = pd.concat([
    demo.candidates[demo.candidates.query_id == "q01"][["query_id", "item_id"]],
    pd.DataFrame({"query_id": "qmix", "item_id": mixed}),
    pd.DataFrame({"query_id": "q60", "item_id": of("image")[:60]}),
], ignore_index=True)"""

GRID = """\
grid = xm.RelevanceGrid(queries, items, candidates, store="views.sqlite", annotator="ana",
                        shuffle=False)
grid"""

# JS, (root selector) => what a person checks by eye, measured on the last grid of the page
_LOOK = r"""(sel) => {
  const root = [...document.querySelectorAll(sel)].pop();
  const parse = (c) => {
    const srgb = c.startsWith("color(srgb");
    const m = c.replace("color(srgb", "").match(/[\d.]+/g).map(Number);
    return [...(srgb ? m.slice(0, 3).map((v) => v * 255) : m.slice(0, 3)), m.length > 3 ? m[3] : 1];
  };
  const blend = (top, under) => [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3])).concat([1]);
  const background = (el) => {
    const layers = [];
    for (let n = el; n; n = n.parentElement) {
      const c = parse(getComputedStyle(n).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] === 1) break;
    }
    return layers.reverse().reduce((under, c) => blend(c, under), [255, 255, 255, 1]);
  };
  const lum = (rgb) => rgb.slice(0, 3).map((v) => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
                          .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const contrast = (el) => {
    const back = background(el), text = blend(parse(getComputedStyle(el).color), back);
    const [a, b] = [lum(text), lum(back)].sort((x, y) => y - x);
    return (a + 0.05) / (b + 0.05);
  };
  const opacity = (el) => { let o = 1; for (let n = el; n; n = n.parentElement) o *= Number(getComputedStyle(n).opacity); return o; };
  const media = [...root.querySelectorAll(".xmw-tile :is(img, video, canvas, audio)")];
  const texts = [...root.querySelectorAll(
    ".xmw-tile :is(.xmw-tick, .xmw-value, .xmw-save, .xmw-best, .xmw-text, .xmw-error-title, .xmw-error-reason), "
    + ".xmw-progress, .xmw-hint, .xmw-query, .xmw-position, .xmw-done, .xmw-notice, .xmw-legend :is(dt, dd)")]
    .filter((e) => e.textContent.trim() && e.getClientRects().length);
  const lowContrast = texts.map((e) => [e.className, e.textContent.slice(0, 24), Math.round(contrast(e) * 100) / 100])
                           .filter(([, , r]) => r < 4.5);
  const offCentre = [...root.querySelectorAll(".xmw-tile img.xmw-image")].filter((img) => img.getClientRects().length)
    .map((img) => {
      const box = img.closest(".xmw-parts").getBoundingClientRect(), r = img.getBoundingClientRect();
      return Math.abs((r.left + r.right) / 2 - (box.left + box.right) / 2);
    }).filter((d) => d > 1.5);
  const overflowing = [...root.querySelectorAll(".xmw-tick, .xmw-hint, .xmw-progress, .xmw-nav button, .xmw-row")]
    .filter((e) => e.getClientRects().length && e.scrollWidth > e.clientWidth + 1).map((e) => e.className);
  const tile = root.querySelector(".xmw-tile[data-best='true']");
  return {
    classes: root.className,
    n_media: media.length,
    min_media_opacity: media.length ? Math.min(...media.map(opacity)) : 1,
    low_contrast: lowContrast,
    off_centre: offCentre,
    overflowing,
    root_overflow: root.scrollWidth - root.clientWidth,
    best_tile: tile ? [".xmw-value", ".xmw-best", ".xmw-save"].map((s) => tile.querySelector(s).textContent) : null,
  };
}"""

# JS, (root selector) => heights of the help's key cells in lines
_HELP_LINES = """(sel) => {
  const help = [...document.querySelectorAll(sel)].pop().querySelector(".xmw-help");
  return [...help.querySelectorAll(".xmw-help-keys dt")].map((dt) => {
    const line = parseFloat(getComputedStyle(dt).lineHeight) || 1.4 * parseFloat(getComputedStyle(dt).fontSize);
    return Math.round(dt.getBoundingClientRect().height / line);
  });
}"""

# JS, (root selector) => where the focused tile is against each box that could hide it: the grid's
# scroller, the notebook's scroller (the nearest one outside the grid) and the window
_FOCUSED_IN_VIEW = """(sel) => {
  const root = [...document.querySelectorAll(sel)].pop();
  const box = (e) => { const r = e.getBoundingClientRect(); return [Math.round(r.top), Math.round(r.bottom)]; };
  let outer = root.parentElement;
  while (outer && !/(auto|scroll)/.test(getComputedStyle(outer).overflowY)) outer = outer.parentElement;
  const tile = box(root.querySelector(".xmw-tile.xmw-focused"));
  const boxes = {tiles: box(root.querySelector(".xmw-tiles")), notebook: outer ? box(outer) : [0, innerHeight],
                 window: [0, innerHeight]};
  const hidden = Object.entries(boxes).filter(([, [top, bottom]]) => tile[0] < top - 1 || tile[1] > bottom + 1)
                       .map(([name]) => name);
  return {tile, ...boxes, hidden};
}"""


def _look(page: Any) -> dict[str, Any]:
    return page.evaluate(_LOOK, GRID_ROOT)


def _assert_looks_right(look: dict[str, Any], where: str) -> None:
    assert look["n_media"] > 0, f"{where}: no media in the tiles"
    assert look["min_media_opacity"] == 1, f"{where}: media dimmed by opacity: {look}"
    assert look["low_contrast"] == [], f"{where}: text under 4.5:1 contrast: {look['low_contrast']}"
    assert look["off_centre"] == [], f"{where}: images not centred (px off): {look['off_centre']}"
    assert look["overflowing"] == [], f"{where}: clipped text: {look['overflowing']}"
    assert look["root_overflow"] <= 1, f"{where}: the grid is wider than its cell: {look}"


def _open_views(page: Any, server: JupyterServer, folder: str) -> Any:
    """Write and run the views notebook in ``folder``; return the grid's root, focused."""
    directory = server.root_dir / folder
    if directory.exists():
        shutil.rmtree(directory)
    name = f"{folder}/views.ipynb"
    write_notebook(server.root_dir, name, [SETUP, GRID])
    open_notebook(page, server, name, "lab")
    page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
    run_all_cells(page, timeout_ms=240_000)
    wait_grid(page, query_index=0)
    root = page.locator(GRID_ROOT).last
    root.scroll_into_view_if_needed()
    root.locator(".xmw-progress").click()
    assert grid_snapshot(page)["has_focus"]
    return root


def _judge_some(page: Any) -> None:
    """Grade tile 0 and star it (b acts on the tile just graded), grade tile 1 "not relevant",
    move by hand to tile 3 and grade it, so that it carries the b target; wait until all are saved."""
    for key in ("3", "b", "0", "ArrowRight", "2"):
        page.keyboard.press(key)
    wait_tiles(
        page,
        """(s) => s.tiles[0].relevance === "3" && s.tiles[0].best && s.tiles[1].relevance === "0"
                  && s.tiles[3].relevance === "2"
                  && [0, 1, 3].every((i) => s.tiles[i].state === "saved")""",
    )


def _to_last_tile(page: Any) -> None:
    n = len(grid_snapshot(page)["tiles"])
    for _ in range(n):
        page.keyboard.press("ArrowRight")
    assert focused_index(page) == n - 1
    page.wait_for_timeout(400)  # smooth scrolling and lazy images


@pytest.mark.usefixtures("built_bundle")
def test_grid_views_light_dark(
    page: Any, jupyter_server: JupyterServer, artifacts_dir: Path
) -> None:
    out = artifacts_dir / "views"
    root = _open_views(page, jupyter_server, "views_lab")
    assert {"xmw-grid", "xmw-grid-root"} <= set(root.get_attribute("class").split())
    _judge_some(page)

    look = _look(page)
    _assert_looks_right(look, "light q01")
    assert look["best_tile"] == ["exact match", "★ best", "saved ✓"], look
    target = root.locator(".xmw-tile.xmw-best-target")
    assert target.count() == 1 and target.get_attribute("data-index") == "3", (
        "b target not on tile 3"
    )
    screenshot(root, out / "lab_light_q01.png")

    page.keyboard.press("?")
    assert grid_snapshot(page)["help_visible"]
    assert set(page.evaluate(_HELP_LINES, GRID_ROOT)) == {1}, "help keys wrap at 1400 px"
    screenshot(root, out / "lab_light_help.png")
    page.keyboard.press("Escape")

    set_theme(page, dark=True)
    _assert_looks_right(_look(page), "dark q01")
    screenshot(root, out / "lab_dark_q01.png")
    root.locator(".xmw-progress").click()

    page.keyboard.press("n")
    wait_grid(page, query_index=1)
    page.wait_for_timeout(800)  # posters and waveforms
    snapshot = grid_snapshot(page)
    assert snapshot["n_error_tiles"] == 2, snapshot
    assert root.locator(".xmw-tile video").count() == 2
    assert root.locator(".xmw-tile audio").count() >= 2
    _assert_looks_right(_look(page), "dark qmix")
    screenshot(root, out / "lab_dark_qmix.png")
    set_theme(page, dark=False)
    _assert_looks_right(_look(page), "light qmix")
    screenshot(root, out / "lab_light_qmix.png")

    root.locator(".xmw-progress").click()
    page.keyboard.press("n")
    wait_grid(page, query_index=2)
    assert len(grid_snapshot(page)["tiles"]) == 60
    _to_last_tile(page)
    where = page.evaluate(_FOCUSED_IN_VIEW, GRID_ROOT)
    assert where["hidden"] == [], f"the focused last tile is out of view: {where}"
    page.screenshot(path=str(out / "lab_light_q60_bottom.png"))

    # none relevant on a query without relevant grades (R4 refuses it on q01, which has some)
    page.keyboard.press("x")
    wait_tiles(page, "(s) => s.none_relevant_visible")
    _assert_looks_right(_look(page), "light q60, none relevant")
    page.screenshot(path=str(out / "lab_light_none_relevant.png"))


@pytest.mark.usefixtures("built_bundle")
def test_grid_views_at_200_percent_zoom(
    browser: Any, jupyter_server: JupyterServer, artifacts_dir: Path
) -> None:
    out = artifacts_dir / "views"
    jupyter_server.delete_all_sessions()
    jupyter_server.reset_lab_state()
    context = browser.new_context(viewport={"width": 700, "height": 500}, device_scale_factor=2)
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        root = _open_views(page, jupyter_server, "views_zoom")
        _judge_some(page)
        look = _look(page)
        _assert_looks_right(look, "200 % q01")
        hint = root.locator(".xmw-hint")
        lines = hint.evaluate(
            "(e) => Math.round(e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight))"
        )
        assert lines >= 2, "the key hint should wrap at 200 % zoom, not run off the side"
        root.evaluate("(el) => el.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(300)
        page.screenshot(path=str(out / "zoom200_header.png"))

        root.locator(".xmw-progress").click()
        page.keyboard.press("?")
        assert grid_snapshot(page)["help_visible"]
        page.screenshot(path=str(out / "zoom200_help.png"))
        page.keyboard.press("Escape")

        page.keyboard.press("n")
        wait_grid(page, query_index=1)
        page.wait_for_timeout(800)
        _assert_looks_right(_look(page), "200 % qmix")
        page.screenshot(path=str(out / "zoom200_qmix.png"))

        page.keyboard.press("n")
        wait_grid(page, query_index=2)
        _to_last_tile(page)
        where = page.evaluate(_FOCUSED_IN_VIEW, GRID_ROOT)
        assert where["hidden"] == [], f"the focused last tile is out of view: {where}"
        page.screenshot(path=str(out / "zoom200_q60_bottom.png"))
    finally:
        context.close()
        jupyter_server.delete_all_sessions()


# ---- layout at 1280×800, with scroll bars shown ------------------------------------------------

WINDOW = {"width": 1280, "height": 800}

# JS, (root selector) => how the grid fills a 1280×800 window, as a person would count it
_LAYOUT = r"""(sel) => {
  const root = [...document.querySelectorAll(sel)].pop();
  const scrolls = (n) => /(auto|scroll)/.test(getComputedStyle(n).overflowY) && n.scrollHeight > n.clientHeight + 1;
  const name = (n) => (n.className && n.className.toString()) || n.tagName;
  const outer = [];
  for (let n = root.parentElement; n; n = n.parentElement) if (scrolls(n)) outer.push(name(n));
  const inner = [root, ...root.querySelectorAll("*")].filter(scrolls).map(name);
  const tiles = [...root.querySelectorAll(".xmw-tile")];
  const shown = (t) => {
    const r = t.getBoundingClientRect(), x = (r.left + r.right) / 2;
    if (r.top < 0 || r.bottom > innerHeight || r.height === 0) return false;
    // on screen and not under a toolbar or a status bar: the tile itself is at its top and bottom edge
    return [r.top + 3, r.bottom - 3].every((y) => t.contains(document.elementFromPoint(x, y)));
  };
  const splitWords = [];
  const ticks = [...root.querySelectorAll(".xmw-tile .xmw-tick")];
  for (const tick of ticks) {
    for (const node of tick.childNodes) {
      if (node.nodeType !== 3) continue;
      for (const m of node.textContent.matchAll(/\S+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (lines.size > 1) splitWords.push(m[0]);
      }
    }
  }
  const firstTicks = [...tiles[0].querySelectorAll(".xmw-tick")];
  const legend = [...root.querySelectorAll(".xmw-legend dd")].filter((e) => e.getClientRects().length);
  return {
    outer_scrollers: outer,
    inner_scrollers: inner,
    n_tiles: tiles.length,
    fully_visible: tiles.filter(shown).length,
    columns: new Set(tiles.map((t) => Math.round(t.getBoundingClientRect().left))).size,
    // tiles the browser has laid out (content-visibility skips those far off screen: they
    // stand at their contain-intrinsic-size until they come near)
    heights: tiles.filter((t) => t.firstElementChild.checkVisibility({contentVisibilityAuto: true}))
                  .map((t) => Math.round(t.getBoundingClientRect().height * 10) / 10),
    split_words: splitWords,
    key_caps: firstTicks.map((t) => getComputedStyle(t, "::before").content),
    tick_rows: new Set(firstTicks.map((t) => Math.round(t.getBoundingClientRect().top))).size,
    legend: legend.map((e) => e.textContent),
  };
}"""

# JS, (video) => what is under the middle and the control bar of a video
_UNDER_VIDEO = """(v) => {
  const r = v.getBoundingClientRect(), x = (r.left + r.right) / 2;
  return [(r.top + r.bottom) / 2, r.bottom - 8].map((y) => {
    const hit = document.elementFromPoint(x, y);
    return hit === v ? "video" : (hit ? hit.tagName + "." + hit.className : null);
  });
}"""


@pytest.fixture(scope="module")
def browser_with_scrollbars(browser: Any) -> Any:
    """Chromium without Playwright's ``--hide-scrollbars``: a grid scroller inside the notebook's
    would otherwise go unseen (BROWSER_TESTING.md). Launched from the session's Playwright (a
    second sync Playwright cannot run in the same process)."""
    from .conftest import CHROMIUM_ARGS, chromium_executable

    shown = browser.browser_type.launch(
        executable_path=chromium_executable(),
        args=CHROMIUM_ARGS,
        headless=True,
        ignore_default_args=["--hide-scrollbars"],
    )
    try:
        yield shown
    finally:
        shown.close()


# JS, the start of the two below: the last grid's root, the notebook's scroller, the tiles' tops
_ROOT_AND_SCROLLER = (
    ROOT_AND_SCROLLER
    + """
  const tileTops = () => [...root.querySelectorAll(".xmw-tile")].map(
    (t) => Math.round(t.getBoundingClientRect().top));
"""
)

# JS: scroll the notebook so that the grid's header is just out of view; the tiles' tops then
_SCROLL_PAST_HEADER = (
    "(sel) => {"
    + _ROOT_AND_SCROLLER
    + """
  const header = root.querySelector(".xmw-header").getBoundingClientRect();
  scroller.scrollTop += header.bottom - scroller.getBoundingClientRect().top + 8;
  return { tile_tops: tileTops(),
           header_bottom: root.querySelector(".xmw-header").getBoundingClientRect().bottom };
}"""
)

# JS: where the notice is, against the visible part of the notebook, and the tiles' tops
_NOTICE_PLACE = (
    "(sel) => {"
    + _ROOT_AND_SCROLLER
    + """
  const view = scroller.getBoundingClientRect();
  const notice = root.querySelector(".xmw-notice").getBoundingClientRect();
  return { view_top: view.top, view_bottom: view.bottom, notice_top: notice.top,
           notice_bottom: notice.bottom, tile_tops: tileTops() };
}"""
)


def _poll(read: Any, done: Any, tries: int = 40, every_s: float = 0.05) -> Any:
    """``read()`` until ``done(value)`` or ``tries`` reads (``every_s`` apart); the last value."""
    value = read()
    for _ in range(tries):
        if done(value):
            break
        time.sleep(every_s)
        value = read()
    return value


def _layout(page: Any) -> dict[str, Any]:
    return page.evaluate(_LAYOUT, GRID_ROOT)


def _grid_to_top(page: Any) -> None:
    """Scroll the notebook so that the grid starts at the top of its panel, as a person would."""
    page.locator(GRID_ROOT).last.evaluate("(el) => el.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(400)


def _player_luminance(page: Any, locator: Any) -> float:
    """Mean luminance (0-255) of a native player as painted on the page."""
    from PIL import Image, ImageStat

    box = locator.bounding_box()
    shot = Image.open(io.BytesIO(page.screenshot())).convert("L")
    left, top = int(box["x"]) + 2, int(box["y"]) + 2
    crop = shot.crop(
        (left, top, int(box["x"] + box["width"]) - 2, int(box["y"] + box["height"]) - 2)
    )
    return float(ImageStat.Stat(crop).mean[0])


def _assert_layout(layout: dict[str, Any], where: str) -> None:
    assert len(layout["outer_scrollers"]) == 1, f"{where}: not one notebook scroller: {layout}"
    assert layout["inner_scrollers"] == [], (
        f"{where}: the grid scrolls inside the notebook: {layout}"
    )
    assert layout["split_words"] == [], f"{where}: level names broken mid-word: {layout}"
    assert layout["key_caps"] == ['"0"', '"1"', '"2"', '"3"'], f"{where}: keys not shown: {layout}"
    assert layout["tick_rows"] == 1, f"{where}: level buttons wrap to a second row: {layout}"
    assert len(layout["legend"]) == 4, f"{where}: level definitions not shown: {layout}"
    heights = layout["heights"]
    assert max(heights) - min(heights) <= 1, f"{where}: tiles of unequal height: {heights}"


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("ui", ["lab", "notebook"])
@pytest.mark.usefixtures("built_bundle")
def test_grid_layout_at_1280x800(
    browser_with_scrollbars: Any,
    jupyter_server: JupyterServer,
    artifacts_dir: Path,
    ui: str,
    theme: str,
) -> None:
    """One scroller, two rows of candidates on screen, level buttons that hold still, media that
    play and follow the theme, in JupyterLab and Notebook 7, light and dark."""
    from .conftest import ALLOWED_PAGE_ERRORS

    out = artifacts_dir / "views"
    out.mkdir(parents=True, exist_ok=True)
    where = f"{ui} {theme}"
    jupyter_server.delete_all_sessions()
    jupyter_server.reset_lab_state()
    context = browser_with_scrollbars.new_context(viewport=WINDOW)
    errors: list[str] = []
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        name = f"layout_{ui}_{theme}/views.ipynb"
        open_and_run(
            page, jupyter_server, name, [SETUP, GRID], ui, dark=theme == "dark", timeout_ms=240_000
        )
        wait_grid(page, query_index=0)
        root = page.locator(GRID_ROOT).last
        _grid_to_top(page)
        root.locator(".xmw-progress").click()
        figures: dict[str, Any] = {}

        # q01: judging leaves every tile at its height
        before = _layout(page)
        _assert_layout(before, f"{where} q01")
        for key in ("3", "0", "2", "1", "ArrowLeft", "2"):
            page.keyboard.press(key)
        wait_tiles(
            page,
            """(s) => s.tiles.slice(0, 4).every((t) => t.relevance !== "" && t.state === "saved")""",
        )
        after = _layout(page)
        assert after["heights"] == before["heights"], (
            f"{where}: judging changed tile heights: {before['heights']} -> {after['heights']}"
        )
        page.screenshot(path=str(out / f"{ui}_{theme}_1280_q01.png"))

        # a refused key (x while candidates are graded relevant), with the widget's top scrolled
        # out of view: the notice shows in view, over the tiles, and no tile moves
        seen = page.evaluate(_SCROLL_PAST_HEADER, GRID_ROOT)
        page.keyboard.press("x")
        notice = root.locator(".xmw-notice[data-kind='refused']")
        notice.wait_for(state="visible")

        def in_view(p: dict[str, Any]) -> bool:
            return p["view_top"] <= p["notice_top"] < p["notice_bottom"] <= p["view_bottom"]

        # the notice is placed in the frame after it shows: give a loaded machine a few frames
        placed = _poll(lambda: page.evaluate(_NOTICE_PLACE, GRID_ROOT), in_view)
        assert placed["tile_tops"] == seen["tile_tops"], f"{where}: the notice moved the tiles"
        assert seen["header_bottom"] < placed["view_top"], f"{where}: the header was in view"
        assert in_view(placed), f"{where}: the notice is out of view: {placed}"
        page.screenshot(path=str(out / f"{ui}_{theme}_1280_refused_notice.png"))
        _grid_to_top(page)

        # qmix: errors, videos, audio; the video plays on a click, the players follow the theme.
        # n from q01 scrolled past its header: the new query's header comes into view
        page.evaluate(_SCROLL_PAST_HEADER, GRID_ROOT)
        page.keyboard.press("n")
        wait_grid(page, query_index=1)
        # the scroll happens in the frame that shows the new page
        top = _poll(
            lambda: {
                **page.evaluate(_NOTICE_PLACE, GRID_ROOT),
                "header_top": root.locator(".xmw-header").bounding_box()["y"],
            },
            lambda t: t["view_top"] - 1 <= t["header_top"] <= t["view_top"] + 40,
        )
        assert top["view_top"] - 1 <= top["header_top"] <= top["view_top"] + 40, (
            f"{where}: the next query's header is not in view: {top}"
        )
        page.wait_for_timeout(800)  # posters and waveforms
        _grid_to_top(page)
        mixed = _layout(page)
        _assert_layout(mixed, f"{where} qmix")
        figures["qmix_fully_visible"] = mixed["fully_visible"]
        broken_buttons = root.locator(".xmw-tile .xmw-broken").count()
        media_tiles = root.locator(".xmw-tile:has(:is(img, video, audio, .xmw-error))").count()
        assert broken_buttons == media_tiles > 0, f"{where}: {broken_buttons} broken buttons"

        # broken media: m on the focused error tile, the button on the next one; then a grade
        # and a best pick on the video, and a grade on the audio (which carries the b target)
        heights = mixed["heights"]
        root.locator(".xmw-progress").click()
        page.keyboard.press("m")
        root.locator(".xmw-tile").nth(1).locator(".xmw-broken").click()
        for key in ("ArrowRight", "3", "b", "1"):
            page.keyboard.press(key)
        page.wait_for_function(
            """(sel) => { const t = [...[...document.querySelectorAll(sel)].pop()
                                     .querySelectorAll(".xmw-tile")];
               return t[0].dataset.broken === "true" && t[1].dataset.broken === "true"
                 && t[2].dataset.relevance === "3" && t[2].dataset.best === "true"
                 && t[3].dataset.relevance === "1" && t[3].classList.contains("xmw-best-target")
                 && t.slice(0, 4).every((x) => x.dataset.state === "saved"); }""",
            arg=GRID_ROOT,
        )
        flagged = root.locator(".xmw-tile").first
        assert flagged.locator(".xmw-value").text_content() == "broken media"
        assert flagged.locator(".xmw-broken").get_attribute("aria-pressed") == "true"
        assert flagged.locator(".xmw-tick.xmw-selected").count() == 0, "broken is not a grade"
        judged = _layout(page)
        assert judged["heights"] == heights, f"{where}: judging changed tile heights"
        _assert_looks_right(_look(page), f"{where} qmix judged")
        page.screenshot(path=str(out / f"{ui}_{theme}_1280_qmix.png"))
        if ui == "lab" and theme == "light":
            screenshot(root, out / "lab_light_qmix_grid.png")  # docs/grid.png comes from this one

        # the bundle (image, audio, text) is taller than the box: "more" shows all of it
        bundle = root.locator(".xmw-tile:has(.xmw-media[data-overflowing='true'])")
        assert bundle.count() >= 1, f"{where}: no tile offers 'more' for its cut-off parts"
        more = bundle.first.locator(".xmw-more")
        low = bundle.first.bounding_box()["height"]
        more.click()
        assert bundle.first.bounding_box()["height"] > low + 20, (
            f"{where}: 'more' did not grow the tile"
        )
        more.click()
        assert abs(bundle.first.bounding_box()["height"] - low) <= 1, (
            f"{where}: 'less' did not shrink it"
        )

        audio = root.locator(".xmw-tile audio").first
        audio.scroll_into_view_if_needed()
        shown = _player_luminance(page, audio)
        set_theme(page, dark=theme == "light")
        switched = _player_luminance(page, audio)
        set_theme(page, dark=theme == "dark")
        figures["audio_luminance"] = [round(shown), round(switched)]
        light, dark = (shown, switched) if theme == "light" else (switched, shown)
        assert light > 170 and dark < 110, (
            f"{where}: the audio player does not follow the theme: light {light:.0f}, dark {dark:.0f}"
        )

        video = root.locator(".xmw-tile video").first
        video.scroll_into_view_if_needed()
        assert video.evaluate(_UNDER_VIDEO) == ["video", "video"], f"{where}: the video is covered"
        video.evaluate(
            """(v) => { window.__xmwPlayed = false;
                       v.addEventListener("playing", () => { window.__xmwPlayed = true; }, {once: true}); }"""
        )
        video.click(timeout=10_000)  # Playwright fails here when another element takes the click
        page.wait_for_function("() => window.__xmwPlayed === true", timeout=10_000)
        video.evaluate("(v) => v.pause()")

        # q60: two full rows of candidates in the window
        root.locator(".xmw-progress").click()
        page.keyboard.press("n")
        wait_grid(page, query_index=2)
        _grid_to_top(page)
        many = _layout(page)
        _assert_layout(many, f"{where} q60")
        figures.update(q60_fully_visible=many["fully_visible"], columns=many["columns"])
        page.screenshot(path=str(out / f"{ui}_{theme}_1280_q60.png"))
        if ui == "lab":
            # JupyterLab opens with its file browser: three columns, and still two full rows
            page.evaluate("() => window.jupyterapp.shell.expandLeft()")
            page.wait_for_timeout(500)
            _grid_to_top(page)
            narrow = _layout(page)
            figures.update(
                sidebar_fully_visible=narrow["fully_visible"], sidebar_columns=narrow["columns"]
            )
            page.screenshot(path=str(out / f"{ui}_{theme}_1280_q60_sidebar.png"))
            assert narrow["fully_visible"] >= 2 * narrow["columns"] >= 6, (
                f"{where} sidebar: {narrow}"
            )
        print(f"\n{where} 1280x800: {figures}")
        (out / f"layout_{ui}_{theme}.json").write_text(json.dumps(figures, indent=1))
        assert many["fully_visible"] >= 2 * many["columns"] >= 8, f"{where}: {many}"
        assert mixed["fully_visible"] >= 8, f"{where}: {mixed}"
    finally:
        context.close()
        jupyter_server.delete_all_sessions()
    unexpected = [e for e in errors if not any(p.search(e) for p in ALLOWED_PAGE_ERRORS)]
    assert unexpected == [], f"{where}: errors in the page: {unexpected}"
