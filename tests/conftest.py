"""Shared fixtures for the Python tests."""

from __future__ import annotations

import pathlib
import sys
from collections.abc import Iterator

import pytest

from xmwidgets.store import Store, open_store

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import pg_server  # the test helper next to this file

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def built_bundle() -> pathlib.Path:
    """The front-end bundle; widget classes cannot be defined without it."""
    bundle = ROOT / "xmwidgets" / "static" / "widgets.js"
    if not bundle.exists():
        pytest.fail(
            f"the front-end bundle {bundle.relative_to(ROOT)} is missing: run `bash scripts/test.sh` "
            "(or `cd js && npm ci && npm run build`) first"
        )
    return bundle


class Location:
    """Where a test's store lives (an SQLite file or a fresh PostgreSQL database); call to open.

    Every store opened through it (and every one handed to ``track``) is closed when the test
    ends, so a PostgreSQL test leaves no connection behind.
    """

    def __init__(self, kind: str, where: str) -> None:
        self.kind, self.where = kind, where
        self.opened: list[Store] = []

    def __call__(self) -> Store:
        return self.track(open_store(self.where))

    def track(self, store: Store) -> Store:
        """Close ``store`` (e.g. one a grid opened from ``where``) when the test ends."""
        self.opened.append(store)
        return store


@pytest.fixture(params=["sqlite", "postgres"])
def location(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> Iterator[Location]:
    """One test suite, two backends: every test using this runs on SQLite and on PostgreSQL.

    Each PostgreSQL test gets a database of its own on the session's server, so tests stay
    independent as they are with one SQLite file each.
    """
    if request.param == "sqlite":
        where = Location("sqlite", str(tmp_path / "labels.sqlite"))
    else:
        server = pg_server.server()
        where = Location("postgres", server.url(server.new_database()))
    yield where
    for store in where.opened:
        store.close()
