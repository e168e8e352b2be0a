"""Where the real third-party files are: ``../shared/realdata`` next to the repository.

The files (their sources, commits and licences are in that folder's README.md) are read in place,
never copied into the project. Tests that need them skip, saying why, when the folder is absent.
``XMWIDGETS_REALDATA`` may point elsewhere; a git worktree one folder deeper than the checkout
(``<parent>/wt/<name>``) finds the same folder one level up.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _folder() -> Path | None:
    candidates = [ROOT.parent / "shared" / "realdata", ROOT.parent.parent / "shared" / "realdata"]
    if os.environ.get("XMWIDGETS_REALDATA"):
        candidates.insert(0, Path(os.environ["XMWIDGETS_REALDATA"]))
    return next((c for c in candidates if (c / "README.md").is_file()), None)


REALDATA = _folder()


def realdata(*parts: str) -> Path:
    """The real file or folder ``parts`` under ``../shared/realdata``; skip the test without it."""
    if REALDATA is None:
        pytest.skip(
            "real third-party files not found: ../shared/realdata next to the repository "
            "(or XMWIDGETS_REALDATA) is absent"
        )
    path = REALDATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{Path('realdata', *parts)} is not in {REALDATA}")
    return path
