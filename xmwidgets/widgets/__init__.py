"""The judgement widgets: one shell (:mod:`._base`) and one module per task.

- :class:`RelevanceGrid` (``grade``): graded relevance of each candidate on a named scale.
- :class:`PairwiseJudge` (``pair``): which of two items matches a query better.
- :class:`Review` (``grade`` as adjudicator): the annotators' judgements side by side, one
  adjudicated grade per disputed pair.
"""

from .grade import RelevanceGrid
from .pair import PairwiseJudge
from .review import Review

__all__ = ["PairwiseJudge", "RelevanceGrid", "Review"]
