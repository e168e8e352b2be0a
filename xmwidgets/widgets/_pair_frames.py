"""The pairs frame of :class:`~xmwidgets.PairwiseJudge` and its check; the choices and sides.

A pairs frame holds one comparison per row: ``query_id, a, b`` (item ids; optional ``source``).
It is checked like the candidates frame of the grading task (:func:`._checks.check_candidates`):
every problem names the offending value and its row and says what to do instead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._checks import (
    InputError,
    _as_frame,
    _string_ids,
    near_ids,
    positions_in,
    require_columns,
)

__all__ = ["CHOICES", "SIDES", "check_pairs"]

# the stored choice: which item of the pair (as given in the pairs frame) is the better match
CHOICES = ("a", "b", "tie", "both-bad")
# what the browser sends: the side the annotator chose, as it was on screen
SIDES = ("left", "right", "tie", "both-bad")


def check_pairs(df: object, queries: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Validate a pairs frame against the (checked) queries and items frames.

    Returns a copy indexed 0..n-1 with string ids in ``query_id``, ``a``, ``b`` (and ``source``
    as text when given).

    Raises
    ------
    InputError
        Not a DataFrame, a missing column, an empty frame, a missing id, an id not in queries or
        items, a pair of an item with itself, or a pair given twice (also as ``b, a``).
    """
    frame = _as_frame(df, "pairs")
    require_columns(frame, "pairs", ["query_id", "a", "b"])
    if not len(frame):
        raise InputError(
            "pairs is empty: a PairwiseJudge needs at least one (query_id, a, b) row to judge"
        )
    out = frame.reset_index(drop=True).copy(deep=False)
    for column in ("query_id", "a", "b"):
        out[column] = _string_ids(out[column], "pairs", column)
    if "source" in out.columns:
        out["source"] = out["source"].astype("string")
    positions = {}
    for column, ref, ref_name, ref_column in (
        ("query_id", queries["query_id"], "queries", "query_id"),
        ("a", items["item_id"], "items", "item_id"),
        ("b", items["item_id"], "items", "item_id"),
    ):
        found = positions_in(out[column], ref)
        unknown = found < 0
        if unknown.any():
            missing = out.loc[unknown, column]
            row = int(missing.index[0])
            examples = ", ".join(repr(v) for v in missing.unique()[:3])
            held = ", ".join(repr(v) for v in ref.unique()[:3])
            raise InputError(
                f"pairs.{column} names {int(missing.nunique())} id(s) not in {ref_name}, e.g. "
                f"{examples} (first at row {row}); {ref_name} has e.g. {held}: add them to "
                f"{ref_name} or drop those pair rows"
                + near_ids(missing, ref, column, "pairs", ref_name, ref_column)
            )
        positions[column] = found
    a, b = positions["a"], positions["b"]
    same = a == b
    if same.any():
        row = int(same.nonzero()[0][0])
        raise InputError(
            f"pairs row {row} compares item {out.at[row, 'a']!r} with itself (a == b, query "
            f"{out.at[row, 'query_id']!r}; {int(same.sum())} such row(s)): a pair needs two "
            "different items, drop those rows"
        )
    # (q, a, b) and (q, b, a) are the same comparison: judged twice, it would count twice.
    # Matched on item positions (integers), not on the id strings.
    key = pd.DataFrame(
        {"q": positions["query_id"], "low": np.minimum(a, b), "high": np.maximum(a, b)}
    )
    dup = key.duplicated(keep=False).to_numpy(dtype=bool)
    if dup.any():
        rows = dup.nonzero()[0]
        first = key.iloc[rows[0]].to_numpy()
        same_pair = [int(r) for r in rows if (key.iloc[r].to_numpy() == first).all()]
        shown = ", ".join(
            f"row {r} ({out.at[r, 'a']!r}, {out.at[r, 'b']!r})" for r in same_pair[:4]
        )
        r = same_pair[0]
        raise InputError(
            f"pairs holds the comparison of {out.at[r, 'a']!r} and {out.at[r, 'b']!r} for query "
            f"{out.at[r, 'query_id']!r} more than once: {shown} ({len(rows)} rows repeat a pair "
            "in all, b, a counts as a, b); keep one row per pair, e.g. "
            "pairs.drop_duplicates(['query_id', 'a', 'b'])"
        )
    return out
