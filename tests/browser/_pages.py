"""Drive a notebook in JupyterLab 4 or Notebook 7 from Playwright.

Both UIs expose the same application object as ``window.jupyterapp`` when the server runs with
``expose_app_in_browser``; every helper here goes through it (commands and models) rather than
through menus and key presses, which differ between the two UIs and drop input while the kernel
is still starting (BROWSER_TESTING.md pitfall 1).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

    from ._jupyter import JupyterServer

__all__ = [
    "add_and_run_cell",
    "cell_output_text",
    "open_notebook",
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


def run_all_cells(page: Page, timeout_ms: float = 120_000) -> None:
    """Run every cell (``notebook:run-all-cells``) and wait until each code cell has executed.

    The command's promise resolves once the kernel has replied to every cell; the wait afterwards
    checks the execution counts too, so a run that was dropped fails here and not later.
    """
    wait_kernel_ready(page)
    page.evaluate(
        "async () => {"
        + _PANEL
        + """
  await app.commands.execute("notebook:run-all-cells");
}"""
    )
    page.wait_for_function(
        "() => {"
        + _PANEL
        + """
  if (!panel) return false;
  const cells = panel.content.model.cells;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type === "code" && !cell.executionCount) return false;
  }
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  return !!kernel && kernel.status === "idle";
}""",
        timeout=timeout_ms,
        polling=100,
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
            parts.append("\n".join(output.get("traceback", [])) + "\n")
    return "".join(parts)


def _joined(text: str | list[str]) -> str:
    return "".join(text) if isinstance(text, list) else str(text)


def output_json(page: Page, source: str) -> Any:
    """Run ``source`` (which must print one JSON document) in a new cell and decode its output."""
    text = add_and_run_cell(page, source)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise AssertionError(f"the cell did not print JSON: {exc}\n--- output ---\n{text}") from exc


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
    """Save a PNG of a page or element to ``path`` (directories created) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    target.screenshot(path=str(path))
    return path
