"""Shared fixtures for the Python tests."""

from __future__ import annotations

import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def built_bundle() -> pathlib.Path:
    """The front-end bundle; widget classes cannot be defined without it."""
    bundle = ROOT / "xmwidgets" / "static" / "grid.js"
    if not bundle.exists():
        pytest.fail(
            f"the front-end bundle {bundle.relative_to(ROOT)} is missing: run `bash scripts/test.sh` "
            "(or `cd js && npm ci && npm run build`) first"
        )
    return bundle
