"""A progress bar for kernel work that takes more than a second (demo generation, media preparation).

Shows an ipywidgets progress bar when running in a kernel with a front end, and nothing otherwise
(tests, scripts). The bar appears only once the work has taken ``delay`` seconds, so quick work shows
no flicker.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["progress"]


class _Progress:
    def __init__(self, total: int, description: str, delay: float) -> None:
        self.total = max(int(total), 1)
        self.description = description
        self.delay = delay
        self.done = 0
        self._start = time.perf_counter()
        self._bar = None
        self._handle = None

    def update(self, n: int = 1) -> None:
        self.done += n
        if self._bar is None and time.perf_counter() - self._start >= self.delay:
            self._show()
        if self._bar is not None:
            self._bar.value = min(self.done, self.total)

    def _show(self) -> None:
        if not _in_kernel():
            self.delay = float("inf")
            return
        import ipywidgets as widgets
        from IPython.display import display

        self._bar = widgets.IntProgress(
            value=self.done,
            min=0,
            max=self.total,
            description=self.description,
            style={"description_width": "initial"},
        )
        self._handle = display(self._bar, display_id=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.value = self.total
            self._bar.bar_style = "success"
            self._bar.close()


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
    finally:
        bar.close()
