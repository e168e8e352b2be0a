"""Drive a notebook in JupyterLab 4 or Notebook 7 from Playwright.

Both UIs expose the same application object as ``window.jupyterapp`` when the server runs with
``expose_app_in_browser``; every helper here goes through it (commands and models) rather than
through menus and key presses, which differ between the two UIs and drop input while the kernel
is still starting (BROWSER_TESTING.md pitfall 1).
"""

from __future__ import annotations

import json
import os
import re
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

    from ._jupyter import JupyterServer

__all__ = [
    "add_and_run_cell",
    "cell_output_text",
    "hold_kernel",
    "keep_kernel_busy",
    "kernel_pid",
    "kill_kernel",
    "notebook_state",
    "open_and_run",
    "open_notebook",
    "output_json",
    "run_all_cells",
    "run_cell",
    "screenshot",
    "set_theme",
    "wait_kernel_ready",
    "write_notebook",
]

_KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}

# JS: the notebook panel on screen, or null (shared by the snippets below).
_PANEL = """
const app = window.jupyterapp;
const panel = app && app.shell ? app.shell.currentWidget : null;
"""

_KERNEL_READY = (
    "() => {"
    + _PANEL
    + """
  if (!panel || !panel.sessionContext || !panel.content || !panel.content.model) return false;
  const sc = panel.sessionContext;
  if (!sc.isReady || sc.isDisposed) return false;
  const kernel = sc.session && sc.session.kernel;
  return !!kernel && kernel.connectionStatus === "connected" && kernel.status === "idle";
}"""
)


def write_notebook(root_dir: Path, name: str, cells: list[str]) -> Path:
    """Write a notebook of code cells (outputs empty) into the server root and return its path."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = dict(_KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    path = Path(root_dir) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def wait_kernel_ready(page: Page, timeout_ms: float = 60_000) -> None:
    """Wait until the notebook's kernel exists, is connected and idle.

    "Idle" in the toolbar is not enough: it shows before the kernel exists, and input sent in that
    window is silently dropped (pitfall 1). This waits on the session context itself.
    """
    page.wait_for_function(_KERNEL_READY, timeout=timeout_ms, polling=100)


def open_notebook(
    page: Page, server: JupyterServer, name: str, ui: str, timeout_ms: float = 90_000
) -> None:
    """Open notebook ``name`` in ``ui`` ("lab" or "notebook") and wait for a ready kernel."""
    page.goto(server.notebook_url(name, ui), wait_until="domcontentloaded", timeout=timeout_ms)
    page.wait_for_function(
        "(name) => {"
        + _PANEL
        + """
  return !!panel && !!panel.context && panel.context.path === name
         && panel.context.isReady && !!panel.content && panel.content.widgets.length > 0;
}""",
        arg=name,
        timeout=timeout_ms,
        polling=100,
    )
    wait_kernel_ready(page, timeout_ms)


def open_and_run(
    page: Page,
    server: JupyterServer,
    name: str,
    cells: list[str],
    ui: str,
    *,
    dark: bool = False,
    timeout_ms: float = 180_000,
) -> None:
    """Write notebook ``name`` (in a fresh folder), open it in ``ui`` and run all its cells.

    In JupyterLab the left panel is collapsed (the notebook gets the window's width); ``dark``
    switches to the dark theme before the cells run.
    """
    import shutil

    folder = server.root_dir / Path(name).parent
    if folder != server.root_dir and folder.exists():
        shutil.rmtree(folder)
    write_notebook(server.root_dir, name, cells)
    open_notebook(page, server, name, ui)
    if ui == "lab":
        page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
    if dark:
        set_theme(page, dark=True)
    run_all_cells(page, timeout_ms=timeout_ms)


def run_all_cells(page: Page, timeout_ms: float = 120_000) -> None:
    """Clear all outputs, run every cell and wait until each code cell has executed.

    The ``notebook:run-all-cells`` promise can resolve while cells are still queued, so this waits
    on the execution counts (cleared first, so an earlier run cannot satisfy the wait) and on an
    idle kernel. A cell that raises stops run-all: that fails at once, with its traceback.
    """
    wait_kernel_ready(page)
    page.evaluate(
        "async () => {"
        + _PANEL
        + """
  // outputs and counts of an earlier run must not satisfy the wait below
  await app.commands.execute("notebook:clear-all-cell-outputs");
  await app.commands.execute("notebook:run-all-cells");
}"""
    )
    try:
        handle = page.wait_for_function(
            "() => {"
            + _PANEL
            + """
  if (!panel) return false;
  const cells = panel.content.model.cells;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type !== "code") continue;
    // run-all stops at a failing cell: report it instead of waiting for the rest
    const error = cell.outputs.toJSON().find((o) => o.output_type === "error");
    if (error) return {cell: i, error: error.ename + ": " + error.evalue};
    if (!cell.executionCount) return false;
  }
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  return !!kernel && kernel.status === "idle";
}""",
            timeout=timeout_ms,
            polling=100,
        )
    except Exception as exc:
        raise AssertionError(
            f"run all cells did not finish: {exc}\nnotebook state: {notebook_state(page)}"
        ) from None
    outcome = handle.json_value()
    if isinstance(outcome, dict):
        index = outcome["cell"]
        raise AssertionError(
            f"cell {index} failed while running all cells: {outcome['error']}\n"
            f"{cell_output_text(page, index)}"
        )


def notebook_state(page: Page) -> dict[str, Any]:
    """Execution counts of the code cells and the kernel's status, for error messages."""
    return page.evaluate(
        "() => {"
        + _PANEL
        + """
  if (!panel || !panel.content) return {panel: null};
  const cells = panel.content.model.cells;
  const counts = [];
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type === "code") counts.push(cell.executionCount);
  }
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  return {
    counts,
    kernel_status: kernel ? kernel.status : null,
    connection: kernel ? kernel.connectionStatus : null,
    kernel_statuses_seen: window.__xmwKernelStatuses || null,
    dialogs: [...document.querySelectorAll(".jp-Dialog")].map((d) => d.textContent),
  };
}"""
    )


