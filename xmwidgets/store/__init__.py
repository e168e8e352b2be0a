"""The label store: an append-only SQLite event log of judgements and the live labels view.

>>> from xmwidgets.store import open_store
>>> store = open_store(":memory:")
>>> store.append([{"campaign": "c", "task": "grade", "query_id": "q1", "item_id": "d1",
...                "annotator": "ann", "relevance": 3}])
[1]
"""

from __future__ import annotations

from ._errors import StoreError
from ._sqlite import Store, open_store

__all__ = ["Store", "StoreError", "open_store"]
