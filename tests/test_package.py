"""The package surface: public names resolve, and importing stays light."""

from __future__ import annotations

import subprocess
import sys

import xmwidgets as xm


def test_every_public_name_resolves() -> None:
    missing = [name for name in xm.__all__ if not hasattr(xm, name)]
    assert not missing


def test_import_loads_no_heavy_module() -> None:
    code = (
        "import sys, xmwidgets; "
        "print(','.join(m for m in ('pandas', 'librosa', 'av', 'faiss', 'PIL', 'anywidget', 'sklearn') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_unknown_attribute_is_an_attribute_error() -> None:
    try:
        xm.no_such_thing  # noqa: B018
    except AttributeError as error:
        assert "no_such_thing" in str(error)
    else:
        raise AssertionError("expected AttributeError")