def run_cell(page: Page, index: int, timeout_ms: float = 60_000) -> None:
    """Run code cell ``index`` (0-based) and wait for the kernel's reply."""
    wait_kernel_ready(page)
    before = page.evaluate(
        "(i) => {" + _PANEL + " return panel.content.model.cells.get(i).executionCount || 0; }",
        index,
    )
    page.evaluate(
        "async (i) => {"
        + _PANEL
        + """
  panel.content.activeCellIndex = i;
  await app.commands.execute("notebook:run-cell");
}""",
        index,
    )
    page.wait_for_function(
        "([i, before]) => {"
        + _PANEL
        + """
  const count = panel.content.model.cells.get(i).executionCount || 0;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  return count !== before && !!kernel && kernel.status === "idle";
}""",
        arg=[index, before],
        timeout=timeout_ms,
        polling=100,
    )


def add_and_run_cell(page: Page, source: str, timeout_ms: float = 60_000) -> str:
    """Append a code cell holding ``source``, run it and return its output text.

    The way a test asks the kernel about its state: what the user would see if they typed the
    cell. The notebook is not saved (autosave is off), so the file on disk is unchanged.
    """
    index = page.evaluate(
        "(source) => {"
        + _PANEL
        + """
  const model = panel.content.model;
  const index = model.cells.length;
  model.sharedModel.insertCell(index, {cell_type: "code", source: source});
  return index;
}""",
        source,
    )
    run_cell(page, index, timeout_ms)
    return cell_output_text(page, index)


def cell_outputs(page: Page, index: int) -> list[dict[str, Any]]:
    """The nbformat outputs of cell ``index``, read from the notebook model (not the DOM)."""
    return page.evaluate(
        "(i) => {" + _PANEL + " return panel.content.model.cells.get(i).outputs.toJSON(); }",
        index,
    )


