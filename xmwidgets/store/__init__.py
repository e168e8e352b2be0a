"""The label store: an append-only event log of judgements and the live labels view.

In an SQLite file (``_sqlite.Store``) or a PostgreSQL database (``_postgres.PostgresStore``,
``open_store("postgresql://user:password@host:port/db")``, the ``postgres`` extra), with the
same semantics.

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
