"""Candidate pools: what annotators will judge, built from the researcher's own runs and embeddings.

>>> import xmwidgets as xm
>>> cands = xm.pool(queries, items, runs={"bm25": run_a, "clip": run_b}, depth=20,
...                 embeddings=(query_vecs, item_vecs), k=20,
...                 hard_negatives=10, random_negatives=5, max_per_query=60)  # doctest: +SKIP

Parts: :func:`pool` (the candidates frame), :func:`exact_knn` (chunked exact nearest neighbours),
:func:`prioritize` (which queries to judge next), :func:`shown_order` (the seeded per-annotator
order candidates are shown in), :func:`source_flags` (one boolean column per source).
"""

from __future__ import annotations

from ._knn import exact_knn
from ._order import shown_order
from ._pool import pool
from ._priority import prioritize
from ._sources import source_flags

__all__ = ["exact_knn", "pool", "prioritize", "shown_order", "source_flags"]
