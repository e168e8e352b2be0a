"""Labels that prefer adjudicated grades: after a Review, each adjudicated pair has one grade."""

from __future__ import annotations

import pandas as pd

from ._frames import require_columns

__all__ = ["adjudicated"]

ADJUDICATOR = "adjudicator"


def adjudicated(labels: pd.DataFrame, *, keep_annotators: bool = False) -> pd.DataFrame:
    """The labels with each adjudicated pair's grades taken from the adjudicator.

    Parameters
    ----------
    labels : DataFrame
        A labels frame (``store.labels()``) with ``query_id, item_id, annotator`` and ``role``
        (``"adjudicator"`` for grades made in :class:`~xmwidgets.Review`; null or
        ``"annotator"`` otherwise). Without a ``role`` column nothing is adjudicated and the
        frame is returned as a copy.
    keep_annotators : bool
        False (default): an adjudicated pair keeps only the adjudicator's row, so that
        ``xm.evaluate`` and the other analyses see one grade for it. True: the annotators' rows
        stay too (e.g. to measure each annotator against the adjudication).

    Returns
    -------
    DataFrame
        Same columns, RangeIndex. When several adjudicators graded a pair, the newest grade
        (``created_at``, else the last row) is kept. Pairs are matched within their ``campaign``
        and ``task`` when those columns are present.
    """
    require_columns(labels, ["query_id", "item_id", "annotator"], "labels")
    if "role" not in labels.columns:
        return labels.reset_index(drop=True).copy()
    keys = [c for c in ("campaign", "task", "query_id", "item_id") if c in labels.columns]
    is_adjudicated = (labels["role"].astype("string").fillna("annotator") == ADJUDICATOR).to_numpy()
    decided = labels[is_adjudicated]
    if "created_at" in decided.columns:
        decided = decided.sort_values("created_at", kind="stable")
    decided = decided.drop_duplicates(keys, keep="last")
    others = labels[~is_adjudicated]
    if not keep_annotators and len(decided):
        overruled = pd.MultiIndex.from_frame(others[keys].astype(str)).isin(
            pd.MultiIndex.from_frame(decided[keys].astype(str))
        )
        others = others[~overruled]
    out = pd.concat([others, decided], ignore_index=True)
    return out.astype(labels.dtypes.to_dict())
