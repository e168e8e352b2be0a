"""Every notebook in notebooks/ runs top to bottom on the built-in demo data (nbclient, headless)."""

from __future__ import annotations

import pathlib
import shutil

import nbclient
import nbformat
import pytest

NOTEBOOKS = sorted((pathlib.Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_notebooks_are_committed_without_outputs() -> None:
    assert NOTEBOOKS, "no notebooks found in notebooks/"
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        with_outputs = [
            i
            for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and (c.outputs or c.execution_count)
        ]
        assert not with_outputs, (
            f"{path.name}: cells {with_outputs} have outputs; strip them before committing"
        )


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _execute(nb: nbformat.NotebookNode, folder: pathlib.Path) -> None:
    client = nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    )
    client.execute()


@pytest.mark.notebooks
@pytest.mark.timeout(600)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(
    path: pathlib.Path,
    tmp_path: pathlib.Path,
    built_bundle: pathlib.Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if path.name.startswith("01_"):
        # the quickstart as a first-time user runs it: the demo data is generated, not cached
        monkeypatch.setenv("XMWIDGETS_CACHE_DIR", str(tmp_path / "cache"))
    shutil.copy(path, tmp_path / path.name)
    nb = nbformat.read(tmp_path / path.name, as_version=4)
    _execute(nb, tmp_path)
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert not errors
    if path.name.startswith("01_"):
        # the grid was displayed as a widget and its store file was created next to the notebook
        code = [c for c in nb.cells if c.cell_type == "code"]
        views = [
            i for i, c in enumerate(code) for o in c.outputs if WIDGET_VIEW in o.get("data", {})
        ]
        assert views, "the quickstart displays no widget"
        # only the grid: the demo's first-run progress used to leave a closed widget, shown as
        # "Error displaying widget: model not found" when the saved notebook is opened again
        grid_cell = next(i for i, c in enumerate(code) if "xm.RelevanceGrid(" in c.source)
        assert set(views) == {grid_cell}, views
        assert (tmp_path / "cache").is_dir()  # the demo was generated in this run
        assert (tmp_path / "demo-labels.sqlite").exists()


@pytest.mark.notebooks
@pytest.mark.timeout(300)
def test_progress_leaves_a_text_line_and_no_widget(tmp_path: pathlib.Path) -> None:
    source = (
        "from xmwidgets.datasets._progress import progress\n"
        "with progress(5, 'Generating demo data', delay=0) as bar:\n"
        "    for _ in range(5):\n"
        "        bar.update()"
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    _execute(nb, tmp_path)
    (output,) = nb.cells[0].outputs
    assert output.output_type == "display_data" and set(output.data) == {"text/plain"}
    assert output.data["text/plain"].startswith("Generating demo data: done, 5/5 in ")
