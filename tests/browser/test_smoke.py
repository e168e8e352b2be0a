"""Smoke test of the browser harness with a plain ipywidgets notebook, in both UIs.

If this fails, the harness (server, browser, kernel readiness) is broken, not the widgets.
"""

from __future__ import annotations

from typing import Any

import pytest

from ._jupyter import JupyterServer
from ._pages import (
    add_and_run_cell,
    cell_output_text,
    open_notebook,
    run_all_cells,
    run_cell,
    write_notebook,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

CELLS = [
    # 0: a button whose clicks change kernel state and a label
    """\
import ipywidgets as widgets
clicks = {"n": 0}
button = widgets.Button(description="Click me")
label = widgets.Label(value="clicked 0")

def on_click(_):
    clicks["n"] += 1
    label.value = f"clicked {clicks['n']}"

button.on_click(on_click)
widgets.VBox([button, label])""",
    # 1: the kernel state as text
    'print("clicks:", clicks["n"])',
]


@pytest.mark.parametrize("ui", ["lab", "notebook"])
def test_click_reaches_kernel(page: Any, jupyter_server: JupyterServer, ui: str) -> None:
    from playwright.sync_api import expect

    name = f"smoke_{ui}.ipynb"
    write_notebook(jupyter_server.root_dir, name, CELLS)
    open_notebook(page, jupyter_server, name, ui)
    run_all_cells(page)
    assert cell_output_text(page, 1) == "clicks: 0\n"

    button = page.locator(".jupyter-widgets button", has_text="Click me")
    expect(button).to_be_visible()
    for _ in range(3):
        button.click()
    # the label changes only after the kernel ran the handler and synced back
    expect(page.locator(".widget-label", has_text="clicked 3")).to_be_visible()

    run_cell(page, 1)
    assert cell_output_text(page, 1) == "clicks: 3\n"
    assert add_and_run_cell(page, "print(label.value, clicks)") == "clicked 3 {'n': 3}\n"
