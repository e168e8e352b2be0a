"""Seeded, per-annotator shuffles of the order in which candidates are shown.

Blind judging needs the shown order to carry no information about the pool (which retriever proposed
a candidate, at what rank), and order bias can only be measured when different annotators see
different orders. The order here is a pure function of ``(seed, annotator, query_id, item ids)``
built on SHA-256, so it is the same on every machine and under every numpy / pandas version
(Python's ``hash()`` is salted per process, and numpy's random streams may change between releases).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable

__all__ = ["shown_order"]

# separates the fields of the hash input so that ("ab", "c") and ("a", "bc") never collide
_SEP = "\x1f"


def _key(seed: int, annotator: str, query_id: str, item_id: str) -> bytes:
    text = _SEP.join((str(int(seed)), annotator, query_id, item_id))
    return hashlib.sha256(text.encode("utf-8")).digest()


def shown_order(
    item_ids: Iterable[object], annotator: str, query_id: str, seed: int = 0
) -> list[str]:
    """Return ``item_ids`` in the order one annotator should see them for one query.

    Each item gets a sort key ``sha256(seed, annotator, query_id, item_id)``; sorting by that key is
    a uniform random permutation that is deterministic per ``(annotator, query_id, seed)``, differs
    between annotators, and does not depend on the order of ``item_ids`` (so it cannot leak
    retriever ranks).

    Parameters
    ----------
    item_ids
        The candidates of the query, in any order. Cast to ``str``.
    annotator
        Who will judge; each annotator gets their own order.
    query_id
        The query the candidates belong to.
    seed
        Change it to draw a fresh set of orders for every annotator (for example per campaign).

    Returns
    -------
    list of str
        The item ids in shown order; position ``i`` in this list is the ``shown_position`` to
        record.

    Raises
    ------
    ValueError
        If an item id occurs twice (a candidate is shown once per query).

    Examples
    --------
    >>> order = shown_order(["a", "b", "c"], annotator="ana", query_id="q1")
    >>> sorted(order)
    ['a', 'b', 'c']
    >>> order == shown_order(["c", "b", "a"], annotator="ana", query_id="q1")
    True
    """
    ids = [str(item_id) for item_id in item_ids]
    if len(set(ids)) != len(ids):
        dupes = sorted(i for i, n in Counter(ids).items() if n > 1)
        raise ValueError(
            f"duplicate item ids for query {query_id!r}: {dupes[:5]}; "
            "deduplicate the candidates (xm.pool does) before choosing a shown order"
        )
    annotator, query_id = str(annotator), str(query_id)
    return sorted(ids, key=lambda item_id: _key(seed, annotator, query_id, item_id))
