"""What other writers put in the store for this widget's annotator and task since it last looked.

Two widgets of one annotator and task on one store (a cell run again while its first grid is still
on screen, a second notebook) each keep the state of the queries they show in memory. Each checks
the store's newest event id when it serves a page or an acknowledgement (one indexed query, the
maximum of the primary key); only when that id moved past what this widget wrote does it read the
new events (a range of the primary key, never the whole log) and re-read the queries they touch.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["PeerWrites"]


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
