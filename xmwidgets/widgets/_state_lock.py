"""One lock per widget over its judgement state, for the threads its messages come on.

JupyterLab 4.6 (and Notebook 7.6) send widget messages over a kernel subshell of their own when the
kernel has subshells (ipykernel 7: ``commsOverSubshells``, one subshell per comm target, the
default). The widget's message handlers then run on that subshell's thread, beside the cell the
user runs on the main one: a cell that reads ``grid.labels`` or calls ``grid.refresh()`` while the
annotator types went through the same dicts as the handlers at the same time (measured: judgements
refused with ``KeyError`` and ``zip() argument 2 is longer``). So the handlers and the public
methods that read or change that state take the widget's lock; each holds it for milliseconds. It
is re-entrant: a locked method may call another. The page thread builds pages from copies made
under the lock and never takes it.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["new_state_lock", "state_locked"]

F = TypeVar("F", bound=Callable[..., Any])


def new_state_lock() -> threading.RLock:
    return threading.RLock()


def state_locked(method: F) -> F:
    """Run ``method`` holding ``self._state_lock`` (not yet made while ``__init__`` runs: unheld)."""

    @functools.wraps(method)
    def locked(self: Any, *args: Any, **kwargs: Any) -> Any:
        lock = self.__dict__.get("_state_lock")
        if lock is None:
            return method(self, *args, **kwargs)
        with lock:
            return method(self, *args, **kwargs)

    return locked  # type: ignore[return-value]
