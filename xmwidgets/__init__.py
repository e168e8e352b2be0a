"""xmwidgets: Jupyter widgets for labelling cross-modal retrieval data.

Public names are loaded lazily so that ``import xmwidgets`` stays fast: pandas, Pillow, librosa and
PyAV are imported only when the first name that needs them is used.

>>> import xmwidgets as xm
>>> demo = xm.datasets.demo()                                  # doctest: +SKIP
>>> grid = xm.RelevanceGrid(demo.queries, demo.items, demo.candidates, store="labels.sqlite")  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

# public name -> module (relative to this package) that defines it
_LAZY: dict[str, str] = {
    # scale & guidelines
    "Scale": "scale",
    "Level": "scale",
    "TREC_SCALE": "scale",
    "MATCHING_RUBRIC": "scale",
    "DEFAULT_FLAGS": "scale",
    "Rubric": "scale",
    "Example": "rubric",
    "Flag": "rubric",
    # analysis: guideline versions
    "compare_guidelines": "analysis._guidelines",
    "GuidelineComparison": "analysis._guidelines",
    # store
    "open_store": "store",
    "Store": "store",
    "StoreError": "store",
    # widgets
    "RelevanceGrid": "widgets",
    "PairwiseJudge": "widgets",
    "Review": "widgets",
    "adjudicated": "analysis._adjudicated",
    # analysis: agreement
    "krippendorff_alpha": "analysis.agreement",
    "cohen_kappa": "analysis.agreement",
    "fleiss_kappa": "analysis.agreement",
    "agreement": "analysis.agreement",
    "AgreementReport": "analysis.agreement",
    # analysis: retrieval metrics
    "evaluate": "analysis.metrics",
    "compare_runs": "analysis.metrics",
    "to_qrels": "analysis.metrics",
    "map_at_r": "analysis.metrics",
    # analysis: false negatives
    "unjudged": "analysis.false_negatives",
    # analysis: continuous active learning, missing positives
    "discover": "analysis._discover",
    "discovery_status": "analysis._discover",
    "sample_unjudged": "analysis._missing",
    "estimate_missing": "analysis._missing",
    "estimated_recall": "analysis._missing",
    "MissingEstimate": "analysis._missing",
    # analysis: cross-modal concept consistency
    "consistency": "analysis._consistency",
    "ConsistencyReport": "analysis._consistency",
    # analysis: training tables
    "export": "analysis._export",
    # analysis: preference pairs and Bradley-Terry scores
    "preferences": "analysis._preferences",
    "bradley_terry": "analysis._bradley_terry",
    # pools
    "pool": "pools",
    "exact_knn": "pools",
    "prioritize": "pools",
    "shown_order": "pools",
}
# sub-packages reachable as attributes: xm.datasets, xm.io, xm.plot, xm.media
_SUBMODULES = {"datasets", "io", "plot", "media", "analysis", "pools", "store", "scale", "rubric"}

__all__ = [  # a literal list, so that linters and IDEs see the public names
    "DEFAULT_FLAGS",
    "MATCHING_RUBRIC",
    "TREC_SCALE",
    "AgreementReport",
    "ConsistencyReport",
    "Example",
    "Flag",
    "GuidelineComparison",
    "Level",
    "MissingEstimate",
    "PairwiseJudge",
    "RelevanceGrid",
    "Review",
    "Rubric",
    "Scale",
    "Store",
    "StoreError",
    "__version__",
    "adjudicated",
    "agreement",
    "bradley_terry",
    "cohen_kappa",
    "compare_guidelines",
    "compare_runs",
    "consistency",
    "datasets",
    "discover",
    "discovery_status",
    "estimate_missing",
    "estimated_recall",
    "evaluate",
    "exact_knn",
    "export",
    "fleiss_kappa",
    "io",
    "krippendorff_alpha",
    "map_at_r",
    "open_store",
    "plot",
    "pool",
    "preferences",
    "prioritize",
    "sample_unjudged",
    "shown_order",
    "to_qrels",
    "unjudged",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        value = getattr(module, name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module 'xmwidgets' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from . import datasets, io, plot
    from .analysis._adjudicated import adjudicated
    from .analysis._bradley_terry import bradley_terry
    from .analysis._consistency import ConsistencyReport, consistency
    from .analysis._discover import discover, discovery_status
    from .analysis._export import export
    from .analysis._guidelines import GuidelineComparison, compare_guidelines
    from .analysis._missing import (
        MissingEstimate,
        estimate_missing,
        estimated_recall,
        sample_unjudged,
    )
    from .analysis._preferences import preferences
    from .analysis.agreement import (
        AgreementReport,
        agreement,
        cohen_kappa,
        fleiss_kappa,
        krippendorff_alpha,
    )
    from .analysis.false_negatives import unjudged
    from .analysis.metrics import compare_runs, evaluate, map_at_r, to_qrels
    from .pools import exact_knn, pool, prioritize, shown_order
    from .rubric import Example, Flag
    from .scale import DEFAULT_FLAGS, MATCHING_RUBRIC, TREC_SCALE, Level, Rubric, Scale
    from .store import Store, StoreError, open_store
    from .widgets import PairwiseJudge, RelevanceGrid, Review
