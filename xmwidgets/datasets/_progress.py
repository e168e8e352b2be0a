"""A progress line for kernel work that takes more than a second (generating the demo data).

In a kernel with a front end it is one plain-text output, rewritten in place (a display with a
``display_id``), that ends as a summary line such as ``Generating demo data: done, 120/120 in
9.8 s``. It is deliberately not a widget: a closed widget leaves "Error displaying widget: model not
found" in the saved notebook, while a text line stays readable there. Outside a kernel (tests,
scripts) nothing is shown. The line appears only once the work has taken ``delay`` seconds, so
quick work shows nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["progress"]

_REFRESH_S = 0.25  # rewrite the line at most this often: each rewrite is a message to the browser


class _Progress:
    def __init__(self, total: int, description: str, delay: float) -> None:
        self.total = max(int(total), 1)
        self.description = description
        self.delay = delay
        self.done = 0
        self._start = time.perf_counter()
        self._shown_at = -float("inf")
        self._handle: Any = None

    def update(self, n: int = 1) -> None:
        self.done += n
        now = time.perf_counter()
        if self._handle is None and now - self._start >= self.delay:
            self._show()
        if self._handle is not None and now - self._shown_at >= _REFRESH_S:
            self._write(self._line())
            self._shown_at = now

    def _show(self) -> None:
        if not _in_kernel():
            self.delay = float("inf")
            return
        from IPython.display import display

        self._handle = display({"text/plain": self._line()}, raw=True, display_id=True)

    def _line(self) -> str:
        return f"{self.description}: {min(self.done, self.total)}/{self.total}…"

    def _write(self, line: str) -> None:
        self._handle.update({"text/plain": line}, raw=True)

    def close(self, failed: bool = False) -> None:
        if self._handle is None:
            return
        seconds = time.perf_counter() - self._start
        if failed:
            self._write(f"{self.description}: stopped at {self.done}/{self.total} (error)")
        else:
            self._write(f"{self.description}: done, {self.total}/{self.total} in {seconds:.1f} s")


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


@contextmanager
def progress(total: int, description: str = "", delay: float = 1.0) -> Iterator[_Progress]:
    """Context manager yielding an object with ``update(n=1)``.

    >>> with progress(3, "demo") as bar:
    ...     for _ in range(3):
    ...         bar.update()
    """
    bar = _Progress(total, description, delay)
    try:
        yield bar
    except BaseException:
        bar.close(failed=True)
        raise
    bar.close()
