"""Shared pieces of the browser benchmarks: one server and one Chromium, fast waits, kernel checks.

The server, the notebook helpers and the Chromium settings come from the browser tests
(``tests/browser/_jupyter.py``, ``_pages.py``, ``conftest.py``); this module adds what a
benchmark needs on top of them:

- :func:`session`: a ``jupyter lab`` server and a headless Chromium page, torn down together;
- :func:`wait_js`: wait for a condition in the page with a ``MutationObserver`` (no polling
  interval, so the wait adds no quantisation to what is timed);
- :func:`kernel_print`: run code in the notebook's kernel straight through its session (an
  ``execute_request`` on the same websocket as the widgets' messages, so it is handled after them)
  and return what it printed, without adding a cell to the notebook;
- :func:`set_cell_source`, :func:`output_area_js`: re-use one notebook cell per run;
- :func:`percentiles`.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "tests"))

from browser._jupyter import JupyterServer, start_server  # noqa: E402
from browser._pages import open_notebook, run_all_cells, run_cell, write_notebook  # noqa: E402
from browser.conftest import CHROMIUM_ARGS, VIEWPORT, chromium_executable  # noqa: E402

__all__ = [
    "BenchSession",
    "kernel_print",
    "load_average",
    "open_notebook",
    "output_area_js",
    "percentiles",
    "run_all_cells",
    "run_cell",
    "session",
    "set_cell_source",
    "wait_js",
    "write_notebook",
]

# JS: the notebook panel on screen (Lab and Notebook 7 both expose the app, see _pages.py)
_PANEL = "const panel = window.jupyterapp.shell.currentWidget;"


@dataclass
class BenchSession:
    """A running server and the one page a benchmark drives."""

    server: JupyterServer
    page: Any  # playwright.sync_api.Page


@contextmanager
def session() -> Iterator[BenchSession]:
    """Start an isolated ``jupyter lab`` and a headless Chromium page; stop both at the end."""
    from playwright.sync_api import sync_playwright

    executable = chromium_executable()
    if executable is None:
        raise SystemExit("no `chromium` on PATH: apt-get update && apt-get install -y chromium")
    base = Path(tempfile.mkdtemp(prefix="xmw-bench-"))
    server = start_server(base)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, args=CHROMIUM_ARGS, headless=True
            )
            try:
                page = browser.new_page(viewport=VIEWPORT)
                page.set_default_timeout(60_000)
                yield BenchSession(server=server, page=page)
            finally:
                browser.close()
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


_WAIT_JS = """async ([predicateSource, arg, timeoutMs]) => {
  const predicate = new Function("return " + predicateSource)();
  const first = predicate(arg);
  if (first) return first;
  return await new Promise((resolve, reject) => {
    let done = false;
    const finish = (value, error) => {
      if (done) return;
      done = true;
      observer.disconnect();
      clearTimeout(timer);
      if (error) reject(error); else resolve(value);
    };
    const observer = new MutationObserver(() => {
      let value;
      try { value = predicate(arg); } catch (error) { finish(null, error); return; }
      if (value) finish(value, null);
    });
    observer.observe(document.body,
                     {subtree: true, childList: true, attributes: true, characterData: true});
    const timer = setTimeout(() => finish(null, new Error(
      "timed out after " + timeoutMs + " ms waiting for: " + predicateSource.slice(0, 300))),
      timeoutMs);
  });
}"""


def wait_js(page: Any, predicate_js: str, arg: Any = None, timeout_ms: float = 30_000) -> Any:
    """Wait until ``predicate_js`` (a JS ``(arg) => value``) returns a truthy value; return it.

    The predicate runs at once and then on every DOM mutation, so the wait ends in the task that
    changed the DOM (a ``wait_for_function`` polls every frame or every N ms instead).
    """
    return page.evaluate(_WAIT_JS, [predicate_js, arg, timeout_ms])


_KERNEL_PRINT_JS = (
    "async ([code, timeoutMs]) => {"
    + _PANEL
    + """
  const kernel = panel.sessionContext.session.kernel;
  const future = kernel.requestExecute({code, silent: false, store_history: false});
  const parts = [];
  future.onIOPub = (msg) => {
    const type = msg.header.msg_type;
    if (type === "stream") parts.push(msg.content.text);
    else if (type === "error") parts.push(msg.content.ename + ": " + msg.content.evalue);
  };
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error("kernel did not answer in " + timeoutMs + " ms")),
                       timeoutMs);
  });
  try { await Promise.race([future.done, timeout]); } finally { clearTimeout(timer); }
  return parts.join("");
}"""
)


def kernel_print(page: Any, code: str, timeout_ms: float = 30_000) -> str:
    """Run ``code`` in the notebook's kernel and return what it printed (stdout and errors).

    Sent as an ``execute_request`` on the kernel's shell channel, the channel the widgets' comm
    messages take, so the kernel handles it after every widget message the page sent before it.
    Nothing is added to the notebook, so repeated checks do not make the page heavier.
    """
    return str(page.evaluate(_KERNEL_PRINT_JS, [code, timeout_ms]))


def set_cell_source(page: Any, index: int, source: str) -> None:
    """Replace the source of cell ``index`` of the notebook on screen."""
    page.evaluate(
        "([i, source]) => {"
        + _PANEL
        + " panel.content.model.cells.get(i).sharedModel.setSource(source); }",
        [index, source],
    )


def output_area_js(index: int) -> str:
    """JS expression: the output area element of cell ``index`` of the notebook on screen."""
    return f"window.jupyterapp.shell.currentWidget.content.widgets[{index}].outputArea.node"


def percentiles(values: list[float]) -> tuple[float, float, int]:
    """(p50, p95, n) of ``values``; NaNs when empty. p95 is the nearest-rank value."""
    if not values:
        return float("nan"), float("nan"), 0
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95, len(ordered)


def load_average() -> str:
    """The machine's load as ``uptime`` prints it (the figures depend on it: 2 shared cores)."""
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        one, five, fifteen = os.getloadavg()
        return f"load average: {one:.2f}, {five:.2f}, {fifteen:.2f}"
