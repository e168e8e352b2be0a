"""The judgement widgets: one shell (:mod:`._base`) and one module per task.

- :class:`RelevanceGrid` (``grade``): graded relevance of each candidate on a named scale.
- :class:`PairwiseJudge` (``pair``): which of two items matches a query better.
"""

from .grade import RelevanceGrid
from .pair import PairwiseJudge

__all__ = ["PairwiseJudge", "RelevanceGrid"]
