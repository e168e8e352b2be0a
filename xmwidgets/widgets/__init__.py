"""The judgement widgets: one shell (:mod:`._base`) and one module per task.

- :class:`RelevanceGrid` (``grade``): graded relevance of each candidate on a named scale.
- :class:`BestMatchPicker` (``pick``): the best (and second best) of each query's candidates.
- :class:`Review` (``grade`` as adjudicator): the annotators' judgements side by side, one
  adjudicated grade per disputed pair.
"""

from .grade import RelevanceGrid
from .pick import BestMatchPicker
from .review import Review

__all__ = ["BestMatchPicker", "RelevanceGrid", "Review"]
