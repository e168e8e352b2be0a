"""What other writers put in the store for this widget's annotator and task since it last looked.

Two widgets of one annotator and task on one store (a cell run again while its first grid is still
on screen, a second notebook) each keep the state of the queries they show in memory. Each checks
the store's newest event id when it serves a page or an acknowledgement (one indexed query, the
maximum of the primary key); only when that id moved past what this widget wrote does it read the
new events (a range of the primary key, never the whole log) and re-read the queries they touch.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterable, Iterator
from typing import Any

__all__ = ["PeerWrites", "register", "siblings"]

# the task widgets of this kernel, by what they read: a widget that writes tells its siblings
# (same store, campaign, annotator and task: a cell run again beside its first grid) at once, so
# that their views show it without waiting for their own next key
_LIVE: weakref.WeakValueDictionary[int, Any] = weakref.WeakValueDictionary()


def _store_key(store: Any) -> str:
    """The store a widget writes to: its file (resolved), its database URL, or the object."""
    path = getattr(store, "path", None)
    if not isinstance(path, str) or path == ":memory:":
        return f"object-{id(store)}"
    return os.path.realpath(path) if os.path.exists(path) else path


def register(widget: Any) -> None:
    """Track ``widget`` (it has ``_peers``) for :func:`siblings` while it lives."""
    _LIVE[id(widget)] = widget


def siblings(widget: Any) -> Iterator[Any]:
    """The other open widgets of this kernel that read what ``widget`` writes."""
    key = widget._peers.key
    for other in list(_LIVE.values()):
        peers = getattr(other, "_peers", None)
        live = other is not widget and getattr(other, "comm", None) is not None
        if live and peers is not None and peers.key == key:
            yield other


class PeerWrites:
    """The store's events from other writers (same campaign, annotator and task) since a mark.

    Parameters
    ----------
    store
        The widget's store (``last_event_id()`` and ``events(..., since=)``).
    campaign, annotator, task
        The events that concern the widget.
    """

    def __init__(self, store: Any, campaign: str, annotator: str, task: str) -> None:
        self._store = store
        self._filters = {"campaign": campaign, "annotator": annotator, "task": task}
        self.key = (_store_key(store), campaign, annotator, task)
        self._own: set[int] = set()
        self.seen = store.last_event_id()

    def reset(self) -> None:
        """The widget read the store again (``refresh()``): what is in it now is known."""
        self._own.clear()
        self.seen = self._store.last_event_id()

    def wrote(self, event_ids: Iterable[int]) -> None:
        """Events this widget appended itself: not news to it."""
        self._own.update(int(i) for i in event_ids)

    def changed_queries(self) -> list[str]:
        """The query ids of events written by others since the last call (or since opening)."""
        last = self._store.last_event_id()
        if last <= self.seen or all(i in self._own for i in range(self.seen + 1, last + 1)):
            self.seen = max(self.seen, last)
            self._own = {i for i in self._own if i > last}
            return []
        events = self._store.events(since=self.seen, **self._filters)
        self.seen = last
        theirs = events[~events["event_id"].isin(self._own)]
        self._own = {i for i in self._own if i > last}
        return list(dict.fromkeys(theirs["query_id"].dropna().astype(str)))
