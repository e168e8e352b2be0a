"""The pair task's labels: the columns of ``PairwiseJudge.labels`` and the stored states read back.

A pair's current judgement is one row of the store's labels (task ``pair``, key ``query_id, item_id
= a, other_id = b``); :func:`stored_states` turns those rows into the rules' :class:`PairState`
for the pairs a widget shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import pandas as pd

from ._pair_rules import BROKEN, PairState

__all__ = ["PAIR_LABEL_COLUMNS", "READ_COLUMNS", "stored_states"]

PAIR_LABEL_COLUMNS: dict[str, str] = {
    "query_id": "string",
    "a": "string",
    "b": "string",
    "choice": "string",
    "left": "string",
    "flags": "string",
    "broken": "string",
    "annotator": "string",
    "campaign": "string",
    "guideline_version": "string",
    "duration_ms": "Int64",
    "created_at": "datetime64[ns, UTC]",
}

# the store's labels columns read when a widget opens (Store.labels(columns=...))
READ_COLUMNS = (
    "query_id",
    "item_id",
    "other_id",
    "choice",
    "flags",
    "shown_position",
    "guideline_version",
    "duration_ms",
    "created_at",
)


def stored_states(
    rows: pd.DataFrame, unit_of: Mapping[tuple[str, str, str], str]
) -> dict[str, PairState]:
    """Pair id -> its judged state, from store labels rows (``READ_COLUMNS``), in row order.

    ``unit_of`` maps ``(query_id, a, b)`` to the pair's id. A row keyed ``(query_id, a, b)`` holds
    the pair's choice and flags (broken-media there: ``a`` is broken); a row keyed the other way
    round, ``(query_id, b, a)``, holds b's broken-media flag (_pair_rules). Rows of other pairs
    are left out, and so are pairs that hold neither a choice nor a flag (a cleared pair).
    ``a_left`` is where ``a`` was shown when the pair was judged (``shown_position`` 1: on the
    right).
    """
    states: dict[str, PairState] = {}
    if not len(rows):
        return states
    values = {c: rows[c].to_numpy(dtype=object, na_value=None) for c in READ_COLUMNS}
    b_broken: dict[str, PairState] = {}  # pairs whose b row says b is broken (its stamp, duration)
    for k in range(len(rows)):
        key = (values["query_id"][k], values["item_id"][k], values["other_id"][k])
        flags_text = values["flags"][k]
        flags = tuple(str(flags_text).split(",")) if flags_text else ()
        stamp = values["created_at"][k]
        duration = values["duration_ms"][k]
        state = PairState(
            choice=values["choice"][k],
            flags=tuple(f for f in flags if f != BROKEN),
            a_left=values["shown_position"][k] != 1,
            duration_ms=None if duration is None else int(duration),
            guideline_version=values["guideline_version"][k],
            created_at=None if stamp is None or pd.isna(stamp) else stamp,
        )
        unit = unit_of.get(key)
        if unit is not None:
            states[unit] = replace(state, broken_items=(key[1],) if BROKEN in flags else ())
            continue
        unit = unit_of.get((key[0], key[2], key[1]))
        if unit is not None and BROKEN in flags:
            # b's row: where b was shown is the other side from a
            b_broken[unit] = replace(state, a_left=not state.a_left, broken_items=(key[1],))
    for unit, b_state in b_broken.items():
        own = states.get(unit)
        states[unit] = (
            b_state
            if own is None
            else replace(own, broken_items=(*own.broken_items, *b_state.broken_items))
        )
    return {unit: state for unit, state in states.items() if state.judged}
