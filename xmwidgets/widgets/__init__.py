"""The judgement widgets: one shell (:mod:`._base`) and one module per task.

- :class:`RelevanceGrid` (``grade``): graded relevance of each candidate on a named scale.
- :class:`BestMatchPicker` (``pick``): the best (and second best) of each query's candidates.
- :class:`PairwiseJudge` (``pair``): which of two items matches a query better.
- :class:`Ranker` (``rank``): a ranking of each query's candidates, ties allowed.
- :class:`Review` (``grade`` as adjudicator): the annotators' judgements side by side, one
  adjudicated grade per disputed pair.
"""

from .grade import RelevanceGrid
from .pair import PairwiseJudge
from .pick import BestMatchPicker
from .rank import Ranker
from .review import Review

__all__ = ["BestMatchPicker", "PairwiseJudge", "Ranker", "RelevanceGrid", "Review"]
