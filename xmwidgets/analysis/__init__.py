"""Analysis of labels: annotator agreement, retrieval metrics, false-negative hunting.

Each is one call on the labels DataFrame (``grid.labels`` or ``store.labels()``); the names are also
available at the top level (``xm.agreement``, ``xm.evaluate``, ``xm.unjudged``...). Conventions for
metrics (aggregation of judgements, ties, unjudged items, missing queries) are documented in
:mod:`xmwidgets.analysis.metrics`.
"""

from __future__ import annotations

from .agreement import AgreementReport, agreement, cohen_kappa, fleiss_kappa, krippendorff_alpha
from .false_negatives import unjudged
from .metrics import RunComparison, compare_runs, evaluate, map_at_r, to_qrels

__all__ = [
    "AgreementReport",
    "RunComparison",
    "agreement",
    "cohen_kappa",
    "compare_runs",
    "evaluate",
    "fleiss_kappa",
    "krippendorff_alpha",
    "map_at_r",
    "to_qrels",
    "unjudged",
]