def cell_output_text(page: Page, index: int) -> str:
    """The text a user reads under cell ``index``: streams, text/plain results and errors.

    Read from the model rather than the DOM, because JupyterLab's windowed notebook may not have
    rendered a cell that is scrolled out of view.
    """
    parts: list[str] = []
    for output in cell_outputs(page, index):
        kind = output.get("output_type")
        if kind == "stream":
            parts.append(_joined(output.get("text", "")))
        elif kind in ("execute_result", "display_data"):
            data = output.get("data", {})
            if "text/plain" in data:
                parts.append(_joined(data["text/plain"]) + "\n")
        elif kind == "error":
            parts.append(f"{output.get('ename')}: {output.get('evalue')}\n")
            traceback = "\n".join(output.get("traceback", []))
            parts.append(_ANSI.sub("", traceback) + "\n")
    return "".join(parts)


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _joined(text: str | list[str]) -> str:
    return "".join(text) if isinstance(text, list) else str(text)


def output_json(page: Page, source: str) -> Any:
    """Run ``source`` (which must print one JSON document) in a new cell and decode its output."""
    text = add_and_run_cell(page, source)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise AssertionError(f"the cell did not print JSON: {exc}\n--- output ---\n{text}") from exc


# JS: start `code` in the notebook's kernel without waiting for it (the kernel is busy meanwhile);
# window.__xmwBackground says when it started running (its execute_input) and when it was over.
# JS: run `code` in the kernel without waiting for it, on the main shell and on every subshell the
# page's comms use. JupyterLab 4.6 sends widget messages over a subshell of their own
# (commsOverSubshells, per comm target) when the kernel has subshells (ipykernel 7): they are
# handled on that subshell's thread, beside a cell that runs on the main one, so a busy main shell
# alone would hold nothing back. `started` once it runs on each, `over` once it ended on each.
_RUN_IN_BACKGROUND = """(code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const shells = new Set([null]);
  for (const comm of kernel._comms ? kernel._comms.values() : []) {
    if (comm.subshellId) shells.add(comm.subshellId);
  }
  const comms = kernel._comms ? kernel._comms.size : 0;
  // comms that should be on a subshell, none found: JupyterLab's internals have changed
  const lost = !!kernel.supportsSubshells && comms > 0 && shells.size === 1
    && (kernel.commsOverSubshells ?? kernel._commsOverSubshells ?? "perCommTarget") !== "disabled";
  const run = {started: false, over: false, subshells: shells.size - 1, lost};
  window.__xmwBackground = run;
  let started = 0, over = 0;
  if (lost) return run;
  for (const shell of shells) {
    // requestExecute sends on the connection's own subshell: this one, for this request only
    const own = kernel._subshellId;
    kernel._subshellId = shell;
    let future;
    try {
      future = kernel.requestExecute({code, silent: false, store_history: false});
    } finally {
      kernel._subshellId = own;
    }
    future.onIOPub = (msg) => {
      if (msg.header.msg_type === "execute_input") run.started = ++started === shells.size;
    };
    const end = () => { run.over = ++over === shells.size; };
    future.done.then(end, end);
  }
  return run;
}"""


def _run_in_background(page: Page, code: str, wait: bool) -> None:
    """Run ``code`` on the main shell and the comms' subshells (see _RUN_IN_BACKGROUND)."""
    run = page.evaluate(_RUN_IN_BACKGROUND, code)
    if run["lost"]:
        raise AssertionError(
            "the kernel has subshells and the page's comms should use them, but none of its "
            "comms names one (JupyterLab's kernel connection changed?): a busy cell would not "
            "hold the widget messages back; update _RUN_IN_BACKGROUND"
        )
    if wait:
        page.wait_for_function("() => window.__xmwBackground.started", timeout=30_000, polling=20)


def keep_kernel_busy(page: Page, seconds: float, wait: bool = True) -> None:
    """Run ``time.sleep(seconds)`` in the notebook's kernel without waiting for it to end.

    Widget messages sent meanwhile wait behind it (it runs on the main shell and on the subshell
    the widgets' comms use, and each takes its messages in order), so no ack and
    no page comes until it is over: keys typed then are typed faster than any round trip. With
    ``wait``, return once the sleep runs (the kernel's status alone says "busy" for any widget
    message too); without, at once (it starts after whatever the kernel was sent before it).
    """
    _run_in_background(page, f"import time; time.sleep({seconds})", wait)


