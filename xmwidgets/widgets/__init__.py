"""The judgement widgets: one shell (:mod:`._base`) and one module per task.

- :class:`RelevanceGrid` (``grade``): graded relevance of each candidate on a named scale.
- :class:`BestMatchPicker` (``pick``): the best (and second best) of each query's candidates.
"""

from .grade import RelevanceGrid
from .pick import BestMatchPicker

__all__ = ["BestMatchPicker", "RelevanceGrid"]
