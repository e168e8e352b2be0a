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


@pytest.mark.notebooks
@pytest.mark.timeout(600)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(
    path: pathlib.Path, tmp_path: pathlib.Path, built_bundle: pathlib.Path
) -> None:
    shutil.copy(path, tmp_path / path.name)
    nb = nbformat.read(tmp_path / path.name, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert not errors
    if path.name.startswith("01_"):
        # the grid was displayed as a widget and its store file was created next to the notebook
        views = [
            o
            for c in nb.cells
            if c.cell_type == "code"
            for o in c.outputs
            if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
        ]
        assert views, "the quickstart displays no widget"
        assert (tmp_path / "demo-labels.sqlite").exists()