def hold_kernel(page: Page, gate: Path, wait: bool = True) -> None:
    """Keep the notebook's kernel busy until the file ``gate`` exists (at most 60 s).

    As :func:`keep_kernel_busy`, but the test says when it is over (``gate.touch()``), whatever
    the time its keys took: the widget messages sent meanwhile are answered only after that.
    """
    code = (
        "import os as _os, time as _time\n"
        "_until = _time.monotonic() + 60\n"
        f"while not _os.path.exists({str(gate)!r}) and _time.monotonic() < _until:\n"
        "    _time.sleep(0.01)"
    )
    _run_in_background(page, code, wait)


def kernel_pid(page: Page) -> int:
    """The process id of the notebook's kernel, asked from a new cell."""
    text = add_and_run_cell(page, "import os; print(os.getpid())")
    try:
        return int(text.strip())
    except ValueError:
        raise AssertionError(f"expected the kernel's pid, the cell printed {text!r}") from None


def kill_kernel(page: Page, timeout_ms: float = 90_000) -> tuple[int, int]:
    """SIGKILL the kernel, let the server restart it, dismiss the UI's dialog about it.

    Returns the old and the new kernel pid (they differ: the restart is a new process).
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    pid = kernel_pid(page)
    page.evaluate(
        "() => {"
        + _PANEL
        + """
  window.__xmwKernelStatuses = [];
  panel.sessionContext.statusChanged.connect((_, s) => window.__xmwKernelStatuses.push(s));
}"""
    )
    os.kill(pid, signal.SIGKILL)
    page.wait_for_function(
        """() => (window.__xmwKernelStatuses || []).some(
             (s) => ["autorestarting", "restarting", "dead", "starting"].includes(s))""",
        timeout=timeout_ms,
    )
    # both UIs say "the kernel appears to have died; it will restart automatically"
    accept = page.locator(".jp-Dialog .jp-mod-accept")
    try:
        accept.first.wait_for(state="visible", timeout=5_000)
        accept.first.click()
        page.locator(".jp-Dialog").first.wait_for(state="detached", timeout=10_000)
    except PlaywrightTimeout:
        pass
    wait_kernel_ready(page, timeout_ms)
    new_pid = kernel_pid(page)
    assert new_pid != pid, f"the kernel was killed but still runs as pid {pid}"
    return pid, new_pid


def set_theme(page: Page, dark: bool) -> None:
    """Switch to "JupyterLab Dark" or "JupyterLab Light" and wait until the page shows it."""
    theme = "JupyterLab Dark" if dark else "JupyterLab Light"
    page.evaluate(
        "async (theme) => { await window.jupyterapp.commands.execute("
        '"apputils:change-theme", {theme}); }',
        theme,
    )
    page.wait_for_function(
        "(light) => document.body.dataset.jpThemeLight === light",
        arg="false" if dark else "true",
        timeout=30_000,
    )
    # let the theme's CSS variables reach every element before a screenshot
    page.wait_for_timeout(300)


def screenshot(target: Page | Locator, path: Path) -> Path:
    """Save a PNG of a page or of one element to ``path`` (directories created).

    An element taller than the window would come out clipped, with the notebook toolbar over its
    top (the notebook scrolls inside the page), so the window grows to fit it for the shot.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    page = getattr(target, "page", None)
    if page is None:  # a Page
        target.screenshot(path=str(path))
        return path
    viewport = page.viewport_size
    height = target.evaluate("(el) => el.getBoundingClientRect().height")
    needed = int(height) + 400
    if viewport and needed > viewport["height"]:
        page.set_viewport_size({"width": viewport["width"], "height": needed})
    try:
        target.evaluate("(el) => el.scrollIntoView({block: 'center'})")
        page.wait_for_timeout(300)
        target.screenshot(path=str(path))
    finally:
        if viewport and needed > viewport["height"]:
            page.set_viewport_size(viewport)
    return path
