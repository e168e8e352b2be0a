"""The judgement widgets: one shell (:mod:`._base`) and one module per task.

- :class:`RelevanceGrid` (``grade``): graded relevance of each candidate on a named scale.
- :class:`Ranker` (``rank``): a ranking of each query's candidates, ties allowed.
"""

from .grade import RelevanceGrid
from .rank import Ranker

__all__ = ["Ranker", "RelevanceGrid"]
